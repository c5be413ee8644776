/**
 * @module
 * The SQLite store's optional parts: statistics for the dashboard's charts, and queues as rows.
 */
import type Database from 'better-sqlite3';
import type { QueuePolicy } from '../../core/flow.js';
import type { BacklogPoint, QueueRecord, QueuesPart, StatsPart, ThroughputPoint } from '../contract.js';
import type { SqliteStatementName } from './statements.js';

/** What the parts need from the store: its connection, its statements, its clock and its error guard. */
export interface SqliteAccess {
  db: Database.Database;
  sql(name: SqliteStatementName): Database.Statement;
  now(): number;
  guard<T>(operation: () => T): Promise<T>;
}

export function sqliteStats({ db, sql, now, guard }: SqliteAccess): StatsPart {
  return {
    throughput: (windowMs, bucketMs) =>
      guard(() => {
        const since = Math.floor((now() - windowMs) / bucketMs) * bucketMs;
        return sql('throughput').all({ 1: bucketMs, 2: since }) as ThroughputPoint[];
      }),
    recordBacklog: (counts, keepMs) =>
      guard(() => {
        const insert = sql('recordBacklog');
        const forget = sql('forgetBacklog');
        const at = now();
        db.transaction(() => {
          for (const [queue, byStatus] of Object.entries(counts)) insert.run(at, queue, byStatus.waiting, byStatus.active);
          forget.run(at - keepMs);
        }).immediate();
      }),
    backlog: (windowMs) => guard(() => sql('backlog').all(now() - windowMs) as BacklogPoint[]),
  };
}

interface QueueRow {
  name: string;
  created_at: string | number;
  paused: boolean | number;
  refuse_when_paused: boolean | number;
  max_depth: number | null;
  policy: string | Record<string, unknown>;
  guarded: boolean | number;
}

export function toQueueRecord(row: QueueRow): QueueRecord {
  return {
    name: row.name,
    createdAt: Number(row.created_at),
    paused: Boolean(row.paused),
    refuseWhenPaused: Boolean(row.refuse_when_paused),
    maxDepth: row.max_depth === null ? null : Number(row.max_depth),
    policy: (typeof row.policy === 'string' ? JSON.parse(row.policy) : row.policy) as QueuePolicy,
    guarded: Boolean(row.guarded),
  };
}

export function sqliteQueues(
  { db, sql, guard }: SqliteAccess,
  ensure: (db: Database.Database, names: readonly string[]) => void,
): QueuesPart {
  return {
    list: () => guard(() => (sql('listQueues').all() as QueueRow[]).map(toQueueRecord)),
    get: (name) =>
      guard(() => {
        const row = sql('getQueue').get(name) as QueueRow | undefined;
        return row ? toQueueRecord(row) : null;
      }),
    ensure: (names) => guard(() => ensure(db, names)),
  };
}
