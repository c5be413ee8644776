/** @module Small helpers: a precise wall clock, sleeping, bounded waiting, percentiles. */

/** Epoch milliseconds with sub-millisecond precision; comparable across processes on one machine. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Calls `check` every `intervalMs` until it returns true or `timeoutMs` passes.
 * Returns true when `check` succeeded, false on timeout.
 */
export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(intervalMs, Math.max(1, deadline - Date.now())));
  }
}

/** The p-th percentile (0..100) by nearest rank; NaN for an empty list. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
