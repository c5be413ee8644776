/**
 * @module
 * The change feed on PostgreSQL (the store's `changes` part): a watched job's status and progress
 * changes are NOTIFYed by a trigger, from whichever process makes them (see the migration), and
 * arrive through the LISTEN connection as `onChange`.
 */
import type pg from 'pg';
import type { ChangesPart, JobState } from '../contract.js';

const idPattern = /^\d{1,19}$/;

export function postgresChanges(schema: string, pool: pg.Pool, toStoreError: (err: unknown) => unknown): ChangesPart {
  const run = async <T>(text: string, values: unknown[]): Promise<T[]> =>
    (await pool.query({ text, values }).catch((err: unknown) => Promise.reject(toStoreError(err)))).rows as T[];
  const jobs = `"${schema}".jobs`;
  // Only rows not yet marked: a job watched by many streams is written once.
  const watch = `UPDATE ${jobs} SET watched = true WHERE id = ANY($1::bigint[]) AND NOT watched`;
  const states = `SELECT id, status, attempts, progress::text AS progress FROM ${jobs} WHERE id = ANY($1::bigint[])`;
  const valid = (ids: readonly string[]) => ids.filter((id) => idPattern.test(id));
  return {
    pushes: true,
    async watch(ids) {
      const marked = valid(ids);
      if (marked.length > 0) await run(watch, [marked]);
    },
    async states(ids) {
      const wanted = valid(ids);
      if (wanted.length === 0) return [];
      const rows = await run<{ id: string; status: JobState['status']; attempts: number; progress: string | null }>(states, [wanted]);
      return rows.map((row) => ({ id: String(row.id), status: row.status, attempts: row.attempts, progress: row.progress }));
    },
  };
}
