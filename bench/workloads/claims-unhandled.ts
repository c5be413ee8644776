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

/**
 * Claim medians of 1,000 waiting handled jobs, alone and behind `unhandled` older jobs of a name
 * nobody handles (first in claim order: the worst case for a claim that reads by queue). Each
 * case starts from a fresh store, so the first case's claimed and released row versions (dead
 * index entries on PostgreSQL until a vacuum) do not slow the second.
 */
export async function claimsBehindUnhandled(open: () => Promise<Spool>, unhandled: number): Promise<{ before: number; after: number }> {
  const measure = async (behind: number): Promise<number> => {
    const spool = await open();
    try {
      for (let done = 0; done < behind; done += 10_000) {
        await spool.enqueueMany(Array.from({ length: Math.min(10_000, behind - done) }, () => ({ queue: 'q', name: 'nobody' })));
      }
      await spool.enqueueMany(Array.from({ length: 1_000 }, () => ({ queue: 'q', name: 'handled' })));
      return await medianClaimMs(spool);
    } finally {
      await spool.close();
    }
  };
  const before = await measure(0);
  const after = await measure(unhandled);
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
      ctx.log(`workload 18: ${info.label}, claims with 0 and ${unhandled} unhandled jobs waiting`);
      const open = async () =>
        library.createSpool({ store: await info.open(), shutdownSignals: false, logger: library.silentLogger }) as Promise<Spool>;
      const r = await claimsBehindUnhandled(open, unhandled);
      values.before = r.before;
      values.after = r.after;
      values.ratio = r.after / r.before;
    } catch (err) {
      note = `not measured: ${errorMessage(err)}`;
    }
    rows.push({ label: info.label, isSpool: true, isPeer: false, values, ...(note ? { note } : {}) });
  }
  const n = unhandled.toLocaleString('en-US');
  return {
    id: 'claims-unhandled',
    title: '18. Claims behind unhandled jobs',
    description: `A worker with a handler map claims ${batch} jobs of the one name it handles, median of ${claims} claims (each batch put back), alone and then behind ${n} older waiting jobs of a name nobody handles in the same queue, each case on a fresh store. Goal: the claim costs the same whatever number of unhandled jobs wait (ratio near 1).`,
    columns: [
      { key: 'before', title: 'claim ms, 0 unhandled', digits: 2 },
      { key: 'after', title: `claim ms, ${n} unhandled`, digits: 2 },
      { key: 'ratio', title: 'ratio', digits: 2 },
    ],
    rows,
    notes: [],
  };
}
