/**
 * @module
 * The worker: claims jobs under a lease, runs their handlers, heartbeats, and records outcomes.
 * Claims, completions, failures and heartbeats each go to the store in batches; wake-ups from the
 * store (in-process on SQLite, LISTEN/NOTIFY on PostgreSQL) start a claim at once, and polling
 * covers the rest (delayed jobs, other processes).
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { toMs } from '../core/duration.js';
import { InvalidArgumentError, NonRetryableError, SpoolError, coerceError, isNonRetryable, isSpoolError } from '../core/errors.js';
import { type WorkOptions, parseOptions, workOptionsSchema } from '../core/options.js';
import type { ClaimedJob, Job, JobError, Progress } from '../core/types.js';
import { toJson } from '../core/validate.js';
import { backoffDelay } from '../policies/backoff.js';
import { type ClaimRequest, type Completion, type Failure, type FailOutcome, type Fence, anyQueue } from '../store/contract.js';
import type { Spool } from '../client/spool.js';
import { Batcher } from './batcher.js';
import { createJobContext } from './job-context.js';
import type { Handler, Handlers } from './types.js';

interface Running {
  job: ClaimedJob;
  /** Made on first use of `ctx.signal`: most handlers never read it, and this runs for every job. */
  controller: AbortController | null;
  /** Why the job was stopped (timeout, cancel, lost lease, shutdown), once it was. */
  abortReason: SpoolError | null;
  /** Ends the wait for the handler when the job is stopped. */
  settle: ((outcome: Outcome) => void) | null;
  /** True once the handler has returned and its outcome is being written: no more heartbeats. */
  finishing: boolean;
}

type Outcome = { ok: true; result: unknown } | { ok: false; error: unknown };

export class Worker {
  readonly id: string;
  readonly queue: string;
  private readonly concurrency: number;
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private readonly heartbeatMs: number;
  private readonly pollMs: number;
  private readonly names: string[] | undefined;
  private readonly resolveHandler: (name: string) => Handler | undefined;
  private readonly running = new Map<string, Running>();
  private readonly completions: Batcher<Completion, true>;
  private readonly failures: Batcher<Failure, FailOutcome>;
  private readonly releases: Batcher<Fence, true>;
  private state: 'new' | 'running' | 'closing' | 'closed' = 'new';
  private claiming = false;
  private pokeScheduled = false;
  private wakeRequested = false;
  private claimSeq = 0;
  private claimRetryMs = 0;
  private pollTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private rescueTimer: NodeJS.Timeout | null = null;
  /** How often expired leases are looked for: half a lease, at most 5 s. */
  private readonly rescueMs: number;
  private unsubscribe: (() => void) | null = null;
  private closing: Promise<void> | null = null;
  private readonly closedCallbacks: (() => void)[] = [];
  private drained: (() => void) | null = null;

  constructor(
    private readonly spool: Spool,
    queue: string,
    handlers: Handlers,
    input: WorkOptions,
  ) {
    const options = parseOptions(workOptionsSchema, input, `work options for queue "${queue}"`) as WorkOptions;
    this.queue = queue;
    this.concurrency = options.concurrency ?? 1;
    this.batchSize = Math.min(options.batchSize ?? this.concurrency, this.concurrency);
    this.leaseMs = toMs(options.lease ?? 30_000, 'lease');
    if (this.leaseMs < 100) throw new InvalidArgumentError(`lease must be at least 100 ms; got ${this.leaseMs}.`);
    this.heartbeatMs = toMs(options.heartbeatInterval ?? Math.floor(this.leaseMs / 3), 'heartbeatInterval');
    if (this.heartbeatMs >= this.leaseMs) {
      throw new InvalidArgumentError(
        `heartbeatInterval (${this.heartbeatMs} ms) must be shorter than the lease (${this.leaseMs} ms), or leases expire between heartbeats.`,
      );
    }
    this.pollMs = toMs(options.pollInterval ?? spool.settings.pollInterval, 'pollInterval');
    this.rescueMs = Math.min(Math.floor(this.leaseMs / 2), 5_000);
    this.id = options.id ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    if (typeof handlers === 'function') {
      this.names = undefined;
      this.resolveHandler = () => handlers;
    } else if (typeof handlers === 'object' && handlers !== null && Object.keys(handlers).length > 0) {
      for (const [name, handler] of Object.entries(handlers)) {
        if (typeof handler !== 'function')
          throw new InvalidArgumentError(`The handler for "${name}" on queue "${queue}" is not a function.`);
      }
      this.names = Object.keys(handlers);
      this.resolveHandler = (name) => (Object.hasOwn(handlers, name) ? handlers[name] : undefined);
    } else {
      throw new InvalidArgumentError(
        `work("${queue}", handlers) needs a handler function or an object mapping job names to handler functions.`,
      );
    }
    const report = (context: string) => (err: unknown, retryInMs: number | null) =>
      this.reportError(err, `${context} on queue "${this.queue}" failed${retryInMs === null ? '' : `; retrying in ${retryInMs} ms`}`);
    const now = () => this.spool.clock.now();
    this.completions = new Batcher(
      async (items) => mapDone(items, await this.spool.store.complete(items, now())),
      report('Recording completed jobs'),
      isTransient,
    );
    this.failures = new Batcher(
      async (items) => {
        const outcomes = await this.spool.store.fail(items, now());
        const byId = new Map(outcomes.map((outcome) => [outcome.id, outcome]));
        return new Map(items.flatMap((item) => (byId.has(item.id) ? [[item, byId.get(item.id) as FailOutcome]] : [])));
      },
      report('Recording failed jobs'),
      isTransient,
    );
    this.releases = new Batcher(
      async (items) => mapDone(items, await this.spool.store.release(items, now())),
      report('Returning jobs to the queue'),
      isTransient,
    );
  }

