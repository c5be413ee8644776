/**
 * The Topics page's pure helpers, without a browser: events per minute per topic, delivery jobs
 * and the events they carry, filters, and the search for an event's deliveries.
 */
import { describe, expect, it } from 'vitest';
import type { BusEvent, JobPage, JobView } from '../../dashboard/src/api/types.js';
import { cursorAt, deliveryOf, eventLink, findDeliveries, takes } from '../../dashboard/src/lib/deliveries.js';
import { eventSeries, eventTotals, topicColors } from '../../dashboard/src/lib/topic-series.js';

const t0 = 1_800_000_000_000;
const minute = 60_000;

function event(overrides: Partial<BusEvent> = {}): BusEvent {
  return {
    seq: '7',
    id: 'evt-7',
    topic: 'orders',
    name: 'order.placed',
    key: null,
    headers: {},
    payload: {},
    publishedAt: t0,
    ...overrides,
  };
}

function delivery(id: number, of: BusEvent, createdAt: number, subscription = 'billing'): JobView {
  return { id: String(id), queue: `spool.sub.${subscription}`, name: of.name ?? of.topic, payload: of, createdAt } as unknown as JobView;
}

describe('events per minute', () => {
  it('fills every minute of the window per topic, in the order asked, and floors points to their minute', () => {
    const from = t0 - 3 * minute;
    const points = [
      { at: t0 - 2 * minute, topic: 'orders', events: 3 },
      { at: t0 - 2 * minute + 15_000, topic: 'orders', events: 1 },
      { at: t0, topic: 'payments', events: 2 },
      { at: t0, topic: 'gone', events: 9 },
    ];
    const series = eventSeries(points, { from, to: t0, bucketMs: minute, topics: ['payments', 'orders'] });
    expect(series.map((s) => s.label)).toEqual(['payments', 'orders']);
    expect(series[0]?.points.map((p) => p.value)).toEqual([0, 0, 0, 2]);
    expect(series[1]?.points.map((p) => p.value)).toEqual([0, 4, 0, 0]);
    expect(series[1]?.points.map((p) => p.at)).toEqual([from, from + minute, from + 2 * minute, t0]);
    expect(eventTotals(points)).toEqual(
      new Map([
        ['orders', 4],
        ['payments', 2],
        ['gone', 9],
      ]),
    );
  });

  it('gives neighbouring topics different colours', () => {
    const colors = topicColors(['orders', 'payments', 'refunds']);
    expect(new Set(colors.values()).size).toBe(3);
  });
});

describe('delivery jobs', () => {
  it('reads the event and subscription of a delivery, and nothing from other jobs', () => {
    const e = event();
    expect(deliveryOf({ queue: 'spool.sub.billing', payload: e })).toEqual({ subscription: 'billing', event: e });
    expect(deliveryOf({ queue: 'emails', payload: e })).toBeNull();
    expect(deliveryOf({ queue: 'spool.sub.billing', payload: { seq: 7 } })).toBeNull();
    expect(deliveryOf({ queue: 'spool.webhooks', payload: e })).toBeNull();
  });

  it('links to the page of the log that starts at an event', () => {
    expect(cursorAt('42')).toBe('41');
    expect(cursorAt('1')).toBe('0');
    expect(cursorAt('9007199254740993')).toBe('9007199254740992');
    expect(eventLink('orders', '42')).toBe('/topics/orders?event=42');
  });

  it('matches filters as the fan-out does: every name listed, every header equal', () => {
    const e = event({ headers: { region: 'eu', tier: 'gold' } });
    expect(takes(null, e)).toBe(true);
    expect(takes({ names: ['order.placed', 'order.paid'] }, e)).toBe(true);
    expect(takes({ names: ['order.paid'] }, e)).toBe(false);
    expect(takes({ names: ['order.placed'] }, { ...e, name: null })).toBe(false);
    expect(takes({ headers: { region: 'eu' } }, e)).toBe(true);
    expect(takes({ headers: { region: 'us' } }, e)).toBe(false);
    expect(takes({ names: ['order.placed'], headers: { missing: 'x' } }, e)).toBe(false);
  });

  it("finds an event's deliveries newest first, page by page, and stops once past its publish time", async () => {
    const target = event({ seq: '7', publishedAt: t0 });
    const older = event({ seq: '3', id: 'evt-3', publishedAt: t0 - 10 * minute });
    const newer = event({ seq: '9', id: 'evt-9', publishedAt: t0 + minute });
    const pages: JobPage[] = [
      // A replay's delivery of an older event comes before the target's first delivery.
      { jobs: [delivery(30, newer, t0 + 2 * minute), delivery(29, target, t0 + 2 * minute)], nextCursor: 'a' },
      { jobs: [delivery(20, older, t0 + minute), delivery(12, newer, t0 + minute)], nextCursor: 'b' },
      { jobs: [delivery(11, target, t0), delivery(5, older, t0 - 10 * minute)], nextCursor: 'c' },
      { jobs: [delivery(1, older, t0 - 20 * minute)], nextCursor: null },
    ];
    const asked: string[] = [];
    const api = {
      async get<T>(path: string): Promise<T> {
        asked.push(path);
        return pages[asked.length - 1] as T;
      },
    };
    const found = await findDeliveries(api, 'billing', target, { pageSize: 2 });
    expect(found.complete).toBe(true);
    expect(found.jobs.map((j) => j.id)).toEqual(['29', '11']);
    expect(asked).toHaveLength(3);
    expect(asked[0]).toBe('/v1/jobs?queue=spool.sub.billing&name=order.placed&limit=2');
    expect(asked[1]).toContain('cursor=a');

    asked.length = 0;
    const capped = await findDeliveries(api, 'billing', target, { pageSize: 2, maxPages: 1 });
    expect(capped).toMatchObject({ complete: false });
  });
});
