/**
 * @module
 * Workload 12: the database a network hop away. Every connection of the server-backed systems
 * (PostgreSQL for Spool, pg-boss and graphile-worker; Redis for BullMQ), the producer's and the
 * worker's alike, goes through a proxy on loopback that delays each chunk 1 ms each way (about
 * 2.5 ms per round trip, measured below). Then, per system: N no-op jobs bulk-loaded and drained
 * by one worker process at concurrency 50 (process jobs/s), and jobs enqueued one at a time to an
 * idle worker (enqueue call → handler start). Spool on SQLite has no network and is left out.
 */
import pg from 'pg';
import { concurrency, databaseName } from '../config.js';
import { startDelayProxy } from '../delay-proxy.js';
import type { Table } from '../table.js';
import { now, percentile, sleep } from '../util.js';
import { WorkerChild } from '../worker-client.js';
import type { WorkloadContext } from './context.js';
import { boundNote, drain, forSystem, loadJobs, row } from './common.js';

const delayMs = 1;
const latencyGapMs = 5;
const settleMs = 750;

export async function network(ctx: WorkloadContext): Promise<Table> {
  const { networkJobs: n, networkLatencyJobs: m, networkBoundMs: boundMs } = ctx.sizes;
  const proxy = await startDelayProxy(delayMs, [5432, 6379]);
  const saved = { pg: process.env.SPOOL_BENCH_PG_PORT, redis: process.env.SPOOL_BENCH_REDIS_PORT };
  const rows = [];
  let roundTrip = Number.NaN;
  try {
    process.env.SPOOL_BENCH_PG_PORT = String(proxy.ports[0]);
    process.env.SPOOL_BENCH_REDIS_PORT = String(proxy.ports[1]);
    roundTrip = await selectOneRoundTrip(`postgres://postgres@127.0.0.1:${proxy.ports[0]}/test`);
    for (const info of ctx.systems.filter((s) => s.name !== 'spool-sqlite')) {
      ctx.log(`workload 12: ${info.label}`);
      rows.push(
        await forSystem(info, async (_system, adapter) => {
          const notes: string[] = [];
          // Processing: a bulk-loaded queue drained by one worker process.
          const drainer = new WorkerChild(info.name, { concurrency }, boundMs * 2 + 120_000);
          let processed: number | null = null;
          let cpuPerJob: number | null = null;
          try {
            await drainer.waitReady();
            const load = await loadJobs(adapter, n, boundMs);
            const waiting = await adapter.countUnfinished();
            const result = await drain(adapter, waiting, drainer.go(), boundMs);
            const stopped = await drainer.stop();
            processed = result.perSecond;
            cpuPerJob = stopped.handled > 0 ? stopped.cpuUs / stopped.handled : null;
            if (load.bounded) notes.push(boundNote('enqueue', load.loaded, n, load.seconds));
            if (result.bounded) notes.push(boundNote('process', result.done, waiting, result.seconds));
          } finally {
            drainer.kill();
          }
          // Pick-up: an idle worker process, jobs enqueued one at a time.
          await adapter.setup();
          const idle = new WorkerChild(info.name, { concurrency }, m * (latencyGapMs + 50) + 120_000);
          try {
            await idle.waitReady();
            idle.go();
            await idle.waitStarted();
            await sleep(settleMs);
            const deadline = now() + boundMs;
            let sent = 0;
            const enqueues: number[] = [];
            for (; sent < m && now() < deadline; sent++) {
              const at = now();
              await adapter.enqueueOne({ t: at });
              enqueues.push(now() - at);
              await sleep(latencyGapMs);
            }
            const complete = await idle.waitHandled(sent, 10_000);
            const sorted = [...(await idle.stop()).latencies].sort((a, b) => a - b);
            if (!complete || sent < m) notes.push(`pick-up: ${sorted.length} of ${m} jobs started within the time bound`);
            return row(
              info,
              {
                process: processed,
                cpu: cpuPerJob,
                p50: percentile(sorted, 50),
                p95: percentile(sorted, 95),
                enqueue: percentile(
                  enqueues.sort((a, b) => a - b),
                  50,
                ),
              },
              notes.join('; ') || undefined,
            );
          } finally {
            idle.kill();
          }
        }),
      );
    }
  } finally {
    process.env.SPOOL_BENCH_PG_PORT = saved.pg;
    process.env.SPOOL_BENCH_REDIS_PORT = saved.redis;
    if (saved.pg === undefined) delete process.env.SPOOL_BENCH_PG_PORT;
    if (saved.redis === undefined) delete process.env.SPOOL_BENCH_REDIS_PORT;
    proxy.close();
  }
  return {
    id: 'network',
    title: '12. The database a network hop away',
    description: `Every connection to PostgreSQL and Redis (producer and worker) through a proxy on loopback that delays each chunk ${delayMs} ms each way: a PostgreSQL round trip (SELECT 1, median of 50) took ${roundTrip.toFixed(2)} ms. ${n.toLocaleString('en-US')} no-op jobs bulk-loaded, then drained by one worker process at concurrency ${concurrency} (process jobs/s); then ${m} jobs enqueued one at a time, ${latencyGapMs} ms apart, to an idle worker (enqueue call → handler start, ms).`,
    columns: [
      { key: 'process', title: 'process jobs/s', better: 'higher' },
      { key: 'cpu', title: 'worker CPU µs/job', better: 'lower', digits: 1 },
      { key: 'p50', title: 'pick-up p50 ms', better: 'lower', digits: 2 },
      { key: 'p95', title: 'pick-up p95 ms', better: 'lower', digits: 2 },
      { key: 'enqueue', title: 'enqueue p50 ms', digits: 2 },
    ],
    rows,
    notes: [
      "Pick-up includes the producer's enqueue up to its commit (enqueue p50 ms: the single enqueue's own round trip, with the durable commit on PostgreSQL); a worker can see a job only after that.",
      'Worker CPU µs/job: CPU time (user + system, process.cpuUsage) of the worker process from "go" to "stop" of the drain, over the jobs it ran; the servers and the proxy are not in it. Less noisy than jobs/s on a shared machine.',
      `Database ${databaseName('bench_spool')} and the peers' own, as in the other workloads; the proxy runs in a process of its own. Spool (SQLite) is embedded and has no network hop.`,
    ],
  };
}

/** The median time of `SELECT 1` over 50 tries on one connection to `url`. */
async function selectOneRoundTrip(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const times: number[] = [];
    for (let i = 0; i < 50; i++) {
      const started = now();
      await client.query('SELECT 1');
      times.push(now() - started);
    }
    return percentile(
      times.sort((a, b) => a - b),
      50,
    );
  } finally {
    await client.end();
  }
}
