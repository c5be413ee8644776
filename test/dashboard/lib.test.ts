/**
 * The dashboard's pure helpers, without a browser: the timeline derived from a job, chart
 * series from the API's points, and formatting for people.
 */
import { describe, expect, it } from 'vitest';
import type { JobView } from '../../dashboard/src/api/types.js';
import { age, clockTime, duration, errorText, percent, progressLabel, waitingFor } from '../../dashboard/src/lib/format.js';
import { backlogSeries, niceMax, throughputSeries } from '../../dashboard/src/lib/series.js';
import { timeline } from '../../dashboard/src/lib/timeline.js';

const t0 = 1_800_000_000_000;

function job(overrides: Partial<JobView>): JobView {
  return {
    id: '1',
    queue: 'billing',
    name: 'charge',
    status: 'waiting',
    payload: {},
    priority: 0,
    attempts: 0,
    maxAttempts: 3,
    timeout: null,
    idempotencyKey: null,
    orderingKey: null,
    concurrencyKey: null,
    rateLimitKey: null,
    expiresAt: null,
    metadata: {},
    callbackUrl: null,
    progress: null,
    result: null,
    userMessage: null,
    error: null,
    errors: [],
    runAt: t0,
    createdAt: t0,
    updatedAt: t0,
    startedAt: null,
    finishedAt: null,
    workerId: null,
    leaseExpiresAt: null,
    ...overrides,
  };
}

describe('timeline', () => {
  it('tells a retried, then completed job in order', () => {
    const entries = timeline(
      job({
        status: 'completed',
        attempts: 2,
        errors: [{ message: 'partner API answered 503', userMessage: 'We will try again.', attempt: 1, at: t0 + 100 }],
        startedAt: t0 + 1_100,
        finishedAt: t0 + 1_500,
        runAt: t0 + 1_050,
      }),
    );
    expect(entries.map((e) => e.kind)).toEqual(['created', 'attempt-failed', 'started', 'completed']);
    expect(entries[1]?.text).toBe('Attempt 1 failed, will be retried: partner API answered 503');
    expect(entries[2]?.text).toBe('Attempt 2 of 3 started');
  });

  it('shows a scheduled retry while waiting after a failure', () => {
    const entries = timeline(
      job({
        attempts: 1,
        errors: [{ message: 'timeout', userMessage: 'We will try again.', attempt: 1, at: t0 + 10 }],
        startedAt: t0 + 5,
        runAt: t0 + 2_000,
      }),
    );
    expect(entries.map((e) => e.kind)).toEqual(['created', 'started', 'attempt-failed', 'retry-scheduled']);
    expect(entries.at(-1)).toMatchObject({ at: t0 + 2_000, text: 'Waiting to run again: attempt 2 of 3' });
  });

  it('ends a job that failed for good with its final error, and keeps start before failure at equal times', () => {
    const entries = timeline(
      job({
        status: 'failed',
        attempts: 1,
        maxAttempts: 1,
        errors: [{ message: 'declined', userMessage: 'We will try again.', attempt: 1, at: t0 + 5, final: true }],
        startedAt: t0 + 5,
        finishedAt: t0 + 5,
      }),
    );
    expect(entries.map((e) => e.kind)).toEqual(['created', 'started', 'attempt-failed', 'failed']);
    expect(entries[2]?.text).toBe('Attempt 1 failed: declined');
  });

  it('shows a delayed job as scheduled', () => {
    expect(timeline(job({ runAt: t0 + 60_000 })).map((e) => e.kind)).toEqual(['created', 'scheduled']);
  });
});

