/**
 * @module
 * Group commit for enqueues outside a caller's transaction: calls that arrive while the previous
 * write is in flight (or in the same turn of the event loop) are written together, as one
 * multi-row insert and one commit, and each caller still gets its own results and its own error.
 *
 * - No fixed wait: a lone call is written at the end of the current event-loop turn; under load
 *   the batch is whatever arrived while the previous write was in flight.
 * - All or nothing per caller, as a single call would be: when a batch of several callers fails
 *   for a reason that is not the store being away (a full queue, a value the database refuses),
 *   nothing was stored, and each caller's jobs are written again on their own, in arrival order,
 *   so only the callers at fault get the error (the same outcome as calls one after another).
 * - The store being away or busy (SPOOL_STORE_UNAVAILABLE) goes to every caller of the batch
 *   unchanged: a lost commit may or may not have landed, and writing again could store a job twice.
 */
import { isSpoolError } from '../core/errors.js';
import type { NewJob } from '../core/types.js';
import type { EnqueueResult } from './contract.js';
import { newJobToJob } from './row.js';

interface Caller {
  jobs: readonly NewJob[];
  resolve(results: EnqueueResult[]): void;
  reject(err: unknown): void;
}

export class GroupCommit {
  private waiting: Caller[] = [];
  private inFlight = 0;
  private scheduled = false;
  private drained: (() => void)[] = [];

  /**
   * `write` stores jobs in one transaction, results in input order (the store's own insert).
   * `maxInFlight` batches may be written at once (on connections of their own).
   */
  constructor(
    private readonly write: (jobs: readonly NewJob[]) => Promise<EnqueueResult[]>,
    private readonly maxInFlight = 1,
  ) {}

  submit(jobs: readonly NewJob[]): Promise<EnqueueResult[]> {
    return new Promise<EnqueueResult[]>((resolve, reject) => {
      this.waiting.push({ jobs, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once nothing is waiting or being written (for close). */
  idle(): Promise<void> {
    if (this.inFlight === 0 && !this.scheduled && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.drained.push(resolve));
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight || this.waiting.length === 0) return;
    this.scheduled = true;
    // The rest of this turn's arrivals (other requests parsed in the same poll) join the batch.
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    const batch = this.waiting;
    this.waiting = [];
    if (batch.length > 0) {
      this.inFlight++;
      await this.writeBatch(batch);
      this.inFlight--;
    }
    if (this.waiting.length > 0) this.schedule();
    else if (this.inFlight === 0 && !this.scheduled) for (const resolve of this.drained.splice(0)) resolve();
  }

  private async writeBatch(batch: Caller[]): Promise<void> {
    if (batch.length === 1) {
      const only = batch[0] as Caller;
      await this.write(only.jobs).then(only.resolve, only.reject);
      return;
    }
    const jobs = batch.flatMap((caller) => caller.jobs);
    let results: EnqueueResult[];
    try {
      results = await this.write(jobs);
    } catch (err) {
      if (isSpoolError(err, 'SPOOL_STORE_UNAVAILABLE')) {
        for (const caller of batch) caller.reject(err);
        return;
      }
      for (const caller of batch) await this.write(caller.jobs).then(caller.resolve, caller.reject);
      return;
    }
    let offset = 0;
    for (const caller of batch) {
      const end = offset + caller.jobs.length;
      caller.resolve(results.slice(offset, end).map((result) => forCaller(result, jobs, offset, end)));
      offset = end;
    }
  }
}

/**
 * A result as the caller's own call would have returned it: `createdFrom` indexes its own jobs,
 * and a job another caller of the batch created first (the same idempotency key) comes back whole
 * in `existing`, as a job from an earlier call does.
 */
function forCaller(result: EnqueueResult, jobs: readonly NewJob[], offset: number, end: number): EnqueueResult {
  const from = result.createdFrom;
  if (from === null) return result;
  if (from >= offset && from < end) return { ...result, createdFrom: from - offset };
  const existing = newJobToJob(jobs[from] as NewJob, result.id, result.createdAt);
  return { ...result, created: false, createdFrom: null, existing };
}
