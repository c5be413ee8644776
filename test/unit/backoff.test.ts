import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/policies/backoff.js';

describe('backoffDelay', () => {
  const exponential = { type: 'exponential', base: 1_000, cap: 10_000 } as const;

  it('draws exponential delays with full jitter between 0 and base * 2^(attempt-1)', () => {
    expect(backoffDelay(exponential, 1, () => 0.999)).toBe(999);
    expect(backoffDelay(exponential, 2, () => 0.5)).toBe(1_000);
    expect(backoffDelay(exponential, 3, () => 0.999)).toBe(3_996);
    expect(backoffDelay(exponential, 1, () => 0)).toBe(0);
  });

  it('never exceeds the cap, however many attempts', () => {
    expect(backoffDelay(exponential, 5, () => 0.999)).toBe(9_990);
    expect(backoffDelay(exponential, 60, () => 0.999)).toBe(9_990);
  });

  it('waits the base every time when fixed', () => {
    const fixed = { type: 'fixed', base: 2_000, cap: 5_000 } as const;
    expect([1, 2, 7].map((attempt) => backoffDelay(fixed, attempt))).toEqual([2_000, 2_000, 2_000]);
  });
});
