/**
 * Cron schedules: stored, ticked by every process that runs workers, exactly one job per tick
 * however many processes tick at once (an idempotency key per schedule and tick, and a
 * compare-and-set on the next tick), and ticks missed while nobody ran handled by the declared
 * policy. Time moves on the ManualClock only.
 */
import { describe, expect, it } from 'vitest';
import { until } from '../helpers/eventually.js';
import { type Harness, T0, caught } from './harness.js';

const minute = 60_000;
const hour = 60 * minute;

export function scheduleTests(h: Harness): void {
  describe('cron schedules', () => {
    it('makes exactly one job per tick when three Spools on their own connections tick 100 times', async () => {
      const spools = await Promise.all([h.open(), h.open(), h.open()]);
      const [first] = spools;
      if (!first) throw new Error('no Spool');
      const defined = await first.schedule('every-minute', '* * * * *', { queue: 'reports', name: 'tick', payload: { kind: 'minutely' } });
      expect(defined).toMatchObject({ name: 'every-minute', cron: '* * * * *', timezone: null, missed: 'skip', nextRunAt: T0 + minute });
      let created = 0;
      for (let i = 1; i <= 100; i++) {
        h.clock.advance(minute);
        const counts = await Promise.all(spools.map((spool) => spool.runDueSchedules()));
        created += counts.reduce((a, b) => a + b, 0);
      }
      expect(created).toBe(100);
      const jobs = [];
      for (let page = await first.listJobs({ queue: 'reports', limit: 500 }); ; ) {
        jobs.push(...page.jobs);
        if (!page.nextCursor) break;
        page = await first.listJobs({ queue: 'reports', limit: 500, cursor: page.nextCursor });
      }
      expect(jobs).toHaveLength(100);
      const ticks = jobs.map((job) => job.runAt).sort((a, b) => a - b);
      expect(ticks).toEqual(Array.from({ length: 100 }, (_, i) => T0 + (i + 1) * minute));
      expect(jobs[0]).toMatchObject({ name: 'tick', payload: { kind: 'minutely' }, metadata: { schedule: 'every-minute' } });
      expect(await first.getSchedule('every-minute')).toMatchObject({ nextRunAt: T0 + 101 * minute, lastRunAt: T0 + 100 * minute });
    });

    it('is ticked by every Spool that runs workers, without being asked', async () => {
      const spool = await h.open();
      const ran: unknown[] = [];
      spool.work('reports', { tick: async (payload) => void ran.push(payload) });
      await spool.schedule('every-minute', '* * * * *', { queue: 'reports', name: 'tick', payload: 'hello' });
      h.clock.advance(minute);
      await until(() => ran.length === 1, 10_000);
      expect(ran).toEqual(['hello']);
    });

    it('skips ticks missed while no process ran, or catches up the latest N, and is on time within the grace', async () => {
      const spool = await h.open();
      await spool.schedule('skipper', '0 * * * *', { queue: 'hourly', name: 'skip' });
      await spool.schedule('catcher', '0 * * * *', { queue: 'hourly', name: 'catch', missed: { catchUp: 3 } });
      const runAts = async (name: string) =>
        (await spool.listJobs({ queue: 'hourly', name, limit: 100 })).jobs.map((job) => job.runAt).sort((a, b) => a - b);

      // Down from 12:00 to 17:10: the ticks of 13:00 … 17:00 passed, the latest ten minutes ago.
      h.clock.advance(5 * hour + 10 * minute);
      expect(await spool.runDueSchedules()).toBe(3);
      expect(await runAts('skip')).toEqual([]);
      expect(await runAts('catch')).toEqual([T0 + 3 * hour, T0 + 4 * hour, T0 + 5 * hour]);

      // Back in time: 18:00 seen 30 s late is on time for both.
      h.clock.set(T0 + 6 * hour + 30_000);
      expect(await spool.runDueSchedules()).toBe(2);
      expect(await runAts('skip')).toEqual([T0 + 6 * hour]);
      expect((await runAts('catch')).at(-1)).toBe(T0 + 6 * hour);
      // Nothing more is due until 19:00.
      expect(await spool.runDueSchedules()).toBe(0);
    });

    it('reads the cron in its time zone, keeps the next tick on an unchanged redefinition, lists and deletes', async () => {
      const spool = await h.open();
      // T0 is 12:00 UTC, 13:00 in Berlin (winter): 03:00 Berlin is 02:00 UTC the next day.
      const nightly = await spool.schedule('nightly-report', '0 3 * * *', {
        queue: 'reports',
        name: 'nightly-report',
        payload: { format: 'pdf' },
        timezone: 'Europe/Berlin',
        missed: { catchUp: 1 },
        options: { priority: 5, maxAttempts: 2 },
      });
      expect(nightly.nextRunAt).toBe(Date.UTC(2030, 0, 2, 2, 0, 0));
      // Declared again unchanged (a restart reading its config): the next tick stays.
      h.clock.advance(hour);
      await spool.schedule('nightly-report', '0 3 * * *', {
        queue: 'reports',
        name: 'nightly-report',
        payload: { format: 'html' },
        timezone: 'Europe/Berlin',
      });
      expect(await spool.getSchedule('nightly-report')).toMatchObject({
        nextRunAt: Date.UTC(2030, 0, 2, 2, 0, 0),
        payload: { format: 'html' },
        missed: 'skip',
      });
      // A new cron computes the next tick again.
      const edited = await spool.schedule('nightly-report', '30 4 * * *', { queue: 'reports', name: 'nightly-report' });
      expect(edited.nextRunAt).toBe(Date.UTC(2030, 0, 2, 4, 30, 0));
      await spool.schedule('weekly', '0 9 * * 1', { queue: 'reports', name: 'weekly' });
      expect((await spool.schedules()).map((s) => s.name)).toEqual(['nightly-report', 'weekly']);
      await spool.unschedule('weekly');
      expect((await spool.schedules()).map((s) => s.name)).toEqual(['nightly-report']);
      expect((await caught(() => spool.unschedule('weekly'))).message).toBe(
        'There is no schedule named weekly; list the schedules with spool.schedules(), `spool schedules` or GET /v1/schedules.',
      );
    });

    it('refuses a bad cron, time zone, policy or job option with a sentence, and stores nothing', async () => {
      const spool = await h.open();
      const job = { queue: 'reports', name: 'r' };
      expect((await caught(() => spool.schedule('bad', '61 * * * *', job))).message).toBe(
        'Invalid cron "61 * * * *" for schedule bad: Invalid value for minute: 61. Use five fields (minute hour day-of-month month day-of-week), or six with seconds first, e.g. "0 3 * * *" for every day at 03:00.',
      );
      expect((await caught(() => spool.schedule('bad', '0 3 * * *', { ...job, timezone: 'Mars/Olympus' }))).message).toBe(
        'Unknown time zone "Mars/Olympus" for schedule bad: use an IANA name such as "Europe/Berlin" or "America/New_York", or leave it out for UTC.',
      );
      const policy = await caught(() => spool.schedule('bad', '0 3 * * *', { ...job, missed: { catchUp: -1 } }));
      expect(policy.code).toBe('SPOOL_INVALID_ARGUMENT');
      expect(policy.message).toMatch(/^Invalid options of schedule bad: missed/);
      const keyed = await caught(() => spool.schedule('bad', '0 3 * * *', { ...job, options: { idempotencyKey: 'x' } as never }));
      expect(keyed.message).toBe(
        "Schedule bad's job options cannot set idempotencyKey: each tick's job runs at the tick's time with a key of its own (one job per tick). Use expiresIn to drop a tick's job that did not start in time.",
      );
      expect((await caught(() => spool.schedule('bad', '0 3 * * *', { queue: 'spool.webhooks', name: 'x' }))).code).toBe(
        'SPOOL_INVALID_ARGUMENT',
      );
      expect(await spool.schedules()).toEqual([]);
    });
  });
}
