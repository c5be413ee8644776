/**
 * @module
 * What a worker knows of its queue's flow control: the queue's row (paused, guarded, its
 * policy), refreshed every few seconds, so claims go through the guarded path when the queue
 * has limits; and the outcomes of breaker-guarded jobs, reported to their shared breakers in
 * batches. A plain claim on a queue that became guarded or paused meanwhile takes nothing (the
 * statement checks), so a stale view only costs a poll, never a limit.
 */
import { type QueuePolicy, breakerFor } from '../core/flow.js';
import { BreakerOpenError, InvalidArgumentError, type SpoolError } from '../core/errors.js';
import type { ClaimedJob } from '../core/types.js';
import { decide as breakerDecide } from '../policies/breaker.js';
import { planClaim, takeTurns } from '../policies/claim-plan.js';
import type { BreakerRecord, ClaimRequest, QueueRecord } from '../store/contract.js';
import type { WorkerPort } from './port.js';

/** How long a queue's row is trusted before it is read again. */
const refreshMs = 2_000;

export class QueueGuard {
  private record: QueueRecord | null = null;
  private readAt = Number.NEGATIVE_INFINITY;
  private reading: Promise<void> | null = null;
  /** Breaker outcomes waiting to be written, by breaker. */
  private readonly pending = new Map<string, boolean[]>();
  private flushing: Promise<void> | null = null;
  private breakerStates = new Map<string, BreakerRecord>();
  private breakersReadAt = Number.NEGATIVE_INFINITY;
  private breakersRead: Promise<void> | null = null;

  constructor(
    private readonly port: WorkerPort,
    private readonly queue: string,
  ) {}

  get policy(): QueuePolicy {
    return this.record?.policy ?? {};
  }

  /** Whether claims go through the queue's policies (limits or breakers are set). */
  get guarded(): boolean {
    return Boolean(this.record?.guarded);
  }

  /** Claims through the guarded path when the queue has limits, else the plain one. */
  async claim(request: ClaimRequest): Promise<ClaimedJob[]> {
    await this.refresh();
    const limits = this.port.store.limits;
    if (!this.record?.guarded || !limits) {
      const jobs = await this.port.store.claim(request);
      // Nothing claimed may mean the queue became guarded or paused: look again soon.
      if (jobs.length === 0) this.readAt = Math.min(this.readAt, performance.now() - refreshMs / 2);
      return jobs;
    }
    const keyed = Boolean(this.record.policy.keyConcurrency);
    // Jobs this worker still has in hand past their lease are left alone here too (see ClaimRequest.exclude).
    const excluded = new Set(request.exclude ?? []);
    const { jobs, transitions } = await limits.claimGuarded({ ...request, candidates: Math.min(500, request.limit * 4) }, (snapshot) => {
      const candidates = excluded.size > 0 ? snapshot.candidates.filter((c) => !excluded.has(String(c.id))) : snapshot.candidates;
      return planClaim({ ...snapshot, candidates: keyed ? takeTurns(candidates) : candidates }, request.limit);
    });
    for (const transition of transitions) this.port.events.emit('breaker', transition);
    return jobs;
  }

  /** Reports a finished attempt to the breaker guarding its job, if any; `failed` only for failures that count. */
  report(job: ClaimedJob, outcome: 'success' | 'failure'): void {
    const name = breakerFor(this.policy, job.name);
    if (name !== null) this.addOutcome(name, outcome === 'success');
  }

  /**
   * A breaker for work inside a handler (`ctx.breaker(name).run(fn)`): while it is open the call
   * throws BreakerOpenError, which sends the job back to wait without spending an attempt.
   */
  breaker(name: string): { run<T>(fn: () => T | Promise<T>): Promise<T> } {
    return {
      run: async <T>(fn: () => T | Promise<T>): Promise<T> => {
        const openForMs = await this.openFor(name);
        if (openForMs > 0) throw new BreakerOpenError(name, Math.max(1_000, openForMs));
        try {
          const result = await fn();
          this.addOutcome(name, true);
          return result;
        } catch (err) {
          if (countsForBreaker(err)) this.addOutcome(name, false);
          throw err;
        }
      },
    };
  }

