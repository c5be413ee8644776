/**
 * @module
 * The store contract: the only seam that knows SQL. Batch-first, because throughput comes from
 * claiming and completing many jobs per round trip. Every state change is one statement that
 * checks the fencing token itself, so many processes can never race in application code.
 * Times are passed in from the Spool's clock, never read from the database, so tests move time.
 */
import type { ClaimedJob, Job, JobError, JobStatus, NewJob, Progress } from '../core/types.js';

/**
 * What enqueue did with one input. A created job is described by the input at `createdFrom` plus
 * its id (the store reads nothing back, which is what makes bulk inserts fast); a job that
 * already existed under the same idempotency key comes back whole in `existing`.
 */
export interface EnqueueResult {
  id: string;
  /** False when an idempotency key matched a job that already existed (or an earlier input). */
  created: boolean;
  /** The index of the input this job was created from, when it was created by this call. */
  createdFrom: number | null;
  existing: Job | null;
}

export interface ClaimRequest {
  queue: string;
  /** Only jobs with these names; undefined for any. */
  names?: readonly string[];
  limit: number;
  workerId: string;
  /** The fencing token written on every claimed job. */
  token: string;
  now: number;
  leaseMs: number;
}

/** A fenced write: it applies only while `token` still holds the job's lease. */
export interface Fence {
  id: string;
  token: string;
}

export interface Completion extends Fence {
  /** The result as JSON text. */
  result: string;
}

export interface Failure extends Fence {
  error: JobError;
  /** When to run again if attempts remain; null fails the job now (non-retryable). */
  retryAt: number | null;
}

export interface ListRequest {
  queue?: string;
  status?: JobStatus;
  name?: string;
  limit: number;
  /** The id of the last job on the previous page; pages go newest first. */
  after?: string;
}

export type QueueCounts = Record<string, Record<JobStatus, number>>;

export type FinalStatus = 'completed' | 'failed' | 'cancelled';

export interface ThroughputPoint {
  at: number;
  queue: string;
  completed: number;
  failed: number;
}

export interface BacklogPoint {
  at: number;
  queue: string;
  waiting: number;
  active: number;
}

/** What a fail did to each job. */
export interface FailOutcome {
  id: string;
  status: 'waiting' | 'failed';
  runAt: number;
}

/**
 * Something that runs SQL in the caller's own transaction, so a job is enqueued only if that
 * transaction commits (the outbox pattern). A `pg` Client or PoolClient inside BEGIN fits for
 * PostgreSQL; a better-sqlite3 Database inside `db.transaction()` fits for SQLite.
 */
export type Transaction = unknown;

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Applies pending migrations; safe when many processes start at once. */
  migrate(): Promise<void>;
  /** Inserts jobs in one statement; idempotency keys return existing jobs. Order of results follows input. */
  enqueue(jobs: readonly NewJob[], now: number, tx?: Transaction): Promise<EnqueueResult[]>;
  /** Moves up to `limit` runnable jobs to active under a lease, highest priority then oldest first. */
  claim(request: ClaimRequest): Promise<ClaimedJob[]>;
  /** Returns the ids that were completed; a stale token completes nothing. */
  complete(items: readonly Completion[], now: number): Promise<string[]>;
  /** Records errors and either schedules a retry or fails for good, in one statement. */
  fail(items: readonly Failure[], now: number): Promise<FailOutcome[]>;
  /** Extends leases; returns the ids still held (the rest were lost or cancelled). */
  heartbeat(items: readonly Fence[], now: number, leaseMs: number): Promise<string[]>;
  /** Returns jobs to waiting without spending an attempt (graceful shutdown). */
  release(items: readonly Fence[], now: number): Promise<string[]>;
  /** Stores progress on an active job; false if the lease was lost. */
  progress(item: Fence, progress: Progress, now: number): Promise<boolean>;
  /**
   * Takes back active jobs whose lease expired before `now`: to waiting if attempts remain,
   * else to failed with a lease-expired error. Returns how many were moved.
   */
  rescueExpired(now: number): Promise<number>;
  getJob(id: string): Promise<Job | null>;
  listJobs(request: ListRequest): Promise<Job[]>;
  counts(queue?: string): Promise<QueueCounts>;
  /** Cancels a waiting or active job; returns it, or null if it does not exist. Final jobs are returned unchanged. */
  cancel(id: string, now: number): Promise<Job | null>;
  /**
   * Moves a failed or cancelled job back to waiting with fresh attempts, in one statement that
   * checks the status itself. Returns the job and whether it was retried; null if absent.
   */
  retry(id: string, now: number): Promise<{ job: Job; retried: boolean } | null>;
  /** Deletes jobs in `status` that finished before `before`; returns how many. */
  prune(status: FinalStatus, before: number): Promise<number>;
  /** Moves every failed job of `queue` back to waiting with fresh attempts; returns how many. */
  retryFailed(queue: string, now: number): Promise<number>;
  /** Deletes every job of `queue` in a final `status`; returns how many. */
  purge(queue: string, status: FinalStatus): Promise<number>;
  /** Completed and failed jobs per queue per bucket (bucket start times), for jobs that finished since `since`. */
  throughput(since: number, bucketMs: number): Promise<ThroughputPoint[]>;
  /** Stores one sample of waiting and active counts per queue, and forgets samples older than `keepSince`. */
  recordBacklog(at: number, counts: QueueCounts, keepSince: number): Promise<void>;
  /** Backlog samples since `since`, oldest first. */
  backlog(since: number): Promise<BacklogPoint[]>;
  /**
   * Calls `onWake(queue)` when jobs become ready (inserted) and `onCancel(id)` when a job is
   * cancelled, including by other processes where the store can tell (PostgreSQL LISTEN).
   */
  subscribe(listener: StoreListener): () => void;
  /** True when the store answers a trivial query. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** The queue name a wake-up carries when the store cannot tell which queue changed. */
export const anyQueue = '*';

export interface StoreListener {
  /** Jobs may be ready on `queue` (or on any queue, when it is `anyQueue`). */
  onWake?(queue: string): void;
  onCancel?(id: string): void;
  /** Notifications may have been missed (the connection dropped); look for work once. */
  onReconnected?(): void;
}
