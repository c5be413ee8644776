/**
 * @module
 * Durable workflows on PostgreSQL (the store's `steps` part): steps, children and suspensions.
 * A step's write locks its job's row (FOR SHARE) and checks the lease token in the same
 * statement, so a worker whose lease was taken cannot record a step, even mid-claim. Children
 * finishing lower the parent's counter under its row lock (a trigger), and a suspension reads
 * that counter under the same lock, so no finish can fall between the two.
 */
import type pg from 'pg';
import type { NewJob } from '../../core/types.js';
import type { ChildState, StepWrite, StepsPart } from '../contract-steps.js';
import type { EnqueueResult, Fence, Transaction } from '../contract.js';
import { lastErrorMessage, toStepRecord } from '../sqlite/steps.js';
import { toStoreError } from './connection-errors.js';

export interface PostgresStepsAccess {
  pool: pg.Pool;
  schema: string;
  where: string;
  now(): number | null;
  wake(queues: readonly string[]): void;
  enqueue(jobs: readonly NewJob[], tx: Transaction): Promise<EnqueueResult[]>;
}

const nowOf = (n: number) => `coalesce($${n}::bigint, (extract(epoch from now()) * 1000)::bigint)`;

function stepsStatements(schema: string) {
  const jobs = `"${schema}".jobs`;
  const steps = `"${schema}".steps`;
  return {
    list: `SELECT * FROM ${steps} WHERE job_id = $1 ORDER BY ord`,
    /** $1 job, $2 token, $3 now, then the step (see stepValues); no row when the token no longer holds. */
    record: `
      WITH j AS (
        SELECT id, ${nowOf(3)} AS now FROM ${jobs}
        WHERE id = $1 AND lease_token = $2 AND status IN ('active', 'waiting', 'failed') FOR SHARE
      )
      INSERT INTO ${steps} (job_id, name, seq, kind, status, result, error, attempts, started_at, finished_at, until_at, detail, wait_topic, updated_at)
      SELECT coalesce($15::bigint, j.id), $4, $5, $6, $7, $8::json, $9::json, $10, j.now - $11::bigint, CASE WHEN $7 IN ('completed', 'failed') THEN j.now END,
             j.now + $12::bigint, $13::json, $14, j.now
      FROM j
      ON CONFLICT (job_id, name) DO UPDATE SET seq = excluded.seq, kind = excluded.kind, status = excluded.status,
        result = excluded.result, error = excluded.error, attempts = excluded.attempts, finished_at = excluded.finished_at,
        until_at = excluded.until_at, detail = excluded.detail, wait_topic = excluded.wait_topic, updated_at = excluded.updated_at
      RETURNING until_at, updated_at`,
    /** $1 parent, $2 token: the fence of a spawn, holding the parent's row until the transaction ends. */
    lockParent: `SELECT id FROM ${jobs} WHERE id = $1 AND lease_token = $2 AND status IN ('active', 'waiting', 'failed') FOR UPDATE`,
    /** $1 parent, $2 children, $3 how many were created now. */
    adopt: `
      WITH adopted AS (UPDATE ${jobs} SET parent_id = $1 WHERE id = ANY($2::bigint[]) RETURNING id)
      UPDATE ${jobs} SET pending_children = pending_children + $3 WHERE id = $1`,
    children: 'SELECT id, status, result, errors FROM ' + jobs + ' WHERE id = ANY($1::bigint[])',
    /** $1 ids, $2 tokens, $3 delays, $4 wake on, $5 now. */
    suspend: `
      UPDATE ${jobs} j SET status = 'waiting', attempts = j.attempts - 1, updated_at = ${nowOf(5)}, started_at = NULL,
        run_at = CASE WHEN j.woken OR (s.wake <> 'time' AND j.pending_children = 0) OR (s.wake = 'children-fail-fast' AND j.failed_children > 0)
                      THEN ${nowOf(5)} ELSE ${nowOf(5)} + s.delay END,
        woken = false, lease_token = NULL, lease_expires_at = NULL, worker_id = NULL
      FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[]) AS s(id, token, delay, wake)
      WHERE j.id = s.id AND j.lease_token = s.token AND j.status = 'active'
      RETURNING j.id, j.queue`,
  };
}

