/**
 * @module
 * The store contract's flow-control part (`Store.limits`): queue settings, claims under a
 * queue's policies, shared circuit breakers and expiry. The decisions are the pure policies'
 * (`policies/`); the store reads their state and writes their plans atomically.
 */
import type { BreakerPolicy, BreakerState, ClaimPlan, ClaimSnapshot, QueuePolicy, RateWindowState } from '../core/flow.js';
import type { ClaimedJob, Job } from '../core/types.js';
import type { ClaimRequest, QueueRecord } from './contract-common.js';

export interface QueueSettings {
  paused?: boolean;
  refuseWhenPaused?: boolean;
  maxDepth?: number | null;
  policy?: QueuePolicy;
}

export interface BreakerRecord {
  name: string;
  policy: BreakerPolicy;
  state: BreakerState | null;
  updatedAt: number;
}

/** A breaker's change of status, for events. */
export interface BreakerTransition {
  breaker: string;
  from: string;
  to: string;
  reason: string;
  at: number;
}

/** Optional: flow control — queue settings, guarded claims, shared breakers, expiry. */
export interface LimitsPart {
  /** Changes a queue's settings (creating its row if needed) and returns its row. */
  setQueue(name: string, settings: QueueSettings): Promise<QueueRecord>;
  /**
   * Claims under the queue's policies: under one lock per queue, reads the live snapshot
   * (active counts, breaker states, rate windows, up to `candidates` runnable jobs), asks `plan`
   * which to take and what to write, and writes exactly that in the same transaction.
   */
  claimGuarded(
    request: ClaimRequest & { candidates: number },
    plan: (snapshot: ClaimSnapshot) => ClaimPlan,
  ): Promise<{ jobs: ClaimedJob[]; transitions: BreakerTransition[] }>;
  /** Creates or updates a breaker's policy; its state is kept. */
  defineBreaker(name: string, policy: BreakerPolicy): Promise<void>;
  listBreakers(): Promise<BreakerRecord[]>;
  /**
   * Applies outcomes to a breaker under its row lock. When it opens, every waiting job it guards
   * is deferred to the end of its cool-down in the same transaction (no attempt is spent).
   */
  recordBreaker(
    name: string,
    apply: (
      state: BreakerState | null,
      policy: BreakerPolicy,
      now: number,
    ) => { state: BreakerState; transition: Omit<BreakerTransition, 'breaker' | 'at'> | null },
  ): Promise<BreakerTransition | null>;
  /** Changes one rate window of a queue under a lock (a handler reported "too many requests"). */
  updateWindow(queue: string, key: string, apply: (state: RateWindowState | null, now: number) => RateWindowState): Promise<void>;
  /** Rate windows of a queue, by key, for the queue's live view. */
  rateWindows(queue: string): Promise<Record<string, RateWindowState>>;
  /** Moves waiting jobs past their `expiresAt` to `expired`; returns them. */
  expire(): Promise<Job[]>;
  /** Running jobs per concurrency key of a queue. */
  activeByKey(queue: string): Promise<Record<string, number>>;
}
