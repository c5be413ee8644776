/**
 * @module
 * Extends the leases a worker holds, in one batch per interval. The store says for each lease it
 * could not extend why it was lost, in the same statement: a cancelled job is stopped with
 * SPOOL_CANCELLED; a job another worker claimed, finished or that was deleted with SPOOL_LEASE_LOST.
 * A lease that merely expired (the job was taken back, nobody claimed it yet) stops nothing: the
 * token still holds, and the outcome is accepted if it lands before another claim.
 */
import { SpoolError, isTransient } from '../core/errors.js';
import type { OutageLog } from '../core/outage-log.js';
import type { LeaseLoss } from '../store/contract.js';
import type { WorkerPort } from './port.js';
import type { RunningJob } from './run-job.js';

export class Heartbeats {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly port: WorkerPort,
    private readonly queue: string,
    private readonly leaseMs: number,
    private readonly intervalMs: number,
    private readonly held: () => Iterable<RunningJob>,
    private readonly stop: (entry: RunningJob, reason: SpoolError) => void,
    private readonly outage: OutageLog,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.beat(), this.intervalMs);
    this.timer.unref();
  }

  stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async beat(): Promise<void> {
    const entries = [...this.held()].filter((entry) => !entry.finishing && !entry.stopReason);
    if (entries.length === 0) return;
    const started = performance.now();
    try {
      const { kept, lost } = await this.port.store.heartbeat(
        entries.map((entry) => ({ id: entry.job.id, token: entry.job.token })),
        this.leaseMs,
      );
      this.outage.succeeded();
      const byId = new Map(entries.map((entry) => [entry.job.id, entry]));
      for (const id of kept) {
        const entry = byId.get(id);
        if (entry) entry.leaseUntil = started + this.leaseMs;
      }
      for (const { id, reason } of lost) {
        // Taken back, but nobody has claimed it since: the token still holds, so the outcome counts
        // when it lands. The job runs on, and stops at the first beat after another worker claims it.
        if (reason === 'expired') continue;
        const entry = byId.get(id);
        if (entry && !entry.finishing) this.stop(entry, lossError(id, reason));
      }
    } catch (err) {
      if (isTransient(err)) this.outage.failed(err, `Extending leases on queue "${this.queue}" failed`);
      else this.port.events.emit('error', { error: err as Error, context: `Extending leases on queue "${this.queue}" failed` });
    }
  }
}

function lossError(id: string, reason: LeaseLoss): SpoolError {
  if (reason === 'cancelled') return new SpoolError('SPOOL_CANCELLED', `Job ${id} was cancelled.`);
  const why: Record<Exclude<LeaseLoss, 'cancelled'>, string> = {
    expired: 'its lease expired and the job was taken back',
    taken: 'its lease expired and another worker claimed it',
    finished: 'it was finished by another worker',
    gone: 'it no longer exists (deleted or pruned)',
  };
  return new SpoolError('SPOOL_LEASE_LOST', `Job ${id}: ${why[reason]}; stop working on it.`);
}
