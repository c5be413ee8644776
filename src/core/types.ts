/**
 * @module
 * The core types of Spool, and the words every name in code, API and UI follows.
 *
 * Glossary
 * - job: a named unit of work with a JSON payload, in a queue. It has an id, a status,
 *   attempts, progress, and a result or an error.
 * - queue: a named stream of jobs with a row of its own (its policies and their live state,
 *   such as paused). Workers claim jobs from one queue. Names starting with `spool.` are
 *   Spool's internal queues (webhook deliveries), refused from public calls.
 * - name: what a job is (`send-email`); a worker picks the handler by it.
 * - handler: the user's function that does a job's work: `(payload, ctx) => result`.
 * - worker: a loop in one process that claims jobs from a queue under a lease, runs their
 *   handlers, heartbeats, and records the outcome.
 * - claim: moving waiting jobs to `active` for one worker, taking a lease on each.
 * - lease: the time a worker holds a job before others may take it back; heartbeats extend it.
 * - lease token: the fencing token of one claim. A worker that lost its lease holds a stale
 *   token, and the store refuses its completion or failure.
 * - attempt: one claim of a job. `attempts` counts them; `maxAttempts` bounds them.
 * - outcome: what a worker records when an attempt ends: complete, fail, retry at a time,
 *   defer (back to waiting without spending the attempt), release (shutdown) or suspend.
 * - maintenance: the once-per-Spool duties: taking back expired leases and pruning old jobs.
 * - dead letters: the jobs in `failed`; they can be retried by hand.
 * - user message: the sentence about a failed or retrying job for the person waiting on it,
 *   beside the developer's message; read scopes see only it.
 * - registry: the store's table of running workers (host, pid, queue, the names they handle),
 *   kept by heartbeats; a waiting job whose name no live worker handles gets a warning.
 * - ordering key: jobs (or events) of a queue (or subscription) with the same key run one at a
 *   time in the order they were enqueued (published); other keys run in parallel.
 * - topic: a named stream of events, kept for a retention window and replayable.
 * - event: a JSON message published on a topic, with an id (deduplicated), an optional name,
 *   key and headers.
 * - subscription: a named, durable consumer of a topic. Each event becomes one delivery job per
 *   matching subscription, in the publish's transaction, on the subscription's queue
 *   (`spool.sub.<name>`).
 * - store: the only code that knows SQL (SQLite or PostgreSQL).
 */

/** Where a job is in its life cycle. */
export type JobStatus = 'waiting' | 'active' | 'completed' | 'failed' | 'cancelled' | 'expired';

export const jobStatuses: readonly JobStatus[] = ['waiting', 'active', 'completed', 'failed', 'cancelled', 'expired'];

/** Statuses a job never leaves on its own. `expired`: it had not started by its `expiresAt`. */
export const finalStatuses: readonly JobStatus[] = ['completed', 'failed', 'cancelled', 'expired'];

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Progress as a percentage (0..100) or as a count of done out of total, with a message. */
export interface Progress {
  value: number | { done: number; total: number };
  message?: string;
}

export interface BackoffPolicy {
  /** `exponential` doubles the base on each attempt and draws a delay with full jitter; `fixed` waits `base` each time. */
  type: 'exponential' | 'fixed';
  /** Milliseconds. */
  base: number;
  /** Milliseconds; no delay is longer. */
  cap: number;
}

/**
 * An attempt's error as stored with a job: plain data, safe to serialise. `message` (and `stack`)
 * are for developers; `userMessage` is the sentence for the person waiting on the job (the
 * handler's own, from `JobError` or `NonRetryableError`, or Spool's default for what happened).
 */
export interface JobErrorRecord {
  /** What went wrong, for developers and operators. */
  message: string;
  /** What to tell the person waiting on the job. Absent on errors stored by Spool before 0.2. */
  userMessage?: string;
  code?: string;
  name?: string;
  stack?: string;
  attempt: number;
  at: number;
  /** True when the error said not to retry (NonRetryableError), or attempts ran out. */
  final?: boolean;
}

