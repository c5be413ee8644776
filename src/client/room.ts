/**
 * @module
 * `waitForRoom`: an enqueue on a full queue waits for room (up to the time the caller allows),
 * trying again when the store's estimate says there will be some, instead of failing at once.
 */
import { toMs } from '../core/duration.js';
import { isSpoolError, retryAfterOf } from '../core/errors.js';
import type { NewJob } from '../core/types.js';
import type { EnqueueResult, Store } from '../store/contract.js';
import type { EnqueueItem } from './new-job.js';

/** The longest `waitForRoom` among the items, in milliseconds (0 when none asks to wait). */
export function waitForRoomOf(items: readonly EnqueueItem[]): number {
  let longest = 0;
  for (const item of items) {
    const wait = item?.options?.waitForRoom;
    if (wait !== undefined) longest = Math.max(longest, toMs(wait, 'waitForRoom'));
  }
  return longest;
}

export async function enqueueWithRoom(store: Store, jobs: NewJob[], waitMs: number): Promise<EnqueueResult[]> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return await store.enqueue(jobs);
    } catch (err) {
      const remaining = deadline - Date.now();
      if (!isSpoolError(err, 'SPOOL_QUEUE_FULL') || remaining <= 0) throw err;
      // Check at least every second: the estimate is a guess, and room can come sooner.
      const pause = Math.max(10, Math.min(retryAfterOf(err) ?? 1_000, remaining, 1_000));
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}
