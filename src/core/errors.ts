/**
 * @module
 * Typed errors. Each has a stable `code` and a message that says what was wrong and what to do.
 * Check kinds with the type guards (`isSpoolError(err, 'SPOOL_…')`), not `instanceof`, so errors
 * that crossed a process or a package copy still match. What each code means at the HTTP and CLI
 * edges, and whether it is transient, is in `error-catalog.ts`.
 */
import { type SpoolErrorCode, errorCatalog, isSpoolErrorCode } from './error-catalog.js';

export type { SpoolErrorCode } from './error-catalog.js';

export class SpoolError extends Error {
  readonly code: SpoolErrorCode;
  readonly isSpoolError = true;

  constructor(code: SpoolErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * True when `err` may pass by itself (the store is away or busy): the same write can succeed in a
 * moment, so it is retried instead of given up.
 */
export function isTransient(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return isSpoolError(err) && isSpoolErrorCode(code) && errorCatalog[code].transient;
}

export function isSpoolError(err: unknown, code?: SpoolErrorCode): err is SpoolError {
  if (typeof err !== 'object' || err === null) return false;
  const candidate = err as { isSpoolError?: unknown; code?: unknown };
  return candidate.isSpoolError === true && (code === undefined || candidate.code === code);
}

/** Bad input from the caller: a name, an option, a URL. */
export class InvalidArgumentError extends SpoolError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SPOOL_INVALID_ARGUMENT', message, options);
  }
}

/** The store could not be reached, or went away. */
export class StoreUnavailableError extends SpoolError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SPOOL_STORE_UNAVAILABLE', message, options);
  }
}

export class JobNotFoundError extends SpoolError {
  constructor(readonly jobId: string) {
    super('SPOOL_JOB_NOT_FOUND', `No job has the id "${jobId}". It may never have existed or been pruned by retention.`);
  }
}

/** Options of the errors a handler throws. */
export interface JobErrorOptions {
  /**
   * What to tell the person waiting on the job, beside the developer's message: "Your card was
   * declined. Try another card." Stored with the attempt's error; read-scope API tokens see only it.
   */
  userMessage?: string;
  cause?: unknown;
}

/**
 * Throw this from a handler for an error with a message for the person waiting on the job and,
 * with `retryable: false`, to fail the job at once without spending its remaining attempts:
 *
 * ```ts
 * throw new JobError('card declined by issuer: 05', { userMessage: 'Your card was declined. Try another card.', retryable: false });
 * ```
 */
export class JobError extends Error {
  readonly isJobError = true;
  readonly userMessage: string | undefined;
  /** False: the job fails at once, its remaining attempts unspent. */
  readonly retryable: boolean;
  /** A stable code of your own, stored with the error (`CARD_DECLINED`). */
  readonly code: string | undefined;

  constructor(message: string, options: JobErrorOptions & { retryable?: boolean; code?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.userMessage = options.userMessage;
    this.retryable = options.retryable ?? true;
    this.code = options.code;
  }
}

export function isJobError(err: unknown): err is JobError {
  return typeof err === 'object' && err !== null && (err as { isJobError?: unknown }).isJobError === true;
}

/**
 * Throw this from a handler to fail the job at once, without spending its remaining attempts:
 * for errors no retry can fix, such as a payload that fails validation.
 */
export class NonRetryableError extends SpoolError {
  readonly userMessage: string | undefined;

