/**
 * `spool steps <id>` as a real process, straight on each store and over HTTP: a workflow's steps
 * as a table and as JSON, a plain job's none, and an unknown job's exit code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSpool, silentLogger } from '../../src/index.js';
import { type TestStore, postgresStore, secrets, sqliteStore, startTestService, storeKinds } from '../server/helpers.js';
import { spool } from './run.js';

const kinds = await storeKinds();

describe.each(kinds)('spool steps on a $kind store', ({ kind }) => {
  let store: TestStore;
  let ids: { workflow: string; plain: string };

  beforeAll(async () => {
    store = kind === 'sqlite' ? sqliteStore() : await postgresStore();
    const api = await createSpool({
      store: store.url,
      ...(store.schema ? { schema: store.schema } : {}),
      logger: silentLogger,
      shutdownSignals: false,
      pollInterval: 20,
    });
    api.work('orders', async (_p, ctx) => {
      if (ctx.job.name === 'plain') return 'plain';
      await ctx.step('charge', () => ({ chargeId: 'ch-1' }));
      await ctx.sleep('cool-off', '2h');
    });
    const workflow = await api.enqueue('orders', 'place');
    const plain = await api.enqueue('orders', 'plain');
    await api.waitFor(plain.id, { timeout: 10_000 });
    for (let i = 0; i < 200 && ((await api.steps(workflow.id)) ?? []).length < 2; i++) await new Promise((r) => setTimeout(r, 25));
    await api.close();
    ids = { workflow: workflow.id, plain: plain.id };
  }, 60_000);

  afterAll(async () => {
    await store?.cleanup();
  });

  const target = () => ['--store', store.url, ...(store.schema ? ['--schema', store.schema] : [])];

  it('prints the steps as a table and as JSON; a plain job has none; an unknown job exits 1', { timeout: 90_000 }, async () => {
    const [shown, json, none, missing] = await Promise.all([
      spool(['steps', ids.workflow, ...target()], { timeoutMs: 60_000 }),
      spool(['steps', ids.workflow, ...target(), '--json'], { timeoutMs: 60_000 }),
      spool(['steps', ids.plain, ...target()], { timeoutMs: 60_000 }),
      spool(['steps', '999999', ...target()], { timeoutMs: 60_000 }),
    ]);
    expect(shown.code, shown.stderr).toBe(0);
    const lines = shown.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^STEP\s+KIND\s+STATUS\s+ATTEMPTS\s+DURATION\s+UNTIL\s+RESULT OR ERROR$/);
    expect(lines[1]).toMatch(/^charge\s+step\s+completed\s+1\s+\d+ ms\s+-\s+\{"chargeId":"ch-1"\}$/);
    expect(lines[2]).toMatch(/^cool-off\s+sleep\s+sleeping\s+0\s+-\s+\d{4}-\d\d-\d\dT[\d:.]+Z\s+-$/);
    const steps = JSON.parse(json.stdout) as { name: string; status: string; until: number | null }[];
    expect(steps.map((s) => [s.name, s.status])).toEqual([
      ['charge', 'completed'],
      ['cool-off', 'sleeping'],
    ]);
    expect(none).toMatchObject({ code: 0, stdout: `job ${ids.plain} has no workflow steps\n` });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/999999/);
  });

  it('reads the steps over HTTP with a read token', { timeout: 90_000 }, async () => {
    const s = await startTestService({ store, queues: [] });
    try {
      const shown = await spool(['steps', ids.workflow, '--url', s.url, '--token', secrets.read, '--json'], { timeoutMs: 60_000 });
      expect(shown.code, shown.stderr).toBe(0);
      expect((JSON.parse(shown.stdout) as { name: string }[]).map((step) => step.name)).toEqual(['charge', 'cool-off']);
    } finally {
      await s.close();
    }
  });
});
