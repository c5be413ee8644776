/**
 * @module
 * Listing jobs and queues: the options and page shapes, opaque cursors (the last id of the
 * previous page, base64url-encoded so callers pass them on unchanged), and empty counts for
 * queues with no jobs.
 */
import { InvalidArgumentError } from '../core/errors.js';
import { type Job, type JobStatus, jobStatuses } from '../core/types.js';
import type { QueueRecord } from '../store/contract.js';

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

/** A queue as `queues()` lists it: its row (when the store keeps rows) and its jobs per status. */
export interface QueueInfo {
  name: string;
  counts: Record<JobStatus, number>;
  /** Null for a queue the store has no row for (a store without the `queues` part). */
  record: QueueRecord | null;
}

export function emptyCounts(): Record<JobStatus, number> {
  return Object.fromEntries(jobStatuses.map((status) => [status, 0])) as Record<JobStatus, number>;
}

export function encodeCursor(id: string): string {
  return Buffer.from(`id:${id}`).toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const decoded = typeof cursor === 'string' ? Buffer.from(cursor, 'base64url').toString() : '';
  const match = /^id:(\d{1,19})$/.exec(decoded);
  if (!match) throw new InvalidArgumentError(`Invalid cursor ${JSON.stringify(cursor)}: pass the nextCursor of a previous page unchanged.`);
  return match[1] as string;
}
