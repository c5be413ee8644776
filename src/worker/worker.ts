/**
 * @module
 * A worker on one queue: claims jobs under a lease, runs their handlers, heartbeats, and records
 * outcomes. It is put together from parts with one purpose each:
 * `claim-loop.ts` (when to claim), `run-job.ts` (one handler, its timeout and stops),
 * `outcome.ts` (what an attempt ended as), `record-outcome.ts` (batched writes and events) and
 * `heartbeats.ts` (extending leases); `registry.ts` tells the store it runs and which names it
 * handles. It gets a narrow port, never the Spool; taking back expired leases and pruning run
 * once per Spool, not here (`client/maintenance.ts`).
 *
 * A worker with a map of handlers claims only the names in it, so a job nobody here handles is
 * never claimed: it waits, and `GET /v1/jobs/{id}` says why. When this worker is idle it looks (at
 * most once a minute) for waiting jobs on its queue whose names no running worker handles, and
 * logs each such name once. Should it ever hold a job it has no handler for (the map changed
 * after it started), the job goes back to the queue without spending an attempt.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { defaults } from '../core/defaults.js';
import { toMs } from '../core/duration.js';
import { InvalidArgumentError, SpoolError, isTransient } from '../core/errors.js';
import { type WorkOptions, parseOptions, workOptionsSchema } from '../core/options.js';
import { OutageLog } from '../core/outage-log.js';
import { closest } from '../core/spelling.js';
import type { ClaimedJob, Progress } from '../core/types.js';
import { type ClaimRequest, anyQueue } from '../store/contract.js';
import { ClaimLoop } from './claim-loop.js';
import { type HandlerTable, handlerTable } from './handlers.js';
import { Heartbeats } from './heartbeats.js';
import { createJobContext } from './job-context.js';
import { type Outcome, type RunResult, decideOutcome, noHandlerDelayMs } from './outcome.js';
import { QueueGuard, countsForBreaker } from './queue-guard.js';
import { block } from '../policies/rate-window.js';
import type { WorkerPort, WorkflowRunPort } from './port.js';
import { OutcomeRecorder } from './record-outcome.js';
import { type RunningJob, newRunningJob, runHandler, signalOf, stopJob } from './run-job.js';
import type { Handlers } from './types.js';

export class Worker {
  readonly id: string;
  readonly queue: string;
  readonly concurrency: number;
  private readonly batchSize: number;
  readonly leaseMs: number;
  /** Recorded on each workflow run this worker starts; null when not given. */
  private readonly workflowVersion: number | null;
  private readonly handlers: HandlerTable;
  private readonly running = new Map<string, RunningJob>();
  /** Jobs whose handler has settled and whose outcome is not written yet. */
  private readonly unwritten = new Map<string, RunningJob>();
  /** When the claim in flight started, on the monotonic clock: the start of its jobs' leases. */
  private claimStartedAt = 0;
  private readonly claims: ClaimLoop;
  private readonly recorder: OutcomeRecorder;
  private readonly heartbeats: Heartbeats;
  private readonly guard: QueueGuard;
  private state: 'new' | 'running' | 'closing' | 'closed' = 'new';
  private claimSeq = 0;
  private unsubscribe: (() => void) | null = null;
  private closing: Promise<void> | null = null;
  private readonly closedCallbacks: (() => void)[] = [];
  private drained: (() => void) | null = null;
  /** When this worker last looked for waiting jobs nobody handles (performance.now()), and the names it reported. */
  private unhandledCheckedAt = Number.NEGATIVE_INFINITY;
  private readonly reported = new Set<string>();

  constructor(
    private readonly port: WorkerPort,
    queue: string,
    handlers: Handlers,
    input: WorkOptions,
    outage: OutageLog = new OutageLog(port.events, port.logger),
  ) {
    const options = parseOptions(workOptionsSchema, input, `work options for queue "${queue}"`) as WorkOptions;
    this.queue = queue;
    this.concurrency = options.concurrency ?? defaults.work.concurrency;
    this.batchSize = Math.min(options.batchSize ?? this.concurrency, this.concurrency);
    this.leaseMs = leaseOf(options);
    this.workflowVersion = options.workflowVersion ?? null;
    const heartbeatMs = toMs(options.heartbeatInterval ?? Math.floor(this.leaseMs * defaults.work.heartbeatFraction), 'heartbeatInterval');
    if (heartbeatMs >= this.leaseMs) {
      throw new InvalidArgumentError(
        `heartbeatInterval (${heartbeatMs} ms) must be shorter than the lease (${this.leaseMs} ms), or leases expire between heartbeats.`,
      );
    }
    const pollMs = toMs(options.pollInterval ?? port.settings.pollInterval, 'pollInterval');
    this.id = options.id ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.handlers = handlerTable(queue, handlers);
    this.guard = new QueueGuard(port, queue);
    this.claims = new ClaimLoop(
      port,
      queue,
      pollMs,
      () => this.nextClaim(),
      (request) => this.guard.claim(request),
      (jobs) => this.startAll(jobs),
      outage,
      () => this.lookForUnhandled(),
    );
    this.recorder = new OutcomeRecorder(port, queue, outage);
    this.heartbeats = new Heartbeats(port, queue, this.leaseMs, heartbeatMs, () => this.running.values(), stopJob, outage);
  }

  /** Jobs this worker holds right now. */
  get activeCount(): number {
    return this.running.size;
  }

  /** The job names this worker claims, or undefined when one handler takes every name. */
  get names(): readonly string[] | undefined {
    return this.handlers.names;
  }

  start(): void {
    if (this.state !== 'new') return;
    this.state = 'running';
    this.unsubscribe = this.port.store.subscribe({
      onWake: (queue) => {
        if (queue === this.queue || queue === anyQueue) this.claims.poke();
      },
      onCancel: (id) => this.stop(id, new SpoolError('SPOOL_CANCELLED', `Job ${id} was cancelled.`)),
      onReconnected: () => this.claims.poke(),
    });
    this.heartbeats.start();
    this.claims.start();
    this.port.registry?.add(this);
  }

  /** Looks for work now instead of at the next poll. */
  poke(): void {
    this.claims.poke();
  }

  /**
   * Stops claiming, waits up to `timeout` for in-flight jobs, then stops the rest with
   * SPOOL_SHUTDOWN and returns them to the queue without spending an attempt. Writes still
   * waiting on an unreachable store are given up after the same timeout. Safe to call twice.
   */
  close(options: { timeout?: number } = {}): Promise<void> {
    this.closing ??= this.shutdown(options.timeout ?? this.port.settings.shutdownTimeout);
    return this.closing;
  }

  onClosed(callback: () => void): void {
    this.closedCallbacks.push(callback);
  }

  private async shutdown(timeoutMs: number): Promise<void> {
    this.state = 'closing';
    this.claims.stop();
    if (this.running.size > 0) {
      await this.whenDrained(timeoutMs);
      for (const id of [...this.running.keys()]) {
        this.stop(
          id,
          new SpoolError('SPOOL_SHUTDOWN', `The worker is shutting down; job ${id} goes back to the queue without spending an attempt.`),
        );
      }
      if (this.running.size > 0) await this.whenDrained(Number.POSITIVE_INFINITY);
    }
    let timer: NodeJS.Timeout | undefined;
    const written = await Promise.race([
      this.recorder.flushed().then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (!written) {
      this.port.logger.warn(
        `Worker on queue "${this.queue}" could not write every outcome within ${timeoutMs} ms (the store is unreachable); those jobs run again when their leases expire.`,
      );
      this.recorder.abandon();
    }
    await this.guard.flushed();
    this.heartbeats.stopTimer();
    this.unsubscribe?.();
    await this.port.registry?.remove(this);
    this.state = 'closed';
    for (const callback of this.closedCallbacks) callback();
  }

  private whenDrained(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = Number.isFinite(timeoutMs) ? setTimeout(resolve, timeoutMs) : undefined;
      this.drained = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /**
   * The claim this worker would make now, or null when it has no free slot, is stopping, or still
   * has outcomes waiting for the store (they are written first; see OutcomeRecorder.stalled).
   */
  private nextClaim(): ClaimRequest | null {
    const free = this.concurrency - this.running.size;
    if (free <= 0 || this.state !== 'running' || this.recorder.stalled) return null;
    this.claimStartedAt = performance.now();
    const exclude = this.lapsedLeases(this.claimStartedAt);
    return {
      queue: this.queue,
      names: this.handlers.names,
      limit: Math.min(free, this.batchSize),
      workerId: this.id,
      token: `${this.id}:${++this.claimSeq}`,
      leaseMs: this.leaseMs,
      ...(exclude ? { exclude } : {}),
    };
  }

  /** Jobs in hand whose lease may have run out by now (a freeze, a long pause, failed heartbeats). */
  private lapsedLeases(now: number): string[] | undefined {
    let lapsed: string[] | undefined;
    for (const held of [this.running, this.unwritten]) {
      for (const entry of held.values()) if (entry.leaseUntil <= now) (lapsed ??= []).push(entry.job.id);
    }
    return lapsed;
  }

  private startAll(jobs: ClaimedJob[]): void {
    for (const job of jobs) {
      const entry = newRunningJob(job, this.claimStartedAt + this.leaseMs);
      this.running.set(job.id, entry);
      void this.execute(entry).finally(() => this.freeSlot(job.id));
    }
  }

  /**
   * A slot frees as soon as the handler settles, before its outcome is written: the next claim
   * and this completion then travel to the store side by side instead of one after the other.
   */
  private freeSlot(id: string): void {
    if (!this.running.delete(id)) return;
    if (this.running.size === 0) this.drained?.();
    this.claims.poke();
  }

  private async execute(entry: RunningJob): Promise<void> {
    const { job } = entry;
    const { port } = this;
    let flow: WorkflowRunPort | undefined;
    const startFlow = port.workflow;
    const ctx = createJobContext(
      job,
      () => signalOf(entry),
      port.logger,
      (progress) => this.persistProgress(entry, progress),
      undefined,
      startFlow && (() => (flow ??= startFlow(job, this.workflowVersion))),
    );
    if (port.events.hasListeners('active')) port.events.emit('active', { job });
    const run = await runHandler(entry, this.handlers.resolve(job.name), ctx);
    let outcome = decideOutcome(run, job, { maxPayloadBytes: port.settings.maxPayloadBytes });
    if (flow || job.metadata['spool.compensates'] !== undefined)
      outcome = await this.settleWorkflow(flow ?? startFlow?.(job, this.workflowVersion), job, outcome);
    if (run.kind === 'no-handler' && !this.reported.has(job.name)) {
      this.reported.add(job.name);
      port.logger.warn(
        `Worker on queue "${this.queue}" claimed job ${job.id} (${job.queue}/${job.name}) but has no handler for "${job.name}" (its handler map changed after it started); the job goes back to the queue without spending an attempt.`,
        { queue: job.queue, name: job.name, jobId: job.id },
      );
    }
    // The slot frees once the outcome's write is queued: the next claim and this write then go
    // to the store side by side.
    const recording = this.recorder.record(job, outcome);
    this.unwritten.set(job.id, entry);
    this.freeSlot(job.id);
    await recording.finally(() => this.unwritten.delete(job.id));
    this.reportLimits(job, run, outcome);
  }

  /** Lets a workflow's saga have the last word on the outcome; a store that fails meanwhile sends the job back to try again. */
  private async settleWorkflow(flow: WorkflowRunPort | undefined, job: ClaimedJob, outcome: Outcome): Promise<Outcome> {
    if (!flow || outcome.type === 'abandon') return outcome;
    try {
      return await flow.settle(outcome);
    } catch (err) {
      if ((err as { code?: unknown })?.code === 'SPOOL_LEASE_LOST') return { type: 'abandon', why: 'lease-lost' };
      this.port.logger.warn(
        `The saga of job ${job.id} could not run now (${(err as Error).message}); the job goes back to the queue to try again.`,
        {
          queue: job.queue,
        },
      );
      return { type: 'release', delayMs: noHandlerDelayMs, why: 'deferred' };
    }
  }

  /** Tells the queue's breaker how the attempt went, and shuts a rate window a partner said is full. */
  private reportLimits(job: ClaimedJob, run: RunResult, outcome: Outcome): void {
    if (outcome.type === 'complete') this.guard.report(job, 'success');
    else if (
      (outcome.type === 'fail' || outcome.type === 'retry') &&
      countsForBreaker(run.kind === 'threw' ? run.error : run.kind === 'stopped' ? run.reason : null)
    ) {
      this.guard.report(job, 'failure');
    }
    const rateLimit = this.guard.policy.rateLimit;
    const limits = this.port.store.limits;
    if (
      outcome.type === 'release' &&
      outcome.why === 'deferred' &&
      rateLimit &&
      limits &&
      run.kind === 'threw' &&
      (run.error as { code?: unknown })?.code === 'SPOOL_RATE_LIMITED'
    ) {
      const key = job.rateLimitKey ?? valueAt(job.payload, rateLimit.keyPath) ?? '';
      limits
        .updateWindow(job.queue, key, (state, now) => block(state, now + outcome.delayMs, now, rateLimit.perMs))
        .catch((err: unknown) =>
          this.port.events.emit('error', { error: err as Error, context: `Shutting the rate window of queue "${job.queue}" failed` }),
        );
    }
  }

  /**
   * Progress is a hint, not work: while the store is away it is kept (the latest value wins) and
   * never thrown into the handler, which must not fail a job for the store's outage.
   */
  private async persistProgress(entry: RunningJob, progress: Progress): Promise<void> {
    if (entry.stopReason) return;
    try {
      const stored = await this.port.store.progress(entry.job, progress);
      if (stored) this.port.events.emit('progress', { job: { ...entry.job, progress }, progress });
    } catch (err) {
      if (!isTransient(err)) throw err;
      this.port.logger.debug(`Progress of job ${entry.job.id} was not stored (the store is unavailable); the next update carries it.`);
    }
  }

  /**
   * Called when a claim found nothing: looks (at most every `unhandledCheckInterval`) for waiting
   * jobs on this queue whose names no running worker handles, and logs each name once. A hint for
   * operators; a failure here is left for the next look.
   */
  private lookForUnhandled(): void {
    const names = this.handlers.names;
    const registry = this.port.store.workers;
    const at = performance.now();
    if (!names || !registry || this.state !== 'running' || at - this.unhandledCheckedAt < defaults.registry.unhandledCheckInterval) return;
    this.unhandledCheckedAt = at;
    void (async () => {
      const waiting = (await registry.waitingNames(this.queue, names, 20)).filter((name) => !this.reported.has(name));
      if (waiting.length === 0) return;
      const live = await registry.list(defaults.registry.staleAfter, this.queue);
      if (live.some((w) => w.names === null)) return;
      const handled = new Set([...names, ...live.flatMap((w) => w.names ?? [])]);
      for (const name of waiting) {
        if (handled.has(name)) continue;
        this.reported.add(name);
        const guess = closest(name, handled);
        this.port.logger.warn(
          `Queue "${this.queue}" has waiting jobs named "${name}" that no running worker handles${guess ? ` (did you mean "${guess}"?)` : ''}; this worker handles ${names.join(', ')}. They wait until a worker with a handler for "${name}" starts.`,
          { queue: this.queue, name },
        );
      }
    })().catch(() => {});
  }

  private stop(id: string, reason: SpoolError): void {
    const entry = this.running.get(id);
    if (entry) stopJob(entry, reason);
  }
}

function leaseOf(options: WorkOptions): number {
  const leaseMs = toMs(options.lease ?? defaults.work.lease, 'lease');
  if (leaseMs < defaults.work.minLease)
    throw new InvalidArgumentError(`lease must be at least ${defaults.work.minLease} ms; got ${leaseMs}.`);
  return leaseMs;
}

/** The string at a dotted payload path (`tenant.id`), or null. */
function valueAt(payload: unknown, path: string | null | undefined): string | null {
  if (!path) return null;
  let value: unknown = payload;
  for (const part of path.split('.'))
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  return value === undefined || value === null ? null : String(value);
}
