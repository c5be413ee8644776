/**
 * @module
 * Workload 5: process/s with a deep backlog already waiting. The backlog is bulk-loaded in
 * chunks (time-bounded), then one worker process (concurrency 50) runs until it has started a
 * sample of jobs; the rate is handler starts per second over that window.
 */
import { concurrency } from '../config.js';
import type { Table } from '../table.js';
import { now } from '../util.js';
import { WorkerChild } from '../worker-client.js';
import type { WorkloadContext } from './context.js';
import { boundNote, forSystem, loadJobs, row } from './common.js';

export async function backlog(ctx: WorkloadContext): Promise<Table> {
  const { backlogJobs: n, backlogLoadBoundMs, backlogSample, backlogBoundMs } = ctx.sizes;
  const rows = [];
  for (const info of ctx.systems) {
    ctx.log(`workload 5: ${info.label} (loading ${n.toLocaleString('en-US')})`);
    rows.push(
      await forSystem(info, async (_system, adapter) => {
        const load = await loadJobs(adapter, n, backlogLoadBoundMs);
        const child = new WorkerChild(info.name, { concurrency }, backlogBoundMs + 120_000);
        try {
          await child.waitReady();
          const sample = Math.min(backlogSample, load.loaded);
          const startedAt = child.go();
          const complete = await child.waitHandled(sample, backlogBoundMs);
          const seconds = (now() - startedAt) / 1000;
          const handled = child.handled;
          await child.stop();
          const notes = [];
          if (load.bounded) notes.push(boundNote('load', load.loaded, n, load.seconds));
          if (!complete) notes.push(boundNote('process', handled, sample, seconds));
          return row(info, { loaded: load.loaded, load: load.perSecond, process: handled / seconds }, notes.join('; ') || undefined);
        } finally {
          child.kill();
        }
      }),
    );
  }
  return {
    id: 'backlog',
    title: '5. Backlog',
    description: `${n.toLocaleString('en-US')} jobs loaded first (chunks of 5,000, load bounded at ${backlogLoadBoundMs / 1000} s), then one worker process (concurrency ${concurrency}) runs until it has started ${backlogSample.toLocaleString('en-US')} jobs (bounded at ${backlogBoundMs / 1000} s); process jobs/s = handler starts ÷ time since "go".`,
    columns: [
      { key: 'loaded', title: 'jobs waiting', digits: 0 },
      { key: 'load', title: 'load jobs/s', better: 'higher' },
      { key: 'process', title: 'process jobs/s', better: 'higher' },
    ],
    rows,
    notes: [
      "Handler starts run ahead of stored completions by at most the jobs in flight (50, or the 500 of graphile-worker's local queue), small beside the sample.",
    ],
  };
}
