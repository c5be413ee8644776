/**
 * The event bus over real HTTP, against SQLite and PostgreSQL: publish with 202 and the event id,
 * deduplication by Idempotency-Key or body id, the retained log a page at a time, topics and
 * subscriptions with backlog and lag, replay, and the problems bad input gets.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type TestService, type TestStore, jsonBody, secrets, startTestService, storeKinds } from './helpers.js';

const kinds = await storeKinds();

describe.each(kinds)('event bus over HTTP on $kind', ({ make }) => {
  let store: TestStore;
  let s: TestService;

  beforeEach(async () => {
    store = await make();
    s = await startTestService({ store });
    await s.spool.declareSubscription('orders', 'billing', { filter: { names: ['order.placed'] } });
    await s.spool.declareSubscription('orders', 'audit');
  });

  afterEach(async () => {
    await s.close();
    await store.cleanup();
  });

  const publish = (topic: string, body: unknown, headers: Record<string, string> = {}, token: string = secrets.publish) =>
    s.api(`/v1/topics/${topic}/events`, { ...jsonBody(body), token, headers: { 'content-type': 'application/json', ...headers } });

  it('publishes with 202, fanning out to the matching subscriptions; a repeated id answers 200 and delivers nothing', async () => {
    const first = await publish('orders', { payload: { orderId: 7 }, name: 'order.placed', key: 'order-7', headers: { region: 'eu' } });
    expect(first.status).toBe(202);
    const body = (await first.json()) as { id: string; seq: string; created: boolean; deliveries: number };
    expect(body).toMatchObject({ created: true, deliveries: 2 });
    expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
    const keyed = await publish('orders', { payload: 1, name: 'order.paid' }, { 'idempotency-key': 'pay-7' });
    expect(await keyed.json()).toMatchObject({ id: 'pay-7', created: true, deliveries: 1 });
    const again = await publish('orders', { payload: 2, id: 'pay-7' }, {}, secrets.enqueue);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ id: 'pay-7', created: false, deliveries: 0 });
    const clash = await publish('orders', { payload: 3, id: 'a' }, { 'idempotency-key': 'b' });
    expect(clash.status).toBe(400);
    expect(await clash.json()).toMatchObject({ detail: expect.stringContaining('Idempotency-Key header and the body field id differ') });
  });

  it('lists topics, the retained log a page at a time, and subscriptions with backlog', async () => {
    for (let n = 0; n < 3; n++) await publish('orders', { payload: { n }, name: 'order.placed' });
    const topics = await (await s.api('/v1/topics', { token: secrets.read })).json();
    expect(topics).toEqual({ topics: [expect.objectContaining({ name: 'orders', events: 3, subscriptions: 2 })] });
    const page1 = (await (await s.api('/v1/topics/orders/events?limit=2', { token: secrets.read })).json()) as {
      events: { payload: { n: number }; seq: string }[];
      next: string | null;
    };
    expect(page1.events.map((e) => e.payload.n)).toEqual([0, 1]);
    const page2 = (await (await s.api(`/v1/topics/orders/events?limit=2&after=${page1.next}`, { token: secrets.read })).json()) as {
      events: { payload: { n: number } }[];
      next: string | null;
    };
    expect(page2).toMatchObject({ events: [{ payload: { n: 2 } }], next: null });
    const subscriptions = (await (await s.api('/v1/subscriptions', { token: secrets.read })).json()) as {
      subscriptions: { name: string; backlog: number; queue: string; filter: unknown }[];
    };
    expect(subscriptions.subscriptions).toEqual([
      expect.objectContaining({ name: 'audit', queue: 'spool.sub.audit', backlog: 3, filter: null }),
      expect.objectContaining({ name: 'billing', queue: 'spool.sub.billing', backlog: 3, filter: { names: ['order.placed'] } }),
    ]);
    const rate = (await (await s.api('/v1/stats/events?window=1h&bucket=1m', { token: secrets.read })).json()) as {
      points: { at: number; topic: string; events: number }[];
    };
    expect(rate.points.reduce((sum, p) => sum + (p.topic === 'orders' ? p.events : 0), 0)).toBe(3);
    // Counted per whole minute: the three events share a bucket or two, never one each at their own millisecond.
    expect(rate.points.every((p) => p.at % 60_000 === 0)).toBe(true);
    const queues = (await (await s.api('/v1/queues', { token: secrets.read })).json()) as { queues: { name: string; internal: boolean }[] };
    expect(queues.queues.find((q) => q.name === 'spool.sub.audit')).toMatchObject({ internal: true });
  });

  it('replays to a subscription (admin), never duplicating a pending delivery', async () => {
    await publish('orders', { payload: 1 });
    const replay = (from: unknown, token: string = secrets.admin) =>
      s.api('/v1/subscriptions/audit/replay', { ...jsonBody({ from }), token, headers: { 'content-type': 'application/json' } });
    const pending = await replay('beginning');
    expect(await pending.json()).toEqual({ subscription: 'audit', deliveries: 0 });
    const [delivery] = (await s.spool.listJobs({ queue: 'spool.sub.audit' })).jobs;
    await s.spool.cancel(delivery?.id as string);
    expect(await (await replay(0)).json()).toEqual({ subscription: 'audit', deliveries: 1 });
    expect(await (await replay(new Date(Date.now() + 60_000).toISOString())).json()).toEqual({ subscription: 'audit', deliveries: 0 });
    const missing = await s.api('/v1/subscriptions/nobody/replay', {
      ...jsonBody({ from: 'beginning' }),
      token: secrets.admin,
      headers: { 'content-type': 'application/json' },
    });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'SPOOL_NOT_FOUND', detail: expect.stringContaining('nobody') });
    const forbidden = await replay('beginning', secrets.read);
    expect(forbidden.status).toBe(403);
    await forbidden.body?.cancel();
  });

  it('refuses bad input with problems that say what to change', async () => {
    const badTopic = await publish('no%20spaces', { payload: 1 });
    expect(badTopic.status).toBe(400);
    expect(await badTopic.json()).toMatchObject({ detail: expect.stringMatching(/^Invalid topic "no spaces" in the URL/) });
    const internal = await publish('spool.sub.audit', { payload: 1 });
    expect(internal.status).toBe(400);
    expect(await internal.json()).toMatchObject({ detail: expect.stringContaining('reserved "spool." namespace') });
    const unknown = await publish('orders', { payload: 1, kye: 'x' });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ detail: expect.stringContaining('field "kye"') });
    const badName = await publish('orders', { payload: 1, name: 'has spaces' });
    expect(badName.status).toBe(400);
    const badCursor = await s.api('/v1/topics/orders/events?after=abc', { token: secrets.read });
    expect(badCursor.status).toBe(400);
    await badCursor.body?.cancel();
    expect((await s.spool.eventLog('orders')).events).toEqual([]);
  });
});
