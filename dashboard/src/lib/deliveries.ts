/**
 * Delivery jobs and the events they carry. Each subscription's deliveries are ordinary jobs on
 * the queue `spool.sub.<subscription>`, named after the event (or its topic), with the event
 * envelope as payload; the API lists them like any job, so the dashboard finds an event's
 * deliveries by reading that queue newest first until it is past the event's publish time.
 * No DOM here: the unit tests import it under Node.
 */
import type { Api } from '../api/client.js';
import type { BusEvent, EventFilter, JobPage, JobView } from '../api/types.js';

/** As `subscriptionQueuePrefix` in src/bus/subscription.ts (which the dashboard does not bundle). */
export const subscriptionQueuePrefix = 'spool.sub.';

export function subscriptionQueue(subscription: string): string {
  return `${subscriptionQueuePrefix}${subscription}`;
}

/** The subscription and the event a delivery job carries; null for any other job. */
export function deliveryOf(job: { queue: string; payload: unknown }): { subscription: string; event: BusEvent } | null {
  if (!job.queue.startsWith(subscriptionQueuePrefix)) return null;
  const event = job.payload as Partial<BusEvent> | null;
  if (typeof event !== 'object' || event === null || typeof event.seq !== 'string' || typeof event.topic !== 'string') return null;
  if (typeof event.id !== 'string') return null;
  return { subscription: job.queue.slice(subscriptionQueuePrefix.length), event: event as BusEvent };
}

/** Whether a subscription's filter takes this event, as the store's fan-out decides. */
export function takes(filter: EventFilter | null, event: Pick<BusEvent, 'name' | 'headers'>): boolean {
  if (!filter) return true;
  if (filter.names && !(event.name !== null && filter.names.includes(event.name))) return false;
  return Object.entries(filter.headers ?? {}).every(([name, value]) => event.headers[name] === value);
}

/** The `after` cursor that starts a page of the log at event `seq`. */
export function cursorAt(seq: string): string {
  const before = BigInt(seq) - 1n;
  return String(before < 0n ? 0n : before);
}

/** The topic page with this event first on its page and highlighted. */
export function eventLink(topic: string, seq: string): string {
  return `/topics/${encodeURIComponent(topic)}?${new URLSearchParams({ event: seq })}`;
}

export interface FoundDeliveries {
  jobs: JobView[];
  /** False when the search stopped at its limit before it was past the event's publish time. */
  complete: boolean;
}

/** A second of slack: on PostgreSQL, ids and times of concurrent inserts need not be in the same order. */
const slackMs = 1_000;

/**
 * The delivery jobs of `event` on one subscription's queue, newest first (a replay adds one).
 * Reads at most `maxPages` pages of `pageSize` jobs with the event's name.
 */
export async function findDeliveries(
  api: Pick<Api, 'get'>,
  subscription: string,
  event: BusEvent,
  options: { signal?: AbortSignal; pageSize?: number; maxPages?: number } = {},
): Promise<FoundDeliveries> {
  const { pageSize = 200, maxPages = 10 } = options;
  const found: JobView[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < maxPages; page++) {
    const query = new URLSearchParams({ queue: subscriptionQueue(subscription), name: event.name ?? event.topic, limit: String(pageSize) });
    if (cursor) query.set('cursor', cursor);
    const path = `/v1/jobs?${query}`;
    const { jobs, nextCursor }: JobPage = await api.get<JobPage>(path, options.signal);
    for (const job of jobs) if (deliveryOf(job)?.event.seq === event.seq) found.push(job);
    const oldest = jobs.at(-1);
    if (!nextCursor || !oldest || oldest.createdAt < event.publishedAt - slackMs) return { jobs: found, complete: true };
    cursor = nextCursor;
  }
  return { jobs: found, complete: false };
}
