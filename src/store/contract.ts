/**
 * @module
 * The store contract: the only seam that knows SQL, split by capability.
 *
 * - `JobStore`, the hot path every store implements: enqueue, claim, complete, fail, heartbeat,
 *   release, progress, rescue. Batch-first, because throughput comes from claiming and completing
 *   many jobs per round trip; every state change is one statement that checks the fencing token
 *   itself, so many processes can never race in application code.
 * - `AdminStore`, also required: read, list, count, cancel, retry, purge, prune.
 * - Optional parts a feature adds (`stats`, `queues`, `workers`), each an object of its own on the
 *   store, so a store that lacks one simply has no such property and the feature says so.
 *
 * Time is the store's: a store opened with a clock (tests pass a ManualClock) uses it; otherwise
 * PostgreSQL uses the database server's clock (one clock for every machine) and SQLite the
 * machine's. Callers pass durations (a delay, a lease, a backoff), never "now".
 */
import type { ClaimedJob, Job, JobErrorRecord, JobStatus, NewJob, Progress } from '../core/types.js';
import type { ClaimRequest, Fence, QueueRecord, Transaction } from './contract-common.js';
import type { LimitsPart } from './contract-limits.js';
import type { LogsPart } from './contract-logs.js';
import type { StepsPart } from './contract-steps.js';
import type { SchedulesPart } from './contract-schedules.js';
import type { TopicsPart } from './contract-topics.js';

export type * from './contract-common.js';
export type * from './contract-limits.js';
export type * from './contract-topics.js';
export type * from './contract-steps.js';
export type * from './contract-logs.js';
export type * from './contract-schedules.js';

/**
 * What enqueue did with one input. A created job is described by the input at `createdFrom` plus
 * its id and creation time (the store reads nothing else back, which is what makes bulk inserts
 * fast); a job that already existed under the same idempotency key comes back whole in `existing`.
 */
export interface EnqueueResult {
  id: string;
  /** False when an idempotency key matched a job that already existed (or an earlier input). */
  created: boolean;
  /** The index of the input this job was created from, when it was created by this call. */
  createdFrom: number | null;
  /** When the store created it (its clock), for created jobs. */
  createdAt: number;
  existing: Job | null;
  /** True when a debounced enqueue replaced the payload of the job that was waiting (returned in `existing`). */
  replaced?: boolean;
}

export interface Completion extends Fence {
  /** The result as JSON text. */
  result: string;
}

export interface Failure extends Fence {
  /** The error to append; the store stamps `at` with its own time. */
  error: Omit<JobErrorRecord, 'at'>;
  /** Milliseconds until the next attempt if attempts remain; null fails the job now (non-retryable). */
  retryInMs: number | null;
}

/** Back to waiting without spending the attempt: a shutdown, a job no handler here runs, a deferral. */
export interface Release extends Fence {
  /** Milliseconds before it may run again. @defaultValue 0 */
  delayMs?: number;
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

/** What a fail did to each job. */
export interface FailOutcome {
  id: string;
  status: 'waiting' | 'failed';
  runAt: number;
  /** When the store recorded it. */
  at: number;
}

/** What a completion did: the ids completed, with the store's time. */
export interface CompleteOutcome {
  id: string;
  at: number;
}

/** Why a heartbeat did not extend a lease. */
export type LeaseLoss = 'cancelled' | 'expired' | 'taken' | 'finished' | 'gone';

export interface HeartbeatResult {
  /** Leases extended. */
  kept: string[];
  /** Leases this worker no longer holds, and why, read in the same statement. */
  lost: { id: string; reason: LeaseLoss }[];
}

export interface CancelResult {
  /** The job after the call; unchanged when it was already final. */
  job: Job;
  /** Its status before the call. */
  previous: JobStatus;
}

/** The hot path: what workers and producers call for every job. */
export interface JobStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Inserts jobs in one statement; idempotency keys return existing jobs. Order of results follows input. */
  enqueue(jobs: readonly NewJob[], tx?: Transaction): Promise<EnqueueResult[]>;
  /** Moves up to `limit` runnable jobs to active under a lease, highest priority then oldest first. */
  claim(request: ClaimRequest): Promise<ClaimedJob[]>;
  /**
   * Completes jobs whose lease `token` still holds. A token also holds after its lease expired
   * and the job was taken back, until another worker claims it: finished work that could not be
   * written during a store outage is then still accepted.
   */
  complete(items: readonly Completion[]): Promise<CompleteOutcome[]>;
  /** Records errors and either schedules a retry or fails for good, in one statement; fenced like complete. */
  fail(items: readonly Failure[]): Promise<FailOutcome[]>;
  /** Extends leases; says for each lease not extended why it was lost. */
  heartbeat(items: readonly Fence[], leaseMs: number): Promise<HeartbeatResult>;
  /** Returns jobs to waiting without spending an attempt; returns the ids released. */
  release(items: readonly Release[]): Promise<string[]>;
  /** Stores progress on an active job; false if the lease was lost. */
  progress(item: Fence, progress: Progress): Promise<boolean>;
  /**
   * Takes back active jobs whose lease expired: to waiting if attempts remain, else to failed
   * with a lease-expired error. Returns how many were moved.
   */
  rescueExpired(): Promise<number>;
  /**
   * Calls `onWake(queue)` when jobs become ready (inserted) and `onCancel(id)` when a job is
   * cancelled, including by other processes where the store can tell (PostgreSQL LISTEN).
   */
  subscribe(listener: StoreListener): () => void;
}

