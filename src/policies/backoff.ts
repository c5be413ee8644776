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

/** The first and the longest wait between tries at a store that does not answer. */
export const storeRetry = { firstMs: 100, maxMs: 5_000 } as const;

/**
 * Milliseconds to wait before trying an unavailable store again after `failures` failures in a
 * row (1-based): doubling from 100 ms to 5 s, with equal jitter (half the step fixed, half drawn),
 * so the claim loops, heartbeats and writes of many workers spread out instead of hammering a
 * database that is coming back, and never retry in a tight loop.
 */
export function storeRetryDelay(failures: number, random: () => number = Math.random): number {
  const step = Math.min(storeRetry.firstMs * 2 ** Math.max(0, failures - 1), storeRetry.maxMs);
  return Math.round(step * (0.5 + random() / 2));
}
