/**
 * @module
 * Which waiting jobs a claim may take under its queue's policies, decided as a pure function of
 * a snapshot the store reads under the queue's claim lock: the queue's concurrency cap, the
 * per-key cap (keys take turns), the rate limit (per queue or per key), and the circuit
 * breakers guarding the queue or some of its job names. The store then writes exactly this
 * plan in the same transaction, so two workers can never both pass a limit.
 */
import { type Candidate, type ClaimPlan, type ClaimSnapshot, type QueuePolicy, breakerFor, isGuarded } from '../core/flow.js';
import { decide as breakerDecide } from './breaker.js';
import { decide as rateDecide } from './rate-window.js';

export type { Candidate, ClaimPlan, ClaimSnapshot, QueuePolicy };
export { breakerFor, isGuarded };

export function planClaim(snapshot: ClaimSnapshot, want: number): ClaimPlan {
  const { now, policy } = snapshot;
  const plan: ClaimPlan = { claim: [], defer: [], windows: {}, breakers: {}, transitions: [] };
  let room = Math.max(0, want);
  if (policy.concurrency) room = Math.min(room, Math.max(0, policy.concurrency - snapshot.active));
  const activeByKey = { ...snapshot.activeByKey };
  const windows = { ...snapshot.windows };
  const breakers = Object.fromEntries(Object.entries(snapshot.breakers).map(([name, b]) => [name, { ...b }]));
  /** Keys whose window is full, with when it has room again: their other candidates wait too. */
  const fullUntil = new Map<string, number>();
  /** Breakers that let nothing more through this claim: until when, and whether their jobs are deferred (open) or just wait (half-open, probes out). */
  const shutUntil = new Map<string, { until: number; defer: boolean }>();

  for (const job of snapshot.candidates) {
    if (plan.claim.length >= room) break;
    if (policy.keyConcurrency && job.concurrencyKey !== null && (activeByKey[job.concurrencyKey] ?? 0) >= policy.keyConcurrency) continue;

    const breakerName = breakerFor(policy, job.name);
    const breaker = breakerName === null ? null : breakers[breakerName];
    if (breakerName !== null && breaker) {
      const shut = shutUntil.get(breakerName);
      if (shut !== undefined) {
        if (shut.defer) plan.defer.push({ id: job.id, until: shut.until });
        continue;
      }
      // Look before taking a probe: the rate limit below may still refuse this job.
      const peek = breakerDecide(breaker.state, { type: 'claim', want: 1 }, now, breaker.policy);
      if (peek.decision.granted === 0) {
        const until = peek.decision.retryAt ?? now + breaker.policy.cooldownMs;
        // An open breaker defers its jobs; a half-open one out of probes just leaves them waiting.
        const defer = peek.state.status === 'open';
        shutUntil.set(breakerName, { until, defer });
        if (defer) plan.defer.push({ id: job.id, until });
        recordTransition(plan, breakerName, peek.decision.transition);
        breaker.state = peek.state;
        plan.breakers[breakerName] = peek.state;
        continue;
      }
    }

    if (policy.rateLimit) {
      const full = fullUntil.get(job.rateKey);
      if (full !== undefined) {
        plan.defer.push({ id: job.id, until: full });
        continue;
      }
      const rate = rateDecide(windows[job.rateKey] ?? null, 1, now, policy.rateLimit);
      if (rate.decision.granted === 0) {
        const until = rate.decision.retryAt ?? now + policy.rateLimit.perMs;
        fullUntil.set(job.rateKey, until);
        plan.defer.push({ id: job.id, until });
        continue;
      }
      windows[job.rateKey] = rate.state;
      plan.windows[job.rateKey] = rate.state;
    }

    if (breakerName !== null && breaker) {
      const taken = breakerDecide(breaker.state, { type: 'claim', want: 1 }, now, breaker.policy);
      recordTransition(plan, breakerName, taken.decision.transition);
      breaker.state = taken.state;
      plan.breakers[breakerName] = taken.state;
    }
    if (job.concurrencyKey !== null) activeByKey[job.concurrencyKey] = (activeByKey[job.concurrencyKey] ?? 0) + 1;
    plan.claim.push(job.id);
  }
  return plan;
}

function recordTransition(plan: ClaimPlan, breaker: string, transition: { from: string; to: string; reason: string } | null): void {
  if (transition) plan.transitions.push({ breaker, ...transition });
}

/**
 * Per-key fairness: candidates reordered so keys take turns (each key's first job, then each
 * key's second, …), keeping claim order within a key and among jobs without a key.
 */
export function takeTurns(candidates: readonly Candidate[]): Candidate[] {
  const rank = new Map<string, number>();
  return candidates
    .map((job, index) => {
      if (job.concurrencyKey === null) return { job, turn: 0, index };
      const turn = rank.get(job.concurrencyKey) ?? 0;
      rank.set(job.concurrencyKey, turn + 1);
      return { job, turn, index };
    })
    .sort((a, b) => a.turn - b.turn || a.index - b.index)
    .map((entry) => entry.job);
}
