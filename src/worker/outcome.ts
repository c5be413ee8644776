/**
 * @module
 * What an attempt ended as, decided by a pure function: the worker runs the handler, this decides,
 * and the recorder applies. Policies (backoff today; breakers and rate limits next) decide; the
 * worker never branches on error codes to find out what to write.
 */
import {
  NonRetryableError,
  type SpoolError,
  coerceError,
  isNonRetryable,
  isSpoolError,
  retryAfterOf,
  userMessageOf,
} from '../core/errors.js';
import type { ClaimedJob, JobErrorRecord } from '../core/types.js';
import { attemptUserMessage } from '../core/user-messages.js';
import { sanitizeText, toJson } from '../core/validate.js';
import { type WakeOn, isSuspended } from '../core/workflow.js';
import { backoffDelay } from '../policies/backoff.js';

/** How the handler's run ended. */
export type RunResult =
  | { kind: 'returned'; value: unknown }
  | { kind: 'threw'; error: unknown }
  /** Stopped from outside: a timeout, a cancel, a lost lease or a shutdown (`reason.code` says which). */
  | { kind: 'stopped'; reason: SpoolError }
  /** No handler here runs this job's name. */
  | { kind: 'no-handler' };

/** An error as the store appends it (it stamps the time). */
export type AttemptError = Omit<JobErrorRecord, 'at'>;

/** What the worker records. */
export type Outcome =
  | { type: 'complete'; result: unknown; resultJson: string }
  /** Failed for good: attempts ran out, or the error said not to retry. */
  | { type: 'fail'; error: AttemptError }
  /** Failed, runs again after `delayMs` (the backoff); the attempt is spent. */
  | { type: 'retry'; error: AttemptError; delayMs: number }
  /** Back to waiting after `delayMs` without spending the attempt. */
  | { type: 'release'; delayMs: number; why: 'shutdown' | 'no-handler' | 'deferred' }
  /**
   * A workflow waits (a sleep, an event, children) until `delayMs` has passed, or sooner when
   * `wakeOn` says so, holding neither a worker slot nor a lease; the attempt is not spent.
   */
  | { type: 'suspend'; delayMs: number; wakeOn: WakeOn }
  /** Nothing to write: the job was cancelled, or another worker holds it now. */
  | { type: 'abandon'; why: 'cancelled' | 'lease-lost' };

/** How long a job nobody here can run waits before another worker may claim it. */
export const noHandlerDelayMs = 5_000;

export interface DecideOptions {
  maxPayloadBytes: number;
  /** For tests: the backoff's random draw. */
  random?: () => number;
}

export function decideOutcome(run: RunResult, job: ClaimedJob, options: DecideOptions): Outcome {
  switch (run.kind) {
    case 'no-handler':
      return { type: 'release', delayMs: noHandlerDelayMs, why: 'no-handler' };
    case 'stopped':
      if (isSpoolError(run.reason, 'SPOOL_SHUTDOWN')) return { type: 'release', delayMs: 0, why: 'shutdown' };
      if (isSpoolError(run.reason, 'SPOOL_CANCELLED')) return { type: 'abandon', why: 'cancelled' };
      if (isSpoolError(run.reason, 'SPOOL_LEASE_LOST')) return { type: 'abandon', why: 'lease-lost' };
      return failure(run.reason, job, options);
    case 'threw': {
      if (isSuspended(run.error)) return { type: 'suspend', delayMs: run.error.resumeInMs, wakeOn: run.error.wakeOn };
      // A workflow step found its lease gone: another worker may hold the job now.
      if (isSpoolError(run.error, 'SPOOL_LEASE_LOST')) return { type: 'abandon', why: 'lease-lost' };
      // Waiting for a partner or a breaker is not the job's fault: no attempt is spent.
      const code = (run.error as { code?: unknown } | null)?.code;
      const wait = retryAfterOf(run.error);
      if (
        wait !== null &&
        (code === 'SPOOL_BREAKER_OPEN' || (code === 'SPOOL_RATE_LIMITED' && !(run.error as { retryAfter?: unknown }).retryAfter))
      ) {
        return { type: 'release', delayMs: wait, why: 'deferred' };
      }
      // At the time the partner named: the user message says that time too.
      if (wait !== null && code === 'SPOOL_RATE_LIMITED') return failure(run.error, job, options, wait);
      return failure(run.error, job, options);
    }
    case 'returned': {
      let resultJson: string;
      try {
        resultJson = toJson(run.value, `result of job ${job.id}`, options.maxPayloadBytes, 'sanitize');
      } catch (err) {
        return failure(
          new NonRetryableError(`The handler returned a result Spool cannot store: ${(err as Error).message}`, { cause: err }),
          job,
          options,
        );
      }
      return { type: 'complete', result: run.value, resultJson };
    }
  }
}

/** A failed attempt: retried after `retryInMs` (default: the job's backoff) while attempts remain. */
function failure(thrown: unknown, job: ClaimedJob, options: DecideOptions, retryInMs?: number): Outcome {
  const error = coerceError(thrown);
  const final = isNonRetryable(error) || job.attempts >= job.maxAttempts;
  const code = (error as { code?: unknown }).code;
  const delayMs = final ? null : (retryInMs ?? backoffDelay(job.backoff, job.attempts, options.random));
  const own = userMessageOf(error) ?? userMessageOf(thrown);
  const recorded: AttemptError = {
    message: sanitizeText(String(error.message).slice(0, 10_000)),
    userMessage: sanitizeText(
      attemptUserMessage({
        own: own?.slice(0, 1_000),
        code: typeof code === 'string' ? code : undefined,
        final,
        retryInMs: delayMs,
        attempt: job.attempts,
        maxAttempts: job.maxAttempts,
      }),
    ),
    ...(typeof code === 'string' ? { code: sanitizeText(code.slice(0, 200)) } : {}),
    name: sanitizeText(String(error.name).slice(0, 200)),
    ...(error.stack ? { stack: sanitizeText(String(error.stack).slice(0, 20_000)) } : {}),
    attempt: job.attempts,
    final,
  };
  if (delayMs === null) return { type: 'fail', error: recorded };
  return { type: 'retry', error: recorded, delayMs };
}
