/**
 * @module
 * The ceiling: the claim-and-complete pattern as plain SQL through `pg`, no queue library.
 * Claim a batch with FOR UPDATE SKIP LOCKED, call the handler, complete the batch in one UPDATE.
 */
import pg from 'pg';
import { pgPoolSize, pgUrl, queueName } from '../config.js';
import { recreateDatabase } from '../pg-admin.js';
import type { BenchPayload, SystemAdapter, SystemModule, WorkerAdapter, WorkerOptions } from '../types.js';
import { sleep } from '../util.js';

const database = 'bench_raw';

const schema = `
  CREATE TABLE jobs (
    id bigserial PRIMARY KEY,
    queue text NOT NULL,
    payload jsonb NOT NULL,
    status smallint NOT NULL DEFAULT 0, -- 0 waiting, 1 active, 2 completed
    run_at timestamptz NOT NULL DEFAULT now(),
    locked_at timestamptz,
    attempts int NOT NULL DEFAULT 0
  );
  CREATE INDEX jobs_claim ON jobs (queue, run_at, id) WHERE status = 0;`;

const claimSql = `
  UPDATE jobs SET status = 1, locked_at = now(), attempts = attempts + 1
  WHERE id IN (
    SELECT id FROM jobs WHERE status = 0 AND queue = $1 AND run_at <= now()
    ORDER BY run_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)
  RETURNING id, payload`;

const completeSql = 'UPDATE jobs SET status = 2, locked_at = NULL WHERE id = ANY($1::bigint[])';

export const system: SystemModule = {
  settings: (o) =>
    `pg Pool (${o.loops ?? 1} connections, one claim loop each), batch ${o.batchSize ?? 1}; claim = UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED LIMIT n), complete = UPDATE … WHERE id = ANY($1)`,
  createAdapter,
  createWorker,
};

function createAdapter(): SystemAdapter {
  let pool: pg.Pool | null = null;
  const db = (): pg.Pool => {
    pool ??= new pg.Pool({ connectionString: pgUrl(database), max: 2 });
    return pool;
  };
  return {
    async setup() {
      await pool?.end();
      pool = null;
      await recreateDatabase(database);
      await db().query(schema);
    },
    async enqueueBatch(payloads) {
      await db().query('INSERT INTO jobs (queue, payload) SELECT $1, p FROM unnest($2::jsonb[]) AS p', [
        queueName,
        payloads.map((p) => JSON.stringify(p)),
      ]);
    },
    async enqueueOne(payload) {
      await db().query('INSERT INTO jobs (queue, payload) VALUES ($1, $2)', [queueName, JSON.stringify(payload)]);
    },
    async countUnfinished() {
      const { rows } = await db().query('SELECT count(*)::int AS n FROM jobs WHERE status < 2');
      return rows[0].n as number;
    },
    async teardown() {
      await pool?.end();
      pool = null;
    },
  };
}

function createWorker(options: WorkerOptions): WorkerAdapter {
  const loops = options.loops ?? 1;
  const batchSize = options.batchSize ?? 1;
  const pool = new pg.Pool({ connectionString: pgUrl(database), max: Math.min(loops, pgPoolSize * 2) });
  let stopping = false;
  const running: Promise<void>[] = [];

  async function loop(onStart: (payload: BenchPayload) => void): Promise<void> {
    const client = await pool.connect();
    try {
      while (!stopping) {
        const { rows } = await client.query(claimSql, [queueName, batchSize]);
        if (rows.length === 0) {
          await sleep(5);
          continue;
        }
        for (const row of rows) onStart(row.payload as BenchPayload);
        await client.query(completeSql, [rows.map((r) => r.id)]);
      }
    } finally {
      client.release();
    }
  }

  return {
    async prepare() {
      const client = await pool.connect();
      client.release();
    },
    async start(onStart) {
      for (let i = 0; i < loops; i++) running.push(loop(onStart));
    },
    async stop() {
      stopping = true;
      await Promise.allSettled(running);
      await pool.end();
    },
  };
}
