/**
 * @module
 * Durable workflows on SQLite (the store's `steps` part): steps, children and suspensions. Each
 * write checks the lease token inside one IMMEDIATE transaction, and SQLite has one writer at a
 * time, so the check and the write cannot be split by another worker.
 */
import type Database from 'better-sqlite3';
import type { JobStatus, NewJob } from '../../core/types.js';
import type { ChildState, StepError, StepRecord, StepWrite, StepsPart } from '../contract-steps.js';
import type { Fence } from '../contract.js';
import { numbered } from './binding.js';
import { prepareInsert } from './insert.js';

type Db = Database.Database;

export interface SqliteStepsAccess {
  db: Db;
  prepare(text: string): Database.Statement;
  now(): number;
  guard<T>(operation: () => T): Promise<T>;
  wake(queue: string): void;
  ensureQueues(db: Db, names: readonly string[]): void;
}

/** The fence every write checks: the token holds (as for a completion: until another worker claims the job). */
const holds = `SELECT 1 FROM spool_jobs WHERE id = ?1 AND lease_token = ?2 AND status IN ('active', 'waiting', 'failed')`;

const statements = {
  holds,
  list: 'SELECT * FROM spool_steps WHERE job_id = ? ORDER BY rowid',
  /** ?1 job, ?2 token, ?3 now, then the step (see stepParams); nothing when the token no longer holds. */
  record: `
    INSERT INTO spool_steps (job_id, name, seq, kind, status, result, error, attempts, started_at, finished_at, until_at, detail, wait_topic, updated_at)
    SELECT coalesce(?15, ?1), ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?3 - ?11, CASE WHEN ?7 IN ('completed', 'failed') THEN ?3 END, ?3 + ?12, ?13, ?14, ?3
    WHERE EXISTS (${holds})
    ON CONFLICT (job_id, name) DO UPDATE SET seq = excluded.seq, kind = excluded.kind, status = excluded.status, result = excluded.result,
      error = excluded.error, attempts = excluded.attempts, finished_at = excluded.finished_at, until_at = excluded.until_at,
      detail = excluded.detail, wait_topic = excluded.wait_topic, updated_at = excluded.updated_at
    RETURNING until_at`,
  adopt: 'UPDATE spool_jobs SET parent_id = ?1 WHERE id = ?2',
  countChildren: 'UPDATE spool_jobs SET pending_children = pending_children + ?2 WHERE id = ?1',
  child: 'SELECT id, status, result, errors FROM spool_jobs WHERE id = ?',
  /** ?1 now, ?2 delay, ?3 wake on, ?4 id, ?5 token. */
  suspend: `
    UPDATE spool_jobs SET status = 'waiting', attempts = attempts - 1, updated_at = ?1, started_at = NULL,
      run_at = CASE WHEN woken OR (?3 <> 'time' AND pending_children = 0) OR (?3 = 'children-fail-fast' AND failed_children > 0)
                    THEN ?1 ELSE ?1 + ?2 END,
      woken = 0, lease_token = NULL, lease_expires_at = NULL, worker_id = NULL
    WHERE id = ?4 AND lease_token = ?5 AND status = 'active' RETURNING queue`,
} as const;

interface StepRow {
  job_id: number;
  name: string;
  seq: number | null;
  kind: StepRecord['kind'];
  status: StepRecord['status'];
  result: string | null;
  error: string | null;
  attempts: number;
  started_at: number;
  finished_at: number | null;
  until_at: number | null;
  detail: string | null;
}

export function toStepRecord(row: StepRow): StepRecord {
  const parse = (value: unknown) => (value === null || value === undefined ? null : typeof value === 'string' ? JSON.parse(value) : value);
  return {
    jobId: String(row.job_id),
    name: row.name,
    seq: row.seq === null ? null : Number(row.seq),
    kind: row.kind,
    status: row.status,
    result: parse(row.result),
    error: parse(row.error) as StepError | null,
    attempts: Number(row.attempts),
    startedAt: Number(row.started_at),
    finishedAt: row.finished_at === null ? null : Number(row.finished_at),
    until: row.until_at === null ? null : Number(row.until_at),
    detail: parse(row.detail),
  };
}

export function stepParams(fence: Fence, now: number, step: StepWrite): unknown[] {
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

/** The last error's message in a job's `errors` JSON, or null. */
export function lastErrorMessage(errors: unknown): string | null {
  const list = (typeof errors === 'string' ? JSON.parse(errors) : errors) as { message?: string }[] | null;
  return list && list.length > 0 ? (list[list.length - 1]?.message ?? null) : null;
}

export function sqliteSteps(access: SqliteStepsAccess): StepsPart {
  const { db, prepare, now, guard, wake } = access;
  const sql = (name: keyof typeof statements) => prepare(statements[name]);
  const recordOne = (fence: Fence, step: StepWrite, at: number): { until_at: number | null } | null =>
    (sql('record').get(numbered(...stepParams(fence, at, step))) as { until_at: number | null } | undefined) ?? null;
  return {
    list: (jobId) => guard(() => (/^\d{1,19}$/.test(jobId) ? (sql('list').all(jobId) as StepRow[]).map(toStepRecord) : [])),

    record(fence, step) {
      const at = now();
      return guard(() => {
        const row = recordOne(fence, step, at);
        return row ? { at, until: row.until_at } : null;
      });
    },

    async spawn(fence, step, children: readonly NewJob[]) {
      const at = now();
      const { results, insertAll } = prepareInsert(db, null, children, at, () =>
        access.ensureQueues(
          db,
          children.map((child) => child.queue),
        ),
      );
      const write = db.transaction(() => {
        if (sql('holds').get(numbered(fence.id, fence.token)) === undefined) return false;
        insertAll();
        const ids = results.map((result) => result.id);
        for (const id of ids) sql('adopt').run(numbered(fence.id, id));
        sql('countChildren').run(numbered(fence.id, results.filter((result) => result.created).length));
        const detail = JSON.stringify({ ...(step.detail ? JSON.parse(step.detail) : {}), children: ids });
        recordOne(fence, { ...step, detail }, at);
        return true;
      });
      const written = await guard(() => write.immediate());
      if (!written) return null;
      for (const queue of new Set(children.map((child) => child.queue))) wake(queue);
      return { at, ids: results.map((result) => result.id) };
    },

    children: (ids) =>
      guard(() =>
        ids.map((id): ChildState => {
          const row = sql('child').get(id) as { id: number; status: JobStatus; result: string | null; errors: string } | undefined;
          if (!row) return { id, status: 'cancelled', result: null, error: `Child job ${id} no longer exists (it was deleted).` };
          return {
            id: String(row.id),
            status: row.status,
            result: row.result === null ? null : JSON.parse(row.result),
            error: lastErrorMessage(row.errors),
          };
        }),
      ),

    async suspend(items) {
      const at = now();
      const queues = new Set<string>();
      const done: string[] = [];
      const write = db.transaction(() => {
        for (const item of items) {
          const row = sql('suspend').get(numbered(at, item.delayMs, item.wakeOn, item.id, item.token)) as { queue: string } | undefined;
          if (!row) continue;
          done.push(item.id);
          queues.add(row.queue);
        }
      });
      await guard(() => write.immediate());
      for (const queue of queues) wake(queue);
      return done;
    },
  };
}
