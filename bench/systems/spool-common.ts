/**
 * @module
 * Spool on either store: the adapters for SQLite and PostgreSQL differ only in the store URL and
 * in how setup wipes it, so both are built here.
 */
import { existsSync } from 'node:fs';
import type { Spool } from '../../src/index.js';
import { pollMs, queueName } from '../config.js';
import type { BenchPayload, SystemAdapter, SystemModule, WorkerAdapter, WorkerOptions } from '../types.js';

const jobName = 'noop';

/**
 * Spool is measured as it ships, compiled to JavaScript in dist/ (`npm run build`), as the peers
 * are: loading TypeScript through tsx at run time costs a worker about 40 MB more memory.
 */
const built = new URL('../../dist/index.js', import.meta.url);
export const spoolBuild = existsSync(built) ? 'dist/ (compiled JavaScript)' : 'src/ through tsx (run `npm run build` to measure dist/)';
export const library = (await import(existsSync(built) ? built.href : '../../src/index.js')) as typeof import('../../src/index.js');

const open = (store: string): Promise<Spool> =>
  library.createSpool({ store, shutdownSignals: false, logger: library.silentLogger, pollInterval: pollMs });

export function spoolSystem(store: () => string, wipe: () => Promise<void>, storeNote: string): SystemModule {
  return {
    settings: (o) =>
      `${storeNote}; Spool loaded from ${spoolBuild}; enqueueMany in bulk, enqueue one at a time; work() with concurrency ${o.concurrency}, batchSize ${o.batchSize ?? o.concurrency}, prefetch ${o.prefetch ?? o.concurrency}, pollInterval ${pollMs} ms; logger silent`,
    createAdapter: () => createAdapter(store(), wipe),
    createWorker: (o) => createWorker(store(), o),
  };
}

function createAdapter(store: string, wipe: () => Promise<void>): SystemAdapter {
  let spool: Spool | null = null;
  const s = (): Spool => {
    if (!spool) throw new Error('Spool adapter used before setup()');
    return spool;
  };
  return {
    async setup() {
      await spool?.close();
      spool = null;
      await wipe();
      spool = await open(store);
    },
    async enqueueBatch(payloads) {
      await s().enqueueMany(payloads.map((payload) => ({ queue: queueName, name: jobName, payload })));
    },
    async enqueueOne(payload) {
      await s().enqueue(queueName, jobName, payload);
    },
    async countUnfinished() {
      const counts = (await s().counts(queueName))[queueName];
      return counts ? counts.waiting + counts.active : 0;
    },
    async teardown() {
      await spool?.close();
      spool = null;
    },
  };
}

function createWorker(store: string, o: WorkerOptions): WorkerAdapter {
  let spool: Spool | null = null;
  return {
    async prepare() {
      spool = await open(store);
    },
    async start(onStart) {
      (spool as Spool).work(
        queueName,
        async (payload: BenchPayload) => {
          onStart(payload);
        },
        { concurrency: o.concurrency, batchSize: o.batchSize ?? o.concurrency, prefetch: o.prefetch ?? o.concurrency },
      );
    },
    async stop() {
      await spool?.close({ timeout: 5_000 });
    },
  };
}
