/**
 * @module
 * The SQLite store's optional parts: statistics for the dashboard's charts, queues as rows, and
 * the registry of running workers.
 */
import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { JobStatus } from '../../core/types.js';
import type { QueuePolicy } from '../../core/flow.js';
import type {
  BacklogPoint,
  GroupsPart,
  QueueRecord,
  QueuesPart,
  StatsPart,
  ThroughputPoint,
  WorkerRecord,
  WorkersPart,
} from '../contract.js';
import { rescueOrphans } from './orphans.js';
import { ownProcessStart } from './process-liveness.js';
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
    oldestWaiting: () =>
      guard(() =>
        (sql('oldestWaiting').all({ 1: now() }) as { queue: string; age: number | null }[]).map((r) => ({
          queue: r.queue,
          ageMs: r.age ?? 0,
        })),
      ),
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
  { db, sql, now, guard }: SqliteAccess,
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
    position: (id, windowMs) =>
      guard(() => {
        if (!/^\d{1,19}$/.test(id)) return null;
        const at = now();
        const row = sql('position').get({ 1: id, 2: at - windowMs }) as { queue: string; ahead: number; drained: number } | undefined;
        return row ? { queue: row.queue, ahead: row.ahead, drained: row.drained, at } : null;
      }),
  };
}

interface WorkerRow {
  id: string;
  session: string;
  host: string;
  pid: number;
  version: string;
  queue: string;
  names: string | null;
  concurrency: number;
  in_flight: number;
  started_at: number;
  heartbeat_at: number;
}

function toWorkerRecord(row: WorkerRow): WorkerRecord {
  return {
    id: row.id,
    session: row.session,
    host: row.host,
    pid: row.pid,
    version: row.version,
    queue: row.queue,
    names: row.names === null ? null : (JSON.parse(row.names) as string[]),
    concurrency: row.concurrency,
    inFlight: row.in_flight,
    startedAt: row.started_at,
    heartbeatAt: row.heartbeat_at,
    // Liveness is judged from the pid on this host only (see orphans.ts); the registry does not say.
    sessionAlive: null,
  };
}

export function sqliteWorkers(access: SqliteAccess, wake: (queue: string) => void): WorkersPart {
  const { db, sql, now, guard } = access;
  const session = `sqlite-${process.pid}-${randomBytes(4).toString('hex')}`;
  const processStart = ownProcessStart();
  return {
    session,
    beat: (proc, workers, staleMs) =>
      guard(() => {
        const at = now();
        const upsert = sql('workerBeat');
        db.transaction(() => {
          for (const w of workers) {
            upsert.run({
              1: w.id,
              2: session,
              3: proc.host,
              4: proc.pid,
              5: proc.version,
              6: w.queue,
              7: w.names === null ? null : JSON.stringify(w.names),
              8: w.concurrency,
              9: w.inFlight,
              10: at,
              11: processStart,
            });
          }
          sql('workersExpire').run({ 1: at - staleMs });
        }).immediate();
      }),
    remove: (ids) =>
      guard(() => {
        const remove = sql('workerRemove');
        db.transaction(() => {
          for (const id of ids) remove.run(id);
        }).immediate();
      }),
    list: (staleMs, queue) =>
      guard(() => (sql('workersList').all({ 1: now() - staleMs, 2: queue ?? null }) as WorkerRow[]).map(toWorkerRecord)),
    waitingNames: (queue, handled, limit) =>
      guard(() =>
        (sql('waitingNames').all({ 1: queue, 2: JSON.stringify(handled), 3: limit }) as { name: string }[]).map((row) => row.name),
      ),
    rescueOrphans: () => rescueOrphans(access, session, wake),
  };
}

/** Deletes one job in a final status; its status and whether it was deleted, or null if absent. */
export function deleteFinished({ sql, guard }: SqliteAccess, id: string): Promise<{ status: JobStatus; deleted: boolean } | null> {
  return guard(() => {
    const row = sql('deleteFinished').get({ 1: id }) as { status: JobStatus } | undefined;
    const current = row ?? (sql('statusOf').get(id) as { status: JobStatus } | undefined);
    return current ? { status: current.status, deleted: row !== undefined } : null;
  });
}

/** Groups: a group's jobs per status on spool_jobs_group. */
export function sqliteGroups({ sql, now, guard }: SqliteAccess): GroupsPart {
  return {
    counts: (id, windowMs) =>
      guard(() => {
        const at = now();
        const rows = sql('groupCounts').all({ 1: id, 2: at - windowMs }) as { status: JobStatus; n: number; recent: number | null }[];
        return {
          counts: Object.fromEntries(rows.map((r) => [r.status, r.n])),
          recent: rows.reduce((sum, r) => sum + (r.recent ?? 0), 0),
          at,
        };
      }),
  };
}