  /** Jobs this worker holds right now. */
  get activeCount(): number {
    return this.running.size;
  }

  start(): void {
    if (this.state !== 'new') return;
    this.state = 'running';
    this.unsubscribe = this.spool.store.subscribe({
      onWake: (queue) => {
        if (queue === this.queue || queue === anyQueue) this.poke();
      },
      onCancel: (id) => this.abort(id, new SpoolError('SPOOL_CANCELLED', `Job ${id} was cancelled.`)),
      onReconnected: () => this.poke(),
    });
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.heartbeatMs);
    this.heartbeatTimer.unref();
    void this.rescueExpired();
    this.rescueTimer = setInterval(() => void this.rescueExpired(), this.rescueMs);
    this.rescueTimer.unref();
    this.poke();
  }

  /** Looks for work now instead of at the next poll. Pokes within one turn of the event loop make one claim. */
  poke(): void {
    if (this.state !== 'running' || this.pokeScheduled) return;
    this.pokeScheduled = true;
    setImmediate(() => {
      this.pokeScheduled = false;
      if (this.state !== 'running') return;
      if (this.claiming) this.wakeRequested = true;
      else void this.claimLoop();
    });
  }

  /**
   * Stops claiming, waits up to `timeout` for in-flight jobs, then aborts the rest with
   * SPOOL_SHUTDOWN and returns them to the queue without spending an attempt. Safe to call twice.
   */
  close(options: { timeout?: number } = {}): Promise<void> {
    this.closing ??= this.shutdown(options.timeout ?? this.spool.settings.shutdownTimeout);
    return this.closing;
  }

  onClosed(callback: () => void): void {
    this.closedCallbacks.push(callback);
  }

  private async shutdown(timeoutMs: number): Promise<void> {
    this.state = 'closing';
    if (this.pollTimer) clearTimeout(this.pollTimer);
    if (this.running.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => {
          this.drained = resolve;
        }),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      for (const id of [...this.running.keys()]) {
        this.abort(
          id,
          new SpoolError('SPOOL_SHUTDOWN', `The worker is shutting down; job ${id} goes back to the queue without spending an attempt.`),
        );
      }
      if (this.running.size > 0) {
        await new Promise<void>((resolve) => {
          this.drained = resolve;
        });
      }
    }
    await Promise.all([this.completions.flushed(), this.failures.flushed(), this.releases.flushed()]);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    if (this.rescueTimer) clearInterval(this.rescueTimer);
    this.unsubscribe?.();
    this.state = 'closed';
    for (const callback of this.closedCallbacks) callback();
  }

  private async claimLoop(): Promise<void> {
    this.claiming = true;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = null;
    let nextPollMs = this.pollMs;
    try {
      do {
        this.wakeRequested = false;
        const request = this.nextClaim();
        if (!request) break;
        this.startClaimed(await this.spool.store.claim(request), request);
      } while (this.wakeRequested && this.state === 'running');
    } catch (err) {
      this.claimRetryMs = Math.min(Math.max(this.claimRetryMs * 2, 100), 5_000);
      nextPollMs = Math.min(this.claimRetryMs, this.pollMs);
      this.reportError(err, `Claiming jobs from queue "${this.queue}" failed; trying again in ${nextPollMs} ms`);
    } finally {
      this.claiming = false;
    }
    if (this.state === 'running') {
      // Not unref'd: a running worker is what keeps a worker process alive.
      this.pollTimer = setTimeout(() => this.poke(), nextPollMs);
    }
  }

  /** The claim this worker would make now, or null when it has no free slot or is stopping. */
  private nextClaim(): ClaimRequest | null {
    const free = this.concurrency - this.running.size;
    if (free <= 0 || this.state !== 'running') return null;
    return {
      queue: this.queue,
      names: this.names,
      limit: Math.min(free, this.batchSize),
      workerId: this.id,
      token: `${this.id}:${++this.claimSeq}`,
      now: this.spool.clock.now(),
      leaseMs: this.leaseMs,
    };
  }

  private startClaimed(jobs: ClaimedJob[], request: ClaimRequest): void {
    this.claimRetryMs = 0;
    for (const job of jobs) this.run(job);
    // A full batch suggests more is waiting.
    if (jobs.length === request.limit) this.wakeRequested = true;
  }

  /** Takes back jobs whose lease expired (their worker crashed or hung), on a timer of its own. */
  private async rescueExpired(): Promise<void> {
    try {
      const rescued = await this.spool.store.rescueExpired(this.spool.clock.now());
      if (rescued > 0) this.spool.logger.warn(`Took back ${rescued} job(s) on expired leases; they run again.`, { queue: this.queue });
    } catch (err) {
      this.reportError(err, `Taking back jobs on expired leases failed; trying again in ${this.rescueMs} ms`);
    }
  }

  private run(job: ClaimedJob): void {
    const entry: Running = { job, controller: null, abortReason: null, settle: null, finishing: false };
    this.running.set(job.id, entry);
    void this.execute(entry).finally(() => this.freeSlot(job.id));
  }

  /**
   * A slot frees as soon as the handler settles, before its outcome is written: the next claim
   * and this completion then travel to the store side by side instead of one after the other.
   */
  private freeSlot(id: string): void {
    if (!this.running.delete(id)) return;
    if (this.running.size === 0) this.drained?.();
    this.poke();
  }

  private async execute(entry: Running): Promise<void> {
    const { job } = entry;
    const { spool } = this;
    const handler = this.resolveHandler(job.name);
    const persistProgress = async (progress: Progress) => {
      if (entry.abortReason) return;
      const stored = await spool.store.progress(job, progress, spool.clock.now());
      if (stored) spool.events.emit('progress', { job: { ...job, progress }, progress });
    };
    const ctx = createJobContext(job, () => signalOf(entry), spool.logger, persistProgress);
    let timer: NodeJS.Timeout | undefined;
    if (job.timeout !== null) {
      timer = setTimeout(
        () =>
          this.stop(
            entry,
            new SpoolError('SPOOL_TIMEOUT', `Job ${job.id} (${job.queue}/${job.name}) ran longer than its timeout of ${job.timeout} ms.`),
          ),
        job.timeout,
      );
    }
    if (spool.events.hasListeners('active')) spool.events.emit('active', { job });
    // Whichever comes first: the handler settles, or the job is stopped (a handler that ignores
    // its signal cannot hold the slot past a timeout, cancel or shutdown).
    const outcome = await new Promise<Outcome>((settle) => {
      entry.settle = settle;
      if (!handler)
        return settle({ ok: false, error: new NonRetryableError(`No handler for job name "${job.name}" on queue "${job.queue}".`) });
      try {
        const returned = handler(job.payload, ctx);
        if (isThenable(returned)) {
          returned.then(
            (result) => settle({ ok: true, result }),
            (error: unknown) => settle({ ok: false, error }),
          );
        } else settle({ ok: true, result: returned });
      } catch (error) {
        settle({ ok: false, error });
      }
    });
    entry.settle = null;
    clearTimeout(timer);
    entry.finishing = true;
    // The slot frees once the outcome's write is queued: the next claim and this write then go
    // to the store side by side.
    const recording = this.record(job, outcome, entry.abortReason ?? undefined);
    this.freeSlot(job.id);
    await recording;
  }

  private async record(job: ClaimedJob, outcome: Outcome, reason: SpoolError | undefined): Promise<void> {
    const { spool } = this;
    if (isSpoolError(reason, 'SPOOL_SHUTDOWN')) return this.release(job);
    if (isSpoolError(reason, 'SPOOL_CANCELLED')) {
      spool.events.emit('cancelled', { job: { ...job, status: 'cancelled' } });
      return;
    }
    if (isSpoolError(reason, 'SPOOL_LEASE_LOST')) {
      spool.logger.warn(`Lost the lease on job ${job.id}; its outcome is not recorded (another worker may run it).`, { queue: job.queue });
      return;
    }
    if (outcome.ok) {
      let resultJson: string;
      try {
        resultJson = toJson(outcome.result, `result of job ${job.id}`, spool.settings.maxPayloadBytes);
      } catch (err) {
        return this.fail(
          job,
          new NonRetryableError(`The handler returned a result Spool cannot store: ${(err as Error).message}`, { cause: err }),
        );
      }
      return this.complete(job, outcome.result, resultJson);
    }
    return this.fail(job, reason ?? outcome.error);
  }

  private async complete(job: ClaimedJob, result: unknown, resultJson: string): Promise<void> {
    const now = this.spool.clock.now();
    const done = await this.completions.add({ id: job.id, token: job.token, result: resultJson }, this.leaseDeadline());
    if (!done) return this.lostOutcome(job, 'completion');
    if (!this.spool.events.hasListeners('completed')) return;
    this.spool.events.emit('completed', {
      job: { ...job, status: 'completed', result: JSON.parse(resultJson), finishedAt: now, leaseExpiresAt: null },
      result,
    });
  }

  private async fail(job: ClaimedJob, thrown: unknown): Promise<void> {
    const error = coerceError(thrown);
    const now = this.spool.clock.now();
    const final = isNonRetryable(error) || job.attempts >= job.maxAttempts;
    const jobError: JobError = {
      message: error.message,
      ...errorCode(error),
      name: error.name,
      ...(error.stack ? { stack: error.stack } : {}),
      attempt: job.attempts,
      at: now,
      final,
    };
    const retryAt = final ? null : now + backoffDelay(job.backoff, job.attempts);
    const outcome = await this.failures.add({ id: job.id, token: job.token, error: jobError, retryAt }, this.leaseDeadline());
    if (!outcome) return this.lostOutcome(job, 'failure');
    const errors = [...job.errors, jobError];
    if (outcome.status === 'waiting') {
      this.spool.events.emit('retrying', {
        job: { ...job, status: 'waiting', runAt: outcome.runAt, errors, leaseExpiresAt: null },
        error: jobError,
        runAt: outcome.runAt,
      });
    } else {
      this.spool.events.emit('failed', {
        job: { ...job, status: 'failed', errors, finishedAt: now, leaseExpiresAt: null },
        error: jobError,
      });
    }
  }

  private async release(job: ClaimedJob): Promise<void> {
    await this.releases.add({ id: job.id, token: job.token }, this.leaseDeadline());
  }

  private async lostOutcome(job: Job, what: string): Promise<void> {
    // A stale token: the job was cancelled, or its lease expired and it was taken back.
    const current = await this.spool.store.getJob(job.id).catch(() => null);
    if (current?.status === 'cancelled') {
      this.spool.events.emit('cancelled', { job: current });
      return;
    }
    this.spool.logger.warn(`The ${what} of job ${job.id} was not recorded: this worker no longer held its lease.`, {
      queue: job.queue,
      status: current?.status,
    });
  }

  private leaseDeadline(): number {
    return Date.now() + this.leaseMs;
  }

  private async heartbeat(): Promise<void> {
    const held = [...this.running.values()].filter((entry) => !entry.finishing && !entry.abortReason);
    if (held.length === 0) return;
    try {
      const fences = held.map((entry) => ({ id: entry.job.id, token: entry.job.token }));
      const kept = new Set(await this.spool.store.heartbeat(fences, this.spool.clock.now(), this.leaseMs));
      for (const entry of held) {
        if (kept.has(entry.job.id) || entry.finishing) continue;
        const current = await this.spool.store.getJob(entry.job.id);
        const reason =
          current?.status === 'cancelled'
            ? new SpoolError('SPOOL_CANCELLED', `Job ${entry.job.id} was cancelled.`)
            : new SpoolError('SPOOL_LEASE_LOST', `Job ${entry.job.id}'s lease expired and the job was taken back; stop working on it.`);
        this.abort(entry.job.id, reason);
      }
    } catch (err) {
      this.reportError(err, `Extending leases on queue "${this.queue}" failed; trying again in ${this.heartbeatMs} ms`);
    }
  }

  private abort(id: string, reason: SpoolError): void {
    const entry = this.running.get(id);
    if (entry) this.stop(entry, reason);
  }

  private stop(entry: Running, reason: SpoolError): void {
    if (entry.finishing || entry.abortReason) return;
    entry.abortReason = reason;
    entry.controller?.abort(reason);
    entry.settle?.({ ok: false, error: reason });
  }

  private reportError(err: unknown, context: string): void {
    this.spool.events.emit('error', { error: coerceError(err), context });
  }
}

function signalOf(entry: Running): AbortSignal {
  if (!entry.controller) {
    entry.controller = new AbortController();
    if (entry.abortReason) entry.controller.abort(entry.abortReason);
  }
  return entry.controller.signal;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

/** The store is away or busy for now; the same write may succeed in a moment. */
function isTransient(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return isSpoolError(err, 'SPOOL_STORE_UNAVAILABLE') || code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

function errorCode(error: Error): { code?: string } {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? { code } : {};
}

function mapDone<T extends { id: string }>(items: T[], doneIds: string[]): Map<T, true> {
  const done = new Set(doneIds);
  return new Map(items.filter((item) => done.has(item.id)).map((item) => [item, true as const]));
}
