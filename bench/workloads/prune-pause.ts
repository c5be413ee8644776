/**
 * @module
 * Workload 19: retention on SQLite. Fills a fresh SQLite file with M completed jobs past their
 * retention, then prunes them through the store while it measures the longest event-loop pause
 * in this process (perf_hooks, 1 ms resolution) and the slowest enqueue of another process
 * (`prune/producer.ts`) writing to the same file all along, one job at a time.
 */
import { fork } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { sqliteDir } from '../config.js';
import { library } from '../systems/spool-common.js';
import type { Row, Table } from '../table.js';
import { errorMessage, now, sleep } from '../util.js';
import type { WorkloadContext } from './context.js';

const producerEntry = fileURLToPath(new URL('../prune/producer.ts', import.meta.url));
const idleMs = 3_000;

export interface PruneResult {
  pruned: number;
  seconds: number;
  pauseMs: number;
  pauseP99Ms: number;
  otherSlowestMs: number;
  otherEnqueues: number;
  /** The longest pause in `idleMs` with nothing to prune: the machine's own. */
  idlePauseMs: number;
}

/** Fills `file` (a fresh Spool SQLite store) with `count` completed jobs finished 30 days ago. */
function fill(file: string, count: number): void {
  const db = new Database(file);
  try {
    const long = Date.now() - 30 * 86_400_000;
    db.prepare(
      `INSERT INTO spool_jobs (queue, name, payload, status, max_attempts, backoff, run_at, created_at, updated_at, finished_at, result)
       WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?1)
       SELECT 'q', 'n', '{"n":1}', 'completed', 3, '{"type":"fixed","base":1000}', ?2, ?2, ?2, ?2, 'null' FROM c`,
    ).run({ 1: count, 2: long });
  } finally {
    db.close();
  }
}

/** Prunes `count` completed jobs from a fresh SQLite file `file` while another process enqueues into it. */
export async function prunePause(file: string, count: number): Promise<PruneResult> {
  for (const suffix of ['', '-wal', '-shm']) await rm(file + suffix, { force: true });
  const spool = await library.createSpool({ store: `sqlite:${file}`, logger: library.silentLogger, shutdownSignals: false });
  try {
    await spool.enqueue('q', 'n');
    fill(file, count);
    const producer = fork(producerEntry, [file], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    try {
      await new Promise((resolve, reject) => {
        producer.once('message', resolve);
        producer.once('exit', (code) => reject(new Error(`the producer exited with code ${code} before it was ready`)));
      });
      await sleep(200);
      const idle = monitorEventLoopDelay({ resolution: 1 });
      idle.enable();
      await sleep(idleMs);
      idle.disable();
      const loop = monitorEventLoopDelay({ resolution: 1 });
      loop.enable();
      const started = now();
      const pruned = await spool.store.prune('completed', 86_400_000);
      const seconds = (now() - started) / 1000;
      loop.disable();
      const report = new Promise<{ slowest: number; enqueued: number }>((resolve) => producer.once('message', resolve as never));
      producer.send('stop');
      const other = await report;
      return {
        pruned,
        seconds,
        pauseMs: loop.max / 1e6,
        pauseP99Ms: loop.percentile(99) / 1e6,
        otherSlowestMs: other.slowest,
        otherEnqueues: other.enqueued,
        idlePauseMs: idle.max / 1e6,
      };
    } finally {
      if (producer.exitCode === null) producer.kill();
    }
  } finally {
    await spool.close();
    for (const suffix of ['', '-wal', '-shm']) await rm(file + suffix, { force: true });
  }
}

export async function prunePauseWorkload(ctx: WorkloadContext): Promise<Table> {
  const count = ctx.sizes.pruneJobs;
  const values: Record<string, number | null> = { rate: null, pause: null, other: null };
  const notes: string[] = [];
  let note: string | undefined;
  if (ctx.systems.some((s) => s.name === 'spool-sqlite')) {
    try {
      ctx.log(`workload 19: Spool (SQLite), pruning ${count} completed jobs`);
      await mkdir(sqliteDir, { recursive: true });
      const r = await prunePause(join(sqliteDir, 'spool-prune.db'), count);
      if (r.pruned !== count) throw new Error(`pruned ${r.pruned} jobs, expected ${count}`);
      values.rate = r.pruned / r.seconds;
      values.pause = r.pauseMs;
      values.other = r.otherSlowestMs;
      notes.push(
        `Pruned ${r.pruned.toLocaleString('en-US')} jobs in ${r.seconds.toFixed(1)} s; event-loop pause p99 ${r.pauseP99Ms.toFixed(1)} ms; the other process made ${r.otherEnqueues.toLocaleString('en-US')} enqueues meanwhile. With nothing to prune, the longest pause in ${idleMs / 1000} s was ${r.idlePauseMs.toFixed(1)} ms (the machine's own).`,
      );
    } catch (err) {
      note = `not measured: ${errorMessage(err)}`;
    }
  }
  const rows: Row[] = ctx.systems.some((s) => s.name === 'spool-sqlite')
    ? [{ label: 'Spool (SQLite)', isSpool: true, isPeer: false, values, ...(note ? { note } : {}) }]
    : [];
  return {
    id: 'prune-pause',
    title: '19. Retention prune pause (SQLite)',
    description: `A fresh SQLite file holds ${count.toLocaleString('en-US')} completed jobs past retention; \`store.prune\` removes them while this process's event loop is monitored (1 ms resolution) and another process enqueues into the same file one job at a time. Goal: no pause over 50 ms, in either process.`,
    columns: [
      { key: 'rate', title: 'jobs pruned/s', digits: 0 },
      { key: 'pause', title: 'longest pause ms', digits: 1 },
      { key: 'other', title: "other process's slowest enqueue ms", digits: 1 },
    ],
    rows,
    notes,
  };
}
