/**
 * @module
 * Workload 1 (throughput) and 6 (memory): bulk-enqueue N no-op jobs, then one worker process at
 * concurrency 50 drains them; timed until the store shows no unfinished job. Peak RSS of that
 * worker process is workload 6.
 */
import { concurrency } from '../config.js';
import type { Table } from '../table.js';
import { WorkerChild } from '../worker-client.js';
import type { WorkloadContext } from './context.js';
import { boundNote, drain, forSystem, loadJobs, row } from './common.js';

export async function throughput(ctx: WorkloadContext): Promise<{ throughput: Table; memory: Table }> {
  const n = ctx.sizes.throughputJobs;
  const rows = [];
  const memoryRows = [];
  for (const info of ctx.systems) {
    ctx.log(`workload 1: ${info.label}`);
    let peak: number | null = null;
    const r = await forSystem(info, async (_system, adapter) => {
      const options = { concurrency };
      const child = new WorkerChild(info.name, options, ctx.sizes.throughputBoundMs + 120_000);
      try {
        await child.waitReady();
        const load = await loadJobs(adapter, n, ctx.sizes.throughputBoundMs);
        const waiting = await adapter.countUnfinished();
        const result = await drain(adapter, waiting, child.go(), ctx.sizes.throughputBoundMs);
        const stopped = await child.stop();
        peak = stopped.peakRssMb;
        const cpu = stopped.handled > 0 ? stopped.cpuUs / stopped.handled : null;
        const notes = [];
        if (load.bounded) notes.push(boundNote('enqueue', load.loaded, n, load.seconds));
        if (result.bounded) notes.push(boundNote('process', result.done, waiting, result.seconds));
        return row(
          info,
          { enqueue: load.perSecond, process: result.perSecond, cpu, seconds: result.seconds },
          notes.join('; ') || undefined,
        );
      } finally {
        child.kill();
      }
    });
    rows.push(r);
    memoryRows.push(row(info, { rss: peak }, peak === null ? r.note : undefined));
  }
  return {
    throughput: {
      id: 'throughput',
      title: '1. Throughput',
      description: `${n.toLocaleString('en-US')} no-op jobs enqueued in bulk (chunks of 5,000), then processed by one worker process at concurrency ${concurrency}; timed from "go" until the store shows no unfinished job (includes the worker's first poll).`,
      columns: [
        { key: 'enqueue', title: 'enqueue jobs/s', better: 'higher' },
        { key: 'process', title: 'process jobs/s', better: 'higher' },
        { key: 'cpu', title: 'worker CPU µs/job', better: 'lower', digits: 1 },
        { key: 'seconds', title: 'drain s', digits: 2 },
      ],
      rows,
      notes: [
        'Worker CPU µs/job: CPU time (user + system, process.cpuUsage) of the worker process from "go" to "stop", over the jobs it ran; the database servers are not in it. On a shared machine it moves far less than jobs/s.',
        'pg-boss 10 waits out its polling interval after every batch it fetches (src/worker.js), so one work() call takes at most batchSize jobs per 0.5 s: 100 jobs/s at the concurrency-50 equivalent used here. A larger batchSize raises that cap but puts far more than 50 jobs in flight.',
      ],
    },
    memory: {
      id: 'memory',
      title: '6. Memory',
      description:
        'Peak RSS (VmHWM from /proc) of the worker process during workload 1. Every worker runs under `node --import tsx`, so each figure includes the same loader overhead.',
      columns: [{ key: 'rss', title: 'peak RSS MB', better: 'lower', digits: 1 }],
      rows: memoryRows,
      notes: [],
    },
  };
}
