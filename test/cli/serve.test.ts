/**
 * `spool serve` and `spool worker` as real processes with a config file: a job enqueued over
 * HTTP is watched to completion by `spool status --watch` in another process, on both stores;
 * on PostgreSQL the work runs in a separate `spool worker` process. SIGTERM shuts down cleanly.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type TestStore, storeKinds } from '../server/helpers.js';
import { SpoolProcess, killAll, root, spool } from './run.js';

const kinds = await storeKinds();
const secret = 'cli-serve-test-secret-01';

function writeProject(dir: string): string {
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(
    join(dir, 'handlers.ts'),
    `export default {
  async render(payload: { pages: number }, ctx: { progress(v: unknown, m?: string): Promise<void> }) {
    for (let page = 1; page <= payload.pages; page++) {
      await new Promise((r) => setTimeout(r, 300));
      await ctx.progress({ done: page, total: payload.pages }, 'page ' + page);
    }
    return { pdf: 'report.pdf', pages: payload.pages, pid: process.pid };
  },
  async broken(payload: { page: number }) {
    throw new Error('renderer crashed on page ' + payload.page);
  },
};
`,
  );
  const file = join(dir, 'spool.config.ts');
  writeFileSync(
    file,
    `import { defineConfig } from ${JSON.stringify(join(root, 'src', 'index.ts'))};
export default defineConfig({
  queues: { reports: { handlers: './handlers.ts', concurrency: 2 } },
  pollInterval: 200,
  shutdownTimeout: 5000,
});
`,
  );
  return file;
}

describe.each(kinds)('spool serve on $kind', ({ kind, make }) => {
  let store: TestStore;
  let dir: string;
  let config: string;
  let env: Record<string, string>;

  beforeEach(async () => {
    store = await make();
    dir = mkdtempSync(join(tmpdir(), 'spool-serve-'));
    config = writeProject(dir);
    env = { SPOOL_STORE: store.url, SPOOL_TOKENS: `ops:${secret}:admin`, ...(store.schema ? { SPOOL_SCHEMA: store.schema } : {}) };
  });

  afterEach(async () => {
    await killAll();
    rmSync(dir, { recursive: true, force: true });
    await store.cleanup();
  });

  async function startServe(extra: string[] = []): Promise<{ server: SpoolProcess; url: string }> {
    const server = new SpoolProcess(['serve', '--config', config, '--port', '0', '--json', ...extra], { env });
    const match = await server.waitFor(/"url":"(http:\/\/127\.0\.0\.1:\d+)"/);
    return { server, url: match[1] as string };
  }

  async function enqueue(url: string, pages: number): Promise<string> {
    const response = await fetch(`${url}/v1/queues/reports/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'render', payload: { pages } }),
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { id: string }).id;
  }

  it('runs the API and the workers; `status --watch` in another process follows a job to its result', async () => {
    const { server, url } = await startServe();
    expect(server.stderr).toContain(`Spool API listening on ${url}`);
    expect(server.stderr).toContain('workers reports, spool.webhooks');
    // 20 pages of 300 ms: long enough that the watcher, a process of its own, starts while the job runs.
    const id = await enqueue(url, 20);

    const watched = await spool(['status', id, '--watch', '--url', url], { env: { SPOOL_TOKEN: secret } });
    expect(watched.code).toBe(0);
    const result = JSON.parse(watched.stdout) as { pdf: string; pages: number };
    expect(result).toMatchObject({ pdf: 'report.pdf', pages: 20 });
    const lines = watched.stderr.split('\n');
    // Non-TTY output: one line per change, live progress first, the final state last.
    expect(
      lines.filter((l) => new RegExp(`^job ${id} reports/render +active +\\[#*\\.+\\] +\\d+%  page \\d+  attempt 1/3$`).test(l)).length,
    ).toBeGreaterThan(0);
    expect(lines).toContain(`job ${id} reports/render  completed [########################] 100%  page 20  attempt 1/3`);

    expect(await server.stop()).toBe(0);
    expect(server.stderr).toMatch(/Received SIGTERM; finishing in-flight requests and jobs/);
    expect(server.stderr).toContain('Spool stopped.');
  });

  it("logs each failed attempt at warn and the final failure at error, with the job's id, queue, name and attempt", async () => {
    const { server, url } = await startServe();
    const response = await fetch(`${url}/v1/queues/reports/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'broken', payload: { page: 3 }, maxAttempts: 2, backoff: { type: 'fixed', base: 0 } }),
    });
    const { id } = (await response.json()) as { id: string };
    await server.waitFor(/"level":"error".*failed for good/);
    // Spool's own lines are JSON, one object a line (stderr is a pipe here, not a terminal).
    const lines = server.stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.jobId === id);
    expect(lines.map(({ time, pid, hostname, ...rest }) => rest)).toEqual([
      {
        level: 'warn',
        name: 'broken',
        msg: `Job ${id} (reports/broken) attempt 1 of 2 failed: renderer crashed on page 3`,
        jobId: id,
        queue: 'reports',
        attempt: 1,
        retryInMs: 0,
      },
      {
        level: 'error',
        name: 'broken',
        msg: `Job ${id} (reports/broken) failed for good after 2 attempt(s): renderer crashed on page 3`,
        jobId: id,
        queue: 'reports',
        attempt: 2,
      },
    ]);
    for (const line of lines) expect(line.time).toEqual(expect.any(Number));
    expect(await server.stop()).toBe(0);
  });

  if (kind === 'postgres') {
    it('scales out: `spool serve --no-workers` takes jobs, a separate `spool worker` process runs them', async () => {
      const { server, url } = await startServe(['--no-workers']);
      const worker = new SpoolProcess(['worker', '--config', config], { env });
      await worker.waitFor(/Spool worker on postgres:\/\/.*: reports, spool\.webhooks/);
      const id = await enqueue(url, 2);
      const watched = await spool(['status', id, '--watch', '--url', url], { env: { SPOOL_TOKEN: secret } });
      expect(watched.code).toBe(0);
      const result = JSON.parse(watched.stdout) as { pid: number };
      expect(result.pid).not.toBe(undefined);
      expect(await worker.stop()).toBe(0);
      expect(await server.stop()).toBe(0);
    });
  }

  it('refuses --insecure-no-auth on a public address, and serving without tokens (exit 2)', async () => {
    const insecure = await spool(['serve', '--config', config, '--host', '0.0.0.0', '--insecure-no-auth'], { env });
    expect(insecure.code).toBe(2);
    expect(insecure.stderr).toContain('Refusing --insecure-no-auth on 0.0.0.0');
    const noTokens = await spool(['serve', '--config', config, '--port', '0'], { env: { ...env, SPOOL_TOKENS: '' } });
    expect(noTokens.code).toBe(2);
    expect(noTokens.stderr).toContain('No API tokens are configured');
  });
});
