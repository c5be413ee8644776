/**
 * @module
 * Messages for the people who wait on a job, beside the developer's message: what an end user
 * reads when the job is retrying or failed. A handler gives its own (`JobError`'s or
 * `NonRetryableError`'s `userMessage`); otherwise Spool picks one here by what happened. Each is
 * stored with the attempt's error, so every reader (API, CLI, dashboard, webhook) shows the same.
 */
import type { Job, JobErrorRecord } from './types.js';

export const userMessages = {
  /** An attempt ran past its timeout, or its worker stopped answering, and the job runs again. */
  slow: "This is taking longer than expected; we'll keep trying.",
  /** The job failed for good and its handler gave no message of its own. */
  failed: "Sorry, we couldn't complete this.",
  /** The job was not started before its `expiresAt`. */
  expired: 'Sorry, this expired before we could get to it.',
  /** An attempt failed and the job runs again (said of errors stored before user messages existed). */
  retrying: "Something went wrong; we'll try again.",
  /** An attempt failed and the job runs again after `delayMs`. */
  retry: (delayMs: number, nextAttempt: number, maxAttempts: number) =>
    `We'll try again ${inWords(delayMs)} (attempt ${nextAttempt} of ${maxAttempts}).`,
} as const;

/** Codes whose retry means "still working on it" rather than "something went wrong". */
const slowCodes = new Set(['SPOOL_TIMEOUT', 'SPOOL_LEASE_EXPIRED', 'SPOOL_WORKER_LOST']);

export interface AttemptFacts {
  /** The handler's own message, if it gave one. */
  own: string | undefined;
  code: string | undefined;
  /** True when the job fails for good with this attempt. */
  final: boolean;
  /** Milliseconds until the next attempt, when there is one. */
  retryInMs: number | null;
  /** The attempt that failed (from 1). */
  attempt: number;
  maxAttempts: number;
}

/** The message stored with an attempt's error: the handler's own, or Spool's for what happened. */
export function attemptUserMessage(facts: AttemptFacts): string {
  if (facts.own) return facts.own;
  if (facts.final) return userMessages.failed;
  if (facts.code && slowCodes.has(facts.code)) return userMessages.slow;
  return userMessages.retry(facts.retryInMs ?? 0, facts.attempt + 1, facts.maxAttempts);
}

/** An error's message for the person waiting; errors stored before user messages existed get Spool's. */
export function recordedUserMessage(error: Pick<JobErrorRecord, 'userMessage' | 'final'>): string {
  return error.userMessage ?? (error.final ? userMessages.failed : userMessages.retrying);
}

/**
 * What to tell the person waiting on `job` now: the latest error's message when the job failed
 * or waits to run again after a failure, that it expired when it did; null otherwise (nothing
 * went wrong, or it was cancelled).
 */
export function jobUserMessage(job: Pick<Job, 'status' | 'errors' | 'finishedAt'>): string | null {
  const last: JobErrorRecord | undefined = job.errors.at(-1);
  if (job.status === 'failed') return last ? recordedUserMessage({ ...last, final: true }) : userMessages.failed;
  if (job.status === 'expired') return userMessages.expired;
  if (job.status === 'waiting' && last && job.finishedAt === null) return recordedUserMessage(last);
  return null;
}

/** "in 40 s", "in 5 min", "in 2 h", "in a moment". */
export function inWords(ms: number): string {
  if (ms < 1_000) return 'in a moment';
  if (ms < 60_000) return `in ${Math.round(ms / 1_000)} s`;
  if (ms < 3_600_000) return `in ${Math.round(ms / 60_000)} min`;
  return `in ${Math.round(ms / 3_600_000)} h`;
}
