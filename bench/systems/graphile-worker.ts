/**
 * @module
 * graphile-worker 0.17 on the local PostgreSQL, database bench_graphile. Bulk enqueue with
 * WorkerUtils.addJobs (one add_jobs call); the runner uses the settings of graphile-worker's
 * performance page: localQueue of 500, completeJobBatchDelay and failJobBatchDelay 0, prepared
 * statements on; concurrency 50; logger silenced.
 */
import { Logger, type Runner, type WorkerUtils, makeWorkerUtils, run, runMigrations } from 'graphile-worker';
import pg from 'pg';
import { pgPoolSize, pgUrl, pollMs, queueName } from '../config.js';
import { recreateDatabase } from '../pg-admin.js';
import type { BenchPayload, SystemAdapter, SystemModule, WorkerAdapter, WorkerOptions } from '../types.js';

const database = 'bench_graphile';
const logger = new Logger(() => () => {});
const preset = { worker: { localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } };

export const system: SystemModule = {
  settings: (o) =>
    `WorkerUtils.addJobs in bulk, addJob one at a time; run() with concurrency ${o.concurrency}, localQueue.size 500, completeJobBatchDelay 0, failJobBatchDelay 0, prepared statements on (noPreparedStatements false), pollInterval ${pollMs} ms (LISTEN/NOTIFY wakes it), maxPoolSize ${pgPoolSize}, logger silenced`,
  createAdapter,
  createWorker,
};

function createAdapter(): SystemAdapter {
  let utils: WorkerUtils | null = null;
  const u = (): WorkerUtils => {
    if (!utils) throw new Error('graphile-worker adapter used before setup()');
    return utils;
  };
  return {
    async setup() {
      await utils?.release();
      utils = null;
      await recreateDatabase(database);
      await runMigrations({ connectionString: pgUrl(database), logger });
      utils = await makeWorkerUtils({ connectionString: pgUrl(database), logger, maxPoolSize: 2 });
    },
    async enqueueBatch(payloads) {
      await u().addJobs(payloads.map((payload) => ({ identifier: queueName, payload })));
    },
    async enqueueOne(payload) {
      await u().addJob(queueName, payload);
    },
    async countUnfinished() {
      return u().withPgClient(async (client) => {
        const { rows } = await client.query('SELECT count(*)::int AS n FROM graphile_worker._private_jobs');
        return rows[0].n as number;
      });
    },
    async teardown() {
      await utils?.release();
      utils = null;
    },
  };
}

function createWorker(o: WorkerOptions): WorkerAdapter {
  const pgPool = new pg.Pool({ connectionString: pgUrl(database), max: pgPoolSize });
  const onError = (err: Error) => process.stderr.write(`graphile-worker pool error: ${err.message}\n`);
  pgPool.on('error', onError);
  pgPool.on('connect', (client) => client.on('error', onError));
  let runner: Runner | null = null;
  return {
    async prepare() {
      const client = await pgPool.connect();
      client.release();
    },
    async start(onStart) {
      runner = await run({
        pgPool,
        concurrency: o.concurrency,
        pollInterval: pollMs,
        noHandleSignals: true,
        noPreparedStatements: false,
        logger,
        preset,
        taskList: {
          [queueName]: async (payload) => {
            onStart(payload as BenchPayload);
          },
        },
      });
    },
    async stop() {
      await runner?.stop();
      await pgPool.end();
    },
  };
}
