/**
 * @module
 * The change feed on SQLite (the store's `changes` part): there is no push between processes, so
 * a watched job's changes go to a short log (`spool_job_changes`, written by a trigger, see the
 * migration) and a server's feed reads the entries after its last look, when the WAL watcher
 * reports another connection's commit and on a timer: one indexed read that finds nothing while
 * nothing changes, however many jobs are watched. This process's own changes also arrive as events.
 */
import type { ChangesPart, JobState } from '../contract.js';

import type { SqliteAccess } from './parts.js';

const statements = {
  states: 'SELECT id, status, attempts, progress FROM spool_jobs WHERE id IN (SELECT value FROM json_each(?))',
  // Only rows not yet marked: a job watched by many streams is written once.
  watch: 'UPDATE spool_jobs SET watched = 1 WHERE id IN (SELECT value FROM json_each(?)) AND watched = 0',
  position: 'SELECT coalesce(max(seq), 0) FROM spool_job_changes',
  since: 'SELECT seq, job_id AS id FROM spool_job_changes WHERE seq > ? ORDER BY seq',
} as const;

const idList = (ids: readonly string[]): string => JSON.stringify(ids.map(Number).filter(Number.isSafeInteger));

export function sqliteChanges(access: SqliteAccess): ChangesPart {
  const prepared = new Map<keyof typeof statements, ReturnType<SqliteAccess['db']['prepare']>>();
  const sql = (name: keyof typeof statements) => {
    let statement = prepared.get(name);
    if (!statement) prepared.set(name, (statement = access.db.prepare(statements[name])));
    return statement;
  };
  return {
    pushes: false,
    async watch(ids) {
      if (ids.length > 0) await access.guard(() => sql('watch').run(idList(ids)));
    },
    states: (ids) => access.guard(() => (sql('states').all(idList(ids)) as JobState[]).map((row) => ({ ...row, id: String(row.id) }))),
    since: (cursor) =>
      access.guard(() => {
        if (cursor === null) return { cursor: sql('position').pluck().get() as number, ids: [] };
        const rows = sql('since').all(cursor) as { seq: number; id: number }[];
        const last = rows.at(-1);
        if (!last) return { cursor, ids: [] };
        // The log keeps its last entries only: a first entry past the next one means some were dropped.
        const whole = (rows[0] as { seq: number }).seq === cursor + 1;
        return { cursor: last.seq, ids: whole ? [...new Set(rows.map((row) => String(row.id)))] : null };
      }),
  };
}
