/**
 * @module
 * Enqueue on SQLite: one transaction of prepared inserts, on the store's connection or inside the
 * caller's own transaction (a savepoint there). A repeated idempotency key returns the job that
 * has it, from an earlier call or from an earlier input of the same batch.
 */
import type Database from 'better-sqlite3';
import type { Job, KeyedEnqueue, NewJob } from '../../core/types.js';
import type { EnqueueResult } from '../contract.js';
import { type QueueRoom, queueRefusal } from '../queue-room.js';
import { type JobRow, rowToJob } from '../row.js';
import { type SqliteStatementName, sqliteStatements } from './statements.js';

/**
 * Builds the insert transaction without running it, so the store can run it as IMMEDIATE on its
 * own connection or plainly inside a caller's transaction. `sql` is the store's statement cache,
 * or null on a caller's connection (statements are prepared per connection).
 */
export function prepareInsert(
  db: Database.Database,
  sql: ((name: SqliteStatementName) => Database.Statement) | null,
  jobs: readonly NewJob[],
  now: number,
  ensureQueues: () => void,
): { results: EnqueueResult[]; insertAll: Database.Transaction<() => void> } {
  const insert = sql ? sql('insert') : db.prepare(sqliteStatements.insert);
  const existing = sql ? sql('existingByKey') : db.prepare(sqliteStatements.existingByKey);
  const results: EnqueueResult[] = [];
  const createdFrom = new Map<string, number>();
  const room = sql ? sql('queueRoom') : db.prepare(sqliteStatements.queueRoom);
  const prepared = (name: SqliteStatementName) => (sql ? sql(name) : db.prepare(sqliteStatements[name]));
  /** The job a keyed enqueue returns instead of inserting (a debounced one with the newest payload), or null. */
  const findKeyed = (job: NewJob, at: number): Job | null => {
    const keyed = job.keyed as KeyedEnqueue;
    const row = prepared('findKeyed').get({
      queue: job.queue,
      key: `${keyed.mode}:${keyed.key}`,
      after: keyed.mode === 'dedupe' ? at - keyed.ttlMs : null,
      waitingOnly: keyed.mode === 'dedupe' ? 0 : 1,
    }) as JobRow | undefined;
    if (!row) return null;
    if (keyed.mode !== 'debounce') return rowToJob(row);
    const updated = prepared('debounce').get({
      id: row.id,
      payload: job.payload,
      runAt: keyed.maxWaitMs === null ? at + keyed.delayMs : Math.min(at + keyed.delayMs, Number(row.created_at) + keyed.maxWaitMs),
      now: at,
    }) as JobRow;
    return rowToJob(updated);
  };
  const insertAll = db.transaction(() => {
    ensureQueues();
    // Inside the write transaction, so the check and the insert cannot race (one writer at a time).
    const adding = new Map<string, number>();
    for (const job of jobs) adding.set(job.queue, (adding.get(job.queue) ?? 0) + 1);
    for (const [queue, count] of adding) {
      const limits = room.get({ 1: queue, 2: now }) as QueueRoom | undefined;
      if (
        limits &&
        ((limits.paused && limits.refuse_when_paused) || (limits.max_depth !== null && limits.waiting + count > limits.max_depth))
      ) {
        throw queueRefusal(queue, limits);
      }
    }
    jobs.forEach((job, index) => {
      if (job.keyed) {
        const found = findKeyed(job, now);
        if (found) {
          results.push({
            id: found.id,
            created: false,
            createdFrom: null,
            createdAt: found.createdAt,
            existing: found,
            replaced: job.keyed.mode === 'debounce',
          });
          return;
        }
      }
      const { changes, lastInsertRowid } = insert.run(
        job.queue,
        job.name,
        job.payload,
        job.priority,
        job.maxAttempts,
        JSON.stringify(job.backoff),
        job.timeout,
        job.idempotencyKey,
        job.metadata,
        job.runAt ?? now + job.delay,
        now,
        now,
        job.callbackUrl,
        job.orderingKey,
        job.concurrencyKey,
        job.rateLimitKey,
        job.expiresAt ?? (job.expiresIn === null ? null : now + job.expiresIn),
        job.keyed ? `${job.keyed.mode}:${job.keyed.key}` : null,
        job.traceparent ?? null,
        job.tracestate ?? null,
      );
      if (changes > 0) {
        const id = String(lastInsertRowid);
        if (job.idempotencyKey !== null) createdFrom.set(id, index);
        results.push({ id, created: true, createdFrom: index, createdAt: now, existing: null });
      } else {
        // The key exists: from an earlier call, or from an earlier input of this one.
        const row = existing.get(job.queue, job.idempotencyKey) as JobRow;
        const id = String(row.id);
        const earlier = createdFrom.get(id);
        const found = earlier === undefined ? rowToJob(row) : null;
        results.push({ id, created: false, createdFrom: earlier ?? null, createdAt: found?.createdAt ?? now, existing: found });
      }
    });
  });
  return { results, insertAll };
}
