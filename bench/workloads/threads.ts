/**
 * @module
 * Workload "threads": CPU-bound handlers in worker threads (`work(queue, { module, threads })`).
 * (a) A backlog of jobs that each hash for about 50 ms, drained by a pool of 1 thread, then of 2;
 * jobs/s and the ratio. (b) While 2 threads are kept busy by that backlog, jobs on another queue
 * with an ordinary handler on the main thread: their pick-up latency (enqueue to handler start),
 * which shows whether the event loop stays free. Spool only: both stores.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Spool } from '../../src/index.js';
import { pgUrl, sqliteDir } from '../config.js';
import { recreateDatabase } from '../pg-admin.js';
import { library } from '../systems/spool-common.js';
import type { Row, Table } from '../table.js';
import { now, percentile, sleep } from '../util.js';
import type { WorkloadContext } from './context.js';

const module = fileURLToPath(new URL('../threads/hash.mjs', import.meta.url));
const hashMs = 50;

const stores = [
  { name: 'spool-sqlite', label: 'Spool (SQLite)', open: () => openSqlite() },
  { name: 'spool-postgres', label: 'Spool (PostgreSQL)', open: () => openPostgres() },
] as const;

async function openSqlite(): Promise<string> {
  const file = join(sqliteDir, 'spool-threads.db');
  await mkdir(sqliteDir, { recursive: true });
  for (const suffix of ['', '-wal', '-shm']) await rm(file + suffix, { force: true });
  return `sqlite:${file}`;
}

async function openPostgres(): Promise<string> {
  await recreateDatabase('bench_threads');
  return pgUrl('bench_threads');
}

const open = (store: string): Promise<Spool> =>
  library.createSpool({ store, shutdownSignals: false, logger: library.silentLogger, pollInterval: 50 });

/** Jobs/s for `jobs` hash jobs drained by a pool of `threads` (the pool warmed up first). */
async function drain(spool: Spool, queue: string, threads: number, jobs: number): Promise<number> {
  const worker = spool.work(queue, { module, threads });
  try {
    const warm = await spool.enqueueMany(Array.from({ length: threads }, () => ({ queue, name: 'hash', payload: { ms: 1 } })));
    await Promise.all(warm.map((j) => j.wait({ timeout: 60_000 })));
    const started = now();
    const handles = await spool.enqueueMany(Array.from({ length: jobs }, () => ({ queue, name: 'hash', payload: { ms: hashMs } })));
    await Promise.all(handles.map((j) => j.wait({ timeout: 300_000 })));
    return jobs / ((now() - started) / 1000);
  } finally {
    await worker.close();
  }
}

/** Pick-up latency on the main thread of `n` jobs enqueued 20 ms apart, while 2 threads hash a backlog when `busy`. */
async function latencyUnderLoad(spool: Spool, n: number, busy: boolean): Promise<number[]> {
  const threadsWorker = spool.work(busy ? 'busy' : 'idle', { module, threads: 2 });
  const latencies: number[] = [];
  const light = busy ? 'light-busy' : 'light-idle';
  const mainWorker = spool.work(light, (payload: { t: number }) => void latencies.push(now() - payload.t));
  try {
    const backlog = busy
      ? await spool.enqueueMany(
          Array.from({ length: Math.ceil((n * 20) / hashMs) + 20 }, () => ({ queue: 'busy', name: 'hash', payload: { ms: hashMs } })),
        )
      : [];
    await sleep(500);
    for (let i = 0; i < n; i++) {
      await spool.enqueue(light, 'ping', { t: now() });
      await sleep(20);
    }
    const deadline = Date.now() + 30_000;
    while (latencies.length < n && Date.now() < deadline) await sleep(10);
    await Promise.all(backlog.map((j) => j.wait({ timeout: 300_000 }).catch(() => {})));
    return latencies.sort((a, b) => a - b);
  } finally {
    await Promise.all([threadsWorker.close(), mainWorker.close()]);
  }
}

export async function threads(ctx: WorkloadContext): Promise<Table> {
  const { threadJobs: jobs, threadLatencyJobs: pings } = ctx.sizes;
  const rows: Row[] = [];
  for (const info of stores) {
    if (!ctx.systems.some((s) => s.name === info.name)) continue;
    const values: Record<string, number | null> = { one: null, two: null, ratio: null, p50: null, p99: null, idle99: null };
    let note: string | undefined;
    try {
      const spool = await open(await info.open());
      try {
        ctx.log(`workload threads: ${info.label}, 1 thread`);
        values.one = await drain(spool, 'cpu1', 1, jobs);
        ctx.log(`workload threads: ${info.label}, 2 threads`);
        values.two = await drain(spool, 'cpu2', 2, jobs);
        values.ratio = values.two / values.one;
        ctx.log(`workload threads: ${info.label}, main-thread pick-up with 2 threads busy`);
        const latencies = await latencyUnderLoad(spool, pings, true);
        values.p50 = percentile(latencies, 50);
        values.p99 = percentile(latencies, 99);
        ctx.log(`workload threads: ${info.label}, main-thread pick-up with the threads idle`);
        values.idle99 = percentile(await latencyUnderLoad(spool, pings, false), 99);
      } finally {
        await spool.close();
      }
    } catch (err) {
      note = `not measured: ${(err as Error).message}`;
    }
    rows.push({ label: info.label, isSpool: true, isPeer: false, values, ...(note ? { note } : {}) });
  }
  return {
    id: 'threads',
    title: '14. CPU-bound handlers in worker threads',
    description: `${jobs} jobs each hashing (SHA-256) for about ${hashMs} ms, drained by \`work(queue, { module, threads })\` with 1 thread, then 2; jobs/s and the ratio. Then ${pings} jobs on another queue, 20 ms apart, with a handler on the main thread while 2 threads hash a backlog: their pick-up latency (enqueue to handler start), and the same with the threads idle.`,
    columns: [
      { key: 'one', title: '1 thread jobs/s', digits: 1 },
      { key: 'two', title: '2 threads jobs/s', digits: 1 },
      { key: 'ratio', title: '2 ÷ 1', digits: 2 },
      { key: 'p50', title: 'main pick-up p50 ms', digits: 2 },
      { key: 'p99', title: 'main pick-up p99 ms', digits: 2 },
      { key: 'idle99', title: 'same, threads idle, p99 ms', digits: 2 },
    ],
    rows,
    notes: [
      'The machine has 2 cores, shared with the database and with the benchmark itself: 2 threads can reach 2× only when nothing else wants a core.',
    ],
  };
}
