/**
 * @module
 * Workload 17 (workflows), Spool only, in one process at concurrency 50: (a) N workflows of 5
 * no-op steps against the same 5 steps as 5 chained plain jobs (each job enqueues the next),
 * completed workflows (or chains) per second; (b) a parent that spawns 1,000 children and waits
 * for them all: seconds from its enqueue to its resumption, and from the last child's completion
 * to the resumption (the fan-in's own delay).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { concurrency, pgUrl, pollMs, sqliteDir } from '../config.js';
import { recreateDatabase } from '../pg-admin.js';
import { library } from '../systems/spool-common.js';
import type { Row, Table } from '../table.js';
import { now } from '../util.js';
import type { WorkloadContext } from './context.js';

type Store = 'sqlite' | 'postgres';
const stores: { store: Store; label: string }[] = [
  { store: 'sqlite', label: 'Spool (SQLite)' },
  { store: 'postgres', label: 'Spool (PostgreSQL)' },
];
const steps = ['one', 'two', 'three', 'four', 'five'];

async function fresh(store: Store) {
  if (store === 'sqlite') {
    const file = join(sqliteDir, 'workflows.db');
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
    return library.createSpool({ store: `sqlite:${file}`, shutdownSignals: false, logger: library.silentLogger, pollInterval: pollMs });
  }
  await recreateDatabase('bench_workflows');
  return library.createSpool({
    store: pgUrl('bench_workflows'),
    shutdownSignals: false,
    logger: library.silentLogger,
    pollInterval: pollMs,
  });
}

/** Resolves once `count` jobs of `queue` named `name` completed. */
function completions(spool: Awaited<ReturnType<typeof fresh>>, name: string, count: number): Promise<void> {
  let done = 0;
  return new Promise((resolve) =>
    spool.on('completed', ({ job }) => {
      if (job.name === name && ++done === count) resolve();
    }),
  );
}

async function enqueueAll(spool: Awaited<ReturnType<typeof fresh>>, name: string, n: number): Promise<void> {
  for (let i = 0; i < n; i += 5_000) {
    await spool.enqueueMany(Array.from({ length: Math.min(5_000, n - i) }, (_, k) => ({ queue: 'wf', name, payload: i + k })));
  }
}

/** Workflows per second: `n` workflows of five no-op steps. */
async function workflowRate(store: Store, n: number): Promise<number> {
  const spool = await fresh(store);
  try {
    await enqueueAll(spool, 'flow', n);
    const all = completions(spool, 'flow', n);
    const started = now();
    spool.work(
      'wf',
      async (_p, ctx) => {
        for (const step of steps) await ctx.step(step, () => null);
        return null;
      },
      { concurrency, batchSize: concurrency },
    );
    await all;
    return n / ((now() - started) / 1000);
  } finally {
    await spool.close({ timeout: 5_000 });
  }
}

/** Chains per second: `n` chains of five plain jobs, each enqueueing the next. */
async function chainRate(store: Store, n: number): Promise<number> {
  const spool = await fresh(store);
  try {
    await enqueueAll(spool, 'one', n);
    const all = completions(spool, 'five', n);
    const started = now();
    const handler = (next: string | null) => async (payload: unknown) => {
      if (next) await spool.enqueue('wf', next, payload);
      return null;
    };
    spool.work('wf', Object.fromEntries(steps.map((step, i) => [step, handler(steps[i + 1] ?? null)])), {
      concurrency,
      batchSize: concurrency,
    });
    await all;
    return n / ((now() - started) / 1000);
  } finally {
    await spool.close({ timeout: 5_000 });
  }
}

/** A parent spawning `children` no-op children: seconds to its resumption, and from the last child's completion. */
async function fanIn(store: Store, children: number): Promise<{ total: number; lag: number }> {
  const spool = await fresh(store);
  try {
    let lastChild = 0;
    let resumed = 0;
    const done = new Promise<void>((resolve) => {
      spool.work(
        'parents',
        async (_p, ctx) => {
          const kids = await ctx.spawnMany(Array.from({ length: children }, (_, i) => ({ queue: 'kids', name: 'kid', payload: i })));
          await ctx.all(kids);
          resumed = now();
          resolve();
          return null;
        },
        { concurrency: 1 },
      );
    });
    spool.on('completed', ({ job }) => {
      if (job.queue === 'kids') lastChild = now();
    });
    spool.work('kids', () => null, { concurrency, batchSize: concurrency });
    const started = now();
    await spool.enqueue('parents', 'fan-out');
    await done;
    return { total: (resumed - started) / 1000, lag: (resumed - lastChild) / 1000 };
  } finally {
    await spool.close({ timeout: 5_000 });
  }
}

export async function workflows(ctx: WorkloadContext): Promise<Table> {
  const n = ctx.sizes.workflowRuns;
  const rows: Row[] = [];
  for (const { store, label } of stores) {
    ctx.log(`workload 17: ${label}`);
    const workflow = await workflowRate(store, n);
    const chain = await chainRate(store, n);
    const fan = await fanIn(store, 1_000);
    rows.push({
      label,
      isSpool: true,
      isPeer: false,
      values: { workflow, chain, ratio: workflow / chain, fanInTotal: fan.total, fanInLag: fan.lag },
    });
  }
  return {
    id: 'workflows',
    title: '17. Workflows',
    description: `${n.toLocaleString('en-US')} workflows of 5 no-op steps, and the same 5 steps as ${n.toLocaleString('en-US')} chains of 5 plain jobs (each enqueues the next), drained in one process at concurrency ${concurrency}; then one parent spawning 1,000 no-op children and waiting for them all.`,
    columns: [
      { key: 'workflow', title: '5-step workflows/s' },
      { key: 'chain', title: '5-job chains/s' },
      { key: 'ratio', title: 'workflow ÷ chain', digits: 2 },
      { key: 'fanInTotal', title: '1,000-child fan-in, s to resumption', digits: 2 },
      { key: 'fanInLag', title: 'last child → parent resumed, s', digits: 3 },
    ],
    rows,
    notes: ['The goal: a workflow no slower than the chain (ratio ≥ 1). The fan-in lag includes one poll interval at most (50 ms here).'],
  };
}
