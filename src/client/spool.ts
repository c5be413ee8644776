/**
 * @module
 * The Spool: the library's front door. Enqueue, read, wait for, cancel and retry jobs, and start
 * workers. Options are validated here, once, and resolved to plain values for the store.
 */
import { type Clock, systemClock } from '../core/clock.js';
import { toMs } from '../core/duration.js';
import { InvalidArgumentError, JobCancelledError, JobFailedError, JobNotFoundError, SpoolError, isSpoolError } from '../core/errors.js';
import { type Listener, SpoolEmitter, type SpoolEventName, type SpoolEvents } from '../core/events.js';
import { type Logger, consoleLogger } from '../core/logger.js';
import {
  type EnqueueOptions,
  type JobDefaults,
  type SpoolOptions,
  type WorkOptions,
  defaultJobOptions,
  enqueueOptionsSchema,
  parseOptions,
  resolveBackoff,
  spoolOptionsSchema,
} from '../core/options.js';
import { type Job, type JobStatus, type NewJob, finalStatuses, jobStatuses } from '../core/types.js';
import { assertName, toJson } from '../core/validate.js';
import type { BacklogPoint, FinalStatus, QueueCounts, Store, ThroughputPoint, Transaction } from '../store/contract.js';
import { defaultStoreUrl, openStore } from '../store/open-store.js';
import { newJobToJob } from '../store/row.js';
import type { Handlers } from '../worker/types.js';
import { Worker } from '../worker/worker.js';
import { installShutdownSignals } from './shutdown-signals.js';

export interface JobHandle<R = unknown> {
  id: string;
  /** False when an idempotency key matched an existing job. */
  created: boolean;
  /** The job as stored right after the enqueue. */
  job: Job;
  /** Resolves with the result; rejects with JobFailedError or JobCancelledError. */
  wait(options?: { timeout?: number }): Promise<R>;
}

export interface EnqueueItem {
  queue: string;
  name: string;
  payload?: unknown;
  options?: EnqueueOptions;
}

export interface ListJobsOptions {
  queue?: string;
  status?: JobStatus;
  name?: string;
  /** @defaultValue 50, at most 500 */
  limit?: number;
  /** `nextCursor` from the previous page. */
  cursor?: string;
}

