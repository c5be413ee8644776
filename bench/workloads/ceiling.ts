/**
 * @module
 * Workload 7: the machine's limit, measured in the same run. The claim-and-complete pattern as
 * raw SQL through `pg` (claim a batch FOR UPDATE SKIP LOCKED, complete it with one
 * UPDATE … WHERE id = ANY(…)) at several batch sizes, in a worker process like the others; and
 * single-row INSERTs one at a time.
 */
import { loadSystem, rawSql } from '../systems/index.js';
import type { Row, Table } from '../table.js';
import { now } from '../util.js';
import { WorkerChild } from '../worker-client.js';
import type { WorkloadContext } from './context.js';
import { boundNote, drain, forSystem, loadJobs, row } from './common.js';

const boundMs = 60_000;

export async function ceiling(ctx: WorkloadContext): Promise<Table> {
  const { ceilingBatchSizes, ceilingJobs: n, ceilingLoops: loops, ceilingInserts } = ctx.sizes;
  const rows: Row[] = [];
  const batches = ceilingBatchSizes.join(', ');
  const text = await loadSystem(rawSql.name).then((s) => s.settings({ concurrency: loops, batchSize: 0, loops }));
  ctx.settings.set(rawSql.label, text.replace('batch 0', `batch ${batches} (one run each)`));
  for (const batchSize of ceilingBatchSizes) {
    ctx.log(`workload 7: claim+complete, batch ${batchSize}`);
    const r = await forSystem(rawSql, async (_system, adapter) => {
      const options = { concurrency: loops * batchSize, batchSize, loops };
      const child = new WorkerChild(rawSql.name, options, boundMs + 120_000);
      try {
        await child.waitReady();
        await loadJobs(adapter, n, boundMs);
        const waiting = await adapter.countUnfinished();
        const result = await drain(adapter, waiting, child.go(), boundMs);
        await child.stop();
        return row(
          rawSql,
          { rate: result.perSecond },
          result.bounded ? boundNote('process', result.done, waiting, result.seconds) : undefined,
        );
      } finally {
        child.kill();
      }
    });
    rows.push({ ...r, label: `claim + complete, batch ${batchSize} (${loops} connections)` });
  }
  ctx.log('workload 7: single-row INSERTs');
  const inserts = await forSystem(rawSql, async (_system, adapter) => {
    const started = now();
    let done = 0;
    while (done < ceilingInserts && now() - started < boundMs) {
      await adapter.enqueueOne({});
      done++;
    }
    const seconds = (now() - started) / 1000;
    return row(rawSql, { rate: done / seconds }, done < ceilingInserts ? boundNote('insert', done, ceilingInserts, seconds) : undefined);
  });
  rows.push({ ...inserts, label: `single-row INSERT, one at a time (${ceilingInserts.toLocaleString('en-US')})` });
  return {
    id: 'ceiling',
    title: '7. Ceiling: raw SQL through pg',
    description: `No queue library. ${n.toLocaleString('en-US')} jobs bulk-loaded into a minimal jobs table, drained by a worker process running ${loops} claim loops (one connection each); and single-row INSERTs one at a time, each awaited. This is what the machine allows for the same pattern.`,
    columns: [{ key: 'rate', title: 'jobs/s', digits: 0 }],
    rows,
    notes: [],
  };
}
