/** @module Workload 2: one producer enqueues jobs one at a time, awaiting each. */
import type { Table } from '../table.js';
import { now } from '../util.js';
import type { WorkloadContext } from './context.js';
import { boundNote, forSystem, row } from './common.js';

const boundMs = 60_000;

export async function singleEnqueue(ctx: WorkloadContext): Promise<Table> {
  const n = ctx.sizes.singleEnqueues;
  const rows = [];
  for (const info of ctx.systems) {
    ctx.log(`workload 2: ${info.label}`);
    rows.push(
      await forSystem(info, async (_system, adapter) => {
        const started = now();
        let done = 0;
        while (done < n && now() - started < boundMs) {
          await adapter.enqueueOne({});
          done++;
        }
        const seconds = (now() - started) / 1000;
        return row(
          info,
          { rate: done / seconds, mean: (seconds * 1000) / done },
          done < n ? boundNote('enqueue', done, n, seconds) : undefined,
        );
      }),
    );
  }
  return {
    id: 'single-enqueue',
    title: '2. Single enqueue',
    description: `${n.toLocaleString('en-US')} enqueues one at a time from one producer, each awaited; no worker running.`,
    columns: [
      { key: 'rate', title: 'jobs/s', better: 'higher' },
      { key: 'mean', title: 'mean ms per enqueue', digits: 3 },
    ],
    rows,
    notes: [],
  };
}
