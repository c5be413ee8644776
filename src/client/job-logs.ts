/**
 * @module
 * Reading a job's own log (what its handler logged with `ctx.log`, every attempt's), a page at a
 * time: the lines after a seq, oldest first.
 */
import { InvalidArgumentError } from '../core/errors.js';
import type { LogLine, Store } from '../store/contract.js';

export interface JobLogOptions {
  /** Only lines after this seq (the last one seen): pages forward, or follows a running job. @defaultValue 0, from the start */
  after?: number;
  /** Most lines returned, 1 to 1000. @defaultValue 500 */
  limit?: number;
}

export const jobLogPage = { limit: 500, maxLimit: 1_000 } as const;

/** The job's lines (see JobLogOptions); null when the job does not exist. */
export async function jobLogsOf(store: Store, id: string, options: JobLogOptions = {}): Promise<LogLine[] | null> {
  const { after = 0, limit = jobLogPage.limit } = options;
  if (!Number.isSafeInteger(after) || after < 0) {
    throw new InvalidArgumentError(
      `after must be a non-negative whole number (the seq of the last line seen); got ${JSON.stringify(after)}.`,
    );
  }
  if (!Number.isInteger(limit) || limit < 1 || limit > jobLogPage.maxLimit) {
    throw new InvalidArgumentError(`limit must be a whole number from 1 to ${jobLogPage.maxLimit}; got ${JSON.stringify(limit)}.`);
  }
  if (!store.logs) throw new InvalidArgumentError('This store keeps no job logs.');
  if (!(await store.getJob(id))) return null;
  return store.logs.list(id, { after, limit });
}
