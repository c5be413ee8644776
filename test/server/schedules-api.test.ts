/**
 * Cron schedules over real HTTP on both stores: created and replaced with PUT (admin only), read
 * and listed with a read token, a bad cron answered with a problem that says how to write one,
 * deleted; the server (which runs workers) ticks them by itself.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { type TestService, type TestStore, secrets, startTestService, storeKinds } from './helpers.js';

const kinds = await storeKinds();

describe.each(kinds)('cron schedules over HTTP on $kind', ({ make }) => {
  let store: TestStore;
  let s: TestService;

  beforeEach(async () => {
    store = await make();
    s = await startTestService({ store });
  });

  afterEach(async () => {
    await s.close();
    await store.cleanup();
  });

  const call = (path: string, method: string, token: string, body?: unknown) =>
    s.api(path, {
      method,
      token,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });

  it('creates, reads, lists, replaces and deletes a schedule; writes need admin', async () => {
    const body = { cron: '0 3 * * *', queue: 'reports', name: 'nightly-report', payload: { format: 'pdf' }, timezone: 'Europe/Berlin' };
    expect((await call('/v1/schedules/nightly-report', 'PUT', secrets.read, body)).status).toBe(403);
    const put = await call('/v1/schedules/nightly-report', 'PUT', secrets.admin, { ...body, missed: { catchUp: 2 } });
    expect(put.status).toBe(200);
    const created = (await put.json()) as Record<string, unknown>;
    expect(created).toMatchObject({
      name: 'nightly-report',
      cron: '0 3 * * *',
      timezone: 'Europe/Berlin',
      queue: 'reports',
      jobName: 'nightly-report',
      payload: { format: 'pdf' },
      missed: { catchUp: 2 },
      lastRunAt: null,
    });
    expect(created.nextRunAt).toBeGreaterThan(Date.now());
    const read = await call('/v1/schedules/nightly-report', 'GET', secrets.read);
    expect(await read.json()).toEqual(created);
    const list = (await (await call('/v1/schedules', 'GET', secrets.read)).json()) as { schedules: { name: string }[] };
    expect(list.schedules.map((x) => x.name)).toEqual(['nightly-report']);

    const replaced = await call('/v1/schedules/nightly-report', 'PUT', secrets.admin, { ...body, cron: '30 4 * * 1-5' });
    expect(await replaced.json()).toMatchObject({ cron: '30 4 * * 1-5', missed: 'skip' });

    expect((await call('/v1/schedules/nightly-report', 'DELETE', secrets.read)).status).toBe(403);
    expect((await call('/v1/schedules/nightly-report', 'DELETE', secrets.admin)).status).toBe(204);
    const gone = await call('/v1/schedules/nightly-report', 'GET', secrets.read);
    expect(gone.status).toBe(404);
    expect(((await gone.json()) as { detail: string }).detail).toBe(
      'There is no schedule named nightly-report; list the schedules with spool.schedules(), `spool schedules` or GET /v1/schedules.',
    );
    expect((await call('/v1/schedules/nightly-report', 'DELETE', secrets.admin)).status).toBe(404);
  });

  it('answers a bad cron with a problem that says how to write one', async () => {
    const bad = await call('/v1/schedules/broken', 'PUT', secrets.admin, { cron: '0 25 * * *', queue: 'reports', name: 'r' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      code: 'SPOOL_INVALID_ARGUMENT',
      detail:
        'Invalid cron "0 25 * * *" for schedule broken: Invalid value for hour: 25. Use five fields (minute hour day-of-month month day-of-week), or six with seconds first, e.g. "0 3 * * *" for every day at 03:00.',
    });
    const unknown = await call('/v1/schedules/broken', 'PUT', secrets.admin, { cron: '* * * * *', queue: 'reports', name: 'r', every: 5 });
    expect(unknown.status).toBe(400);
    expect((await (await call('/v1/schedules', 'GET', secrets.read)).json()) as unknown).toEqual({ schedules: [] });
  });

  it('stores the schedules of the config file at start, where the API lists them', async () => {
    const declared = { nightly: { cron: '0 3 * * *', queue: 'reports', name: 'nightly-report', missed: { catchUp: 1 } } };
    const again = await startTestService({ store, schedules: declared });
    try {
      const first = (await again.spool.getSchedule('nightly')) as { nextRunAt: number };
      expect(first).toMatchObject({ cron: '0 3 * * *', queue: 'reports', jobName: 'nightly-report', missed: { catchUp: 1 } });
      const list = (await (await call('/v1/schedules', 'GET', secrets.read)).json()) as {
        schedules: { name: string; nextRunAt: number }[];
      };
      expect(list.schedules).toEqual([expect.objectContaining({ name: 'nightly', nextRunAt: first.nextRunAt })]);
    } finally {
      await again.close();
    }
  });

  it('ticks a schedule by itself: a job each second with a six-field cron', async () => {
    await call('/v1/schedules/heartbeat', 'PUT', secrets.admin, { cron: '* * * * * *', queue: 'beats', name: 'beat' });
    const jobs = await eventually(async () => {
      const page = await s.spool.listJobs({ queue: 'beats' });
      return page.jobs.length >= 2 ? page.jobs : false;
    }, 10_000);
    expect(jobs[0]).toMatchObject({ name: 'beat', metadata: { schedule: 'heartbeat' } });
    expect(new Set(jobs.map((job) => job.runAt)).size).toBe(jobs.length);
  });
});
