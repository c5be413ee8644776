/**
 * @module
 * Groups: many jobs enqueued together under one id (in one transaction: all or none), and one
 * status report for all of them, counted on an index: jobs per status, overall progress, and an
 * ETA from how fast the group's own jobs finished over the last five minutes. A job of a group
 * carries the id in `metadata.group`.
 */
import { randomBytes } from 'node:crypto';
import { defaults } from '../core/defaults.js';
import { InvalidArgumentError, SpoolError } from '../core/errors.js';
import { type GroupStatus, type JobStatus, jobStatuses } from '../core/types.js';
import type { GroupCountsRecord, Store } from '../store/contract.js';
import type { EnqueueItem } from './new-job.js';

export type { GroupStatus };

const groupIdPattern = /^grp_[a-z0-9]{1,64}$/;

export function isGroupId(value: string): boolean {
  return groupIdPattern.test(value);
}

export function newGroupId(): string {
  return `grp_${randomBytes(10).toString('hex')}`;
}

/** The items with the group's id in their metadata; refuses keys that could return a job of another group. */
export function groupItems(items: readonly EnqueueItem[], id: string): EnqueueItem[] {
  if (!Array.isArray(items) || items.length === 0) {
    throw new InvalidArgumentError('spool.group() takes a non-empty array of { queue, name, payload, options }.');
  }
  return items.map((item, index) => {
    const options = item?.options ?? {};
    const keyed = (['idempotencyKey', 'dedupe', 'debounce', 'singleton'] as const).filter((k) => options[k] !== undefined);
    if (keyed.length > 0) {
      throw new InvalidArgumentError(
        `jobs[${index}] of a group sets ${keyed.join(', ')}: a key may return a job that already exists outside the group. Enqueue it on its own.`,
      );
    }
    return { ...item, options: { ...options, metadata: { ...(options.metadata ?? {}), group: id } } };
  });
}

export async function groupStatus(store: Store, id: string): Promise<GroupStatus> {
  if (!isGroupId(id))
    throw new InvalidArgumentError(`Invalid group id ${JSON.stringify(id)}: group ids look like grp_3f9a…, as spool.group() returns them.`);
  if (!store.groups) throw new SpoolError('SPOOL_INVALID_STATE', `This ${store.kind} store keeps no groups (it lacks the "groups" part).`);
  const record = await store.groups.counts(id, defaults.position.drainWindowMs);
  const status = summarize(id, record, defaults.position.drainWindowMs);
  if (status.total === 0)
    throw new SpoolError('SPOOL_NOT_FOUND', `There is no group ${id}: no job carries it (its jobs may have been pruned).`);
  return status;
}

/** The report from the store's counts: pure, so tests and the API share it. */
export function summarize(id: string, record: GroupCountsRecord, windowMs: number): GroupStatus {
  const counts = Object.fromEntries(jobStatuses.map((s) => [s, record.counts[s] ?? 0])) as Record<JobStatus, number>;
  const total = jobStatuses.reduce((sum, s) => sum + counts[s], 0);
  const remaining = counts.waiting + counts.active;
  const finished = total - remaining;
  const eta = remaining === 0 || record.recent === 0 ? null : record.at + Math.round((remaining * windowMs) / record.recent);
  return {
    id,
    total,
    counts,
    finished,
    progress: total === 0 ? 0 : Math.round((finished / total) * 1000) / 10,
    done: total > 0 && remaining === 0,
    eta,
  };
}
