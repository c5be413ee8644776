/**
 * @module
 * The SQLite store's dead-worker check (one file, one machine): a worker whose process is gone
 * from this host (its pid missing, a zombie, or reused by a process that started later) gets its
 * active jobs taken back at once instead of when their leases expire. Rows from other hosts are
 * never judged: their processes cannot be seen from here.
 */
import { hostname } from 'node:os';
import type Database from 'better-sqlite3';
import { workerLostTexts } from '../row.js';
import { numbered } from './binding.js';
import { processGone } from './process-liveness.js';
import type { SqliteStatementName } from './statements.js';

/** What the check needs from the store (the parts' access, without importing them back). */
interface OrphanAccess {
  db: Database.Database;
  sql(name: SqliteStatementName): Database.Statement;
  now(): number;
  guard<T>(operation: () => T): Promise<T>;
}

interface SessionRow {
  session: string;
  host: string;
  pid: number;
  session_key: number | null;
}

/** Takes back the jobs of every dead session but `own`; wakes the queues they return to. Returns how many. */
export function rescueOrphans({ db, sql, now, guard }: OrphanAccess, own: string, wake: (queue: string) => void): Promise<number> {
  return guard(() => {
    const host = hostname();
    const sessions = sql('workerSessions').all({ 1: own }) as SessionRow[];
    const dead = sessions.filter((row) => row.host === host && processGone(row.pid, row.session_key)).map((row) => row.session);
    if (dead.length === 0) return 0;
    const queues: string[] = [];
    db.transaction(() => {
      const at = now();
      for (const session of dead) {
        const rows = sql('rescueOrphans').all(numbered(at, ...workerLostTexts, session)) as { queue: string }[];
        for (const row of rows) queues.push(row.queue);
        sql('workersForgetSession').run(session);
      }
    }).immediate();
    for (const queue of new Set(queues)) wake(queue);
    return queues.length;
  });
}
