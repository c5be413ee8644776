/**
 * @module
 * "Where is my order in the queue?": a waiting job's position in its queue (the waiting jobs a
 * claim takes before it) and an ETA from how fast the queue drained recently. One index-backed
 * count in the store; the arithmetic is here, pure, so the API, the CLI and tests share it.
 */
import { defaults } from '../core/defaults.js';
import type { Job, QueuePosition } from '../core/types.js';
import type { QueuePositionRecord, Store } from '../store/contract.js';

export type { QueuePosition };

/** The position of `job` if it is waiting, else null; null as well on a store without queue rows. */
export async function positionOf(store: Pick<Store, 'queues'>, job: Job): Promise<QueuePosition | null> {
  if (job.status !== 'waiting' || !store.queues) return null;
  const [record, queue] = await Promise.all([store.queues.position(job.id, defaults.position.drainWindowMs), store.queues.get(job.queue)]);
  if (!record) return null;
  const position = estimate(record, job.runAt, defaults.position.drainWindowMs);
  // A paused queue starts nothing, however fast it drained before the pause.
  return queue?.paused ? { ...position, eta: null } : position;
}

/** From the store's counts: the drain rate over `windowMs`, and the ETA no earlier than `runAt`. */
export function estimate(record: QueuePositionRecord, runAt: number, windowMs: number): QueuePosition {
  const drainPerMinute = Math.round((record.drained / windowMs) * 60_000 * 10) / 10;
  if (record.drained === 0) return { ahead: record.ahead, drainPerMinute: 0, eta: null };
  const drainMs = Math.round((record.ahead * windowMs) / record.drained);
  return { ahead: record.ahead, drainPerMinute, eta: Math.max(runAt, record.at + drainMs) };
}
