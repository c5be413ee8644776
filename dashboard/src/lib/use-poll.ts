/**
 * Loads data now and again every `intervalMs` while the page is visible. Keeps the last good
 * data when a refresh fails, so a blip shows a notice instead of a blank screen.
 */
import { useCallback, useEffect, useRef, useState } from 'react';

export interface Polled<T> {
  data: T | null;
  error: Error | null;
  loading: boolean;
  /** Loads again now (after an action, or from a "Try again" button). */
  reload(): void;
}

export function usePoll<T>(load: (signal: AbortSignal) => Promise<T>, intervalMs: number, key: string): Polled<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  // A new key (other filters, another job) starts from a clean slate, in the same render.
  const [currentKey, setCurrentKey] = useState(key);
  if (currentKey !== key) {
    setCurrentKey(key);
    setData(null);
    setError(null);
    setLoading(true);
  }

  // biome-ignore lint/correctness/useExhaustiveDependencies: a new key or a reload restarts the polling on purpose; the loader is read through a ref.
  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let running = false;
    const run = async () => {
      if (running) return;
      running = true;
      try {
        if (document.visibilityState !== 'hidden') {
          const value = await loadRef.current(controller.signal);
          if (controller.signal.aborted) return;
          setData(value);
          setError(null);
        }
      } catch (err) {
        if (controller.signal.aborted) return;
        setError(err as Error);
      } finally {
        running = false;
        if (!controller.signal.aborted) {
          setLoading(false);
          timer = setTimeout(run, intervalMs);
        }
      }
    };
    void run();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [intervalMs, key, tick]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, loading, reload };
}
