/**
 * @module
 * Cron schedules on SQLite (the store's `schedules` part): rows, and the compare-and-set that
 * moves a schedule's next tick (see contract-schedules.ts).
 */
import type Database from 'better-sqlite3';
import type { SchedulesPart } from '../contract.js';
import { type ScheduleRow, toScheduleRecord } from '../schedule-row.js';

export interface SqliteSchedulesAccess {
  prepare(text: string): Database.Statement;
  now(): number;
  guard<T>(operation: () => T): Promise<T>;
}

const statements = {
  /** The next tick is kept unless the cron or the time zone changed. */
  upsert: `
    INSERT INTO spool_schedules (name, cron, timezone, queue, job_name, payload, options, missed, next_run_at, created_at, updated_at)
    VALUES (:name, :cron, :timezone, :queue, :jobName, :payload, :options, :missed, NULL, :now, :now)
    ON CONFLICT (name) DO UPDATE SET
      next_run_at = CASE WHEN spool_schedules.cron = excluded.cron AND spool_schedules.timezone IS excluded.timezone
                         THEN spool_schedules.next_run_at END,
      cron = excluded.cron, timezone = excluded.timezone, queue = excluded.queue, job_name = excluded.job_name,
      payload = excluded.payload, options = excluded.options, missed = excluded.missed, updated_at = excluded.updated_at
    RETURNING *`,
  get: 'SELECT * FROM spool_schedules WHERE name = ?',
  list: 'SELECT * FROM spool_schedules ORDER BY name',
  remove: 'DELETE FROM spool_schedules WHERE name = ?',
  due: 'SELECT * FROM spool_schedules WHERE next_run_at IS NULL OR next_run_at <= ? ORDER BY name',
  advance: `
    UPDATE spool_schedules SET next_run_at = :to, last_run_at = coalesce(:lastRunAt, last_run_at), updated_at = :now
    WHERE name = :name AND next_run_at IS :from`,
} as const;

export function sqliteSchedules({ prepare, now, guard }: SqliteSchedulesAccess): SchedulesPart {
  return {
    upsert: (d) =>
      guard(() =>
        toScheduleRecord(
          prepare(statements.upsert).get({
            name: d.name,
            cron: d.cron,
            timezone: d.timezone,
            queue: d.queue,
            jobName: d.jobName,
            payload: JSON.stringify(d.payload),
            options: JSON.stringify(d.options),
            missed: JSON.stringify(d.missed),
            now: now(),
          }) as ScheduleRow,
        ),
      ),
    get: (name) =>
      guard(() => {
        const row = prepare(statements.get).get(name) as ScheduleRow | undefined;
        return row ? toScheduleRecord(row) : null;
      }),
    list: () => guard(() => (prepare(statements.list).all() as ScheduleRow[]).map(toScheduleRecord)),
    remove: (name) => guard(() => prepare(statements.remove).run(name).changes > 0),
    due: () =>
      guard(() => {
        const at = now();
        return { now: at, schedules: (prepare(statements.due).all(at) as ScheduleRow[]).map(toScheduleRecord) };
      }),
    advance: (name, from, to, lastRunAt) =>
      guard(() => prepare(statements.advance).run({ name, from, to, lastRunAt, now: now() }).changes > 0),
  };
}
