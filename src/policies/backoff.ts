import type { BackoffPolicy } from '../core/types.js';

/**
 * Milliseconds to wait before the attempt after `attempt` (1-based).
 * Exponential uses full jitter: a uniform draw from [0, min(cap, base * 2^(attempt-1))], which
 * spreads a thundering herd of retries the most (AWS Architecture Blog, "Exponential Backoff
 * And Jitter"). `random` is injectable so tests are exact.
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  if (policy.type === 'fixed') return Math.min(policy.base, policy.cap);
  const ceiling = Math.min(policy.cap, policy.base * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}
