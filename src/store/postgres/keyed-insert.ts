/**
 * @module
 * Keyed enqueues on PostgreSQL (dedupe windows, singletons, debounce): each takes an advisory
 * lock on its queue and key for the rest of the transaction, looks for the job already there,
 * and either returns it (debounce: with the newest payload and a later run time) or inserts.
 * The whole batch is one transaction, yours when `tx` is given.
 */
import type pg from 'pg';
import type { NewJob } from '../../core/types.js';
import type { EnqueueResult } from '../contract.js';
import { type JobRow, rowToJob } from '../row.js';
import { type InsertedRow, batchJson, dedupeKey } from './insert-batch.js';
import type { StatementName } from './statements.js';

export interface Queryable {
  query(config: { text: string; values?: unknown[]; name?: string }): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

export interface KeyedAccess {
  pool: pg.Pool;
  statement(name: StatementName): string;
  now(): number | null;
  refusal(queue: string, via: Queryable): Promise<Error>;
  toStoreError(err: unknown): unknown;
}

export async function enqueueKeyed(access: KeyedAccess, jobs: readonly NewJob[], tx?: Queryable): Promise<EnqueueResult[]> {
  const client: Queryable & { release?: () => void } =
    tx ?? (await access.pool.connect().catch((err: unknown) => Promise.reject(access.toStoreError(err))));
  const run = async <T>(name: StatementName, values: unknown[]): Promise<T[]> =>
    (await client.query({ text: access.statement(name), values })).rows as T[];
  try {
    if (!tx) await client.query({ text: 'BEGIN' });
    const results: EnqueueResult[] = [];
    for (const [index, job] of jobs.entries()) {
      if (job.keyed) {
        const key = dedupeKey(job.keyed);
        await run('lockKey', [`spool:keyed:${job.queue}:${key}`]);
        const ttl = job.keyed.mode === 'dedupe' ? job.keyed.ttlMs : null;
        const [found] = await run<JobRow>('findKeyed', [job.queue, key, ttl, job.keyed.mode !== 'dedupe', access.now()]);
        if (found) {
          let row = found;
          if (job.keyed.mode === 'debounce') {
            [row = found] = await run<JobRow>('debounce', [found.id, job.payload, job.keyed.delayMs, job.keyed.maxWaitMs, access.now()]);
          }
          const existing = rowToJob(row);
          results.push({
            id: existing.id,
            created: false,
            createdFrom: null,
            createdAt: existing.createdAt,
            existing,
            replaced: job.keyed.mode === 'debounce',
          });
          continue;
        }
      }
      const inserted = await run<InsertedRow>('insertMany', [batchJson([job]), access.now()]);
      const refused = inserted.find((row) => row.refused !== null);
      if (refused) throw await access.refusal(refused.refused as string, client);
      const row = inserted[0] as InsertedRow | undefined;
      if (!row) throw new Error(`Spool could not insert job ${index} of a keyed batch.`);
      results.push({ id: String(row.id), created: true, createdFrom: index, createdAt: Number(row.created_at), existing: null });
    }
    if (!tx) await client.query({ text: 'COMMIT' });
    return results;
  } catch (err) {
    if (!tx) await client.query({ text: 'ROLLBACK' }).catch(() => {});
    throw access.toStoreError(err);
  } finally {
    client.release?.();
  }
}