/** Reading and controlling jobs: the API, the CLI and the dashboard. */
export interface AdminStore {
  getJob(id: string): Promise<Job | null>;
  listJobs(request: ListRequest): Promise<Job[]>;
  counts(queue?: string): Promise<QueueCounts>;
  /** Cancels a waiting or active job; null if it does not exist. Final jobs come back unchanged. */
  cancel(id: string): Promise<CancelResult | null>;
  /**
   * Moves a failed or cancelled job back to waiting with fresh attempts, in one statement that
   * checks the status itself. Returns the job and whether it was retried; null if absent.
   */
  retry(id: string): Promise<{ job: Job; retried: boolean } | null>;
  /** Deletes jobs in `status` that finished more than `olderThanMs` ago; returns how many. */
  prune(status: FinalStatus, olderThanMs: number): Promise<number>;
  /** Moves every failed job of `queue` back to waiting with fresh attempts; returns how many. */
  retryFailed(queue: string): Promise<number>;
  /** Deletes every job of `queue` in a final `status`; returns how many. */
  purge(queue: string, status: FinalStatus): Promise<number>;
  /**
   * Deletes one job if it is in a final status, checked in the statement that deletes it. Returns
   * its status and whether it was deleted (false: it is still waiting or active); null if absent.
   */
  deleteJob(id: string): Promise<{ status: JobStatus; deleted: boolean } | null>;
}

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

/** Optional: history for the dashboard's charts. */
export interface StatsPart {
  /** Completed and failed jobs per queue per bucket over the last `windowMs`, by finish time. */
  throughput(windowMs: number, bucketMs: number): Promise<ThroughputPoint[]>;
  /** Stores one sample of waiting and active counts per queue now, forgetting samples older than `keepMs`. */
  recordBacklog(counts: QueueCounts, keepMs: number): Promise<void>;
  /** Backlog samples of the last `windowMs`, oldest first. */
  backlog(windowMs: number): Promise<BacklogPoint[]>;
  /**
   * For each queue with a row, how long its first-enqueued waiting job has been due (ms, 0 when it
   * is not due yet or none waits): one index seek per queue, cheap enough for every metrics scrape.
   */
  oldestWaiting(): Promise<{ queue: string; ageMs: number }[]>;
}

/** Optional: queues as rows of their own. */
export interface QueuesPart {
  /** Every queue that has a row, by name. */
  list(): Promise<QueueRecord[]>;
  get(name: string): Promise<QueueRecord | null>;
  /** Creates rows for queues that have none (no-op for the rest). */
  ensure(names: readonly string[]): Promise<void>;
  /**
   * Where a waiting job stands in its queue: the waiting jobs a claim takes before it, and how many
   * jobs of its queue finished in the last `windowMs`. Null unless the job exists and is waiting.
   */
  position(id: string, windowMs: number): Promise<QueuePositionRecord | null>;
}

/** Optional: groups of jobs enqueued together (`metadata.group`), counted on an index. */
export interface GroupsPart {
  /** The group's jobs per status, and how many of them finished in the last `windowMs`, at the store's time. */
  counts(id: string, windowMs: number): Promise<GroupCountsRecord>;
}

export interface GroupCountsRecord {
  counts: Partial<Record<JobStatus, number>>;
  /** Jobs of the group that finished (completed, failed, cancelled, expired) within the window. */
  recent: number;
  at: number;
}

export interface QueuePositionRecord {
  queue: string;
  /** Waiting jobs of the queue ahead of it in the claim order (higher priority, then earlier run time, then older). */
  ahead: number;
  /** Jobs of the queue that completed or failed within the window asked for. */
  drained: number;
  /** The store's time when it counted. */
  at: number;
}

/** What a process's worker registry tells the store about itself, once for all its workers. */
export interface WorkerProcess {
  host: string;
  pid: number;
  /** The Spool version it runs. */
  version: string;
}

/** One worker as it beats: one claim loop on one queue. */
export interface WorkerBeat {
  /** The worker's id, which jobs it claims carry as `workerId`. */
  id: string;
  queue: string;
  /** The job names it claims; null when one handler takes every name. */
  names: readonly string[] | null;
  concurrency: number;
  /** Jobs it runs right now. */
  inFlight: number;
}

