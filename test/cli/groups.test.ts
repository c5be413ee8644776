/**
 * `spool status <group-id>` as spawned processes against a real server on SQLite: one line with
 * one bar for the whole group, over HTTP and on the store; `--watch` redraws it until every job
 * is final and exits 0 when all completed, 1 when any failed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { type TestService, type TestStore, secrets, sqliteStore, startTestService } from '../server/helpers.js';
import { spool } from './run.js';

describe('spool status <group-id>', () => {
  let store: TestStore;
  let s: TestService;
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });

  beforeAll(async () => {
    store = sqliteStore();
    s = await startTestService({
      store,
      queues: [
        {
          name: 'images',
          options: { concurrency: 5 },
          handlers: {
            resize: async () => gate.then(() => 'ok'),
            broken: async () => {
              throw new Error('corrupt image');
            },
          },
        },
      ],
    });
  });

  afterAll(async () => {
    release();
    await s?.close();
    await store?.cleanup();
  });

  it('draws one bar for the group, and --watch follows it to the end', { timeout: 120_000 }, async () => {
    const group = await s.spool.group(Array.from({ length: 5 }, (_, n) => ({ queue: 'images', name: 'resize', payload: { n } })));
    const [http, direct] = await Promise.all([
      spool(['status', group.id, '--url', s.url, '--token', secrets.read]),
      spool(['status', group.id, '--store', store.url]),
    ]);
    for (const shown of [http, direct]) {
      expect(shown.code, shown.stderr).toBe(0);
      expect(shown.stdout).toMatch(new RegExp(`^group ${group.id}  \\[\\.{24}\\]   0%  0/5 finished \\(5 (waiting|active)\\)\\n$`));
    }
    const watching = spool(['status', group.id, '--watch', '--url', s.url, '--token', secrets.read], { timeoutMs: 60_000 });
    setTimeout(release, 3_000);
    const watched = await watching;
    expect(watched.code, watched.stderr).toBe(0);
    const lines = watched.stderr.trim().split('\n');
    expect(lines.at(-2)).toBe(`group ${group.id}  [########################] 100%  5/5 finished (completed 5)`);
    expect(lines.at(-1)).toBe(`group ${group.id} finished: 5 of 5 completed`);
  });

  it('exits 1 when a job of the group failed, and names a group that does not exist', { timeout: 120_000 }, async () => {
    const group = await s.spool.group([
      { queue: 'images', name: 'resize' },
      { queue: 'images', name: 'broken', options: { maxAttempts: 1 } },
    ]);
    await eventually(async () => (await s.spool.groupStatus(group.id)).done, 15_000);
    const [done, unknown] = await Promise.all([
      spool(['status', group.id, '--watch', '--store', store.url]),
      spool(['status', 'grp_0000', '--url', s.url, '--token', secrets.read]),
    ]);
    expect(done.code).toBe(1);
    expect(done.stderr).toContain('2/2 finished');
    expect(done.stderr).toContain('(completed 1, failed 1)');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('There is no group grp_0000: no job carries it (its jobs may have been pruned).');
  });
});