export interface JobPage {
  jobs: Job[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** Settings every part of a Spool reads, resolved from SpoolOptions. */
export interface SpoolSettings {
  maxPayloadBytes: number;
  defaults: JobDefaults;
  retention: { completed: number; failed: number; cancelled: number };
  pollInterval: number;
  shutdownTimeout: number;
}

export async function createSpool(options: SpoolOptions = {}): Promise<Spool> {
  return Spool.create(options);
}

export class Spool {
  readonly events: SpoolEmitter;
  private readonly workers = new Set<Worker>();
  private closing: Promise<void> | null = null;
  private pruneTimer: NodeJS.Timeout | null = null;
  private removeSignals: (() => void) | null = null;

  private constructor(
    readonly store: Store,
    readonly clock: Clock,
    readonly logger: Logger,
    readonly settings: SpoolSettings,
    private readonly shutdownSignals: NodeJS.Signals[] | false,
  ) {
    this.events = new SpoolEmitter(logger);
  }

  static async create(input: SpoolOptions = {}): Promise<Spool> {
    const options = parseOptions(spoolOptionsSchema, input, 'createSpool options') as SpoolOptions;
    const settings = resolveSettings(options);
    const logger = options.logger ?? consoleLogger();
    const store =
      typeof options.store === 'object'
        ? options.store
        : await openStore(options.store ?? defaultStoreUrl, { schema: options.schema, logger });
    try {
      await store.migrate();
    } catch (err) {
      await store.close().catch(() => {});
      throw err;
    }
    return new Spool(store, options.clock ?? systemClock, logger, settings, options.shutdownSignals ?? ['SIGTERM', 'SIGINT']);
  }

  on<E extends SpoolEventName>(name: E, listener: Listener<E>): () => void {
    return this.events.on(name, listener);
  }

  off<E extends SpoolEventName>(name: E, listener: Listener<E>): void {
    this.events.off(name, listener);
  }

  /**
   * Adds a job. With `tx`, the insert joins your transaction and the job exists only if it
   * commits (a `pg` client inside BEGIN, or on SQLite the better-sqlite3 Database inside
   * `db.transaction()`; the insert runs synchronously there).
   */
  enqueue<R = unknown>(
    queue: string,
    name: string,
    payload?: unknown,
    options?: EnqueueOptions & { tx?: Transaction },
  ): Promise<JobHandle<R>> {
    const { tx, ...rest } = options ?? {};
    return this.enqueueMany<R>([{ queue, name, payload, options: rest }], { tx }).then((handles) => handles[0] as JobHandle<R>);
  }

  /** Adds many jobs in one round trip; all or none are stored. Handles follow the input order. */
  async enqueueMany<R = unknown>(items: readonly EnqueueItem[], options: { tx?: Transaction } = {}): Promise<JobHandle<R>[]> {
    this.assertOpen();
    if (!Array.isArray(items)) throw new InvalidArgumentError('enqueueMany takes an array of { queue, name, payload, options }.');
    if (items.length === 0) return [];
    const now = this.clock.now();
    const jobs = items.map((item, index) => this.toNewJob(item, now, items.length > 1 ? `jobs[${index}]` : 'job'));
    // No await before the store call: on SQLite the insert must run inside the caller's synchronous transaction.
    const results = await this.store.enqueue(jobs, now, options.tx);
    return results.map(({ id, created, createdFrom, existing }) => {
      let job = existing;
      return {
        id,
        created,
        // Built on first read: a bulk enqueue of thousands rarely looks at them.
        get job() {
          job ??= newJobToJob(jobs[createdFrom ?? 0] as NewJob, id, now);
          return job;
        },
        wait: (o) => this.waitFor<R>(id, o),
      };
    });
  }

  async getJob(id: string): Promise<Job | null> {
    this.assertOpen();
    return this.store.getJob(String(id));
  }

  /**
   * Resolves with the job's result once it completes; rejects with JobFailedError (the stored
   * error on `.error`) or JobCancelledError. Works for jobs run by any process.
   */
  async waitFor<R = unknown>(id: string, options: { timeout?: number } = {}): Promise<R> {
    this.assertOpen();
    const deadline = options.timeout === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.timeout;
    let wake: (() => void) | null = null;
    const onFinal = (event: { job: Job }) => {
      if (event.job.id === id) wake?.();
    };
    const stops = [this.events.on('completed', onFinal), this.events.on('failed', onFinal), this.events.on('cancelled', onFinal)];
    try {
      for (let delay = 20; ; delay = Math.min(delay * 2, 1_000)) {
        const job = await this.store.getJob(id);
        if (!job) throw new JobNotFoundError(id);
        if (job.status === 'completed') return job.result as R;
        if (job.status === 'failed')
          throw new JobFailedError(job, job.errors.at(-1) ?? { message: 'unknown error', attempt: job.attempts, at: job.updatedAt });
        if (job.status === 'cancelled') throw new JobCancelledError(job);
        if (this.closing) throw new SpoolError('SPOOL_CLOSED', `Stopped waiting for job ${id}: this Spool was closed.`);
        const remaining = deadline - Date.now();
        if (remaining <= 0)
          throw new SpoolError('SPOOL_WAIT_TIMEOUT', `Job ${id} is still ${job.status} after waiting ${options.timeout} ms.`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(delay, remaining));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    } finally {
      for (const stop of stops) stop();
    }
  }

  /** Cancels a waiting job at once, or aborts an active one through its signal. Final jobs are returned unchanged. */
  async cancel(id: string): Promise<Job> {
    this.assertOpen();
    const before = await this.store.getJob(String(id));
    if (!before) throw new JobNotFoundError(String(id));
    const job = await this.store.cancel(before.id, this.clock.now());
    if (!job) throw new JobNotFoundError(String(id));
    // An active job's worker emits 'cancelled' when its handler stops.
    if (job.status === 'cancelled' && before.status === 'waiting') this.events.emit('cancelled', { job });
    return job;
  }

  /** Runs a failed or cancelled job again with fresh attempts. */
  async retry(id: string): Promise<Job> {
    this.assertOpen();
    const outcome = await this.store.retry(String(id), this.clock.now());
    if (!outcome) throw new JobNotFoundError(String(id));
    if (!outcome.retried) {
      throw new SpoolError(
        'SPOOL_INVALID_STATE',
        `Job ${outcome.job.id} is ${outcome.job.status}; only failed or cancelled jobs can be retried.`,
      );
    }
    return outcome.job;
  }

  /** Jobs newest first, filtered, a page at a time. */
  async listJobs(options: ListJobsOptions = {}): Promise<JobPage> {
    this.assertOpen();
    const limit = options.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > 500)
      throw new InvalidArgumentError(`limit must be a whole number from 1 to 500; got ${limit}.`);
    if (options.status !== undefined && !jobStatuses.includes(options.status)) {
      throw new InvalidArgumentError(`Unknown status ${JSON.stringify(options.status)}; use one of ${jobStatuses.join(', ')}.`);
    }
    if (options.queue !== undefined) assertName(options.queue, 'queue');
    if (options.name !== undefined) assertName(options.name, 'job name');
    const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
    const jobs = await this.store.listJobs({ queue: options.queue, status: options.status, name: options.name, limit: limit + 1, after });
    const page = jobs.slice(0, limit);
    return { jobs: page, nextCursor: jobs.length > limit ? encodeCursor((page.at(-1) as Job).id) : null };
  }

  /** Jobs per status for every queue (or one). */
  async counts(queue?: string): Promise<QueueCounts> {
    this.assertOpen();
    if (queue !== undefined) assertName(queue, 'queue');
    return this.store.counts(queue);
  }

  /** Runs every failed job (dead letter) of `queue` again with fresh attempts; returns how many. */
  async retryFailed(queue: string): Promise<number> {
    this.assertOpen();
    return this.store.retryFailed(assertName(queue, 'queue'), this.clock.now());
  }

  /** Deletes every job of `queue` in a final status (default: the failed ones); returns how many. */
  async purge(queue: string, status: FinalStatus = 'failed'): Promise<number> {
    this.assertOpen();
    if (!finalStatuses.includes(status)) {
      throw new InvalidArgumentError(
        `Only finished jobs can be purged: use status ${finalStatuses.join(', ')}; got ${JSON.stringify(status)}.`,
      );
    }
    return this.store.purge(assertName(queue, 'queue'), status);
  }

  /** Completed and failed jobs per queue per bucket over the last `windowMs` (default an hour, by the minute). */
  async throughput(options: { windowMs?: number; bucketMs?: number } = {}): Promise<ThroughputPoint[]> {
    this.assertOpen();
    const bucketMs = options.bucketMs ?? 60_000;
    const windowMs = options.windowMs ?? 3_600_000;
    if (!(bucketMs >= 1_000) || !(windowMs >= bucketMs))
      throw new InvalidArgumentError('bucketMs must be at least 1000 and windowMs at least bucketMs.');
    const now = this.clock.now();
    return this.store.throughput(Math.floor((now - windowMs) / bucketMs) * bucketMs, bucketMs);
  }

  /** Records waiting and active counts per queue now, keeping a day of samples; returns the counts. Servers call it every 15 s. */
  async sampleBacklog(): Promise<QueueCounts> {
    this.assertOpen();
    const now = this.clock.now();
    const counts = await this.store.counts();
    await this.store.recordBacklog(now, counts, now - 86_400_000);
    return counts;
  }

  /** Backlog samples over the last `windowMs` (default an hour), oldest first. */
  async backlog(options: { windowMs?: number } = {}): Promise<BacklogPoint[]> {
    this.assertOpen();
    return this.store.backlog(this.clock.now() - (options.windowMs ?? 3_600_000));
  }

  /** Starts a worker on `queue`; it runs until `close()` (or the Spool's) or a shutdown signal. */
  work(queue: string, handlers: Handlers, options: WorkOptions = {}): Worker {
    this.assertOpen();
    assertName(queue, 'queue');
    const worker = new Worker(this, queue, handlers, options);
    this.workers.add(worker);
    worker.onClosed(() => this.workers.delete(worker));
    this.startBackgroundDuties();
    worker.start();
    return worker;
  }

  /** Deletes finished jobs older than their retention; returns how many. Workers run it every minute. */
  async prune(): Promise<number> {
    const now = this.clock.now();
    const { completed, failed, cancelled } = this.settings.retention;
    const removed = await Promise.all([
      this.store.prune('completed', now - completed),
      this.store.prune('failed', now - failed),
      this.store.prune('cancelled', now - cancelled),
    ]);
    return removed.reduce((a, b) => a + b, 0);
  }

  /** Stops every worker gracefully (up to `timeout`, default shutdownTimeout), then the store. Safe to call twice. */
  close(options: { timeout?: number } = {}): Promise<void> {
    this.closing ??= (async () => {
      if (this.pruneTimer) clearInterval(this.pruneTimer);
      this.removeSignals?.();
      await Promise.all([...this.workers].map((worker) => worker.close(options)));
      await this.store.close();
    })();
    return this.closing;
  }

  get closed(): boolean {
    return this.closing !== null;
  }

  private startBackgroundDuties(): void {
    if (!this.pruneTimer) {
      this.pruneTimer = setInterval(() => {
        this.prune().catch((err: unknown) => this.events.emit('error', { error: err as Error, context: 'Pruning finished jobs failed' }));
      }, 60_000);
      this.pruneTimer.unref();
    }
    if (!this.removeSignals && this.shutdownSignals) {
      this.removeSignals = installShutdownSignals(this.shutdownSignals, this.logger, this.settings.shutdownTimeout, () => this.close());
    }
  }

  private assertOpen(): void {
    if (this.closing) throw new SpoolError('SPOOL_CLOSED', 'This Spool is closed; create a new one with createSpool().');
  }

  private toNewJob(item: EnqueueItem, now: number, what: string): NewJob {
    const queue = assertName(item?.queue, 'queue');
    const name = assertName(item.name, 'job name');
    // Most bulk enqueues pass no options: skip the schema for them.
    const options =
      item.options === undefined
        ? {}
        : (parseOptions(enqueueOptionsSchema, item.options, `${what} options for ${queue}/${name}`) as EnqueueOptions);
    if (options.delay !== undefined && options.runAt !== undefined) {
      throw new InvalidArgumentError(`Give ${what} either delay or runAt, not both.`);
    }
    let runAt = now;
    if (options.delay !== undefined) runAt = now + toMs(options.delay, `${what}.delay`);
    if (options.runAt !== undefined) runAt = toEpochMs(options.runAt, `${what}.runAt`);
    const { defaults, maxPayloadBytes } = this.settings;
    return {
      queue,
      name,
      payload: toJson(item.payload, `payload of ${queue}/${name}`, maxPayloadBytes),
      priority: options.priority ?? 0,
      maxAttempts: options.maxAttempts ?? defaults.maxAttempts,
      backoff: resolveBackoff(options.backoff, defaults.backoff, `${what}.backoff`),
      timeout:
        options.timeout === undefined ? defaults.timeout : options.timeout === null ? null : toMs(options.timeout, `${what}.timeout`),
      idempotencyKey: options.idempotencyKey ?? null,
      metadata: options.metadata === undefined ? '{}' : toJson(options.metadata, `metadata of ${queue}/${name}`, maxPayloadBytes),
      callbackUrl: options.callbackUrl ?? null,
      runAt,
    };
  }
}

function resolveSettings(options: SpoolOptions): SpoolSettings {
  const d = options.defaults ?? {};
  return {
    maxPayloadBytes: options.maxPayloadBytes ?? 1024 * 1024,
    defaults: {
      maxAttempts: d.maxAttempts ?? defaultJobOptions.maxAttempts,
      backoff: resolveBackoff(d.backoff, defaultJobOptions.backoff, 'defaults.backoff'),
      timeout: d.timeout === undefined ? defaultJobOptions.timeout : d.timeout === null ? null : toMs(d.timeout, 'defaults.timeout'),
    },
    retention: {
      completed: toMs(options.retention?.completed ?? '1d', 'retention.completed'),
      failed: toMs(options.retention?.failed ?? '7d', 'retention.failed'),
      cancelled: toMs(options.retention?.cancelled ?? '1d', 'retention.cancelled'),
    },
    pollInterval: toMs(options.pollInterval ?? 1_000, 'pollInterval'),
    shutdownTimeout: toMs(options.shutdownTimeout ?? 30_000, 'shutdownTimeout'),
  };
}

function toEpochMs(value: Date | number | string, what: string): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms) || ms < 0) {
    throw new InvalidArgumentError(`${what} must be a Date, epoch milliseconds or an ISO 8601 string; got ${JSON.stringify(value)}.`);
  }
  return ms;
}

function encodeCursor(id: string): string {
  return Buffer.from(`id:${id}`).toString('base64url');
}

function decodeCursor(cursor: string): string {
  const decoded = typeof cursor === 'string' ? Buffer.from(cursor, 'base64url').toString() : '';
  const match = /^id:(\d{1,19})$/.exec(decoded);
  if (!match) throw new InvalidArgumentError(`Invalid cursor ${JSON.stringify(cursor)}: pass the nextCursor of a previous page unchanged.`);
  return match[1] as string;
}

export { isSpoolError };
export type { SpoolEvents };
