/**
 * @module
 * Listing jobs a page at a time (filters checked, newest first, with opaque cursors), and queues
 * with their jobs counted per status.
 */
import { z } from 'zod';
import { defaults } from '../core/defaults.js';
import { InvalidArgumentError } from '../core/errors.js';
import { assertName } from '../core/names.js';
import { checkValue, listLimitSchema } from '../core/options.js';
import { type Job, type JobStatus, jobStatuses } from '../core/types.js';
import type { AdminStore, QueueRecord, Store } from '../store/contract.js';

export interface ListJobsOptions {
  queue?: string;
  status?: JobStatus;
  name?: string;
  /** @defaultValue 50, at most 500 */
  limit?: number;
  /** `nextCursor` from the previous page. */
  cursor?: string;
}

export interface JobPage {
  jobs: Job[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export async function listJobs(store: Pick<AdminStore, 'listJobs'>, options: ListJobsOptions): Promise<JobPage> {
  // The same rules and sentences as the HTTP query and the CLI's --limit and --status.
  const limit = options.limit === undefined ? defaults.list.limit : checkValue(listLimitSchema, options.limit, 'limit');
  if (options.status !== undefined) checkValue(z.enum(jobStatuses), options.status, 'status');
  if (options.queue !== undefined) assertName(options.queue, 'queue');
  if (options.name !== undefined) assertName(options.name, 'job name');
  const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
  const jobs = await store.listJobs({ queue: options.queue, status: options.status, name: options.name, limit: limit + 1, after });
  const page = jobs.slice(0, limit);
  return { jobs: page, nextCursor: jobs.length > limit ? encodeCursor((page.at(-1) as Job).id) : null };
}

function encodeCursor(id: string): string {
  return Buffer.from(`id:${id}`).toString('base64url');
}

function decodeCursor(cursor: string): string {
  const decoded = typeof cursor === 'string' ? Buffer.from(cursor, 'base64url').toString() : '';
  const match = /^id:(\d{1,19})$/.exec(decoded);
  if (!match) throw new InvalidArgumentError(`Invalid cursor ${JSON.stringify(cursor)}: pass the nextCursor of a previous page unchanged.`);
  return match[1] as string;
}

/** A queue as `queues()` lists it: its row (when the store keeps rows) and its jobs per status. */
export interface QueueInfo {
  name: string;
  counts: Record<JobStatus, number>;
  /** Null for a queue the store has no row for (a store without the `queues` part). */
  record: QueueRecord | null;
}

/** Every queue with a row or with jobs, sorted by name, with its jobs per status. */
export async function listQueues(store: Pick<Store, 'counts' | 'queues'>): Promise<QueueInfo[]> {
  const [counts, records] = await Promise.all([store.counts(), store.queues?.list() ?? Promise.resolve([])]);
  const byName = new Map(records.map((record) => [record.name, record]));
  const names = [...new Set([...Object.keys(counts), ...byName.keys()])].sort();
  return names.map((name) => ({ name, counts: counts[name] ?? emptyCounts(), record: byName.get(name) ?? null }));
}

/** Zero jobs in every status. */
export function emptyCounts(): Record<JobStatus, number> {
  return Object.fromEntries(jobStatuses.map((status) => [status, 0])) as Record<JobStatus, number>;
}
