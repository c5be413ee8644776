/**
 * @module
 * Retention on SQLite: `npx tsx bench/prune-pause.ts [count]` fills a fresh SQLite file with
 * 1,000,000 completed jobs past their retention, then prunes them through the store while it
 * measures the longest event-loop pause in this process (perf_hooks, 1 ms resolution) and the
 * slowest enqueue of another process writing to the same file all along (one at a time).
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { createSpool, silentLogger } from '../src/index.js';

const count = Number(process.argv[2] ?? 1_000_000);

if (process.argv[2] === 'producer') {
  // The other process: enqueues one job at a time until told to stop, then reports its slowest.
  const spool = await createSpool({ store: `sqlite:${process.argv[3]}`, logger: silentLogger, shutdownSignals: false });
  let slowest = 0;
  let enqueued = 0;
  let stop = false;
  process.on('message', () => {
    stop = true;
  });
  process.send?.('ready');
  while (!stop) {
    const started = performance.now();
    await spool.enqueue('other', 'n');
    slowest = Math.max(slowest, performance.now() - started);
    enqueued++;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  process.send?.({ slowest, enqueued });
  await spool.close();
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), 'spool-prune-'));
const file = join(dir, 'spool.db');
try {
  const spool = await createSpool({ store: `sqlite:${file}`, logger: silentLogger, shutdownSignals: false });
  await spool.enqueue('q', 'n');
  const db = new Database(file);
  const long = Date.now() - 30 * 86_400_000;
  db.prepare(
    `INSERT INTO spool_jobs (queue, name, payload, status, max_attempts, backoff, run_at, created_at, updated_at, finished_at, result)
     WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?1)
     SELECT 'q', 'n', '{"n":1}', 'completed', 3, '{"type":"fixed","base":1000}', ?2, ?2, ?2, ?2, 'null' FROM c`,
  ).run({ 1: count, 2: long });
  db.close();
  const producer = fork(fileURLToPath(import.meta.url), ['producer', file], { execArgv: process.execArgv });
  await new Promise((resolve) => producer.once('message', resolve));
  await new Promise((resolve) => setTimeout(resolve, 200));

  // The machine's own pauses (other processes, the OS), for comparison: the same monitor, no prune.
  const idle = monitorEventLoopDelay({ resolution: 1 });
  idle.enable();
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  idle.disable();
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const started = performance.now();
  const removed = await spool.store.prune('completed', 86_400_000);
  const seconds = (performance.now() - started) / 1000;
  loop.disable();
  const report = new Promise<{ slowest: number; enqueued: number }>((resolve) => producer.once('message', resolve as never));
  producer.send('stop');
  const other = await report;
  process.stdout.write(
    `pruned ${removed.toLocaleString('en-US')} jobs in ${seconds.toFixed(1)} s; longest event-loop pause here ${(loop.max / 1e6).toFixed(1)} ms (p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms); another process's slowest enqueue meanwhile ${other.slowest.toFixed(1)} ms over ${other.enqueued} enqueues; with nothing to prune, the longest pause in 3 s was ${(idle.max / 1e6).toFixed(1)} ms (p99 ${(idle.percentile(99) / 1e6).toFixed(1)} ms)\n`,
  );
  await spool.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
