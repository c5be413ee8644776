/**
 * @module
 * Listing jobs a page at a time: filters checked, newest first, with opaque cursors.
 */
import { defaults } from '../core/defaults.js';
import { InvalidArgumentError } from '../core/errors.js';
import { assertName } from '../core/names.js';
import { type Job, type JobStatus, jobStatuses } from '../core/types.js';
import type { AdminStore } from '../store/contract.js';

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
  const limit = options.limit ?? defaults.list.limit;
  if (!Number.isInteger(limit) || limit < 1 || limit > defaults.list.maxLimit)
    throw new InvalidArgumentError(`limit must be a whole number from 1 to ${defaults.list.maxLimit}; got ${limit}.`);
  if (options.status !== undefined && !jobStatuses.includes(options.status)) {
    throw new InvalidArgumentError(`Unknown status ${JSON.stringify(options.status)}; use one of ${jobStatuses.join(', ')}.`);
  }
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
