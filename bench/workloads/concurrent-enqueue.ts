/**
 * @module
 * Workload 11: single enqueues from 100 concurrent callers in one process (each awaits its call,
 * then makes the next), no worker running. Spool gathers the calls in flight together into one
 * insert and one commit (group commit); the peers make one call per job.
 */
import { httpConcurrency } from '../config.js';
import type { Table } from '../table.js';
import { now, percentile } from '../util.js';
import type { WorkloadContext } from './context.js';
import { boundNote, forSystem, row } from './common.js';

const boundMs = 60_000;

export async function concurrentEnqueue(ctx: WorkloadContext): Promise<Table> {
  const n = ctx.sizes.concurrentEnqueues;
  const rows = [];
  for (const info of ctx.systems) {
    ctx.log(`workload 11: ${info.label}`);
    rows.push(
      await forSystem(info, async (_system, adapter) => {
        const started = now();
        let issued = 0;
        const latencies: number[] = [];
        const caller = async () => {
          while (issued < n && now() - started < boundMs) {
            issued++;
            const at = now();
            await adapter.enqueueOne({});
            latencies.push(now() - at);
          }
        };
        await Promise.all(Array.from({ length: httpConcurrency }, caller));
        const seconds = (now() - started) / 1000;
        const done = latencies.length;
        latencies.sort((a, b) => a - b);
        return row(
          info,
          { rate: done / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
          done < n ? boundNote('enqueue', done, n, seconds) : undefined,
        );
      }),
    );
  }
  return {
    id: 'concurrent-enqueue',
    title: '11. Concurrent single enqueue',
    description: `${n.toLocaleString('en-US')} single enqueues from ${httpConcurrency} concurrent callers in one process, each awaiting its call before the next; no worker running.`,
    columns: [
      { key: 'rate', title: 'jobs/s', better: 'higher' },
      { key: 'p50', title: 'p50 ms per call', digits: 2, better: 'lower' },
      { key: 'p99', title: 'p99 ms per call', digits: 2, better: 'lower' },
    ],
    rows,
    notes: [],
  };
}
