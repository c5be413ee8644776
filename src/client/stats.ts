/**
 * @module
 * The history behind the dashboard's charts, for the Spool: completed and failed jobs per bucket,
 * and backlog samples. A store without the `stats` part says so (SPOOL_INVALID_STATE).
 */
import { defaults } from '../core/defaults.js';
import { InvalidArgumentError, SpoolError } from '../core/errors.js';
import type { BacklogPoint, QueueCounts, StatsPart, Store, ThroughputPoint } from '../store/contract.js';

function statsOf(store: Pick<Store, 'stats' | 'kind'>): StatsPart {
  if (!store.stats) throw new SpoolError('SPOOL_INVALID_STATE', `This ${store.kind} store keeps no statistics (it has no "stats" part).`);
  return store.stats;
}

export function throughput(
  store: Pick<Store, 'stats' | 'kind'>,
  options: { windowMs?: number; bucketMs?: number },
): Promise<ThroughputPoint[]> {
  const bucketMs = options.bucketMs ?? defaults.stats.bucketMs;
  const windowMs = options.windowMs ?? defaults.stats.windowMs;
  if (!(bucketMs >= defaults.stats.minBucketMs) || !(windowMs >= bucketMs))
    throw new InvalidArgumentError(`bucketMs must be at least ${defaults.stats.minBucketMs} and windowMs at least bucketMs.`);
  return statsOf(store).throughput(windowMs, bucketMs);
}

export async function sampleBacklog(store: Pick<Store, 'stats' | 'kind' | 'counts'>): Promise<QueueCounts> {
  const counts = await store.counts();
  await statsOf(store).recordBacklog(counts, defaults.maintenance.backlogKeep);
  return counts;
}

export function backlog(store: Pick<Store, 'stats' | 'kind'>, options: { windowMs?: number }): Promise<BacklogPoint[]> {
  return statsOf(store).backlog(options.windowMs ?? defaults.stats.windowMs);
}