  constructor(message: string, options?: JobErrorOptions) {
    super('SPOOL_NON_RETRYABLE', message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.userMessage = options?.userMessage;
  }
}

/** True for NonRetryableError and for a JobError thrown with `retryable: false`. */
export function isNonRetryable(err: unknown): boolean {
  return isSpoolError(err, 'SPOOL_NON_RETRYABLE') || (isJobError(err) && err.retryable === false);
}

/** The message for the person waiting that a thrown value carries (`userMessage`), if any. */
export function userMessageOf(err: unknown): string | undefined {
  const value = (err as { userMessage?: unknown } | null)?.userMessage;
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/**
 * Turns any thrown value into an Error, keeping the original as `cause`, so a handler that
 * throws a string or an object still leaves a readable message behind.
 */
export function coerceError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  if (typeof thrown === 'object' && thrown !== null && typeof (thrown as { message?: unknown }).message === 'string') {
    const err = new Error((thrown as { message: string }).message, { cause: thrown });
    const code = (thrown as { code?: unknown }).code;
    if (typeof code === 'string') Object.assign(err, { code });
    return err;
  }
  let text: string;
  try {
    text = typeof thrown === 'string' ? thrown : (JSON.stringify(thrown) ?? String(thrown));
  } catch {
    text = String(thrown);
  }
  return new Error(`A non-Error value was thrown: ${text}`, { cause: thrown });
}

/** `waitFor` rejects with this when the job failed for good; `error` is the stored error. */
export class JobFailedError extends SpoolError {
  constructor(
    readonly job: import('./types.js').Job,
    readonly error: import('./types.js').JobErrorRecord,
  ) {
    super('SPOOL_JOB_FAILED', `Job ${job.id} (${job.queue}/${job.name}) failed after ${job.attempts} attempt(s): ${error.message}`);
  }
}

/** `waitFor` rejects with this when the job was cancelled. */
export class JobCancelledError extends SpoolError {
  constructor(readonly job: import('./types.js').Job) {
    super('SPOOL_JOB_CANCELLED', `Job ${job.id} (${job.queue}/${job.name}) was cancelled.`);
  }
}

/**
 * Enqueue refused: the queue holds its max depth of waiting jobs (or is paused and refusing new
 * work). `retryAfterMs` estimates when there will be room, from the queue's recent drain rate.
 */
export class QueueFullError extends SpoolError {
  constructor(
    readonly queue: string,
    readonly retryAfterMs: number,
    message: string,
    code: 'SPOOL_QUEUE_FULL' | 'SPOOL_QUEUE_PAUSED' = 'SPOOL_QUEUE_FULL',
  ) {
    super(code, message);
  }
}

/** How long to wait before trying again, when an error says (QueueFullError, RateLimitedError, RetryAfterError). */
export function retryAfterOf(err: unknown): number | null {
  const ms = (err as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? ms : null;
}

/**
 * Throw from a handler when a partner answered "too many requests" (HTTP 429): the job goes back
 * to waiting for `retryAfterMs` without spending an attempt, and on a queue with a rate limit
 * its key's (or the queue's) window stays shut until then, so other jobs of it wait too.
 */
export class RateLimitedError extends SpoolError {
  readonly retryAfterMs: number;

  constructor(retryAfter: number | string, message = 'The partner is rate limiting us; trying again later.') {
    super('SPOOL_RATE_LIMITED', message);
    this.retryAfterMs = retryAfterToMs(retryAfter);
  }
}

/**
 * Throw from a handler to retry this job at a time the other side named (a `Retry-After` header:
 * seconds or an HTTP date) instead of by its backoff. The attempt is spent, as with any failure.
 */
export class RetryAfterError extends SpoolError {
  readonly retryAfterMs: number;
  readonly retryAfter = true;

  constructor(retryAfter: number | string, message = 'The other side asked us to try again later.') {
    super('SPOOL_RATE_LIMITED', message);
    this.retryAfterMs = retryAfterToMs(retryAfter);
  }
}

/** Thrown by `ctx.breaker(name).run(fn)` while the breaker is open: the job waits for it without spending an attempt. */
export class BreakerOpenError extends SpoolError {
  constructor(
    readonly breaker: string,
    readonly retryAfterMs: number,
  ) {
    super(
      'SPOOL_BREAKER_OPEN',
      `The circuit breaker "${breaker}" is open; the job waits ${Math.ceil(retryAfterMs / 1000)} s for it without spending an attempt.`,
    );
  }
}

/**
 * Milliseconds from a Retry-After value: a number of milliseconds, or the header's text, which is
 * whole seconds or an HTTP date. Bounded to a day; unreadable values wait a minute.
 */
export function retryAfterToMs(value: number | string, now = Date.now()): number {
  let ms: number;
  if (typeof value === 'number') ms = value;
  else if (/^\s*\d+\s*$/.test(value)) ms = Number(value) * 1000;
  else ms = Date.parse(value) - now;
  return Number.isFinite(ms) ? Math.min(Math.max(0, Math.round(ms)), 86_400_000) : 60_000;
}
