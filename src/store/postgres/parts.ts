/**
 * @module
 * The PostgreSQL store's optional parts: statistics for the dashboard's charts, and queues as rows.
 */
import type { QueuePolicy } from '../../core/flow.js';
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
