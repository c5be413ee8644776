/**
 * @module
 * Applies an attempt's outcome: each kind of write goes to the store in batches (see Batcher),
 * and the matching lifecycle event is emitted once the store accepted it. Failed attempts are
 * logged (warn while retries remain, error when the job fails for good).
 */
import { isTransient } from '../core/errors.js';
import { jobFields } from '../core/logger.js';
import type { OutageLog } from '../core/outage-log.js';
import type { ClaimedJob, Job, JobErrorRecord } from '../core/types.js';
import type { CompleteOutcome, Completion, FailOutcome, Failure, Release, Suspension } from '../store/contract.js';
import { Batcher } from './batcher.js';
import type { Outcome } from './outcome.js';
import type { WorkerPort } from './port.js';

export class OutcomeRecorder {
  private readonly completions: Batcher<Completion, CompleteOutcome>;
  private readonly failures: Batcher<Failure, FailOutcome>;
  private readonly releases: Batcher<Release, true>;
  private readonly suspensions: Batcher<Suspension, true>;

  constructor(
    private readonly port: WorkerPort,
    private readonly queue: string,
    outage: OutageLog,
  ) {
    const hooks = (what: string) => ({
      isTransient,
      onSuccess: () => outage.succeeded(),
      onError: (err: unknown, retryInMs: number | null) => {
        if (retryInMs !== null) return outage.failed(err, `${what} on queue "${queue}" failed`);
        port.events.emit('error', {
          error: err as Error,
          context: `${what} on queue "${queue}" was refused by the store and given up; the jobs' leases decide what happens next`,
        });
      },
    });
    this.completions = new Batcher(async (items) => byItem(items, await port.store.complete(items)), hooks('Recording completed jobs'));
    this.failures = new Batcher(async (items) => byItem(items, await port.store.fail(items)), hooks('Recording failed jobs'));
    this.releases = new Batcher(async (items) => {
      const done = new Set(await port.store.release(items));
      return new Map(items.filter((item) => done.has(item.id)).map((item) => [item, true as const]));
    }, hooks('Returning jobs to the queue'));
    this.suspensions = new Batcher(async (items) => {
      // A store without steps has no children or event waits to wake on: a suspension is a timed release.
      const done = new Set(port.store.steps ? await port.store.steps.suspend(items) : await port.store.release(items));
      return new Map(items.filter((item) => done.has(item.id)).map((item) => [item, true as const]));
    }, hooks('Suspending workflows'));
  }

  /** Writes the outcome and emits its event; resolves once the store answered (or the write was given up). */
  async record(job: ClaimedJob, outcome: Outcome, traceId?: string | null): Promise<void> {
    const { events, logger } = this.port;
    switch (outcome.type) {
      case 'complete': {
        const done = await this.completions.add({ id: job.id, token: job.token, result: outcome.resultJson });
        if (!done) return this.notRecorded(job, 'completion', traceId);
        if (!events.hasListeners('completed')) return;
        events.emit('completed', {
          job: {
            ...job,
            status: 'completed',
            result: JSON.parse(outcome.resultJson),
            finishedAt: done.at,
            updatedAt: done.at,
            leaseExpiresAt: null,
          },
          result: outcome.result,
        });
        return;
      }
      case 'fail':
      case 'retry': {
        const delay = outcome.type === 'retry' ? outcome.delayMs : null;
        const done = await this.failures.add({ id: job.id, token: job.token, error: outcome.error, retryInMs: delay });
        if (!done) return this.notRecorded(job, 'failure', traceId);
        const error: JobErrorRecord = { ...outcome.error, at: done.at, final: done.status === 'failed' };
        const fields = { ...jobFields(job, traceId), code: error.code };
        const errors = [...job.errors, error];
        if (done.status === 'waiting') {
          logger.warn(`Job ${job.id} (${job.queue}/${job.name}) attempt ${job.attempts} of ${job.maxAttempts} failed: ${error.message}`, {
            ...fields,
            retryInMs: done.runAt - done.at,
          });
          events.emit('retrying', {
            job: { ...job, status: 'waiting', runAt: done.runAt, errors, leaseExpiresAt: null },
            error,
            runAt: done.runAt,
          });
        } else {
          logger.error(
            `Job ${job.id} (${job.queue}/${job.name}) failed for good after ${job.attempts} attempt(s): ${error.message}`,
            fields,
          );
          events.emit('failed', { job: { ...job, status: 'failed', errors, finishedAt: done.at, leaseExpiresAt: null }, error });
        }
        return;
      }
      case 'release':
        await this.releases.add({ id: job.id, token: job.token, delayMs: outcome.delayMs });
        return;
      case 'suspend':
        await this.suspensions.add({ id: job.id, token: job.token, delayMs: outcome.delayMs, wakeOn: outcome.wakeOn });
        return;
      case 'abandon':
        if (outcome.why === 'cancelled') {
          events.emit('cancelled', { job: { ...job, status: 'cancelled', leaseExpiresAt: null } });
          return;
        }
        logger.warn(`Lost the lease on job ${job.id}; its outcome is not recorded (another worker may run it).`, jobFields(job, traceId));
        return;
    }
  }

  /**
   * True while outcomes wait for the store to come back. The worker claims nothing then: a job it
   * finished during the outage may have been taken back meanwhile, and claiming it again would run
   * it twice and replace the token its finished outcome is waiting to be recorded under.
   */
  get stalled(): boolean {
    return this.completions.stalled || this.failures.stalled || this.releases.stalled || this.suspensions.stalled;
  }

  /** Waits for every write queued so far. */
  flushed(): Promise<void> {
    return Promise.all([this.completions.flushed(), this.failures.flushed(), this.releases.flushed(), this.suspensions.flushed()]).then(
      () => {},
    );
  }

  /** Gives up writes still waiting on the store (a shutdown that cannot wait longer); the leases decide. */
  abandon(): void {
    this.completions.abandon();
    this.failures.abandon();
    this.releases.abandon();
    this.suspensions.abandon();
  }

  private async notRecorded(job: Job, what: string, traceId: string | null | undefined): Promise<void> {
    // A stale token: the job was cancelled, or another worker claimed it after its lease expired.
    const current = await this.port.store.getJob(job.id).catch(() => null);
    if (current?.status === 'cancelled') {
      this.port.events.emit('cancelled', { job: current });
      return;
    }
    this.port.logger.warn(`The ${what} of job ${job.id} was not recorded: this worker no longer held its lease.`, {
      ...jobFields(job, traceId),
      status: current?.status,
    });
  }
}

function byItem<T extends { id: string }, R extends { id: string }>(items: T[], results: R[]): Map<T, R> {
  const byId = new Map(results.map((result) => [result.id, result]));
  return new Map(items.flatMap((item) => (byId.has(item.id) ? [[item, byId.get(item.id) as R]] : [])));
}
