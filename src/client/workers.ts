/**
 * @module
 * Work must never wait silently: the running workers from the store's registry, and the warning
 * a waiting job gets when no running worker handles its name (a pure function, so the API, the
 * CLI and tests share one sentence). Also deleting one finished job, for the Spool.
 */
import { defaults } from '../core/defaults.js';
import { JobNotFoundError, SpoolError } from '../core/errors.js';
import { assertName } from '../core/names.js';
import { closest } from '../core/spelling.js';
import type { Job } from '../core/types.js';
import type { Store, WorkerRecord } from '../store/contract.js';

/** Live registry rows, every queue's or one's; empty on a store without the registry. */
export async function listWorkers(store: Pick<Store, 'workers'>, queue?: string): Promise<WorkerRecord[]> {
  if (queue !== undefined) assertName(queue, 'queue');
  return (await store.workers?.list(defaults.registry.staleAfter, queue)) ?? [];
}

/** The warning for `job`, or null; null as well on a store without the registry, which cannot tell. */
export async function warningFor(store: Pick<Store, 'workers'>, job: Job): Promise<string | null> {
  if (job.status !== 'waiting' || !store.workers) return null;
  return unhandledWarning(job, await store.workers.list(defaults.registry.staleAfter, job.queue));
}

/** Deletes one job in a final status; SPOOL_JOB_NOT_FOUND or SPOOL_INVALID_STATE (cancel it first) otherwise. */
export async function deleteJob(store: Pick<Store, 'deleteJob'>, id: string): Promise<void> {
  const outcome = await store.deleteJob(id);
  if (!outcome) throw new JobNotFoundError(id);
  if (!outcome.deleted) {
    throw new SpoolError(
      'SPOOL_INVALID_STATE',
      `Job ${id} is ${outcome.status}; only finished jobs (completed, failed, cancelled or expired) can be deleted. Cancel it first.`,
    );
  }
}

/**
 * Why nobody will run `job`, or null when a running worker handles it (or it is not waiting):
 * "no worker handles media/resize-imgae; running workers handle: resize-image, thumbnail (did you
 * mean "resize-image"?)". `workers` are the live registry rows.
 */
export function unhandledWarning(job: Pick<Job, 'queue' | 'name' | 'status'>, workers: readonly WorkerRecord[]): string | null {
  if (job.status !== 'waiting') return null;
  const onQueue = workers.filter((w) => w.queue === job.queue);
  if (onQueue.some((w) => w.names === null || w.names.includes(job.name))) return null;
  const handled = [...new Set(onQueue.flatMap((w) => w.names ?? []))].sort();
  if (handled.length === 0) {
    return `no worker handles ${job.queue}/${job.name}; no worker is running on queue ${job.queue}`;
  }
  const guess = closest(job.name, handled);
  return `no worker handles ${job.queue}/${job.name}; running workers handle: ${handled.join(', ')}${guess ? ` (did you mean "${guess}"?)` : ''}`;
}
