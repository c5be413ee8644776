/**
 * @module
 * Enqueue on SQLite: one transaction of prepared inserts, on the store's connection or inside the
 * caller's own transaction (a savepoint there). A repeated idempotency key returns the job that
 * has it, from an earlier call or from an earlier input of the same batch.
 */
import type Database from 'better-sqlite3';
import type { NewJob } from '../../core/types.js';
import type { EnqueueResult } from '../contract.js';
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
  const insertAll = db.transaction(() => {
    ensureQueues();
    jobs.forEach((job, index) => {
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
