/**
 * @module
 * Workload 9 (flow control), Spool only, in one process: (a) N no-op jobs drained at concurrency
 * 50 with no limits, with a per-queue concurrency cap that does not bind (50, the worker's own),
 * and with a rate limit far above the drain rate — the cost of the guarded claim; (b) a breaker
 * open over 50,000 waiting jobs it guards: attempts spent while open (must be 0) and the
 * worker's CPU over 5 s while everything waits (the claim loop must not spin).
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

async function fresh(store: Store) {
  if (store === 'sqlite') {
    const file = join(sqliteDir, 'flow.db');
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
    return library.createSpool({ store: `sqlite:${file}`, shutdownSignals: false, logger: library.silentLogger, pollInterval: pollMs });
  }
  await recreateDatabase('bench_flow');
  return library.createSpool({ store: pgUrl('bench_flow'), shutdownSignals: false, logger: library.silentLogger, pollInterval: pollMs });
}

/** Jobs per second draining `n` no-op jobs under `limits`. */
async function drainRate(store: Store, n: number, limits: Record<string, unknown> | null): Promise<number> {
  const spool = await fresh(store);
  try {
    if (limits) await spool.configureQueue('flow', limits);
    for (let i = 0; i < n; i += 5_000) {
      await spool.enqueueMany(Array.from({ length: Math.min(5_000, n - i) }, (_, k) => ({ queue: 'flow', name: 'noop', payload: i + k })));
    }
    let done = 0;
    let finished: () => void = () => {};
    const all = new Promise<void>((resolve) => {
      finished = resolve;
    });
    spool.on('completed', () => {
      if (++done === n) finished();
    });
    const started = now();
    spool.work('flow', () => null, { concurrency, batchSize: concurrency });
    await all;
    return n / ((now() - started) / 1000);
  } finally {
    await spool.close({ timeout: 5_000 });
  }
}

/** A breaker open over `n` guarded waiting jobs: attempts spent and CPU (% of one core) over `ms`. */
async function openBreaker(store: Store, n: number, ms: number): Promise<{ attempts: number; cpu: number }> {
  const spool = await fresh(store);
  try {
    await spool.defineBreaker('partner', { failures: 1, cooldown: '10m' });
    await spool.configureQueue('flow', { breaker: 'partner' });
    const opened = new Promise<void>((resolve) =>
      spool.on('breaker', (e) => {
        if (e.to === 'open') resolve();
      }),
    );
    const worker = spool.work(
      'flow',
      () => {
        throw Object.assign(new Error('partner down'), { code: 'ECONNREFUSED' });
      },
      { concurrency, batchSize: concurrency },
    );
    await spool.enqueue('flow', 'noop', null, { maxAttempts: 1 });
    await opened;
    for (let i = 0; i < n; i += 5_000) {
      await spool.enqueueMany(Array.from({ length: Math.min(5_000, n - i) }, () => ({ queue: 'flow', name: 'noop' })));
    }
    const before = process.cpuUsage();
    const started = now();
    await new Promise((resolve) => setTimeout(resolve, ms));
    const used = process.cpuUsage(before);
    const cpu = ((used.user + used.system) / 1000 / (now() - started)) * 100;
    const counts = (await spool.counts('flow')).flow;
    await worker.close({ timeout: 1_000 });
    // Jobs that ran after the breaker opened: every waiting one should still be at 0 attempts.
    const { jobs } = await spool.listJobs({ queue: 'flow', status: 'waiting', limit: 500 });
    const attempts = jobs.reduce((sum, job) => sum + job.attempts, 0) + (counts?.active ?? 0);
    return { attempts, cpu };
  } finally {
    await spool.close({ timeout: 5_000 });
  }
}

export async function flow(ctx: WorkloadContext): Promise<Table> {
  const n = ctx.sizes.throughputJobs;
  const rows: Row[] = [];
  for (const { store, label } of stores) {
    ctx.log(`workload 9: ${label}`);
    const plain = await drainRate(store, n, null);
    const capped = await drainRate(store, n, { concurrency });
    const limited = await drainRate(store, n, { rateLimit: { limit: 10_000_000, per: '1s' } });
    const breaker = await openBreaker(store, 50_000, 5_000);
    rows.push({
      label,
      isSpool: true,
      isPeer: false,
      values: {
        plain,
        capped,
        cappedRatio: capped / plain,
        limited,
        limitedRatio: limited / plain,
        attempts: breaker.attempts,
        cpu: breaker.cpu,
      },
    });
  }
  return {
    id: 'flow',
    title: '9. Flow control',
    description: `${n.toLocaleString('en-US')} no-op jobs drained in one process at concurrency ${concurrency}: no limits, a per-queue concurrency cap of ${concurrency} (the worker's own, so it does not bind), and a rate limit of 10,000,000/s; then a breaker open over 50,000 waiting jobs it guards, watched for 5 s.`,
    columns: [
      { key: 'plain', title: 'no limits jobs/s' },
      { key: 'capped', title: 'capped jobs/s' },
      { key: 'cappedRatio', title: 'capped ÷ none', digits: 2 },
      { key: 'limited', title: 'rate-limited jobs/s' },
      { key: 'limitedRatio', title: 'rate-limited ÷ none', digits: 2 },
      { key: 'attempts', title: 'attempts while open' },
      { key: 'cpu', title: 'CPU while open, % of a core', digits: 1 },
    ],
    rows,
    notes: [
      'The goals: capped and rate-limited within 15% of no limits; no attempt spent while the breaker is open; under 5% of a core while everything waits.',
    ],
  };
}