/** A worker as the registry lists it. */
export interface WorkerRecord extends WorkerProcess, WorkerBeat {
  /** The store session (one per Spool) the worker runs in; every worker of a process shares it. */
  session: string;
  startedAt: number;
  /** When it last beat, by the store's clock. */
  heartbeatAt: number;
  /**
   * Whether the worker's session is still connected, where the store can tell without waiting for
   * heartbeats to stop (PostgreSQL: the session's advisory lock is held); null where it cannot (SQLite).
   */
  sessionAlive: boolean | null;
}

/**
 * Optional: the registry of running workers, so every process can see which job names are
 * handled on each queue. Rows are kept alive by beats and forgotten once silent for `staleMs`.
 * On PostgreSQL each store session also holds an advisory lock for as long as its connection
 * lives, so a crashed process is visible at once (`sessionAlive`), without waiting for staleness.
 */
export interface WorkersPart {
  /** This store's session id, which the rows it beats carry. */
  readonly session: string;
  /** Records `workers` as alive now (new ones start now) and forgets rows silent for `staleMs`, in one statement. */
  beat(process: WorkerProcess, workers: readonly WorkerBeat[], staleMs: number): Promise<void>;
  /** Forgets workers that stopped. */
  remove(ids: readonly string[]): Promise<void>;
  /** Workers heard from within `staleMs`, by queue then id; only `queue`'s when given. */
  list(staleMs: number, queue?: string): Promise<WorkerRecord[]>;
  /**
   * Up to `limit` distinct names of waiting jobs on `queue` other than `handled`, looking at no
   * more than the next 10,000 waiting jobs, so a large backlog never makes it slow.
   */
  waitingNames(queue: string, handled: readonly string[], limit: number): Promise<string[]>;
  /**
   * Takes back the active jobs of workers whose process is gone, without waiting for their leases,
   * and forgets those workers. PostgreSQL: the worker's session no longer holds its advisory lock
   * (the server released it when the connection died). SQLite: the worker ran on this host and its
   * pid is gone, or now belongs to a process started later. A live worker, however slow or frozen,
   * is never judged; this session's own workers neither. Each job goes to waiting if attempts
   * remain, else to failed, with a SPOOL_WORKER_LOST error: the attempt counts, as for an expired
   * lease. Safe to run from many processes at once. Returns how many jobs were taken back.
   */
  rescueOrphans(): Promise<number>;
}

export interface Store extends JobStore, AdminStore {
  /** Applies pending migrations; safe when many processes start at once. */
  migrate(): Promise<void>;
  /** True when the store answers a trivial query. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
  readonly stats?: StatsPart;
  readonly queues?: QueuesPart;
  readonly topics?: TopicsPart;
  readonly limits?: LimitsPart;
  readonly workers?: WorkersPart;
  readonly steps?: StepsPart;
  readonly logs?: LogsPart;
  readonly schedules?: SchedulesPart;
  readonly groups?: GroupsPart;
  readonly changes?: ChangesPart;
}

/** What a watcher of one job compares to tell a change (see ChangesPart). */
export interface JobState {
  id: string;
  status: JobStatus;
  attempts: number;
  /** The progress as JSON text, or null. */
  progress: string | null;
}

/**
 * Change feeds for watchers of single jobs (the HTTP API's event streams): one read for many
 * jobs, and, where the store can, a push when a watched job's status or progress changes in any
 * process (`StoreListener.onChange`), so nobody reads the store while nothing happens.
 */
export interface ChangesPart {
  /** True when `watch` makes every process's changes arrive through `onChange`; false: poll `states`. */
  readonly pushes: boolean;
  /** Marks jobs as watched: from now on their status and progress changes are pushed (when `pushes`). */
  watch(ids: readonly string[]): Promise<void>;
  /** The current state of these jobs (missing ids are left out). */
  states(ids: readonly string[]): Promise<JobState[]>;
  /**
   * Where the store logs watched jobs' changes instead of pushing them (SQLite): the ids changed
   * after `cursor` and the cursor to pass next. A null cursor answers only the current position;
   * `ids` null means the log no longer reaches back that far, so read every watched job.
   */
  since?(cursor: number | null): Promise<{ cursor: number; ids: string[] | null }>;
}

/** The optional parts a store may have, by name: what the conformance suite checks for. */
export type StorePart = 'stats' | 'queues' | 'topics' | 'limits' | 'workers' | 'steps' | 'logs' | 'schedules' | 'changes' | 'groups';

/** The queue name a wake-up carries when the store cannot tell which queue changed. */
export const anyQueue = '*';

export interface StoreListener {
  /** Jobs may be ready on `queue` (or on any queue, when it is `anyQueue`). */
  onWake?(queue: string): void;
  onCancel?(id: string): void;
  /** Notifications may have been missed (the connection dropped); look for work once. */
  onReconnected?(): void;
  /** A watched job's status or progress changed (see ChangesPart), in any process. */
  onChange?(id: string): void;
}
