/**
 * @module
 * After an attempt: what flow control learns from it. A completion or a counted failure goes to
 * the breaker guarding the job; a handler that said its partner's rate limit is full shuts the
 * job's rate window for everyone until the time it gave.
 */
import type { ClaimedJob } from '../core/types.js';
import { block } from '../policies/rate-window.js';
import type { Outcome, RunResult } from './outcome.js';
import type { WorkerPort } from './port.js';
import { type QueueGuard, countsForBreaker, valueAt } from './queue-guard.js';

/** Tells the queue's breaker how the attempt went, and shuts a rate window a partner said is full. */
export function reportLimits(port: WorkerPort, guard: QueueGuard, job: ClaimedJob, run: RunResult, outcome: Outcome): void {
  if (outcome.type === 'complete') guard.report(job, 'success');
  else if (
    (outcome.type === 'fail' || outcome.type === 'retry') &&
    countsForBreaker(run.kind === 'threw' ? run.error : run.kind === 'stopped' ? run.reason : null)
  ) {
    guard.report(job, 'failure');
  }
  const rateLimit = guard.policy.rateLimit;
  const limits = port.store.limits;
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
        port.events.emit('error', { error: err as Error, context: `Shutting the rate window of queue "${job.queue}" failed` }),
      );
  }
}
