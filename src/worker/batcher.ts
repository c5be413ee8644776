/**
 * Gathers items that arrive while a write is in flight and writes them together, so a busy
 * worker completes many jobs per round trip without waiting on a timer. A failed write (the
 * store went away) is retried with backoff until the items' deadline passes; any other failure
 * gives the batch up, and the jobs' leases decide what happens next.
 */
export class Batcher<T, R> {
  private pending: { item: T; deadline: number; resolve(result: R | undefined): void }[] = [];
  /** True from the moment a drain is scheduled until it has nothing left: no item can slip between. */
  private draining = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly write: (items: T[]) => Promise<Map<T, R>>,
    private readonly onError: (err: unknown, retryInMs: number | null) => void,
    /** Only errors that may pass (the store is away or busy) are retried; others give the items up. */
    private readonly isTransient: (err: unknown) => boolean,
  ) {}

  /** Resolves with the item's outcome, or undefined when the deadline passed before the store answered. */
  add(item: T, deadline: number): Promise<R | undefined> {
    return new Promise((resolve) => {
      this.pending.push({ item, deadline, resolve });
      if (this.draining) return;
      this.draining = true;
      // Start on the next turn of the event loop, so everything that finishes in this one joins the batch.
      setImmediate(() => void this.drain());
    });
  }

  get idle(): boolean {
    return !this.draining;
  }

  /** Resolves when everything added so far has been written or given up. */
  flushed(): Promise<void> {
    if (!this.draining) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async drain(): Promise<void> {
    let retryDelay = 100;
    try {
      while (this.pending.length > 0) {
        const batch = this.pending;
        this.pending = [];
        try {
          const outcomes = await this.write(batch.map((entry) => entry.item));
          for (const entry of batch) entry.resolve(outcomes.get(entry.item));
          retryDelay = 100;
        } catch (err) {
          if (!this.isTransient(err)) {
            for (const entry of batch) entry.resolve(undefined);
            this.onError(err, null);
            continue;
          }
          const now = Date.now();
          const alive = batch.filter((entry) => entry.deadline > now);
          for (const entry of batch) if (entry.deadline <= now) entry.resolve(undefined);
          this.pending = [...alive, ...this.pending];
          if (this.pending.length === 0) break;
          this.onError(err, retryDelay);
          await new Promise((resolve) => setTimeout(resolve, retryDelay));
          retryDelay = Math.min(retryDelay * 2, 5_000);
        }
      }
    } finally {
      this.draining = false;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}
