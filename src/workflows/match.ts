/**
 * @module
 * Which events a `ctx.waitForEvent` takes: by name when given, and by payload fields that must
 * equal the match's (top level; objects and arrays compared by value).
 */
import type { Json } from '../core/types.js';
import type { EventRecord, StepRecord, TopicsPart } from '../store/contract.js';

export function matchesEvent(event: EventRecord, match: Record<string, Json>, name: string | null): boolean {
  if (name !== null && event.name !== name) return false;
  const payload = event.payload;
  if (Object.keys(match).length === 0) return true;
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return false;
  return Object.entries(match).every(([field, value]) => sameJson((payload as Record<string, unknown>)[field], value));
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  return (
    keysA.length === keysB.length &&
    keysA.every((key) => sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]))
  );
}

/** Where a wait starts in the log: after the latest event an earlier wait of the run on `topic` took. */
export function afterEarlierWaits(steps: Iterable<StepRecord>, topic: string, seq: number): string | null {
  let after: string | null = null;
  for (const row of steps) {
    const detail = row.detail as { topic?: string; seq?: string } | null;
    if (row.seq !== null && row.seq < seq && row.kind === 'event' && detail?.topic === topic && detail.seq) {
      if (after === null || BigInt(detail.seq) > BigInt(after)) after = detail.seq;
    }
  }
  return after;
}

/** The first event on `topic` after `after`, published since `since`, that matches; read a page of 500 at a time. */
export async function firstMatch(
  topics: TopicsPart,
  topic: string,
  match: Record<string, Json>,
  name: string | null,
  since: number,
  after: string | null,
) {
  for (let from = after; ; ) {
    const page = await topics.listEvents(topic, from, 500);
    const found = page.find((event) => event.publishedAt >= since && matchesEvent(event, match, name));
    if (found) {
      const { id, key, payload, publishedAt, seq } = found;
      return { id, topic: found.topic, name: found.name, key, payload, publishedAt, seq };
    }
    if (page.length < 500) return null;
    from = page[page.length - 1]?.seq ?? null;
  }
}
