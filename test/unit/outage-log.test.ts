/**
 * How a store outage is logged, with a recording logger and a clock the test moves: the first
 * failure at once, then at most one line per interval however many callers keep failing, and
 * "reconnected after 12.3 s" when the store answers again. And how long callers wait between
 * tries: doubling from 100 ms to 5 s, with jitter.
 */
import { describe, expect, it } from 'vitest';
import { SpoolEmitter } from '../../src/core/events.js';
import { OutageLog } from '../../src/core/outage-log.js';
import { StoreUnavailableError } from '../../src/index.js';
import { storeRetryDelay } from '../../src/policies/backoff.js';
import { recordingLogger } from '../conformance/harness.js';

describe('OutageLog', () => {
  it('logs the first failure, then at most one line per interval, then "reconnected after"', () => {
    const logger = recordingLogger();
    let now = 1_000_000;
    const outage = new OutageLog(new SpoolEmitter(logger), logger, 30_000, () => now);
    const down = new StoreUnavailableError('Cannot reach PostgreSQL at db:5432/app (ECONNREFUSED).');
    outage.failed(down, 'Claiming jobs from queue "media" failed');
    // Three queues and a heartbeat failing every 100 ms for 29.9 s: nothing more.
    for (let step = 0; step < 299; step++) {
      now += 100;
      outage.failed(down, 'Claiming jobs from queue "emails" failed');
      outage.failed(down, 'Extending leases on queue "media" failed');
    }
    expect(logger.lines.map((l) => [l.level, l.message])).toEqual([
      [
        'error',
        'Claiming jobs from queue "media" failed; Spool keeps retrying with backoff: Cannot reach PostgreSQL at db:5432/app (ECONNREFUSED).',
      ],
    ]);
    now += 200; // 30.1 s in: one summary line
    outage.failed(down, 'Claiming jobs from queue "media" failed');
    expect(logger.lines).toHaveLength(2);
    expect(logger.lines[1]?.message).toBe(
      'The store has been unavailable for 30.1 s (598 more failure(s) not logged); Claiming jobs from queue "media" failed: Cannot reach PostgreSQL at db:5432/app (ECONNREFUSED).',
    );
    now += 12_300; // 42.4 s in
    outage.succeeded();
    outage.succeeded();
    expect(logger.lines.slice(2)).toEqual([
      { level: 'info', message: 'The store answers again: reconnected after 42.4 s.', fields: undefined },
    ]);
    // A new outage starts over.
    outage.failed(down, 'Claiming jobs from queue "media" failed');
    expect(logger.lines).toHaveLength(4);
  });
});

describe('storeRetryDelay', () => {
  it('doubles from 100 ms to 5 s, with half of each step drawn at random', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map((n) => storeRetryDelay(n, () => 0))).toEqual([50, 100, 200, 400, 800, 1_600, 2_500, 2_500]);
    expect([1, 2, 3, 4, 5, 6, 7, 20].map((n) => storeRetryDelay(n, () => 1))).toEqual([100, 200, 400, 800, 1_600, 3_200, 5_000, 5_000]);
    const draws = new Set(Array.from({ length: 50 }, () => storeRetryDelay(4)));
    expect(draws.size).toBeGreaterThan(10);
    for (const ms of draws) expect(ms >= 400 && ms <= 800).toBe(true);
  });
});
