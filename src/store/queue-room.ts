/**
 * @module
 * Why a queue refused an enqueue, as an error that says when to try again: from its waiting
 * jobs, its max depth and how many jobs it finished in the last minute.
 */
import { QueueFullError } from '../core/errors.js';

export interface QueueRoom {
  max_depth: number | null;
  paused: boolean | number;
  refuse_when_paused: boolean | number;
  waiting: number;
  drained: number;
}

/** A minute's completions tell the drain rate; without any, try again in half a minute. */
export function queueRefusal(queue: string, room: QueueRoom | undefined): QueueFullError {
  if (room?.paused && room.refuse_when_paused) {
    return new QueueFullError(
      queue,
      30_000,
      `Queue "${queue}" is paused and refuses new jobs until it is resumed; try again later.`,
      'SPOOL_QUEUE_PAUSED',
    );
  }
  const waiting = room?.waiting ?? 0;
  const maxDepth = room?.max_depth ?? 0;
  const perSecond = (room?.drained ?? 0) / 60;
  const excess = Math.max(1, waiting - maxDepth + 1);
  const retryAfterMs = perSecond > 0 ? Math.min(600_000, Math.max(1_000, Math.ceil((excess / perSecond) * 1000))) : 30_000;
  return new QueueFullError(
    queue,
    retryAfterMs,
    `Queue "${queue}" is full: ${waiting} job(s) wait and its max depth is ${maxDepth}. Try again in about ${Math.ceil(retryAfterMs / 1000)} s${perSecond > 0 ? `, at its recent drain rate of ${perSecond.toFixed(1)} jobs/s` : ''}.`,
  );
}
