/**
 * `spool worker` runs a queue's handlers in worker threads when its config says `threads`: the
 * handlers module is loaded in each thread, not in the process's main thread. The config file's
 * mistakes (functions with `threads`, a bad count) are named. The CLI runs as a real process.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../src/config/load-config.js';
import { createSpool, silentLogger } from '../../src/index.js';
import { SpoolProcess, cleanEnv, root } from './run.js';

describe('spool worker with threads', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'spool-threads-cli-'));
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
    copyFileSync(join(root, 'test', 'fixtures', 'thread-handlers.mjs'), join(dir, 'cpu.mjs'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the queue’s module in a pool of worker threads', { timeout: 60_000 }, async () => {
    const store = `sqlite:${join(dir, 'spool.db')}`;
    writeFileSync(
      join(dir, 'spool.config.mjs'),
      `export default { store: '${store}', queues: { cpu: { handlers: './cpu.mjs', threads: 2 } } };\n`,
    );
    const worker = new SpoolProcess(['worker', '--config', join(dir, 'spool.config.mjs')], { env: cleanEnv() as Record<string, string> });
    const spool = await createSpool({ store, logger: silentLogger, shutdownSignals: false, pollInterval: 50 });
    try {
      await worker.waitFor(/Spool worker on sqlite:.*: cpu, spool\.webhooks/);
      const jobs = await spool.enqueueMany([
        { queue: 'cpu', name: 'hash', payload: { mode: 'hash', ms: 100 } },
        { queue: 'cpu', name: 'hash', payload: { mode: 'hash', ms: 100 } },
      ]);
      const results = (await Promise.all(jobs.map((j) => j.wait({ timeout: 30_000 })))) as { threadId: number }[];
      // Thread ids above 0: neither ran on the main thread.
      for (const r of results) expect(r.threadId).toBeGreaterThan(0);
      const [job] = jobs;
      const stored = await spool.getJob(job?.id as string);
      expect(stored?.workerId).toEqual((await spool.workers('cpu'))[0]?.id);
      expect((await spool.workers('cpu'))[0]).toMatchObject({ concurrency: 2 });
    } finally {
      await spool.close();
      expect(await worker.stop()).toBe(0);
    }
  });

  it('names a queue with threads whose handlers are functions, and a bad thread count', async () => {
    writeFileSync(join(dir, 'inline.mjs'), `export default { queues: { cpu: { handlers: async () => 1, threads: 2 } } };\n`);
    await expect(loadConfig({ config: join(dir, 'inline.mjs') }, { cwd: dir, env: {} })).rejects.toThrow(
      `Queue "cpu" runs in worker threads (threads: 2), so its handlers must be a module path such as './handlers/cpu.js', not functions.`,
    );
    expect(() => parseConfig({ queues: { cpu: { handlers: './cpu.mjs', threads: 0 } } }, 'spool.config.mjs')).toThrow(
      /queues\.cpu\.threads/,
    );
    const config = await (async () => {
      writeFileSync(
        join(dir, 'ok.mjs'),
        `export default { queues: { cpu: { handlers: './cpu.mjs', threads: 'auto', concurrency: 3 } } };\n`,
      );
      return loadConfig({ config: join(dir, 'ok.mjs') }, { cwd: dir, env: {} });
    })();
    expect(config.queues).toEqual([
      { name: 'cpu', handlers: { module: join(dir, 'cpu.mjs'), threads: 'auto' }, options: { concurrency: 3 } },
    ]);
  });
});
