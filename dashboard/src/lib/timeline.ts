/**
 * A job's state changes, derived from its times and errors: created, each attempt that failed
 * (and whether it was retried), the latest start, the final state, and a scheduled retry.
 */
import type { JobView } from '../api/types.js';
import { errorText } from './format.js';

export interface TimelineEntry {
  at: number;
  kind: 'created' | 'scheduled' | 'started' | 'attempt-failed' | 'retry-scheduled' | 'completed' | 'failed' | 'cancelled';
  text: string;
}

export function timeline(job: JobView): TimelineEntry[] {
  const entries: TimelineEntry[] = [{ at: job.createdAt, kind: 'created', text: `Enqueued on ${job.queue}` }];
  if (job.runAt > job.createdAt && job.errors.length === 0 && job.status === 'waiting') {
    entries.push({ at: job.runAt, kind: 'scheduled', text: 'Scheduled to run' });
  }
  // The latest attempt starts before its own error: pushed first, so equal times keep that order.
  if (job.startedAt !== null) {
    entries.push({ at: job.startedAt, kind: 'started', text: `Attempt ${job.attempts} of ${job.maxAttempts} started` });
  }
  for (const error of job.errors) {
    const last = error.final || (job.status === 'failed' && error === job.errors.at(-1));
    entries.push({
      at: error.at,
      kind: 'attempt-failed',
      text: `Attempt ${error.attempt} failed${last ? '' : ', will be retried'}: ${errorText(error)}`,
    });
  }
  if (job.status === 'waiting' && job.errors.length > 0 && job.finishedAt === null) {
    entries.push({
      at: job.runAt,
      kind: 'retry-scheduled',
      text: `Waiting to run again: attempt ${job.attempts + 1} of ${job.maxAttempts}`,
    });
  }
  if (job.finishedAt !== null && (job.status === 'completed' || job.status === 'failed' || job.status === 'cancelled')) {
    const text = { completed: 'Completed', failed: 'Failed for good', cancelled: 'Cancelled' }[job.status];
    entries.push({ at: job.finishedAt, kind: job.status, text });
  }
  // Stable: equal times keep the order above (created before started, started before finished).
  return entries
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => a.entry.at - b.entry.at || a.index - b.index)
    .map((x) => x.entry);
}