function stepValues(fence: Fence, now: number | null, step: StepWrite): unknown[] {
  return [
    fence.id,
    fence.token,
    now,
    step.name,
    step.seq,
    step.kind,
    step.status,
    step.result,
    step.error === null ? null : JSON.stringify(step.error),
    step.attempts,
    Math.max(0, Math.round(step.durationMs)),
    step.untilInMs,
    step.detail,
    step.waitTopic ?? null,
    step.owner ?? null,
  ];
}

export function postgresSteps(access: PostgresStepsAccess): StepsPart {
  const statements = stepsStatements(access.schema);
  type Name = keyof typeof statements;
  const run = async <T>(client: pg.Pool | pg.PoolClient, name: Name, values: unknown[]): Promise<T[]> => {
    try {
      return (await client.query({ name: `${access.schema}.steps.${name}`, text: statements[name], values })).rows as T[];
    } catch (err) {
      throw toStoreError(err, access.where);
    }
  };
  return {
    async list(jobId) {
      if (!/^\d{1,19}$/.test(jobId)) return [];
      return (await run<Parameters<typeof toStepRecord>[0]>(access.pool, 'list', [jobId])).map(toStepRecord);
    },

    async record(fence, step) {
      const [row] = await run<{ until_at: string | null; updated_at: string }>(
        access.pool,
        'record',
        stepValues(fence, access.now(), step),
      );
      return row ? { at: Number(row.updated_at), until: row.until_at === null ? null : Number(row.until_at) } : null;
    },

    async spawn(fence, step, children) {
      const client = await access.pool.connect().catch((err: unknown) => {
        throw toStoreError(err, access.where);
      });
      try {
        await client.query('BEGIN');
        const held = await run(client, 'lockParent', [fence.id, fence.token]);
        if (held.length === 0) {
          await client.query('ROLLBACK');
          return null;
        }
        const results = await access.enqueue(children, client);
        const ids = results.map((result) => result.id);
        await run(client, 'adopt', [fence.id, ids, results.filter((result) => result.created).length]);
        const detail = JSON.stringify({ ...(step.detail ? JSON.parse(step.detail) : {}), children: ids });
        const [row] = await run<{ updated_at: string }>(client, 'record', stepValues(fence, access.now(), { ...step, detail }));
        await client.query('COMMIT');
        return { at: Number(row?.updated_at), ids };
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw toStoreError(err, access.where);
      } finally {
        client.release();
      }
    },

    async children(ids) {
      const rows = await run<{ id: string; status: ChildState['status']; result: unknown; errors: unknown }>(access.pool, 'children', [
        ids,
      ]);
      const byId = new Map(rows.map((row) => [String(row.id), row]));
      return ids.map((id): ChildState => {
        const row = byId.get(id);
        if (!row) return { id, status: 'cancelled', result: null, error: `Child job ${id} no longer exists (it was deleted).` };
        // JSON arrives as text (the store skips the driver's parsing), like every job column.
        const result = typeof row.result === 'string' ? JSON.parse(row.result) : (row.result ?? null);
        return { id, status: row.status, result, error: lastErrorMessage(row.errors) };
      });
    },

    async suspend(items) {
      if (items.length === 0) return [];
      const rows = await run<{ id: string; queue: string }>(access.pool, 'suspend', [
        items.map((i) => i.id),
        items.map((i) => i.token),
        items.map((i) => i.delayMs),
        items.map((i) => i.wakeOn),
        access.now(),
      ]);
      access.wake(rows.map((row) => row.queue));
      return rows.map((row) => String(row.id));
    },
  };
}
