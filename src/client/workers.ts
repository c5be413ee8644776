/**
 * @module
 * Work must never wait silently: the warning a waiting job gets when no running worker handles
 * its name, from the worker registry. Pure, so the API, the CLI and tests share one sentence.
 */
import { closest } from '../core/spelling.js';
import type { Job } from '../core/types.js';
import type { WorkerRecord } from '../store/contract.js';

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
