/**
 * @module
 * Bulk inserts on PostgreSQL: the batch travels as one JSON document, and the inserted rows are
 * lined up with the input afterwards (idempotency keys that already existed return those jobs).
 */
import type { BackoffPolicy, Job, KeyedEnqueue, NewJob } from '../../core/types.js';
import type { EnqueueResult } from '../contract.js';
import { rowToJob } from '../row.js';
import type { JobRow } from '../row.js';

export interface InsertedRow {
  id: string;
  queue: string;
  idempotency_key: string | null;
  created_at: string | number;
  /** Set (and nothing inserted) when this queue refused the batch: full, or paused and refusing. */
  refused: string | null;
}

/**
 * The batch as one JSON array, assembled around the payload and metadata text the client already
 * serialised and checked, so nothing is escaped or parsed twice. A JSON null payload arrives as
 * SQL NULL from json_to_recordset; the statement turns it back into JSON null. Optional fields
 * are written only when set (a missing key reads as null): a plain job is 8 keys instead of 20,
 * less to build here and to parse on the server.
 */
export function batchJson(jobs: readonly NewJob[]): string {
  const backoffs = new Map<BackoffPolicy, string>();
  const parts = jobs.map((j) => {
    let backoff = backoffs.get(j.backoff);
    if (backoff === undefined) {
      backoff = JSON.stringify(j.backoff);
      backoffs.set(j.backoff, backoff);
    }
    return `{"q":${JSON.stringify(j.queue)},"n":${JSON.stringify(j.name)},"p":${j.payload},"pr":${j.priority},"ma":${j.maxAttempts},"b":${backoff},"m":${j.metadata},"d":${j.delay}${optionalFields(j)}}`;
  });
  return `[${parts.join(',')}]`;
}

/** The fields most jobs leave unset, each written only when present. */
function optionalFields(j: NewJob): string {
  let out = '';
  if (j.timeout !== null && j.timeout !== undefined) out += `,"t":${j.timeout}`;
  if (j.idempotencyKey !== null) out += `,"k":${JSON.stringify(j.idempotencyKey)}`;
  if (j.runAt !== null && j.runAt !== undefined) out += `,"r":${j.runAt}`;
  if (j.callbackUrl !== null) out += `,"c":${JSON.stringify(j.callbackUrl)}`;
  if (j.orderingKey !== null) out += `,"o":${JSON.stringify(j.orderingKey)}`;
  if (j.concurrencyKey !== null) out += `,"ck":${JSON.stringify(j.concurrencyKey)}`;
  if (j.rateLimitKey !== null) out += `,"rk":${JSON.stringify(j.rateLimitKey)}`;
  if (j.expiresAt !== null && j.expiresAt !== undefined) out += `,"ea":${j.expiresAt}`;
  if (j.expiresIn !== null && j.expiresIn !== undefined) out += `,"ei":${j.expiresIn}`;
  if (j.keyed) out += `,"dk":${JSON.stringify(dedupeKey(j.keyed))}`;
  if (j.traceparent) out += `,"tp":${JSON.stringify(j.traceparent)},"ts":${j.tracestate ? JSON.stringify(j.tracestate) : 'null'}`;
  return out;
}

const keyOf = (queue: string, key: string) => `${queue}\u0000${key}`;

/**
 * Lines inserted rows up with the input. Identity values follow insertion order, which follows
 * the input order; a job whose idempotency key already existed gets the existing job instead,
 * read with `findByKeys` (only when some key was not inserted).
 */
export async function matchInserted(
  jobs: readonly NewJob[],
  inserted: InsertedRow[],
  findByKeys: (queues: string[], keys: string[]) => Promise<JobRow[]>,
): Promise<EnqueueResult[]> {
  inserted.sort((a, b) => Number(a.id) - Number(b.id));
  const createdByKey = new Map<string, InsertedRow>();
  for (const row of inserted) if (row.idempotency_key !== null) createdByKey.set(keyOf(row.queue, row.idempotency_key), row);
  const missing = jobs.filter((j) => j.idempotencyKey !== null && !createdByKey.has(keyOf(j.queue, j.idempotencyKey)));
  const existingByKey = new Map<string, Job>();
  if (missing.length > 0) {
    const rows = await findByKeys(
      missing.map((j) => j.queue),
      missing.map((j) => j.idempotencyKey as string),
    );
    for (const job of rows.map(rowToJob)) existingByKey.set(keyOf(job.queue, job.idempotencyKey as string), job);
  }
  const firstInputOf = new Map<string, number>();
  let next = 0;
  return jobs.map((input, index): EnqueueResult => {
    if (input.idempotencyKey === null) {
      while (inserted[next] && inserted[next]?.idempotency_key !== null) next++;
      const row = inserted[next++] as InsertedRow;
      return { id: String(row.id), created: true, createdFrom: index, createdAt: Number(row.created_at), existing: null };
    }
    const key = keyOf(input.queue, input.idempotencyKey);
    const existing = existingByKey.get(key);
    if (existing) return { id: existing.id, created: false, createdFrom: null, createdAt: existing.createdAt, existing };
    const row = createdByKey.get(key);
    if (row === undefined)
      throw new Error(`Spool could not find the job for idempotency key "${input.idempotencyKey}" after inserting it.`);
    const first = firstInputOf.get(key);
    const createdAt = Number(row.created_at);
    if (first !== undefined) return { id: String(row.id), created: false, createdFrom: first, createdAt, existing: null };
    firstInputOf.set(key, index);
    return { id: String(row.id), created: true, createdFrom: index, createdAt, existing: null };
  });
}

/** The stored form of a keyed enqueue's key: its mode and key, so modes never match each other. */
export function dedupeKey(keyed: KeyedEnqueue): string {
  return `${keyed.mode}:${keyed.key}`;
}
