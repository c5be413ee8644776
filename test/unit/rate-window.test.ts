/** The sliding-window rate limit on a manual clock: window edges, carry-over, and how close it holds a rate. */
import { describe, expect, it } from 'vitest';
import { type RateWindowState, decide } from '../../src/policies/rate-window.js';

const limit = { limit: 10, perMs: 1_000 };

describe('rate window', () => {
  it('grants up to the limit in a window and says when there is room again', () => {
    const first = decide(null, 7, 5_000, limit);
    expect(first.decision).toEqual({ granted: 7, retryAt: null });
    const second = decide(first.state, 7, 5_400, limit);
    expect(second.decision.granted).toBe(3);
    expect(second.decision.retryAt).toBeGreaterThan(5_400);
    expect(second.decision.retryAt).toBeLessThanOrEqual(6_000 + 1_000);
  });

  it('carries the previous window, weighed by how much of it the sliding window still covers', () => {
    const full = decide(null, 10, 5_000, limit).state;
    expect(decide(full, 10, 6_000, limit).decision.granted).toBe(0); // the whole previous window is still inside
    expect(decide(full, 10, 6_500, limit).decision.granted).toBe(5); // half of it slid out
    expect(decide(full, 10, 7_000, limit).decision.granted).toBe(10); // two windows later: empty
  });

  it('the retry time it gives is a time when one start fits', () => {
    const full = decide(null, 10, 5_000, limit);
    const at = full.decision.retryAt ?? decide(full.state, 1, 5_001, limit).decision.retryAt;
    const retry = decide(full.state, 1, 5_001, limit).decision.retryAt as number;
    expect(at === null || at > 0).toBe(true);
    expect(decide(full.state, 1, retry, limit).decision.granted).toBe(1);
    expect(decide(full.state, 1, retry - 1, limit).decision.granted).toBe(0);
  });

  it('holds a rate within 5% over ten windows of steady demand', () => {
    let state: RateWindowState | null = null;
    let started = 0;
    for (let now = 0; now < 10_000; now += 7) {
      const step = decide(state, 5, now, { limit: 50, perMs: 1_000 });
      state = step.state;
      started += step.decision.granted;
    }
    expect(started).toBeGreaterThanOrEqual(475);
    expect(started).toBeLessThanOrEqual(525);
  });

  it('its state is plain JSON', () => {
    const { state } = decide(null, 3, 1_234, limit);
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
  });
});
