/**
 * @module
 * The PostgreSQL store's optional parts: statistics for the dashboard's charts, and queues as rows.
 */
import type { BacklogPoint, QueueRecord, QueuesPart, StatsPart, ThroughputPoint } from '../contract.js';
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
  };
}

interface QueueRow {
  name: string;
  created_at: string | number;
  paused: boolean;
}

function toQueueRecord(row: QueueRow): QueueRecord {
  return { name: row.name, createdAt: Number(row.created_at), paused: row.paused === true };
}

export function postgresQueues(run: Run, ensure: (names: readonly string[]) => Promise<void>): QueuesPart {
  return {
    list: async () => (await run<QueueRow>('listQueues', [])).map(toQueueRecord),
    async get(name) {
      const [row] = await run<QueueRow>('getQueue', [name]);
      return row ? toQueueRecord(row) : null;
    },
    ensure,
  };
}
