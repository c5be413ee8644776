/**
 * `spool logs <id>` as a real process, straight on each store and over HTTP: a job's lines as
 * text and as JSON lines, an unknown job's exit code, `--follow` printing lines logged after it
 * started until the job finishes (exit 0), and Ctrl-C ending a follow (exit 130).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Spool, createSpool, silentLogger } from '../../src/index.js';
import { until } from '../helpers/eventually.js';
import { type TestStore, postgresStore, secrets, sqliteStore, startTestService, storeKinds } from '../server/helpers.js';
import { SpoolProcess, spool } from './run.js';

const kinds = await storeKinds();

describe.each(kinds)('spool logs on a $kind store', ({ kind }) => {
  let store: TestStore;
  let api: Spool;
  const gates = new Map<string, () => void>();

  beforeAll(async () => {
    store = kind === 'sqlite' ? sqliteStore() : await postgresStore();
    api = await createSpool({
      store: store.url,
      ...(store.schema ? { schema: store.schema } : {}),
      logger: silentLogger,
      shutdownSignals: false,
      pollInterval: 20,
    });
    api.work(
      'media',
      async (payload: { size: number; wait?: boolean }, ctx) => {
        ctx.log.info('resizing', { size: payload.size });
        if (payload.wait) await new Promise<void>((resolve) => gates.set(ctx.job.id, resolve));
        ctx.log.warn('resized');
        return 'ok';
      },
      { concurrency: 4 },
    );
  }, 60_000);

  afterAll(async () => {
    for (const open of gates.values()) open();
    await api?.close();
    await store?.cleanup();
  });

  const target = () => ['--store', store.url, ...(store.schema ? ['--schema', store.schema] : [])];

  it('prints the lines as text and as JSON lines; an unknown job exits 1', { timeout: 90_000 }, async () => {
    const job = await api.enqueue('media', 'resize', { size: 64 });
    await api.waitFor(job.id, { timeout: 10_000 });
    const [shown, json, missing] = await Promise.all([
      spool(['logs', job.id, ...target()], { timeoutMs: 60_000 }),
      spool(['logs', job.id, ...target(), '--json'], { timeoutMs: 60_000 }),
      spool(['logs', '999999', ...target()], { timeoutMs: 60_000 }),
    ]);
    expect(shown.code, shown.stderr).toBe(0);
    const lines = shown.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z info {2}#1 resizing \{"size":64\}$/);
    expect(lines[1]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z warn {2}#1 resized$/);
    const parsed = json.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { message: string; seq: number });
    expect(parsed.map((l) => l.message)).toEqual(['resizing', 'resized']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/999999/);
  });

  it('--follow prints new lines until the job finishes, and Ctrl-C stops it', { timeout: 90_000 }, async () => {
    const job = await api.enqueue('media', 'resize', { size: 8, wait: true });
    await until(() => gates.get(job.id), 10_000);
    const follower = new SpoolProcess(['logs', job.id, '--follow', ...target()]);
    await follower.waitFor(/resizing/, 60_000);
    expect(follower.stdout).not.toMatch(/resized/);
    gates.get(job.id)?.();
    expect(await follower.exited).toBe(0);
    expect(follower.stdout).toMatch(/#1 resized/);

    const stuck = await api.enqueue('media', 'resize', { size: 9, wait: true });
    await until(() => gates.get(stuck.id), 10_000);
    const interrupted = new SpoolProcess(['logs', stuck.id, '--follow', ...target()]);
    await interrupted.waitFor(/resizing/, 60_000);
    interrupted.interrupt();
    expect(await interrupted.exited).toBe(130);
  });

  it('reads and follows over HTTP with a read token', { timeout: 90_000 }, async () => {
    const job = await api.enqueue('media', 'resize', { size: 16 });
    await api.waitFor(job.id, { timeout: 10_000 });
    const s = await startTestService({ store, queues: [] });
    try {
      const shown = await spool(['logs', job.id, '--follow', '--url', s.url, '--token', secrets.read], { timeoutMs: 60_000 });
      expect(shown.code, shown.stderr).toBe(0);
      expect(shown.stdout).toMatch(/resizing[\s\S]*resized/);
    } finally {
      await s.close();
    }
  });
});
