/**
 * The flow-control helpers of the dashboard, without a browser: durations and times in words,
 * breaker policies in words, how full a limit is, which breakers guard which queues, and the
 * limits form's change (only what changed, empty as null, the server left to judge values).
 */
import { describe, expect, it } from 'vitest';
import type { BreakerView, QueueState } from '../../dashboard/src/api/types.js';
import {
  changeOf,
  draftOf,
  durationInput,
  durationText,
  guardsOf,
  inTime,
  level,
  openUntil,
  rateText,
  recoveryText,
  trippedFor,
  tripText,
} from '../../dashboard/src/lib/flow.js';

const now = new Date(2026, 10, 25, 14, 0, 0).getTime();

describe('durations and times', () => {
  it('reads and writes durations', () => {
    expect([850, 40_000, 90_000, 300_000, 9_000_000, 2 * 86_400_000].map(durationText)).toEqual([
      '850 ms',
      '40 s',
      '1.5 min',
      '5 min',
      '2.5 h',
      '2 d',
    ]);
    expect([60_000, 30_000, 1_500, 7_200_000, 86_400_000, 90_000].map(durationInput)).toEqual(['1m', '30s', '1500ms', '2h', '1d', '90s']);
  });

  it('says how long until a time, rounding up', () => {
    expect(inTime(now + 40_000, now)).toBe('in 40 s');
    expect(inTime(now + 400, now)).toBe('in 1 s');
    expect(inTime(now + 594_000, now)).toBe('in 10 min');
    expect(inTime(now + 9_000_000, now)).toBe('in 2.5 h');
  });

  it('says until when an open breaker waits, and when its cool-down is over', () => {
    expect(openUntil({ status: 'open', until: now + 5 * 60_000 }, now)).toBe('until 14:05 (in 5 min)');
    expect(openUntil({ status: 'open', until: now + 40_000 }, now)).toBe('until 14:00 (in 40 s)');
    expect(openUntil({ status: 'open', until: now - 1 }, now)).toBe('cool-down over: the next job it guards probes it');
    expect(openUntil({ status: 'closed', until: null }, now)).toBeNull();
    expect(openUntil({ status: 'open', until: now + 86_400_000 }, now)).toMatch(/^until Nov 26, 14:00 \(in 1 d\)$/);
  });
});

describe('policies in words', () => {
  it('says when a breaker opens and how it recovers', () => {
    const policy = { consecutiveFailures: 5, failureRatio: null, cooldownMs: 30_000, probes: 1 };
    expect(tripText(policy)).toBe('opens after 5 failures in a row');
    expect(recoveryText(policy)).toBe('cool-down 30 s, 1 probe');
    const ratio = {
      consecutiveFailures: null,
      failureRatio: { ratio: 0.5, minCalls: 10, windowMs: 60_000 },
      cooldownMs: 60_000,
      probes: 3,
    };
    expect(tripText(ratio)).toBe('opens when 50% of at least 10 calls over 1 min fail');
    expect(tripText({ ...ratio, consecutiveFailures: 1 })).toBe(
      'opens after 1 failure in a row or when 50% of at least 10 calls over 1 min fail',
    );
    expect(recoveryText(ratio)).toBe('cool-down 1 min, 3 probes');
  });

  it('says a rate limit, per key or for the whole queue', () => {
    expect(rateText({ limit: 100, perMs: 60_000, keyPath: 'tenant.id' })).toBe('100 starts per 1 min, per value of tenant.id');
    expect(rateText({ limit: 1, perMs: 1_000 })).toBe('1 start per 1 s');
  });

  it('grades a depth amber from 80% and red when full, a cap amber only at the cap', () => {
    expect([0, 15, 16, 19, 20, 25].map((n) => level(n, 20))).toEqual(['ok', 'ok', 'near', 'near', 'full', 'full']);
    expect([3, 4, 5].map((n) => level(n, 4, 'cap'))).toEqual(['ok', 'near', 'near']);
  });
});

