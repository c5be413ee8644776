/**
 * The shop's order processing on both stores, as `npm start` runs it (examples/spool.config.ts):
 * an order goes through every stage and its subscribers; a double click is one order; a declined
 * card puts the stock back; with the payment provider down for a while, 200 orders wait behind
 * the open breaker without spending attempts and all complete, each charged exactly once, when it
 * returns; a flood past the queue's max depth gets 429 with Retry-After and loses nothing it
 * accepted.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { Job } from '../../src/index.js';
import type { ShopperView } from '../../examples/shop/shopper-view.js';
import { ordersQueue, providerBreaker } from '../../examples/shop/storefront.js';
import { eventually } from '../helpers/eventually.js';
import { storeKinds } from '../server/helpers.js';
import { type TestShop, cartIds, placeOrder } from './harness.js';
import { startTestShop } from './harness.js';

const kinds = await storeKinds();

async function jobsOf(shop: TestShop, ids: string[]): Promise<Job[]> {
  return Promise.all(ids.map(async (id) => (await shop.spool.getJob(id)) as Job));
}

describe.each(kinds)('shop orders on $kind', ({ make }) => {
  let shop: TestShop | null = null;

  afterEach(async () => {
    await shop?.cleanup();
    shop = null;
  });

  it('an order goes through every stage; its e-mail, sale and analytics follow; a double click is one order', {
    timeout: 60_000,
  }, async () => {
    shop = await startTestShop(await make(), { dashboard: false });
    const [first, second] = await Promise.all([
      placeOrder(shop.url, 'cart-double-click', [{ sku: 'tee', quantity: 2 }]),
      placeOrder(shop.url, 'cart-double-click', [{ sku: 'tee', quantity: 2 }]),
    ]);
    expect([first.status, second.status]).toEqual([202, 202]);
    expect(second.body.jobId).toBe(first.body.jobId);
    expect([first.body.created, second.body.created].sort()).toEqual([false, true]);
    expect(first.body.status).toBe(`/shop/orders/${first.body.jobId}`);

    const job = await shop.spool.waitFor(first.body.jobId as string, { timeout: 20_000 });
    expect(job).toMatchObject({ orderId: 'cart-double-click', total: 5000 });
    const view = await (await fetch(`${shop.url}${first.body.status}`)).json();
    expect(view).toMatchObject({ state: 'confirmed', step: 4, stages: 4, final: true });
    const world = shop.world;
    expect(world.provider.chargesPerOrder.get('cart-double-click')).toBe(1);
    expect(world.warehouse.stock.get('tee')).toBe(10_000 - 2);
    await eventually(() => world.mailbox.messages.size === 1 && world.sales.orders.size === 1 && world.analytics.events.size === 2, 15_000);
    const mail = [...world.mailbox.messages.values()][0];
    expect(mail).toMatchObject({ to: 'cart-double-click@example.com', subject: 'Your order cart-dou is confirmed' });
    expect(world.sales.revenue).toBe(5000);
    expect(world.analytics.counts()).toEqual({ 'order.placed': 1, 'order.paid': 1 });

    // The analytics subscription rebuilds from the event log: the same figures, nothing counted twice.
    const replay = await (await fetch(`${shop.url}/shop/api/analytics/replay`, { method: 'POST' })).json();
    expect(replay).toEqual({ replayed: 2 });
    await eventually(() => world.analytics.deliveries === 2, 15_000);
    expect(world.analytics.counts()).toEqual({ 'order.placed': 1, 'order.paid': 1 });
  });

  it('a declined card fails the order at once with a sentence for the shopper, and puts the stock back', { timeout: 60_000 }, async () => {
    shop = await startTestShop(await make(), { dashboard: false });
    const placed = await placeOrder(shop.url, 'cart-declined', [{ sku: 'print', quantity: 2 }], '4000000000000002');
    expect(placed.status).toBe(202);
    await expect(shop.spool.waitFor(placed.body.jobId as string, { timeout: 20_000 })).rejects.toThrow(/declined/);
    const view = await (await fetch(`${shop.url}${placed.body.status}`)).json();
    expect(view).toMatchObject({ state: 'failed', message: 'Your card was declined. Nothing was charged; please try another card.' });
    expect(JSON.stringify(view)).not.toMatch(/issuer|stack|at /);
    expect(shop.world.warehouse.stock.get('print')).toBe(3);
    expect(shop.world.warehouse.reserved).toBe(0);
    const job = (await shop.spool.getJob(placed.body.jobId as string)) as Job;
    expect(job.attempts).toBe(1);

    const bad = await placeOrder(shop.url, 'cart-bad-line', [{ sku: 'teapot', quantity: 1 }]);
    expect(bad).toMatchObject({ status: 400, body: { error: 'There is no product "teapot"; the catalog has mug, tee, stickers, print.' } });
  });

  it('the order is a durable workflow: its steps show over GET /v1/jobs/{id}/steps; a declined card runs the compensation once', {
    timeout: 60_000,
  }, async () => {
    shop = await startTestShop(await make(), { dashboard: false });
    const stepsOf = async (id: string) => {
      const response = await fetch(`${shop!.url}/v1/jobs/${id}/steps`);
      expect(response.status).toBe(200);
      return ((await response.json()) as { steps: { name: string; kind: string; status: string; attempts: number }[] }).steps;
    };

    const good = await placeOrder(shop.url, 'cart-workflow-ok', [{ sku: 'mug', quantity: 1 }]);
    await shop.spool.waitFor(good.body.jobId as string, { timeout: 20_000 });
    expect(
      (await stepsOf(good.body.jobId as string)).map(({ name, kind, status, attempts }) => ({ name, kind, status, attempts })),
    ).toEqual([
      { name: 'reserve', kind: 'step', status: 'completed', attempts: 1 },
      { name: 'publish-placed', kind: 'step', status: 'completed', attempts: 1 },
      { name: 'charge', kind: 'step', status: 'completed', attempts: 1 },
      { name: 'publish-paid', kind: 'step', status: 'completed', attempts: 1 },
    ]);
    expect(shop.world.warehouse.releaseCalls).toEqual([]);

    const declined = await placeOrder(shop.url, 'cart-workflow-declined', [{ sku: 'print', quantity: 1 }], '4000000000000002');
    const id = declined.body.jobId as string;
    await expect(shop.spool.waitFor(id, { timeout: 20_000 })).rejects.toThrow(/declined/);
    const steps = await stepsOf(id);
    expect(steps.map(({ name, status }) => [name, status])).toEqual([
      ['reserve', 'completed'],
      ['publish-placed', 'completed'],
      ['charge', 'failed'],
      ['$saga', 'completed'],
      ['compensate:reserve', 'completed'],
    ]);
    expect(steps.filter((s) => s.kind === 'compensation' && s.name === 'compensate:reserve')).toEqual([
      expect.objectContaining({ status: 'completed', attempts: 1 }),
    ]);
    // The same through the library, and the world: released exactly once, the stock whole again.
    expect((await shop.spool.steps(id))?.map((s) => s.name)).toEqual(steps.map((s) => s.name));
    expect(shop.world.warehouse.releaseCalls).toEqual(['cart-workflow-declined']);
    expect(shop.world.warehouse.stock.get('print')).toBe(3);
    expect(shop.world.provider.chargesPerOrder.get('cart-workflow-declined') ?? 0).toBe(0);
    const view = await (await fetch(`${shop.url}${declined.body.status}`)).json();
    expect(view).toMatchObject({ state: 'failed', message: 'Your card was declined. Nothing was charged; please try another card.' });
  });

  it('a waiting order shows where it stands in line: the position GET /v1/jobs/{id} gives', { timeout: 60_000 }, async () => {
    shop = await startTestShop(await make(), { dashboard: false });
    await shop.spool.pause(ordersQueue);
    const placed = [];
    for (const cart of cartIds(3, 'in-line')) placed.push(await placeOrder(shop.url, cart));
    const last = placed[2]?.body.jobId as string;
    const api = (await (await fetch(`${shop.url}/v1/jobs/${last}`)).json()) as { position?: { ahead: number; eta: number | null } };
    expect(api.position).toMatchObject({ ahead: 2 });
    const view = await (await fetch(`${shop.url}/shop/orders/${last}`)).json();
    // Nothing has drained from the queue yet: no ETA is honest, so none is given.
    expect(view).toMatchObject({ state: 'queued', position: { ahead: 2, startsInSeconds: null } });
    const first = (await (await fetch(`${shop.url}/shop/orders/${placed[0]?.body.jobId}`)).json()) as ShopperView;
    expect(first.position).toEqual({ ahead: 0, startsInSeconds: null });

    await shop.spool.resume(ordersQueue);
    await shop.spool.waitFor(last, { timeout: 20_000 });
    const done = (await (await fetch(`${shop.url}/shop/orders/${last}`)).json()) as ShopperView;
    expect(done).toMatchObject({ state: 'confirmed' });
    expect(done.position).toBeUndefined();
  });

  it('provider down: 200 orders wait behind the open breaker without spending attempts; when it returns all are confirmed, each charged once', {
    timeout: 240_000,
  }, async () => {
    shop = await startTestShop(await make(), { dashboard: false });
    const { world, spool } = shop;
    const transitions: { to: string; seenAt: number }[] = [];
    spool.on('breaker', (t) => {
      if (t.breaker === providerBreaker) transitions.push({ to: t.to, seenAt: Date.now() });
    });
    // Each attempt starts with a claim: the job turns active.
    const claims: { job: string; attempt: number; seenAt: number }[] = [];
    spool.on('active', ({ job }) => {
      if (job.queue === ordersQueue) claims.push({ job: job.id, attempt: job.attempts, seenAt: Date.now() });
    });
    world.provider.mode = 'down';
    const carts = cartIds(200);
    const placed = [];
    for (let i = 0; i < carts.length; i += 20) {
      placed.push(
        ...(await Promise.all(
          carts.slice(i, i + 20).map((cart, j) => placeOrder(shop!.url, cart, [{ sku: ['mug', 'tee', 'stickers'][j % 3]!, quantity: 1 }])),
        )),
      );
    }
    expect(placed.map((p) => p.status)).toEqual(carts.map(() => 202));
    const ids = placed.map((p) => p.body.jobId as string);

    // The breaker opens, and the provider is left alone while it is open (a probe after each cool-down).
    await eventually(() => transitions.some((t) => t.to === 'open'), 20_000);
    // The shopper is told, once the shop has read the breaker (at most every half second).
    await eventually(
      async () => {
        const view = await (await fetch(`${shop!.url}/shop/orders/${ids[150]}`)).json();
        expect(view).toMatchObject({
          state: expect.stringMatching(/^(queued|retrying)$/),
          message: expect.stringContaining('Your order is safe'),
        });
      },
      5_000,
      100,
    );
    await sleep(7_000);
    const queue = await spool.queue(ordersQueue);
    expect(queue.breakers).toEqual([expect.objectContaining({ name: providerBreaker, status: expect.stringMatching(/open|half-open/) })]);
    expect(queue.counts.waiting + queue.counts.active).toBe(200 - (queue.counts.completed ?? 0));
    expect(queue.counts.completed).toBe(0);
    world.provider.mode = 'up';

    const jobs = await eventually(
      async () => {
        const all = await jobsOf(shop!, ids);
        return all.every((j) => j.status === 'completed') && all;
      },
      180_000,
      200,
    );

    // Every order confirmed, each charged exactly once.
    expect(jobs.map((j) => j.status)).toEqual(ids.map(() => 'completed'));
    expect(world.provider.chargeCount).toBe(200);
    expect([...world.provider.chargesPerOrder.values()].every((n) => n === 1)).toBe(true);
    expect(world.provider.chargesPerOrder.size).toBe(200);

    // No attempt while the breaker was open: no order was claimed between its opening and its
    // next probe (a claim that committed just before the opening may be seen up to 250 ms late),
    // and every attempt beyond each order's first was a refused charge, none spent waiting.
    const opens = transitions.filter((t) => t.to === 'open');
    for (const open of opens) {
      const next = transitions.find((t) => t.seenAt > open.seenAt && t.to !== 'open');
      const during = claims.filter((c) => c.seenAt > open.seenAt + 250 && c.seenAt < (next?.seenAt ?? Number.POSITIVE_INFINITY));
      expect(during, `claims while the breaker was open from ${open.seenAt}`).toEqual([]);
    }
    const refused = world.provider.calls.filter((c) => !c.ok);
    const extraAttempts = jobs.reduce((sum, j) => sum + j.attempts - 1, 0);
    expect(extraAttempts).toBe(refused.length);
    expect(claims.length).toBe(200 + extraAttempts);
    // The refused charges: those that opened it, those in flight then (outcomes are written in
    // batches, so up to two workers' worth), and one probe per cool-down.
    const probes = transitions.filter((t) => t.to === 'half-open').length;
    expect(refused.length).toBeLessThanOrEqual(5 + 2 * 8 + probes);
    console.info(
      `[shop] provider down: 200 orders, ${refused.length} refused charges (${probes} probes), ${claims.length} claims, 0 while open, ${world.provider.chargeCount} charges`,
    );
    expect(opens.length).toBeGreaterThanOrEqual(1);
    expect(transitions.at(-1)?.to).toBe('closed');
    await eventually(() => world.mailbox.messages.size === 200 && world.sales.orders.size === 200, 60_000, 100);
  });

  it('a flood past the max depth gets 429 with Retry-After; retried politely, every accepted order completes once', {
    timeout: 240_000,
  }, async () => {
    shop = await startTestShop(await make(), { dashboard: false });
    const { world, spool } = shop;
    await spool.configureQueue(ordersQueue, { maxDepth: 40 });
    world.provider.mode = 'slow';
    world.provider.slowMs = 1_000;
    const carts = cartIds(120, 'flood');
    const first = await Promise.all(carts.map((cart) => placeOrder(shop!.url, cart)));
    const tooBusy = first.filter((p) => p.status === 429);
    expect(tooBusy.length).toBeGreaterThan(0);
    expect(first.every((p) => p.status === 202 || p.status === 429)).toBe(true);
    for (const p of tooBusy) {
      expect(Number(p.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(p.body.error).toMatch(/^The shop is very busy; try again in \d+ s\. Nothing was ordered yet\.$/);
    }
    world.provider.slowMs = 0;

    // Retry each refused cart after its Retry-After, with the same cart id, until the shop takes it.
    const accepted = new Map<string, string>();
    for (const [i, p] of first.entries()) if (p.status === 202) accepted.set(carts[i]!, p.body.jobId as string);
    const pending = carts.filter((cart) => !accepted.has(cart));
    await Promise.all(
      pending.map(async (cart, i) => {
        let wait = Number(first[carts.indexOf(cart)]?.retryAfter ?? 1);
        for (let tries = 0; tries < 60; tries++) {
          await sleep(wait * 1_000 + (i % 10) * 50);
          const again = await placeOrder(shop!.url, cart);
          if (again.status === 202) {
            accepted.set(cart, again.body.jobId as string);
            return;
          }
          expect(again.status).toBe(429);
          wait = Number(again.retryAfter);
        }
      }),
    );
    expect(accepted.size).toBe(120);
    const ids = [...accepted.values()];
    expect(new Set(ids).size).toBe(120);
    await eventually(async () => (await jobsOf(shop!, ids)).every((j) => j.status === 'completed'), 180_000, 200);
    expect(world.provider.chargeCount).toBe(120);
    expect([...world.provider.chargesPerOrder.values()].every((n) => n === 1)).toBe(true);
  });
});
