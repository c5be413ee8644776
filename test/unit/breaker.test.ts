/** The breaker's state machine on a manual clock: every transition, and what a claim is granted in each state. */
import { describe, expect, it } from 'vitest';
import { type BreakerPolicy, type BreakerState, decide, nextTryAt } from '../../src/policies/breaker.js';

const t0 = 1_000_000;
const policy: BreakerPolicy = { consecutiveFailures: 3, failureRatio: null, cooldownMs: 30_000, probes: 2 };
const fail = (state: BreakerState | null, now = t0, p = policy) => decide(state, { type: 'outcomes', results: [false] }, now, p);
const succeed = (state: BreakerState | null, now = t0, p = policy) => decide(state, { type: 'outcomes', results: [true] }, now, p);
const claim = (state: BreakerState | null, want: number, now = t0, p = policy) => decide(state, { type: 'claim', want }, now, p);

describe('circuit breaker', () => {
  it('starts closed and grants every claim', () => {
    expect(claim(null, 50).decision).toEqual({ granted: 50, retryAt: null, transition: null });
  });

  it('opens after N consecutive failures; a success in between resets the count', () => {
    let state = fail(null).state;
    state = fail(state).state;
    state = succeed(state).state;
    expect(state).toMatchObject({ status: 'closed', failures: 0 });
    state = fail(fail(state).state).state;
    const third = fail(state, t0 + 5);
    expect(third.state).toEqual({ status: 'open', openedAt: t0 + 5, until: t0 + 30_005, reason: '3 failures in a row' });
    expect(third.decision).toMatchObject({ retryAt: t0 + 30_005, transition: { from: 'closed', to: 'open' } });
  });

  it('opens on a failure ratio over a window, once enough calls were made', () => {
    const ratio: BreakerPolicy = {
      consecutiveFailures: null,
      failureRatio: { ratio: 0.5, minCalls: 4, windowMs: 10_000 },
      cooldownMs: 1_000,
      probes: 1,
    };
    let state = decide(null, { type: 'outcomes', results: [false, true, false] }, t0, ratio).state;
    expect(state.status).toBe('closed'); // 2 of 3, below minCalls
    state = decide(state, { type: 'outcomes', results: [true] }, t0 + 1, ratio).state;
    expect(state.status).toBe('open'); // 2 of 4 = 50%
    // A fresh window forgets old calls.
    let fresh = decide(null, { type: 'outcomes', results: [false, false, true] }, t0, ratio).state;
    fresh = decide(fresh, { type: 'outcomes', results: [true] }, t0 + 10_000, ratio).state;
    expect(fresh).toMatchObject({ status: 'closed', window: { calls: 1, failures: 0 } });
  });

  it('while open grants nothing and says when to try; after the cool-down lets exactly `probes` through', () => {
    const open: BreakerState = { status: 'open', openedAt: t0, until: t0 + 30_000, reason: 'x' };
    expect(claim(open, 10, t0 + 29_999).decision).toEqual({ granted: 0, retryAt: t0 + 30_000, transition: null });
    const first = claim(open, 1, t0 + 30_000);
    expect(first.decision).toEqual({
      granted: 1,
      retryAt: null,
      transition: { from: 'open', to: 'half-open', reason: 'the cool-down ended' },
    });
    const second = claim(first.state, 5, t0 + 30_001);
    expect(second.decision.granted).toBe(1);
    const third = claim(second.state, 5, t0 + 30_002);
    expect(third.decision).toEqual({ granted: 0, retryAt: t0 + 60_002, transition: null });
  });

  it('half-open: a probe success closes it, a probe failure opens it again', () => {
    const halfOpen: BreakerState = { status: 'half-open', since: t0, probesStarted: 1 };
    expect(succeed(halfOpen, t0 + 1).decision.transition).toEqual({ from: 'half-open', to: 'closed', reason: 'a probe succeeded' });
    const reopened = fail(halfOpen, t0 + 2);
    expect(reopened.state).toEqual({ status: 'open', openedAt: t0 + 2, until: t0 + 30_002, reason: 'a probe failed' });
  });

  it('ignores outcomes that arrive while open (work started before it opened)', () => {
    const open: BreakerState = { status: 'open', openedAt: t0, until: t0 + 30_000, reason: 'x' };
    expect(succeed(open, t0 + 10).state).toBe(open);
  });

  it('its state is plain JSON: it survives a round trip through the store', () => {
    const state = fail(fail(null).state).state;
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
    expect(nextTryAt(JSON.parse(JSON.stringify({ status: 'open', openedAt: 0, until: 5, reason: '' })), 1, policy)).toBe(5);
  });
});