describe('chart series', () => {
  it('fills every minute of the window and sums the chosen queues', () => {
    const from = t0 - 5 * 60_000;
    const points = [
      { at: t0 - 2 * 60_000, queue: 'a', completed: 3, failed: 1 },
      { at: t0 - 2 * 60_000, queue: 'b', completed: 2, failed: 0 },
      { at: t0, queue: 'a', completed: 1, failed: 0 },
    ];
    const all = throughputSeries(points, { from, to: t0, bucketMs: 60_000 });
    expect(all.completed.points.map((p) => p.value)).toEqual([0, 0, 0, 5, 0, 1]);
    expect(all.failed.points.map((p) => p.value)).toEqual([0, 0, 0, 1, 0, 0]);
    const onlyB = throughputSeries(points, { from, to: t0, bucketMs: 60_000, queue: 'b' });
    expect(onlyB.completed.points.map((p) => p.value)).toEqual([0, 0, 0, 2, 0, 0]);
  });

  it('sums backlog samples per time, oldest first', () => {
    const series = backlogSeries([
      { at: t0 + 15_000, queue: 'a', waiting: 1, active: 0 },
      { at: t0, queue: 'a', waiting: 4, active: 2 },
      { at: t0, queue: 'b', waiting: 1, active: 1 },
    ]);
    expect(series.waiting.points).toEqual([
      { at: t0, value: 5 },
      { at: t0 + 15_000, value: 1 },
    ]);
    expect(series.active.points.map((p) => p.value)).toEqual([3, 0]);
  });

  it('rounds axis maxima up to even, round numbers', () => {
    expect([0, 1, 2, 3, 7, 9, 15, 45, 130].map(niceMax)).toEqual([2, 2, 2, 4, 8, 10, 20, 60, 200]);
  });
});

describe('formatting', () => {
  it('writes ages and durations compactly', () => {
    expect(age(t0 - 200, t0)).toBe('1s');
    expect(age(t0 - 42_000, t0)).toBe('42s');
    expect(age(t0 - 5 * 60_000 - 10_000, t0)).toBe('5m');
    expect(duration(850)).toBe('850ms');
    expect(duration(5 * 60_000 + 10_000)).toBe('5m 10s');
    expect(duration(26 * 3_600_000)).toBe('1d 2h');
  });

  it('turns progress into a percentage and a label', () => {
    expect(percent(null)).toBeNull();
    expect(percent({ value: 40 })).toBe(40);
    expect(percent({ value: { done: 1, total: 4 } })).toBe(25);
    expect(percent({ value: { done: 0, total: 0 } })).toBe(0);
    expect(percent({ value: 140 })).toBe(100);
    expect(progressLabel({ value: { done: 3, total: 4 } })).toBe('3 of 4');
    expect(progressLabel({ value: 62.4 })).toBe('62%');
  });
});

describe('what a waiting job waits for', () => {
  const now = new Date(2026, 10, 25, 14, 0, 0).getTime();

  it('says when a retry comes, and when a delayed job is scheduled', () => {
    const failed = [{ userMessage: "We'll try again in 40 s (attempt 2 of 3).", attempt: 1, at: now - 1_000 }];
    expect(waitingFor(job({ runAt: now + 40_000, errors: failed }), now)).toBe('retrying in 40 s');
    expect(waitingFor(job({ runAt: now + 5 * 60_000, errors: failed }), now)).toBe('retrying in 5 min');
    expect(waitingFor(job({ runAt: now - 10, errors: failed }), now)).toBe('retrying now');
    expect(waitingFor(job({ runAt: now + 5 * 60_000 }), now)).toBe('scheduled for 14:05');
    expect(waitingFor(job({ runAt: new Date(2026, 10, 27, 9, 30).getTime() }), now)).toBe('scheduled for Nov 27, 09:30');
    expect(waitingFor(job({ runAt: now - 10 }), now)).toBeNull();
    expect(waitingFor(job({ status: 'active', runAt: now + 60_000 }), now)).toBeNull();
    expect(clockTime(now, now)).toBe('14:00');
  });

  it("shows the developer's message where the token may read it, else what the user is told", () => {
    expect(errorText({ message: 'socket hang up', userMessage: 'Try later.' })).toBe('socket hang up');
    expect(errorText({ userMessage: 'Try later.' })).toBe('Try later.');
  });
});
