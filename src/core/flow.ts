/**
 * @module
 * The data of flow control, shared by the pure policies (`policies/`) that decide and the stores
 * that keep it: queue policies, breaker and rate-window states, and the snapshot a guarded claim
 * decides on and the plan it writes. Plain JSON throughout, so every process shares it.
 */

/** A queue's flow-control policy, as stored with its row. */
export interface QueuePolicy {
  /** At most this many of its jobs run at once, across every process. */
  concurrency?: number | null;
  /** At most this many jobs with the same `concurrencyKey` run at once. */
  keyConcurrency?: number | null;
  /** Starts allowed per window; `keyPath` counts per value of that payload path (a job's `rateLimitKey` wins). */
  rateLimit?: (RateLimit & { keyPath?: string | null }) | null;
  /** The breaker guarding every job of the queue. */
  breaker?: string | null;
  /** Breakers guarding jobs by name. */
  breakers?: Record<string, string>;
}

export interface BreakerPolicy {
  /** Open after this many failures in a row; null to use only the ratio. */
  consecutiveFailures: number | null;
  /** Or open when, over the last `windowMs`, at least `minCalls` calls were made and `ratio` or more of them failed. */
  failureRatio: { ratio: number; minCalls: number; windowMs: number } | null;
  /** How long it stays open before letting probes through. */
  cooldownMs: number;
  /** Jobs let through while half-open. */
  probes: number;
}

export type BreakerStatus = 'closed' | 'open' | 'half-open';

export type BreakerState =
  | { status: 'closed'; failures: number; window: { start: number; calls: number; failures: number } }
  | { status: 'open'; openedAt: number; until: number; reason: string }
  | { status: 'half-open'; since: number; probesStarted: number };

export interface RateLimit {
  /** Starts allowed per window. */
  limit: number;
  /** The window, in milliseconds. */
  perMs: number;
}

export interface RateWindowState {
  /** Start of the current fixed window, epoch ms. */
  windowStart: number;
  /** Starts counted in the current fixed window. */
  count: number;
  /** Starts counted in the fixed window before it. */
  previous: number;
  /** No start is allowed before this time (a partner answered "too many requests"). */
  blockedUntil?: number;
}

export interface Candidate {
  id: string;
  name: string;
  concurrencyKey: string | null;
  /** The rate-limit key, already resolved: the job's own, else its payload's value at the policy's path, else '' (the queue's window). */
  rateKey: string;
}

export interface ClaimSnapshot {
  now: number;
  policy: QueuePolicy;
  /** Jobs of the queue running now, in every process. */
  active: number;
  activeByKey: Record<string, number>;
  breakers: Record<string, { policy: BreakerPolicy; state: BreakerState | null }>;
  windows: Record<string, RateWindowState | null>;
  /** Waiting jobs that could run now, in claim order (priority, then run time, then age). */
  candidates: readonly Candidate[];
}

export interface ClaimPlan {
  /** Ids to claim, in order. */
  claim: string[];
  /** Waiting jobs to push back without spending an attempt: their breaker is open, or their rate window is full. */
  defer: { id: string; until: number }[];
  windows: Record<string, RateWindowState>;
  breakers: Record<string, BreakerState>;
  transitions: { breaker: string; from: string; to: string; reason: string }[];
}

/** True when claims on a queue with this policy must go through the guarded claim (`policies/claim-plan.ts`). */
export function isGuarded(policy: QueuePolicy): boolean {
  return Boolean(
    policy.concurrency || policy.keyConcurrency || policy.rateLimit || policy.breaker || Object.keys(policy.breakers ?? {}).length > 0,
  );
}

/** The breaker that guards a job of this queue with this name, if any. */
export function breakerFor(policy: QueuePolicy, name: string): string | null {
  return policy.breakers?.[name] ?? policy.breaker ?? null;
}
