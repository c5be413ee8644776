/**
 * @module
 * Deleting many rows on SQLite without stalling anyone: a slice at a time, each sized to hold the
 * write lock about `targetMs` of wall time (the size adapts to how long the last slice took), with a pause
 * between slices long enough for other processes to get the lock. SQLite has no queue for its
 * lock: a waiting writer sleeps in its busy handler (1, 2, 5, 10, 15, 20, 25 ms … apart) and
 * retries, so a pruner that took the lock again at once (the next turn of the event loop) kept
 * another process's enqueue waiting 2.4 s while 1,000,000 jobs were pruned. With 10 ms slices and
 * 25 ms pauses its retries find the lock free within a slice or two (its slowest: 0.1–0.16 s).
 */

const targetMs = 10;
const pauseMs = 25;
const smallest = 50;
const largest = 5_000;

/** Calls `deleteSlice(size)` until a slice deletes fewer rows than asked; returns how many went. */
export async function pruneInSlices(deleteSlice: (size: number) => Promise<number>): Promise<number> {
  let size = 500;
  let total = 0;
  for (;;) {
    const started = performance.now();
    const removed = await deleteSlice(size);
    const took = Math.max(performance.now() - started, 0.1);
    total += removed;
    if (removed < size) return total;
    size = Math.round(Math.min(largest, Math.max(smallest, (size * targetMs) / took)));
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}
