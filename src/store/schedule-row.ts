/**
 * @module
 * A schedule's row as both stores return it (SQLite keeps JSON as text, PostgreSQL as json, and
 * bigints come back as strings), turned into a ScheduleRecord.
 */
import type { Json } from '../core/types.js';
import type { MissedPolicy, ScheduleRecord } from './contract-schedules.js';

export interface ScheduleRow {
  name: string;
  cron: string;
  timezone: string | null;
  queue: string;
  job_name: string;
  payload: string | Json;
  options: string | Record<string, Json>;
  missed: string | MissedPolicy;
  next_run_at: number | string | null;
  last_run_at: number | string | null;
  created_at: number | string;
  updated_at: number | string;
}

const parsed = <T>(value: unknown): T => (typeof value === 'string' ? JSON.parse(value) : value) as T;
const epoch = (value: number | string | null): number | null => (value === null ? null : Number(value));

export function toScheduleRecord(row: ScheduleRow): ScheduleRecord {
  return {
    name: row.name,
    cron: row.cron,
    timezone: row.timezone,
    queue: row.queue,
    jobName: row.job_name,
    payload: parsed<Json>(row.payload),
    options: parsed<Record<string, Json>>(row.options),
    missed: parsed<MissedPolicy>(row.missed),
    nextRunAt: epoch(row.next_run_at),
    lastRunAt: epoch(row.last_run_at),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}
