/**
 * @module
 * Cron schedules on PostgreSQL (the store's `schedules` part): rows, and the compare-and-set that
 * moves a schedule's next tick (see contract-schedules.ts). Time is the database's unless a test
 * clock is given.
 */
import type pg from 'pg';
import type { SchedulesPart } from '../contract.js';
import { type ScheduleRow, toScheduleRecord } from '../schedule-row.js';
import { toStoreError } from './connection-errors.js';

export interface PostgresSchedulesAccess {
  pool: pg.Pool;
  schema: string;
  where: string;
  now(): number | null;
}

const nowSql = (n: number) => `coalesce($${n}::bigint, (extract(epoch from now()) * 1000)::bigint)`;

function schedulesStatements(s: string) {
  const table = `"${s}".schedules`;
  return {
    /** $1 name … $8 missed, $9 now. The next tick is kept unless the cron or the time zone changed. */
    upsert: `
      INSERT INTO ${table} AS t (name, cron, timezone, queue, job_name, payload, options, missed, next_run_at, created_at, updated_at)
      VALUES ($1, $2, $3, $4, $5, $6::json, $7::json, $8::json, NULL, ${nowSql(9)}, ${nowSql(9)})
      ON CONFLICT (name) DO UPDATE SET
        next_run_at = CASE WHEN t.cron = excluded.cron AND t.timezone IS NOT DISTINCT FROM excluded.timezone THEN t.next_run_at END,
        cron = excluded.cron, timezone = excluded.timezone, queue = excluded.queue, job_name = excluded.job_name,
        payload = excluded.payload, options = excluded.options, missed = excluded.missed, updated_at = excluded.updated_at
      RETURNING *`,
    get: `SELECT * FROM ${table} WHERE name = $1`,
    list: `SELECT * FROM ${table} ORDER BY name`,
    remove: `DELETE FROM ${table} WHERE name = $1`,
    /** $1 now. The time comes back with the rows, so the ticker reads the clock the store keeps. */
    due: `
      SELECT ${nowSql(1)} AS read_at, * FROM ${table} WHERE next_run_at IS NULL OR next_run_at <= ${nowSql(1)} ORDER BY name`,
    /** $1 name, $2 from, $3 to, $4 last run or null, $5 now. */
    advance: `
      UPDATE ${table} SET next_run_at = $3, last_run_at = coalesce($4, last_run_at), updated_at = ${nowSql(5)}
      WHERE name = $1 AND next_run_at IS NOT DISTINCT FROM $2::bigint`,
    readNow: `SELECT ${nowSql(1)} AS read_at`,
  } as const;
}

/** `connect` is called on first use: the store builds this part before its connection's details are set. */
export function postgresSchedules(connect: () => PostgresSchedulesAccess): SchedulesPart {
  let ready: { access: PostgresSchedulesAccess; statements: ReturnType<typeof schedulesStatements> } | null = null;
  const exec = async (name: keyof ReturnType<typeof schedulesStatements>, values: unknown[]) => {
    ready ??= { access: connect(), statements: schedulesStatements(connect().schema) };
    const { access, statements } = ready;
    try {
      return await access.pool.query({ name: `${access.schema}.schedules.${name}`, text: statements[name], values });
    } catch (err) {
      throw toStoreError(err, access.where);
    }
  };
  const now = () => (ready?.access ?? connect()).now();
  return {
    async upsert(d) {
      const { rows } = await exec('upsert', [
        d.name,
        d.cron,
        d.timezone,
        d.queue,
        d.jobName,
        JSON.stringify(d.payload),
        JSON.stringify(d.options),
        JSON.stringify(d.missed),
        now(),
      ]);
      return toScheduleRecord(rows[0] as ScheduleRow);
    },
    async get(name) {
      const { rows } = await exec('get', [name]);
      return rows[0] ? toScheduleRecord(rows[0] as ScheduleRow) : null;
    },
    list: async () => (await exec('list', [])).rows.map((row) => toScheduleRecord(row as ScheduleRow)),
    remove: async (name) => ((await exec('remove', [name])).rowCount ?? 0) > 0,
    async due() {
      const { rows } = await exec('due', [now()]);
      const readAt = rows[0]
        ? (rows[0] as { read_at: string }).read_at
        : ((await exec('readNow', [now()])).rows[0] as { read_at: string }).read_at;
      return { now: Number(readAt), schedules: rows.map((row) => toScheduleRecord(row as ScheduleRow)) };
    },
    advance: async (name, from, to, lastRunAt) => ((await exec('advance', [name, from, to, lastRunAt, now()])).rowCount ?? 0) > 0,
  };
}