/** A job as read from the store. Times are epoch milliseconds. */
export interface Job<P = Json, R = Json> {
  id: string;
  queue: string;
  name: string;
  payload: P;
  status: JobStatus;
  priority: number;
  attempts: number;
  maxAttempts: number;
  backoff: BackoffPolicy;
  /** Milliseconds a single attempt may run, or null for no limit. */
  timeout: number | null;
  idempotencyKey: string | null;
  /** Jobs of a queue with the same key run one at a time, in the order they were enqueued. */
  orderingKey: string | null;
  /** At most the queue's `keyConcurrency` jobs with the same key run at once, across every process. */
  concurrencyKey: string | null;
  /** The key its queue's rate limit counts it under (null: the queue's own window, or a payload path). */
  rateLimitKey: string | null;
  /** If it has not started by then it becomes `expired` and never runs; null for never. */
  expiresAt: number | null;
  metadata: Record<string, Json>;
  /** Where Spool POSTs the outcome when the job reaches a final state (a webhook), or null. */
  callbackUrl: string | null;
  progress: Progress | null;
  result: R | null;
  /** Every failed attempt's error, oldest first. */
  errors: JobErrorRecord[];
  runAt: number;
  createdAt: number;
  updatedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** Set while the job is active. */
  leaseExpiresAt: number | null;
  workerId: string | null;
  /** The W3C trace context of the enqueue (or publish) that created it, or null: its attempts join that trace. */
  traceparent: string | null;
  tracestate: string | null;
}

/** What the store needs to insert one job; every option already resolved to a value. */
export interface NewJob {
  queue: string;
  name: string;
  /** The payload already serialised to JSON text. */
  payload: string;
  priority: number;
  maxAttempts: number;
  backoff: BackoffPolicy;
  timeout: number | null;
  idempotencyKey: string | null;
  orderingKey: string | null;
  concurrencyKey: string | null;
  rateLimitKey: string | null;
  /** Absolute expiry (epoch ms), or null; `expiresIn` resolves against the store's now. */
  expiresAt: number | null;
  /** Milliseconds after the store's now before it expires, or null. */
  expiresIn: number | null;
  /** One job per key: within a window (dedupe), one waiting and one running (singleton), or the newest payload wins (debounce). */
  keyed: KeyedEnqueue | null;
  metadata: string;
  callbackUrl: string | null;
  /** Run no earlier than this time (epoch ms), when the caller named one; else `delay` from the store's now. */
  runAt: number | null;
  /** Milliseconds after the store's now before the job may run (0: at once). Ignored when `runAt` is set. */
  delay: number;
  /** The W3C trace context to store with it (see `telemetry/trace-context.ts`); absent or null for none. */
  traceparent?: string | null;
  tracestate?: string | null;
}

/** How a keyed enqueue treats a job already there under the same key. */
export type KeyedEnqueue =
  /** Within `ttlMs` of an earlier job with the key (any status), return that job instead. */
  | { mode: 'dedupe'; key: string; ttlMs: number }
  /** A job with the key still waiting is returned instead; at most one with the key runs at once. */
  | { mode: 'singleton'; key: string }
  /** A job with the key still waiting takes the new payload and runs `delayMs` later, but no later than `maxWaitMs` after it was first enqueued. */
  | { mode: 'debounce'; key: string; delayMs: number; maxWaitMs: number | null };

/** A job a worker holds under a lease; `token` fences every later write. */
export interface ClaimedJob extends Job {
  token: string;
}

/** Where a waiting job stands in its queue, and when it should start. */
export interface QueuePosition {
  /** Waiting jobs a claim takes before this one (higher priority, then earlier run time, then older): 0 means it is next. */
  ahead: number;
  /** Jobs of its queue that completed or failed per minute, over the last five minutes. */
  drainPerMinute: number;
  /**
   * When it should start, in epoch milliseconds by the store's clock: its run time, or later by the
   * time the queue takes to drain the jobs ahead at its recent rate. Null while the queue drains
   * nothing (no workers running, paused, or idle until now), when no estimate is honest.
   */
  eta: number | null;
}

/** One report for a group of jobs enqueued together (`spool.group()`). */
export interface GroupStatus {
  id: string;
  /** Jobs in the group. */
  total: number;
  counts: Record<JobStatus, number>;
  /** Jobs in a final status (completed, failed, cancelled, expired). */
  finished: number;
  /** Finished jobs in percent of all, 0 to 100. */
  progress: number;
  /** True once every job is final. */
  done: boolean;
  /**
   * When the last job should finish (epoch ms, the store's clock), from how many of the group's
   * jobs finished over the last five minutes; null when done, or when none finished in the window.
   */
  eta: number | null;
}
