/**
 * `spool schedules` as spawned processes against a real server on SQLite, over HTTP (writes need
 * an admin token) and straight on its file: set, list, a bad cron refused with a sentence, delete.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestService, type TestStore, secrets, sqliteStore, startTestService } from '../server/helpers.js';
import { spool } from './run.js';

describe('spool schedules', () => {
  let store: TestStore;
  let s: TestService;

  beforeAll(async () => {
    store = sqliteStore();
    s = await startTestService({ store });
  });

  afterAll(async () => {
    await s?.close();
    await store?.cleanup();
  });

  it('sets, lists and deletes schedules over HTTP and on the store; refuses a bad cron and a read token', {
    timeout: 180_000,
  }, async () => {
    const http = ['--url', s.url, '--token', secrets.admin];
    const set = await spool([
      'schedules',
      'set',
      'nightly-report',
      '0 3 * * *',
      '--queue',
      'reports',
      '--job',
      'render',
      '--payload',
      '{"format":"pdf"}',
      '--timezone',
      'Europe/Berlin',
      '--missed',
      'catch-up:2',
      ...http,
    ]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(
      /^schedule nightly-report set: reports\/render on "0 3 \* \* \*" \(Europe\/Berlin\); next tick \d{4}-\d\d-\d\dT0[12]:00:00.000Z\n$/,
    );
    const direct = await spool(['schedules', 'set', 'weekly', '0 9 * * 1', '--queue', 'reports', '--job', 'weekly', '--store', store.url]);
    expect(direct.code, direct.stderr).toBe(0);

    const [listed, json] = await Promise.all([
      spool(['schedules', '--url', s.url, '--token', secrets.read]),
      spool(['schedules', 'list', '--json', '--store', store.url]),
    ]);
    const [header, ...rows] = listed.stdout.trim().split('\n');
    expect(header).toMatch(/^SCHEDULE +CRON +TIME ZONE +JOB +MISSED +NEXT +LAST$/);
    expect(rows[0]).toMatch(/^nightly-report +0 3 \* \* \* +Europe\/Berlin +reports\/render +catch up 2 +\S+Z +-$/);
    expect(rows[1]).toMatch(/^weekly +0 9 \* \* 1 +UTC +reports\/weekly +skip +/);
    expect(JSON.parse(json.stdout).schedules.map((x: { name: string }) => x.name)).toEqual(['nightly-report', 'weekly']);

    const bad = await spool(['schedules', 'set', 'broken', '0 25 * * *', '--queue', 'reports', '--job', 'x', ...http]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Invalid cron "0 25 * * *" for schedule broken: Invalid value for hour: 25.');
    const policy = await spool([
      'schedules',
      'set',
      'broken',
      '* * * * *',
      '--queue',
      'reports',
      '--job',
      'x',
      '--missed',
      'later',
      ...http,
    ]);
    expect(policy.code).toBe(2);
    expect(policy.stderr).toContain('"later" is not a missed-tick policy; write skip, or catch-up:N such as catch-up:3.');
    const forbidden = await spool(['schedules', 'delete', 'weekly', '--url', s.url, '--token', secrets.read]);
    expect(forbidden.code).toBe(1);

    const deleted = await spool(['schedules', 'delete', 'weekly', ...http]);
    expect(deleted.stdout).toBe('schedule weekly deleted\n');
    const again = await spool(['schedules', 'delete', 'weekly', '--store', store.url]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('There is no schedule named weekly;');
  });
});