describe('which breakers guard which queues', () => {
  const queues = [
    { name: 'shop', policy: { breakers: { charge: 'payments', refund: 'payments', ship: 'carrier' } } },
    { name: 'billing', policy: { breaker: 'payments' } },
    { name: 'emails', policy: {} },
  ];

  it('lists the queues and job names each breaker guards', () => {
    expect(guardsOf(queues)).toEqual({
      payments: [
        { queue: 'shop', jobs: ['charge', 'refund'] },
        { queue: 'billing', jobs: 'all' },
      ],
      carrier: [{ queue: 'shop', jobs: ['ship'] }],
    });
  });

  it("finds a queue's breakers that are not closed, open ones first", () => {
    const breakers: BreakerView[] = [
      { name: 'carrier', status: 'half-open', until: null, reason: null },
      { name: 'payments', status: 'open', until: now + 1_000, reason: '5 failures in a row' },
    ];
    const guards = guardsOf(queues);
    expect(trippedFor('shop', guards, breakers).map((b) => b.name)).toEqual(['payments', 'carrier']);
    expect(trippedFor('billing', guards, breakers).map((b) => b.name)).toEqual(['payments']);
    expect(trippedFor('emails', guards, breakers)).toEqual([]);
    expect(trippedFor('shop', guards, [{ name: 'payments', status: 'closed', until: null, reason: null }])).toEqual([]);
  });
});

describe('the limits form', () => {
  const state: Pick<QueueState, 'policy' | 'maxDepth' | 'refuseWhenPaused'> = {
    policy: { concurrency: 4, rateLimit: { limit: 5, perMs: 60_000, keyPath: 'tenant' }, breakers: { charge: 'payments' } },
    maxDepth: 20,
    refuseWhenPaused: false,
  };
  const initial = draftOf(state);

  it('opens with the current limits as text', () => {
    expect(initial).toEqual({
      concurrency: '4',
      keyConcurrency: '',
      rateLimit: '5',
      ratePer: '1m',
      rateKey: 'tenant',
      maxDepth: '20',
      breaker: '',
      breakers: [{ job: 'charge', breaker: 'payments' }],
      refuseWhenPaused: false,
    });
  });

  it('sends only what changed, an emptied field as null, and values the server judges as they are', () => {
    expect(changeOf(initial, initial)).toEqual({});
    expect(changeOf({ ...initial, concurrency: '0' }, initial)).toEqual({ concurrency: 0 });
    expect(changeOf({ ...initial, concurrency: ' ', keyConcurrency: '2' }, initial)).toEqual({ concurrency: null, keyConcurrency: 2 });
    expect(changeOf({ ...initial, maxDepth: '', refuseWhenPaused: true }, initial)).toEqual({ maxDepth: null, refuseWhenPaused: true });
    expect(changeOf({ ...initial, ratePer: '30s' }, initial)).toEqual({ rateLimit: { limit: 5, per: '30s', key: 'tenant' } });
    expect(changeOf({ ...initial, rateKey: '' }, initial)).toEqual({ rateLimit: { limit: 5, per: '1m' } });
    expect(changeOf({ ...initial, rateLimit: '', ratePer: '', rateKey: '' }, initial)).toEqual({ rateLimit: null });
    expect(changeOf({ ...initial, breaker: 'payments' }, initial)).toEqual({ breaker: 'payments' });
    expect(changeOf({ ...initial, breakers: [] }, initial)).toEqual({ breakers: {} });
    expect(
      changeOf(
        { ...initial, breakers: [...initial.breakers, { job: ' refund ', breaker: 'payments' }, { job: '', breaker: '' }] },
        initial,
      ),
    ).toEqual({ breakers: { charge: 'payments', refund: 'payments' } });
  });

  it('says what to fix when a field cannot be read', () => {
    expect(() => changeOf({ ...initial, concurrency: 'three' }, initial)).toThrow(
      'Concurrency must be a whole number, or empty for no limit; got "three".',
    );
    expect(() => changeOf({ ...initial, ratePer: '' }, initial)).toThrow('Give the rate limit its window, such as 1m or 30s.');
    expect(() => changeOf({ ...initial, rateLimit: '' }, initial)).toThrow('Give the rate limit its starts per window');
    expect(() => changeOf({ ...initial, breakers: [...initial.breakers, { job: 'charge', breaker: 'other' }] }, initial)).toThrow(
      'The job name "charge" has two breakers; keep one row for it.',
    );
    expect(() => changeOf({ ...initial, breakers: [{ job: 'refund', breaker: '' }] }, initial)).toThrow(
      'Pick a breaker for the job name "refund", or remove its row.',
    );
  });
});
