/**
 * @module
 * Workload 18: how long a claim takes with 0 and with N waiting jobs of a name no worker handles.
 * A claim by a worker with a handler map (names given) for 50 handled jobs; median of 200
 * claims, each put back after. Spool only: both stores, in `bench_claims` and its own SQLite file.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Spool } from '../../src/index.js';
import { pgUrl, sqliteDir } from '../config.js';
import { recreateDatabase } from '../pg-admin.js';
import { library } from '../systems/spool-common.js';
import type { Row, Table } from '../table.js';
import { errorMessage, now, percentile } from '../util.js';
import type { WorkloadContext } from './context.js';

const claims = 200;
const batch = 50;

const stores = [
  { name: 'spool-sqlite', label: 'Spool (SQLite)', open: () => openSqlite() },
  { name: 'spool-postgres', label: 'Spool (PostgreSQL)', open: () => openPostgres() },
] as const;

async function openSqlite(): Promise<string> {
  const file = join(sqliteDir, 'spool-claims.db');
  await mkdir(sqliteDir, { recursive: true });
  for (const suffix of ['', '-wal', '-shm']) await rm(file + suffix, { force: true });
  return `sqlite:${file}`;
}

async function openPostgres(): Promise<string> {
  await recreateDatabase('bench_claims');
  return pgUrl('bench_claims');
}

/** Median ms of `claims` claims of 50 `handled` jobs, each batch released again. */
async function medianClaimMs(spool: Spool): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < claims; i++) {
    const started = now();
    const jobs = await spool.store.claim({ queue: 'q', names: ['handled'], limit: batch, workerId: 'w', token: `t${i}`, leaseMs: 60_000 });
    times.push(now() - started);
    if (jobs.length !== batch) throw new Error(`claimed ${jobs.length} jobs, expected ${batch}`);
    await spool.store.release(jobs.map((job) => ({ id: job.id, token: job.token, delayMs: 0 })));
  }
  return percentile(
    times.sort((a, b) => a - b),
    50,
  );
}

/** Claim medians before and after `unhandled` jobs of a name nobody handles are enqueued. */
export async function claimsBehindUnhandled(spool: Spool, unhandled: number): Promise<{ before: number; after: number }> {
  await spool.enqueueMany(Array.from({ length: 1_000 }, () => ({ queue: 'q', name: 'handled' })));
  const before = await medianClaimMs(spool);
  for (let done = 0; done < unhandled; done += 10_000) {
    await spool.enqueueMany(Array.from({ length: Math.min(10_000, unhandled - done) }, () => ({ queue: 'q', name: 'nobody' })));
  }
  // The handled jobs come before the unhandled ones in claim order: enqueue fresh ones after, and take the old ones away.
  await spool.enqueueMany(Array.from({ length: 1_000 }, () => ({ queue: 'q', name: 'handled' })));
  await spool.store.claim({ queue: 'q', names: ['handled'], limit: 1_000, workerId: 'w', token: 'drop', leaseMs: 600_000 });
  const after = await medianClaimMs(spool);
  return { before, after };
}

export async function claimsUnhandled(ctx: WorkloadContext): Promise<Table> {
  const unhandled = ctx.sizes.unhandledJobs;
  const rows: Row[] = [];
  for (const info of stores) {
    if (!ctx.systems.some((s) => s.name === info.name)) continue;
    const values: Record<string, number | null> = { before: null, after: null, ratio: null };
    let note: string | undefined;
    try {
      const store = await info.open();
      const spool = await library.createSpool({ store, shutdownSignals: false, logger: library.silentLogger });
      try {
        ctx.log(`workload 18: ${info.label}, claims with 0 and ${unhandled} unhandled jobs waiting`);
        const r = await claimsBehindUnhandled(spool, unhandled);
        values.before = r.before;
        values.after = r.after;
        values.ratio = r.after / r.before;
      } finally {
        await spool.close();
      }
    } catch (err) {
      note = `not measured: ${errorMessage(err)}`;
    }
    rows.push({ label: info.label, isSpool: true, isPeer: false, values, ...(note ? { note } : {}) });
  }
  const n = unhandled.toLocaleString('en-US');
  return {
    id: 'claims-unhandled',
    title: '18. Claims behind unhandled jobs',
    description: `A worker with a handler map claims ${batch} jobs of the one name it handles, median of ${claims} claims (each batch put back), with 0 and then with ${n} waiting jobs of a name nobody handles in the same queue. Goal: the claim costs the same whatever number of unhandled jobs wait (ratio near 1).`,
    columns: [
      { key: 'before', title: 'claim ms, 0 unhandled', digits: 2 },
      { key: 'after', title: `claim ms, ${n} unhandled`, digits: 2 },
      { key: 'ratio', title: 'ratio', digits: 2 },
    ],
    rows,
    notes: [],
  };
}
