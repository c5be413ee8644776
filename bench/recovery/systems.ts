/**
 * @module
 * The crash-recovery workload's two sides for each system, as each ships with its defaults: a
 * worker that takes one job and hangs (run in a child process, then SIGKILLed), and a survivor
 * worker on the same queue that reports when the job starts again. Spool keeps its 30 s lease;
 * BullMQ keeps its 30 s lockDuration and 30 s stalledInterval.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import type { Spool } from '../../src/index.js';
import { pgUrl, redis, sqliteDir } from '../config.js';
import { recreateDatabase } from '../pg-admin.js';
import { library } from '../systems/spool-common.js';

export type RecoverySystem = 'spool-sqlite' | 'spool-postgres' | 'bullmq';

export const recoveryQueue = 'recovery';
const sqliteFile = join(sqliteDir, 'spool-recovery.db');
const pgDatabase = 'bench_recovery';

/** The store URL each Spool system uses; null for BullMQ. */
export function spoolStore(system: RecoverySystem): string | null {
  if (system === 'spool-sqlite') return `sqlite:${sqliteFile}`;
  if (system === 'spool-postgres') return pgUrl(pgDatabase);
  return null;
}

const openSpool = (store: string): Promise<Spool> =>
  library.createSpool({ store, shutdownSignals: false, logger: library.silentLogger, pollInterval: 1_000 });

/** The parent's side: enqueue one job, and run a survivor worker while a victim is killed. */
export interface RecoveryHost {
  enqueue(round: number): Promise<string>;
  /** Starts a worker that calls `onStart(jobId)` when a job starts on it; resolves when it runs. */
  startSurvivor(onStart: (jobId: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export async function openHost(system: RecoverySystem): Promise<RecoveryHost> {
  const store = spoolStore(system);
  if (store) {
    if (system === 'spool-sqlite') {
      await mkdir(sqliteDir, { recursive: true });
      for (const suffix of ['', '-wal', '-shm']) await rm(sqliteFile + suffix, { force: true });
    } else await recreateDatabase(pgDatabase);
    const spool = await openSpool(store);
    return {
      enqueue: async (round) => (await spool.enqueue(recoveryQueue, 'crash', { round })).id,
      async startSurvivor(onStart) {
        const worker = spool.work(recoveryQueue, (_payload, ctx) => void onStart(ctx.job.id));
        return () => worker.close({ timeout: 1_000 });
      },
      close: () => spool.close({ timeout: 1_000 }),
    };
  }
  const queue = new Queue(recoveryQueue, { connection: { ...redis } });
  const client = (await queue.client) as unknown as { flushdb(): Promise<unknown> };
  await client.flushdb();
  return {
    enqueue: async (round) => (await queue.add('crash', { round })).id as string,
    async startSurvivor(onStart) {
      const worker = new Worker(recoveryQueue, async (job) => void onStart(job.id as string), {
        connection: { ...redis, maxRetriesPerRequest: null },
      });
      await worker.waitUntilReady();
      return () => worker.close(true);
    },
    close: () => queue.close(),
  };
}

/** The victim's side, in its own process: a worker whose handler never returns; `onActive(jobId)` when it starts. */
export async function startVictim(system: RecoverySystem, onActive: (jobId: string) => void): Promise<void> {
  const store = spoolStore(system);
  if (store) {
    const spool = await openSpool(store);
    spool.work(recoveryQueue, (_payload, ctx) => {
      onActive(ctx.job.id);
      return new Promise(() => {});
    });
    return;
  }
  const worker = new Worker(
    recoveryQueue,
    (job) => {
      onActive(job.id as string);
      return new Promise(() => {});
    },
    { connection: { ...redis, maxRetriesPerRequest: null } },
  );
  await worker.waitUntilReady();
}
