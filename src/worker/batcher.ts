/**
 * @module
 * Gathers items that arrive while a write is in flight and writes them together, so a busy
 * worker completes many jobs per round trip without waiting on a timer.
 *
 * - A write that fails because the store is away or busy (transient) is retried with backoff
 *   until the store answers: finished work is never given up because an outage outlasted a lease.
 *   The store's fencing decides whether it still counts when it lands.
 * - A write that fails for any other reason is retried one item at a time, so one item the
 *   database refuses cannot take the others in its batch down with it.
 * - `abandon()` gives pending items up (a shutdown that cannot wait any longer).
 */
import { storeRetryDelay } from '../policies/backoff.js';

/** What the owner of a batcher hears about its writes. */
export interface BatcherHooks {
  /** A write failed; `retryInMs` is null when the items were given up. */
  onError(err: unknown, retryInMs: number | null): void;
  /** A write succeeded (after failures or not). */
  onSuccess?(): void;
  /** Only errors that may pass (the store is away or busy) are retried as they are. */
  isTransient(err: unknown): boolean;
}

interface Pending<T, R> {
  item: T;
  resolve(result: R | undefined): void;
}

export class Batcher<T, R> {
  private pending: Pending<T, R>[] = [];
  /** True from the moment a drain is scheduled until it has nothing left: no item can slip between. */
  private draining = false;
  private idleWaiters: (() => void)[] = [];
  private abandoned = false;
  private wakeRetry: (() => void) | null = null;
  /** True while writes wait for the store to come back (a transient failure not yet followed by a success). */
  private waitingForStore = false;

  constructor(
    private readonly write: (items: T[]) => Promise<Map<T, R>>,
    private readonly hooks: BatcherHooks,
  ) {}

  /** Resolves with the item's outcome, or undefined when the store refused it or it was abandoned. */
  add(item: T): Promise<R | undefined> {
    if (this.abandoned) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.pending.push({ item, resolve });
      if (this.draining) return;
      this.draining = true;
      // Start on the next turn of the event loop, so everything that finishes in this one joins the batch.
      setImmediate(() => void this.drain());
    });
  }

  get idle(): boolean {
    return !this.draining;
  }

  /** True while items wait to be written again because the store was away or busy. */
  get stalled(): boolean {
    return this.waitingForStore;
  }

  /** Resolves when everything added so far has been written or given up. */
  flushed(): Promise<void> {
    if (!this.draining) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Gives up every pending item (they resolve undefined) and refuses new ones. */
  abandon(): void {
    this.abandoned = true;
    const given = this.pending;
    this.pending = [];
    for (const entry of given) entry.resolve(undefined);
    this.wakeRetry?.();
  }

  private async drain(): Promise<void> {
    let failures = 0;
    try {
      while (this.pending.length > 0 && !this.abandoned) {
        const batch = this.pending;
        this.pending = [];
        const left = await this.writeBatch(batch);
        if (left === null) {
          failures = 0;
          this.waitingForStore = false;
          this.hooks.onSuccess?.();
          continue;
        }
        this.waitingForStore = true;
        // The store is away or busy: put what is left back in front and wait.
        this.pending = [...left.entries, ...this.pending];
        // At most a second apart: finished work lands within about a second of the store's return.
        const wait = Math.min(storeRetryDelay(++failures), 1_000);
        this.hooks.onError(left.error, wait);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          this.wakeRetry = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wakeRetry = null;
      }
    } finally {
      this.draining = false;
      this.waitingForStore = false;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  /**
   * Writes a batch; on an error that is not transient, writes its items one by one instead.
   * Returns null when every item is settled, or the items still to write after a transient error.
   */
  private async writeBatch(batch: Pending<T, R>[]): Promise<{ entries: Pending<T, R>[]; error: unknown } | null> {
    try {
      const outcomes = await this.write(batch.map((entry) => entry.item));
      for (const entry of batch) entry.resolve(outcomes.get(entry.item));
      return null;
    } catch (err) {
      if (this.hooks.isTransient(err)) return { entries: batch, error: err };
      if (batch.length === 1) {
        (batch[0] as Pending<T, R>).resolve(undefined);
        this.hooks.onError(err, null);
        return null;
      }
      for (let index = 0; index < batch.length; index++) {
        const left = await this.writeBatch([batch[index] as Pending<T, R>]);
        if (left) return { entries: batch.slice(index), error: left.error };
      }
      return null;
    }
  }
}
