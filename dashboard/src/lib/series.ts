/**
 * Turns the API's per-queue points into chart series: one value per time slot, summed over the
 * chosen queues, with empty slots as zeros (throughput) or left out (backlog samples).
 */
import type { BacklogPoint, ThroughputPoint } from '../api/types.js';

export interface SeriesPoint {
  at: number;
  value: number;
}

export interface Series {
  label: string;
  points: SeriesPoint[];
}

/** Completed and failed per bucket from `from` to `to`, every bucket present. */
export function throughputSeries(
  points: readonly ThroughputPoint[],
  options: { from: number; to: number; bucketMs: number; queue?: string | null },
): { completed: Series; failed: Series } {
  const first = Math.floor(options.from / options.bucketMs) * options.bucketMs;
  const slots = new Map<number, { completed: number; failed: number }>();
  for (let at = first; at <= options.to; at += options.bucketMs) slots.set(at, { completed: 0, failed: 0 });
  for (const point of points) {
    if (options.queue && point.queue !== options.queue) continue;
    const slot = slots.get(point.at);
    if (!slot) continue;
    slot.completed += point.completed;
    slot.failed += point.failed;
  }
  const entries = [...slots.entries()];
  return {
    completed: { label: 'completed', points: entries.map(([at, s]) => ({ at, value: s.completed })) },
    failed: { label: 'failed', points: entries.map(([at, s]) => ({ at, value: s.failed })) },
  };
}

/** Waiting and active per sample time, summed over queues. */
export function backlogSeries(points: readonly BacklogPoint[], queue?: string | null): { waiting: Series; active: Series } {
  const byTime = new Map<number, { waiting: number; active: number }>();
  for (const point of points) {
    if (queue && point.queue !== queue) continue;
    const slot = byTime.get(point.at) ?? { waiting: 0, active: 0 };
    slot.waiting += point.waiting;
    slot.active += point.active;
    byTime.set(point.at, slot);
  }
  const entries = [...byTime.entries()].sort((a, b) => a[0] - b[0]);
  return {
    waiting: { label: 'waiting', points: entries.map(([at, s]) => ({ at, value: s.waiting })) },
    active: { label: 'active', points: entries.map(([at, s]) => ({ at, value: s.active })) },
  };
}

/** A round, even upper bound for an axis (so its half is whole too): 2, 4, 6, 8, 10, 20, 40, … at least `max`. */
export function niceMax(max: number): number {
  if (max <= 2) return 2;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 4, 6, 8, 10]) if (step * power >= max && (step * power) % 2 === 0) return step * power;
  return 10 * power;
}
