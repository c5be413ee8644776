/**
 * @module
 * Workload 4: the PostgreSQL systems with 1, 2 and 4 worker processes (concurrency 50 each)
 * draining the same bulk-loaded queue; process/s until the store shows no unfinished job.
 */
import { concurrency } from '../config.js';
import type { Table } from '../table.js';
import { WorkerChild } from '../worker-client.js';
import type { WorkloadContext } from './context.js';
import { boundNote, drain, forSystem, loadJobs, row } from './common.js';

export async function scaleOut(ctx: WorkloadContext): Promise<Table> {
  const { scaleOutProcesses: counts, scaleOutJobs: n, scaleOutBoundMs: boundMs } = ctx.sizes;
  const rows = [];
  for (const info of ctx.systems.filter((s) => s.postgres)) {
    rows.push(
      await forSystem(info, async (_system, adapter) => {
        const values: Record<string, number | null> = {};
        const notes: string[] = [];
        for (const k of counts) {
          ctx.log(`workload 4: ${info.label}, ${k} process(es)`);
          if (k !== counts[0]) await adapter.setup();
          const children = Array.from({ length: k }, () => new WorkerChild(info.name, { concurrency }, boundMs + 120_000));
          try {
            await Promise.all(children.map((c) => c.waitReady()));
            await loadJobs(adapter, n, boundMs);
            const waiting = await adapter.countUnfinished();
            const startedAt = Math.min(...children.map((c) => c.go()));
            const result = await drain(adapter, waiting, startedAt, boundMs);
            await Promise.all(children.map((c) => c.stop()));
            values[`p${k}`] = result.perSecond;
            if (result.bounded) notes.push(`${k} proc ${boundNote('process', result.done, waiting, result.seconds)}`);
          } finally {
            for (const c of children) c.kill();
          }
        }
        return row(info, values, notes.join('; ') || undefined);
      }),
    );
  }
  return {
    id: 'scale-out',
    title: '4. Scale-out on PostgreSQL',
    description: `${n.toLocaleString('en-US')} jobs bulk-loaded, then drained by ${counts.join(', ')} worker process(es), each at concurrency ${concurrency}; process jobs/s. All processes share the machine's cores with PostgreSQL.`,
    columns: counts.map((k) => ({ key: `p${k}`, title: `${k} proc jobs/s`, better: 'higher' as const })),
    rows,
    notes: [
      'With few cores, extra worker processes compete with PostgreSQL for CPU, so more processes need not mean more jobs per second here.',
    ],
  };
}