  /**
   * How many more milliseconds the breaker stays open, 0 when it lets work through (read at most
   * every half second). Its "open until" is on the store's clock, so it is compared with the
   * store's clock at the read plus the time elapsed here on the monotonic clock: a worker whose
   * wall clock is off still judges the breaker right.
   */
  private async openFor(name: string): Promise<number> {
    const limits = this.port.store.limits;
    if (!limits) return 0;
    if (performance.now() - this.breakersReadAt > 500) {
      this.breakersRead ??= limits.listBreakers().then((list) => {
        this.breakerStates = new Map(list.map((b) => [b.name, b]));
        this.breakersReadAt = performance.now();
        this.breakersRead = null;
      });
      await this.breakersRead;
    }
    const known = this.breakerStates.get(name);
    if (!known)
      throw new InvalidArgumentError(
        `No circuit breaker is named "${name}"; define it with spool.defineBreaker("${name}", { … }) or in the config file.`,
      );
    if (known.state?.status !== 'open') return 0;
    const storeNow = known.readAt + (performance.now() - this.breakersReadAt);
    return Math.max(0, known.state.until - storeNow);
  }

  private addOutcome(name: string, success: boolean): void {
    if (!this.port.store.limits) return;
    const results = this.pending.get(name) ?? [];
    results.push(success);
    this.pending.set(name, results);
    this.flushing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.flush());
  }

  /** Waits for breaker outcomes still being written. */
  async flushed(): Promise<void> {
    await this.flushing;
  }

  private async flush(): Promise<void> {
    const limits = this.port.store.limits;
    try {
      while (this.pending.size > 0 && limits) {
        const batch = [...this.pending];
        this.pending.clear();
        for (const [name, results] of batch) {
          try {
            const transition = await limits.recordBreaker(name, (state, policy, now) => {
              const { state: next, decision } = breakerDecide(state, { type: 'outcomes', results }, now, policy);
              return { state: next, transition: decision.transition };
            });
            if (transition) this.port.events.emit('breaker', transition);
          } catch (err) {
            this.port.events.emit('error', { error: err as Error, context: `Recording outcomes on breaker "${name}" failed` });
          }
        }
      }
    } finally {
      this.flushing = null;
    }
  }

  private async refresh(): Promise<void> {
    const queues = this.port.store.queues;
    if (!queues || performance.now() - this.readAt < refreshMs) return;
    this.reading ??= queues
      .get(this.queue)
      .then((record) => {
        this.record = record;
        this.readAt = performance.now();
      })
      .finally(() => {
        this.reading = null;
      });
    await this.reading;
  }
}

/** Errors a breaker counts by default: timeouts, network failures, and errors marked transient. */
export function countsForBreaker(error: unknown, failOn: 'transient' | 'any' = 'transient'): boolean {
  const err = error as (SpoolError & { transient?: unknown; cause?: unknown }) | null;
  if (err?.code === 'SPOOL_NON_RETRYABLE' || err?.code === 'SPOOL_CANCELLED' || err?.code === 'SPOOL_SHUTDOWN') return false;
  if (failOn === 'any') return true;
  if (err?.code === 'SPOOL_TIMEOUT' || err?.transient === true) return true;
  const codes = [err?.code, (err?.cause as { code?: unknown } | undefined)?.code].filter((c): c is string => typeof c === 'string');
  if (codes.some((c) => networkCode.test(c))) return true;
  return err instanceof TypeError && /fetch failed|network/i.test(err.message);
}

const networkCode = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|ENOTFOUND|EPIPE|EHOSTUNREACH|ENETUNREACH|UND_ERR_.+)$/;

/** The string at a dotted payload path (`tenant.id`), or null. */
export function valueAt(payload: unknown, path: string | null | undefined): string | null {
  if (!path) return null;
  let value: unknown = payload;
  for (const part of path.split('.'))
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  return value === undefined || value === null ? null : String(value);
}
