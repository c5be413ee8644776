/**
 * @module
 * Waiting for a job's outcome, whichever process runs it: the store is read with a growing pause
 * (20 ms to 1 s), and this process's own lifecycle events cut the pause short.
 */
import { JobCancelledError, JobFailedError, JobNotFoundError, SpoolError } from '../core/errors.js';
import type { SpoolEmitter } from '../core/events.js';
import type { Job } from '../core/types.js';
import type { AdminStore } from '../store/contract.js';

export async function waitForJob<R>(
  store: Pick<AdminStore, 'getJob'>,
  events: SpoolEmitter,
  id: string,
  options: { timeout?: number },
  closed: () => boolean,
): Promise<R> {
  const deadline = options.timeout === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.timeout;
  let wake: (() => void) | null = null;
  const onFinal = (event: { job: Job }) => {
    if (event.job.id === id) wake?.();
  };
  const stops = [events.on('completed', onFinal), events.on('failed', onFinal), events.on('cancelled', onFinal)];
  try {
    for (let delay = 20; ; delay = Math.min(delay * 2, 1_000)) {
      const job = await store.getJob(id);
      if (!job) throw new JobNotFoundError(id);
      if (job.status === 'completed') return job.result as R;
      if (job.status === 'failed')
        throw new JobFailedError(job, job.errors.at(-1) ?? { message: 'unknown error', attempt: job.attempts, at: job.updatedAt });
      if (job.status === 'cancelled') throw new JobCancelledError(job);
      if (closed()) throw new SpoolError('SPOOL_CLOSED', `Stopped waiting for job ${id}: this Spool was closed.`);
      const remaining = deadline - Date.now();
      if (remaining <= 0)
        throw new SpoolError('SPOOL_WAIT_TIMEOUT', `Job ${id} is still ${job.status} after waiting ${options.timeout} ms.`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(delay, remaining));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    for (const stop of stops) stop();
  }
}
