/** The guarded claim's plan: concurrency caps, keys taking turns, rate limits per key, and breakers per queue and job name. */
import { describe, expect, it } from 'vitest';
import type { BreakerPolicy } from '../../src/policies/breaker.js';
import { type Candidate, type ClaimSnapshot, isGuarded, planClaim, takeTurns } from '../../src/policies/claim-plan.js';

const now = 50_000;
const job = (id: string, more: Partial<Candidate> = {}): Candidate => ({ id, name: 'n', concurrencyKey: null, rateKey: '', ...more });
const snapshot = (more: Partial<ClaimSnapshot>): ClaimSnapshot => ({
  now,
  policy: {},
  active: 0,
  activeByKey: {},
  breakers: {},
  windows: {},
  candidates: [],
  ...more,
});
const breaker: BreakerPolicy = { consecutiveFailures: 3, failureRatio: null, cooldownMs: 10_000, probes: 1 };

describe('planClaim', () => {
  it('knows which policies need a guarded claim', () => {
    expect(isGuarded({})).toBe(false);
    expect(isGuarded({ concurrency: 3 })).toBe(true);
    expect(isGuarded({ breakers: { charge: 'stripe' } })).toBe(true);
  });

  it('caps the claim at the queue concurrency left across processes', () => {
    const plan = planClaim(snapshot({ policy: { concurrency: 3 }, active: 2, candidates: [job('1'), job('2')] }), 10);
    expect(plan.claim).toEqual(['1']);
  });

  it('caps each concurrency key, and keys take turns', () => {
    const candidates = takeTurns([
      job('a1', { concurrencyKey: 'a' }),
      job('a2', { concurrencyKey: 'a' }),
      job('a3', { concurrencyKey: 'a' }),
      job('b1', { concurrencyKey: 'b' }),
      job('free'),
    ]);
    expect(candidates.map((c) => c.id)).toEqual(['a1', 'b1', 'free', 'a2', 'a3']);
    const plan = planClaim(snapshot({ policy: { keyConcurrency: 2 }, activeByKey: { a: 1 }, candidates }), 10);
    expect(plan.claim).toEqual(['a1', 'b1', 'free']);
  });

  it('rate limits per key: a full key defers its jobs to when it has room, others go on', () => {
    const plan = planClaim(
      snapshot({
        policy: { rateLimit: { limit: 2, perMs: 1_000 } },
        windows: { t1: { windowStart: now, count: 2, previous: 0 } },
        candidates: [
          job('1', { rateKey: 't1' }),
          job('2', { rateKey: 't2' }),
          job('3', { rateKey: 't1' }),
          job('4', { rateKey: 't2' }),
          job('5', { rateKey: 't2' }),
        ],
      }),
      10,
    );
    expect(plan.claim).toEqual(['2', '4']);
    expect(plan.defer.map((d) => d.id)).toEqual(['1', '3', '5']);
    expect(plan.defer.every((d) => d.until > now)).toBe(true);
    expect(plan.windows.t2).toMatchObject({ count: 2 });
  });

  it('an open breaker defers only the jobs it guards; a half-open one lets its probes through', () => {
    const open = { status: 'open' as const, openedAt: now - 1_000, until: now + 9_000, reason: 'x' };
    const plan = planClaim(
      snapshot({
        policy: { breakers: { charge: 'stripe' } },
        breakers: { stripe: { policy: breaker, state: open } },
        candidates: [job('1', { name: 'charge' }), job('2', { name: 'email' }), job('3', { name: 'charge' })],
      }),
      10,
    );
    expect(plan.claim).toEqual(['2']);
    expect(plan.defer).toEqual([
      { id: '1', until: now + 9_000 },
      { id: '3', until: now + 9_000 },
    ]);
    const later = planClaim(
      snapshot({
        now: now + 9_000,
        policy: { breaker: 'stripe' },
        breakers: { stripe: { policy: breaker, state: open } },
        candidates: [job('1'), job('3'), job('4')],
      }),
      10,
    );
    expect(later.claim).toEqual(['1']);
    expect(later.transitions).toEqual([{ breaker: 'stripe', from: 'open', to: 'half-open', reason: 'the cool-down ended' }]);
    expect(later.breakers.stripe).toMatchObject({ status: 'half-open', probesStarted: 1 });
    // Out of probes while half-open: the others just wait (not pushed back a whole cool-down).
    expect(later.defer).toEqual([]);
  });
});
