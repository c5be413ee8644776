/**
 * @module
 * pg-boss 10 on the local PostgreSQL, database bench_pgboss. Bulk enqueue with insert(); one
 * work() whose handler takes a batch of 50 (v10 removed teamSize/teamConcurrency: batchSize is
 * the concurrency knob) at the shortest polling interval pg-boss allows, 0.5 s. Maintenance and
 * scheduling are off so only the workload runs.
 */
import PgBoss from 'pg-boss';
import { pgPoolSize, pgUrl, queueName } from '../config.js';
import { recreateDatabase } from '../pg-admin.js';
import type { BenchPayload, SystemAdapter, SystemModule, WorkerAdapter, WorkerOptions } from '../types.js';

const database = 'bench_pgboss';
const pollingIntervalSeconds = 0.5;

const options = (): PgBoss.ConstructorOptions => ({
  connectionString: pgUrl(database),
  max: pgPoolSize,
  supervise: false,
  schedule: false,
});

export const system: SystemModule = {
  settings: (o) =>
    `insert() in bulk; one work() with batchSize ${o.batchSize ?? o.concurrency} (handler gets the batch), pollingIntervalSeconds ${pollingIntervalSeconds} (the minimum); supervise/schedule off; pool max ${pgPoolSize}`,
  createAdapter,
  createWorker,
};

function createAdapter(): SystemAdapter {
  let boss: PgBoss | null = null;
  const b = (): PgBoss => {
    if (!boss) throw new Error('pg-boss adapter used before setup()');
    return boss;
  };
  return {
    async setup() {
      await boss?.stop({ graceful: false, wait: true });
      await recreateDatabase(database);
      boss = new PgBoss(options());
      boss.on('error', (err) => process.stderr.write(`pg-boss error: ${err.message}\n`));
      await boss.start();
      await boss.createQueue(queueName);
    },
    async enqueueBatch(payloads) {
      await b().insert(payloads.map((data) => ({ name: queueName, data })));
    },
    async enqueueOne(payload) {
      await b().send(queueName, payload);
    },
    async countUnfinished() {
      return b().getQueueSize(queueName, { before: 'completed' });
    },
    async teardown() {
      await boss?.stop({ graceful: false, wait: true });
      boss = null;
    },
  };
}

function createWorker(o: WorkerOptions): WorkerAdapter {
  const boss = new PgBoss({ ...options(), migrate: false });
  boss.on('error', (err) => process.stderr.write(`pg-boss error: ${err.message}\n`));
  return {
    async prepare() {
      await boss.start();
    },
    async start(onStart) {
      await boss.work<BenchPayload>(queueName, { batchSize: o.batchSize ?? o.concurrency, pollingIntervalSeconds }, async (jobs) => {
        for (const job of jobs) onStart(job.data);
      });
    },
    async stop() {
      await boss.stop({ graceful: true, wait: true, timeout: 5_000 });
    },
  };
}
