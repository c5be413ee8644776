/**
 * @module
 * The PostgreSQL store's optional parts: statistics for the dashboard's charts, queues as rows,
 * and the registry of running workers.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type pg from 'pg';
import type { QueuePolicy } from '../../core/flow.js';
import type { JobStatus } from '../../core/types.js';
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
import { workerLostTexts } from '../row.js';
import type { StatementName } from './statements.js';

type Run = <T>(name: StatementName, values: unknown[]) => Promise<T[]>;

export function postgresStats(run: Run, now: () => number | null): StatsPart {
  return {
    async throughput(windowMs, bucketMs): Promise<ThroughputPoint[]> {
      const rows = await run<{ at: string; queue: string; completed: number; failed: number }>('throughput', [bucketMs, windowMs, now()]);
      return rows.map((row) => ({ ...row, at: Number(row.at) }));
    },
    async recordBacklog(counts, keepMs) {
      const queues = Object.keys(counts);
      await run('recordBacklog', [
        now(),
        queues,
        queues.map((q) => counts[q]?.waiting ?? 0),
        queues.map((q) => counts[q]?.active ?? 0),
        keepMs,
      ]);
    },
    async backlog(windowMs): Promise<BacklogPoint[]> {
      const rows = await run<{ at: string; queue: string; waiting: number; active: number }>('backlog', [windowMs, now()]);
      return rows.map((row) => ({ ...row, at: Number(row.at) }));
    },
    async oldestWaiting() {
      const rows = await run<{ queue: string; age: string | null }>('oldestWaiting', [now()]);
      return rows.map((row) => ({ queue: row.queue, ageMs: Number(row.age ?? 0) }));
    },
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

export function postgresQueues(run: Run, ensure: (names: readonly string[]) => Promise<void>, now: () => number | null): QueuesPart {
  return {
    async position(id, windowMs) {
      if (!/^\d{1,19}$/.test(id)) return null;
      const [row] = await run<{ queue: string; at: string; ahead: string; drained: string }>('position', [id, windowMs, now()]);
      return row ? { queue: row.queue, ahead: Number(row.ahead), drained: Number(row.drained), at: Number(row.at) } : null;
    },
    list: async () => (await run<QueueRow>('listQueues', [])).map(toQueueRecord),
    async get(name) {
      const [row] = await run<QueueRow>('getQueue', [name]);
      return row ? toQueueRecord(row) : null;
    },
    ensure,
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
  started_at: string | number;
  heartbeat_at: string | number;
  session_alive: boolean | null;
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
    startedAt: Number(row.started_at),
    heartbeatAt: Number(row.heartbeat_at),
    sessionAlive: row.session_alive,
  };
}

/** The registry, and the store's session: its rows carry its id, and its LISTEN connection holds the key's lock. */
export interface PostgresWorkersPart extends WorkersPart {
  /** Takes the session's advisory lock on `client`, for as long as that connection lives. */
  lockSession(client: pg.Client): Promise<void>;
}

export function postgresWorkers(
  run: Run,
  now: () => number | null,
  sql: { sessionLock: string; sessionKeyed: string },
): PostgresWorkersPart {
  const session = { id: `pg-${process.pid}-${randomBytes(4).toString('hex')}`, key: randomInt(1, 2 ** 31 - 1) };
  // Rows carry the key only once the lock is held: a rescuer takes a key without its lock for a dead session.
  let locked = false;
  return {
    session: session.id,
    async lockSession(client) {
      const { rows } = await client.query<{ locked: boolean }>(sql.sessionLock, [session.key]);
      // Not granted (the previous connection's backend still holds it): beats stop carrying the
      // key, so this live session is judged by its lease alone rather than taken for dead later.
      locked = rows[0]?.locked === true;
      if (!locked) return;
      // Rows beaten before the lock was held carry no key yet.
      await client.query(sql.sessionKeyed, [session.key, session.id]);
    },
    async beat(proc, workers, staleMs) {
      const keyed = locked;
      await run('workersBeat', [
        workers.map((w) => w.id),
        workers.map((w) => w.queue),
        workers.map((w) => (w.names === null ? null : JSON.stringify(w.names))),
        workers.map((w) => w.concurrency),
        workers.map((w) => w.inFlight),
        session.id,
        keyed ? session.key : null,
        proc.host,
        proc.pid,
        proc.version,
        staleMs,
        now(),
      ]);
      // The lock was taken while this beat was on its way: its rows may have landed after lockSession keyed them.
      if (!keyed && locked) await run('sessionKeyed', [session.key, session.id]);
    },
    async remove(ids) {
      if (ids.length > 0) await run('workersRemove', [ids]);
    },
    list: async (staleMs, queue) => (await run<WorkerRow>('workersList', [staleMs, queue ?? null, now()])).map(toWorkerRecord),
    async waitingNames(queue, handled, limit) {
      return (await run<{ name: string }>('waitingNames', [queue, handled, limit])).map((row) => row.name);
    },
    async rescueOrphans() {
      return (await run('rescueOrphans', [now(), session.id, ...workerLostTexts])).length;
    },
  };
}

/** Deletes one job in a final status; its status and whether it was deleted, or null if absent. */
export async function deleteFinished(run: Run, id: string): Promise<{ status: JobStatus; deleted: boolean } | null> {
  const [row] = await run<{ status: JobStatus | null; deleted: boolean }>('deleteFinished', [id]);
  return row?.status ? { status: row.status, deleted: row.deleted } : null;
}

/** Groups: a group's jobs per status on jobs_group. */
export function postgresGroups({ run, now }: { run: Run; now: () => number | null }): GroupsPart {
  return {
    async counts(id, windowMs) {
      const rows = await run<{ status: JobStatus; n: number; recent: number; at: string }>('groupCounts', [id, windowMs, now()]);
      const at = rows[0]?.at ?? (await run<{ at: string }>('readNow', [now()]))[0]?.at;
      return {
        counts: Object.fromEntries(rows.map((r) => [r.status, r.n])),
        recent: rows.reduce((sum, r) => sum + r.recent, 0),
        at: Number(at),
      };
    },
  };
}
