/**
 * Turns `GET /v1/stats/events` points into chart series: one per topic, a value for every bucket
 * of the window (empty buckets as zeros), each topic with a colour of its own.
 */
import type { EventRatePoint, Topic } from '../api/types.js';
import { duration } from './format.js';
import type { Series } from './series.js';

/** Distinct on white and apart for the common colour blindnesses. */
const palette = ['#2563eb', '#d97706', '#16a34a', '#9333ea', '#0891b2', '#db2777', '#65a30d', '#475569'];

/** A colour per topic, by its place in the list (sorted by name, as the API lists topics). */
export function topicColors(topics: readonly string[]): Map<string, string> {
  return new Map(topics.map((topic, index) => [topic, palette[index % palette.length] as string]));
}

/**
 * Events per bucket from `from` to `to` for each of `topics` (in that order), every bucket present.
 * A point's time is floored to its bucket, so points the server did not align still add up.
 */
export function eventSeries(
  points: readonly EventRatePoint[],
  options: { from: number; to: number; bucketMs: number; topics: readonly string[] },
): Series[] {
  const { bucketMs } = options;
  const first = Math.floor(options.from / bucketMs) * bucketMs;
  const slots: number[] = [];
  for (let at = first; at <= options.to; at += bucketMs) slots.push(at);
  const counts = new Map(options.topics.map((topic) => [topic, new Map(slots.map((at) => [at, 0]))]));
  for (const point of points) {
    const byTime = counts.get(point.topic);
    const at = Math.floor(point.at / bucketMs) * bucketMs;
    const value = byTime?.get(at);
    if (byTime && value !== undefined) byTime.set(at, value + point.events);
  }
  return options.topics.map((topic) => ({
    label: topic,
    points: slots.map((at) => ({ at, value: counts.get(topic)?.get(at) ?? 0 })),
  }));
}

/** Events in the whole window, per topic. */
export function eventTotals(points: readonly EventRatePoint[]): Map<string, number> {
  const totals = new Map<string, number>();
  for (const point of points) totals.set(point.topic, (totals.get(point.topic) ?? 0) + point.events);
  return totals;
}

/** How long a topic keeps its events, in words. */
export function retentionText(topic: Pick<Topic, 'retentionMs'>): string {
  return topic.retentionMs === null ? 'server default' : duration(topic.retentionMs);
}
