/**
 * @module
 * The change feed on SQLite (the store's `changes` part): there is no push between processes, so
 * watchers read `states` of every watched job in one statement, when the WAL watcher reports
 * another connection's commit and on a slow timer; this process's own changes arrive as events.
 */
import type { ChangesPart, JobState } from '../contract.js';

import type { SqliteAccess } from './parts.js';

const states = `SELECT id, status, attempts, progress FROM spool_jobs WHERE id IN (SELECT value FROM json_each(?))`;

export function sqliteChanges(access: SqliteAccess): ChangesPart {
  let statement: ReturnType<SqliteAccess['db']['prepare']> | null = null;
  return {
    pushes: false,
    async watch() {},
    states: (ids) =>
      access.guard(() =>
        ((statement ??= access.db.prepare(states)).all(JSON.stringify(ids.map(Number).filter(Number.isSafeInteger))) as JobState[]).map(
          (row) => ({
            ...row,
            id: String(row.id),
          }),
        ),
      ),
  };
}
