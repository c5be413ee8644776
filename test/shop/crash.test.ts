/**
 * A worker that dies in the middle of an order, on both stores: `spool worker` processes run the
 * orders (as docs/shop.md scales the shop out), the first is killed (SIGKILL) while the payment
 * provider is slow to answer the charge, and a second finishes the order. The workflow's stored
 * steps are not repeated: the stock is reserved and `order.placed` published once; only the charge,
 * which had not finished, runs again, and the provider charges the order once.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SpoolProcess, killAll, root } from '../cli/run.js';
import { eventually } from '../helpers/eventually.js';
import { storeKinds } from '../server/helpers.js';
import { type TestShop, placeOrder, startTestShop } from './harness.js';

const kinds = await storeKinds();

describe.each(kinds)('a worker crash mid-order on $kind', ({ make }) => {
  let shop: TestShop | null = null;

  afterEach(async () => {
    await killAll();
    await shop?.cleanup();
    shop = null;
  });

  it('a second worker finishes the order without repeating a finished step; one reservation, one charge', {
    timeout: 120_000,
  }, async () => {
    const store = await make();
    shop = await startTestShop(store, { dashboard: false, workers: false });
    const env = {
      SPOOL_STORE: store.url,
      ...(store.schema ? { SPOOL_SCHEMA: store.schema } : {}),
      SHOP_URL: shop.url,
    };
    const worker = () => new SpoolProcess(['worker', '--config', join(root, 'examples', 'spool.config.ts')], { env });
    const { world, spool } = shop;
    world.provider.mode = 'slow';
    world.provider.slowMs = 20_000;

    const first = worker();
    const placed = await placeOrder(shop.url, 'cart-crash');
    const id = placed.body.jobId as string;
    // The first worker is inside the charge: reserve and publish-placed are stored.
    await eventually(async () => {
      const steps = (await spool.steps(id)) ?? [];
      const inCharge = steps.some((s) => s.name === 'publish-placed' && s.status === 'completed');
      if (!inCharge) throw new Error(`not in the charge yet; the worker says: ${first.stdout.slice(-500)} ${first.stderr.slice(-1_000)}`);
      expect(world.provider.calls).toEqual([]);
    }, 30_000);
    first.kill();
    await first.exited;
    world.provider.mode = 'up';

    worker();
    const result = await spool.waitFor(id, { timeout: 90_000 });
    expect(result).toMatchObject({ orderId: 'cart-crash' });
    const job = await spool.getJob(id);
    expect(job?.attempts).toBe(2);
    const steps = ((await spool.steps(id)) ?? []).map(({ name, status, attempts }) => ({ name, status, attempts }));
    expect(steps).toEqual([
      { name: 'reserve', status: 'completed', attempts: 1 },
      { name: 'publish-placed', status: 'completed', attempts: 1 },
      { name: 'charge', status: 'completed', attempts: 1 },
      { name: 'publish-paid', status: 'completed', attempts: 1 },
    ]);
    // The warehouse was asked once: the second run returned the stored reservation.
    expect(world.warehouse.reserveCalls).toEqual(['cart-crash']);
    await eventually(() => world.provider.calls.filter((c) => c.orderId === 'cart-crash').length >= 1, 30_000);
    expect(world.provider.chargesPerOrder.get('cart-crash')).toBe(1);
    await eventually(() => world.analytics.events.size === 2, 30_000);
    expect(world.analytics.counts()).toEqual({ 'order.placed': 1, 'order.paid': 1 });
  });
});
