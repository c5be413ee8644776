/**
 * @module
 * Workload 3: an idle worker process; jobs enqueued one at a time, a few ms apart, each carrying
 * its enqueue time; the handler records (its clock − enqueue time). Same machine, same clock.
 */
import { concurrency, pollMs } from '../config.js';
import type { Table } from '../table.js';
import { now, percentile, sleep } from '../util.js';
import { WorkerChild } from '../worker-client.js';
import type { WorkloadContext } from './context.js';
import { forSystem, row } from './common.js';

/** Time the idle worker gets to finish its start-up (first poll, LISTEN) before the first job. */
const settleMs = 750;
const collectBoundMs = 15_000;

export async function latency(ctx: WorkloadContext): Promise<Table> {
  const { latencyJobs: n, latencyGapMs: gap } = ctx.sizes;
  const rows = [];
  for (const info of ctx.systems) {
    ctx.log(`workload 3: ${info.label}`);
    rows.push(
      await forSystem(info, async (_system, adapter) => {
        const child = new WorkerChild(info.name, { concurrency }, n * (gap + 50) + 120_000);
        try {
          await child.waitReady();
          child.go();
          await child.waitStarted();
          await sleep(settleMs);
          for (let i = 0; i < n; i++) {
            await adapter.enqueueOne({ t: now() });
            await sleep(gap);
          }
          const complete = await child.waitHandled(n, collectBoundMs);
          const { latencies } = await child.stop();
          const sorted = [...latencies].sort((a, b) => a - b);
          const values = {
            p50: percentile(sorted, 50),
            p95: percentile(sorted, 95),
            p99: percentile(sorted, 99),
            max: sorted.at(-1) ?? null,
          };
          return row(
            info,
            values,
            complete ? undefined : `only ${sorted.length} of ${n} jobs started within ${collectBoundMs / 1000} s of the last enqueue`,
          );
        } finally {
          child.kill();
        }
      }),
    );
  }
  return {
    id: 'latency',
    title: '3. Pick-up latency',
    description: `An idle worker process (concurrency ${concurrency}); ${n.toLocaleString('en-US')} jobs enqueued one at a time, ${gap} ms apart; enqueue call → handler start, in ms.`,
    columns: [
      { key: 'p50', title: 'p50 ms', better: 'lower', digits: 2 },
      { key: 'p95', title: 'p95 ms', better: 'lower', digits: 2 },
      { key: 'p99', title: 'p99 ms', better: 'lower', digits: 2 },
      { key: 'max', title: 'max ms', digits: 2 },
    ],
    rows,
    notes: [
      `Spool (SQLite) gets no cross-process signal when another process inserts a job, so its worker finds new jobs by polling (pollInterval ${pollMs} ms here); in one process it is woken at once. Spool (PostgreSQL) and graphile-worker are woken by LISTEN/NOTIFY, BullMQ by a blocking Redis read; pg-boss polls (0.5 s at least) and, at 50 jobs per 0.5 s, falls behind 200 arrivals per second, so its queue grows during the run.`,
    ],
  };
}
