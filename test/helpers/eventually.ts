/**
 * @module
 * Waiting helpers for tests. Time that Spool measures (delays, backoff, leases, retention) is
 * moved with a ManualClock; these helpers only wait for real work (a worker picking a job up, a
 * child process starting), polling with a deadline instead of sleeping a fixed time.
 */

/**
 * Calls `fn` until it returns without throwing (and, when it returns a boolean, returns true),
 * then resolves with its value. Rejects with the last failure once `timeoutMs` has passed.
 */
export async function eventually<T>(fn: () => T | Promise<T>, timeoutMs = 5_000, intervalMs = 10): Promise<Exclude<T, false>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== false) return value as Exclude<T, false>;
      lastError = new Error('the condition returned false');
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const reason = lastError instanceof Error ? lastError.message : String(lastError);
      throw new Error(`eventually(): still failing after ${timeoutMs} ms: ${reason}`, { cause: lastError });
    }
    await delay(intervalMs);
  }
}

/** Polls `fn` until it returns something other than undefined, null or false, and resolves with it. */
export async function until<T>(
  fn: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 5_000,
): Promise<T> {
  return eventually(async () => {
    const value = await fn();
    if (value === undefined || value === null || value === false) throw new Error('the value is not there yet');
    return value as T;
  }, timeoutMs) as Promise<T>;
}

/** A short real wait. Only for letting a worker settle into idleness, never for Spool's own time. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A promise with its resolve exposed: handlers await it so tests decide when they finish. */
export interface Gate<T = void> {
  promise: Promise<T>;
  open(value: T): void;
  readonly opened: boolean;
}

export function gate<T = void>(): Gate<T> {
  let resolve!: (value: T) => void;
  let opened = false;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return {
    promise,
    open(value: T) {
      opened = true;
      resolve(value);
    },
    get opened() {
      return opened;
    },
  };
}

/** Resolves when `signal` aborts, with its reason. */
export function aborted(signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(signal.reason);
    else signal.addEventListener('abort', () => resolve(signal.reason), { once: true });
  });
}
