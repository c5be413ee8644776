/**
 * The CLI for the people who wait and the operators who watch them, as spawned processes against
 * a real server on SQLite (over HTTP, and straight on its file): `spool status` shows a warning
 * on a job nobody handles and what the person waiting is told; `status --watch` says so at once;
 * a read token never sees the developer's message; `spool workers` lists who is working;
 * `spool delete` removes one finished job.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobError } from '../../src/index.js';
import { eventually } from '../helpers/eventually.js';
import { type TestService, type TestStore, secrets, sqliteStore, startTestService } from '../server/helpers.js';
import { spool } from './run.js';

describe('spool status, workers and delete', () => {
  let store: TestStore;
  let s: TestService;
  let typo = '';
  let declined = '';

  beforeAll(async () => {
    store = sqliteStore();
    s = await startTestService({
      store,
      queues: [
        {
          name: 'media',
          options: { concurrency: 2 },
          handlers: {
            'resize-image': async () => ({ ok: true }),
            thumbnail: async () => ({ ok: true }),
            charge: async () => {
              throw new JobError('card declined by issuer: 05', {
                userMessage: 'Your card was declined. Try another card.',
                retryable: false,
              });
            },
          },
        },
      ],
    });
    await eventually(async () => (await s.spool.workers('media')).length === 1);
    typo = (await s.spool.enqueue('media', 'resize-imgae', { file: 'cat.png' })).id;
    declined = (await s.spool.enqueue('media', 'charge')).id;
    await eventually(async () => (await s.spool.getJob(declined))?.status === 'failed');
  });

  afterAll(async () => {
    await s?.close();
    await store?.cleanup();
  });

  const warning =
    'no worker handles media/resize-imgae; running workers handle: charge, resize-image, thumbnail (did you mean "resize-image"?)';

  it('shows a waiting job nobody handles with a warning, over HTTP and straight on the store; --watch says so at once', async () => {
    const [http, direct, watched] = await Promise.all([
      spool(['status', typo, '--url', s.url, '--token', secrets.read]),
      spool(['status', typo, '--store', store.url]),
      spool(['status', typo, '--watch', '--url', s.url, '--token', secrets.read], { timeoutMs: 20_000, interruptAfterMs: 6_000 }),
    ]);
    expect(http.code).toBe(0);
    expect(http.stdout).toContain(`  warning   ${warning}\n`);
    expect(direct.stdout).toContain(`  warning   ${warning}\n`);
    // One job of the queue finished (the declined charge) in the last five minutes.
    expect(http.stdout).toContain('  position  next in its queue, starts now (draining 0.2 jobs/min)\n');
    expect(direct.stdout).toContain('  position  next in its queue, starts now (draining 0.2 jobs/min)\n');
    expect(watched.stderr.split('\n')[0]).toBe(`warning: ${warning}`);
  });

  it('shows what the person waiting is told; the developer message only to operators', async () => {
    const [read, admin] = await Promise.all([
      spool(['status', declined, '--url', s.url, '--token', secrets.read]),
      spool(['status', declined, '--store', store.url]),
    ]);
    expect(read.code).toBe(1);
    expect(read.stdout).toContain('  user sees Your card was declined. Try another card.');
    expect(read.stdout).not.toContain('card declined by issuer');
    expect(admin.stdout).toContain('  error     card declined by issuer: 05 (attempt 1)');
    expect(admin.stdout).toContain('  user sees Your card was declined. Try another card.');
    const watched = await spool(['status', declined, '--watch', '--url', s.url, '--token', secrets.admin]);
    expect(watched.code).toBe(1);
    expect(watched.stderr).toContain(`job ${declined} failed after 1 attempt(s): card declined by issuer: 05\n`);
    expect(watched.stderr).toContain('the user sees: Your card was declined. Try another card.\n');
  });

  it('lists the running workers, and deletes one finished job', async () => {
    const listed = await spool(['workers', '--url', s.url, '--token', secrets.read]);
    expect(listed.code).toBe(0);
    const [header, ...rows] = listed.stdout.trim().split('\n');
    expect(header).toMatch(/^QUEUE +NAMES +HOST +PID +CONCURRENCY +IN FLIGHT +HEARTBEAT +VERSION$/);
    expect(rows.find((row) => row.startsWith('media '))).toMatch(
      new RegExp(`^media +resize-image,thumbnail,charge +\\S+ +${process.pid} +2 +0 +\\d+s ago +\\d+\\.\\d+\\.\\d+`),
    );
    const deleted = await spool(['delete', declined, '--url', s.url, '--token', secrets.admin]);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toBe(`job ${declined} deleted\n`);
    const waiting = await spool(['delete', typo, '--store', store.url]);
    expect(waiting.code).toBe(1);
    expect(waiting.stderr).toContain(
      `spool: Job ${typo} is waiting; only finished jobs (completed, failed, cancelled or expired) can be deleted. Cancel it first.`,
    );
  });
});
