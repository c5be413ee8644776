/**
 * @module
 * The storefront's routes under `/shop/`: the page, placing an order (`POST /shop/orders`, one
 * job per cart), the order's status as JSON and as Server-Sent Events, the chaos panel and the
 * mailbox page. Everything it does to Spool goes through the public library API.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { QueueFullError, type Spool } from '../../src/index.js';
import { catalog, productOf } from './catalog.js';
import { Flood } from './flood.js';
import type { Order } from './order-flow.js';
import { type ShopperView, type Surroundings, shopperView } from './shopper-view.js';
import { tracedRequest } from './tracing.js';
import type { ProviderMode, World } from './world.js';
import { worldRoutes } from './world-routes.js';

export const ordersQueue = 'shop.orders';
export const providerBreaker = 'payment-provider';
export const analyticsSubscription = 'shop-analytics';

/** How an order job is enqueued: retries with backoff; the breaker and rate limit live on the queue. */
export const orderJobOptions = { maxAttempts: 10, backoff: { type: 'exponential', base: '500ms', cap: '10s' }, timeout: '30s' } as const;

const publicDir = fileURLToPath(new URL('./public/', import.meta.url));
const files: Record<string, string> = {
  '/': 'index.html',
  '/shop.js': 'shop.js',
  '/shop.css': 'shop.css',
  '/mailbox': 'mailbox.html',
  '/mailbox.js': 'mailbox.js',
};
const types: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/** A sentence the page can show, for a bad order body. */
function orderProblem(input: unknown): string | null {
  const body = input as Partial<Order & { cartId: unknown }> | null;
  if (typeof body?.cartId !== 'string' || !/^[A-Za-z0-9-]{8,64}$/.test(body.cartId))
    return 'cartId must be 8 to 64 letters, digits or dashes (the page makes one per cart).';
  if (typeof body.email !== 'string' || !body.email.includes('@')) return 'Enter an e-mail address for the confirmation.';
  if (typeof body.card !== 'string' || !/^\d{12,19}$/.test(body.card.replace(/\s/g, ''))) return 'Enter a card number of 12 to 19 digits.';
  if (!Array.isArray(body.lines) || body.lines.length === 0) return 'The cart is empty: add something first.';
  for (const line of body.lines) {
    if (!productOf(line?.sku))
      return `There is no product "${String(line?.sku)}"; the catalog has ${catalog.map((p) => p.sku).join(', ')}.`;
    if (!Number.isInteger(line.quantity) || line.quantity < 1 || line.quantity > 99)
      return 'Quantities must be whole numbers from 1 to 99.';
  }
  return null;
}

export function storefront(spool: Spool, world: World, shopUrl: () => string): Hono {
  const shop = new Hono({ strict: false });
  const flood = new Flood();
  let surroundings: { value: Surroundings; at: number; reading: Promise<Surroundings> | null } = {
    value: { providerDown: false },
    at: 0,
    reading: null,
  };

  /** The breaker's state, read at most twice a second however many shoppers watch. */
  async function around(): Promise<Surroundings> {
    if (Date.now() - surroundings.at < 500) return surroundings.value;
    surroundings.reading ??= (async () => {
      const breakers = await spool.breakers();
      const value = { providerDown: breakers.some((b) => b.name === providerBreaker && b.state?.status === 'open') };
      surroundings = { value, at: Date.now(), reading: null };
      return value;
    })().finally(() => {
      surroundings.reading = null;
    });
    return surroundings.reading;
  }

  async function viewOf(id: string): Promise<ShopperView | null> {
    const job = /^\d+$/.test(id) ? await spool.getJob(id) : null;
    if (!job || job.queue !== ordersQueue) return null;
    // Where a waiting order stands: the same `position` GET /v1/jobs/{id} gives.
    const [surroundings, position] = await Promise.all([around(), job.status === 'waiting' ? spool.position(job) : null]);
    return shopperView(job, surroundings, position);
  }

  shop.route('/api', worldRoutes(world));

  for (const [path, file] of Object.entries(files)) {
    shop.get(path, (c) => {
      const type = types[file.split('.').pop() ?? ''] ?? 'text/plain';
      return c.body(readFileSync(join(publicDir, file)), 200, { 'content-type': type, 'cache-control': 'no-cache' });
    });
  }

  shop.get('/api/catalog', (c) => c.json(catalog.map((p) => ({ ...p, stock: world.warehouse.stock.get(p.sku) ?? 0 }))));

  shop.post('/orders', async (c) => {
    const input = await c.req.json().catch(() => null);
    const problem = orderProblem(input);
    if (problem) return c.json({ error: problem }, 400);
    const { cartId, email, card, lines } = input as Order & { cartId: string };
    const total = lines.reduce((sum, line) => sum + (productOf(line.sku)?.price ?? 0) * line.quantity, 0);
    const order: Order = { orderId: cartId, email, card: card.replace(/\s/g, ''), lines, total };
    try {
      // The request's span is the order's trace: the job is stored with it, and every attempt,
      // step, event and delivery joins it. A caller's traceparent header is continued.
      const { job, traceId } = await tracedRequest('POST /shop/orders', c.req.header('traceparent'), async (traceId) => ({
        // The cart id is the idempotency key: a double click, or a retry after a 429, is one order.
        job: await spool.enqueue(ordersQueue, 'place-order', order, { ...orderJobOptions, idempotencyKey: `cart-${cartId}` }),
        traceId,
      }));
      const status = `/shop/orders/${job.id}`;
      const body = { orderId: cartId, jobId: job.id, created: job.created, status, events: `${status}/events` };
      return c.json(traceId ? { ...body, traceId } : body, 202, { location: status });
    } catch (err) {
      if (err instanceof QueueFullError) {
        const seconds = Math.max(1, Math.ceil(err.retryAfterMs / 1_000));
        return c.json({ error: `The shop is very busy; try again in ${seconds} s. Nothing was ordered yet.`, retryAfter: seconds }, 429, {
          'retry-after': String(seconds),
        });
      }
      throw err;
    }
  });

  shop.get('/orders/:id', async (c) => {
    const view = await viewOf(c.req.param('id'));
    return view ? c.json(view) : c.json({ error: `There is no order ${c.req.param('id')}.` }, 404);
  });

  shop.get('/orders/:id/events', async (c) => {
    const first = await viewOf(c.req.param('id'));
    if (!first) return c.json({ error: `There is no order ${c.req.param('id')}.` }, 404);
    c.header('cache-control', 'no-cache, no-transform');
    return streamSSE(c, async (stream) => {
      let stopped = false;
      stream.onAbort(() => {
        stopped = true;
      });
      let sent = '';
      let view: ShopperView | null = first;
      let lastWrite = Date.now();
      while (!stopped && view) {
        const data = JSON.stringify(view);
        if (data !== sent) {
          await stream.writeSSE({ event: 'order', data });
          sent = data;
          lastWrite = Date.now();
        } else if (Date.now() - lastWrite > 15_000) {
          await stream.write(': keep-alive\n\n');
          lastWrite = Date.now();
        }
        if (view.final) break;
        await sleep(250);
        view = await viewOf(first.jobId).catch(() => view);
      }
    });
  });

  shop.get('/api/state', async (c) => {
    const [breakers, counts] = await Promise.all([spool.breakers(), spool.counts(ordersQueue)]);
    const provider = world.provider;
    const { jobIds, ...floodStats } = flood.stats;
    return c.json({
      provider: {
        mode: provider.mode,
        slowMs: provider.slowMs,
        failEvery: provider.failEvery,
        calls: provider.calls.length,
        refused: provider.calls.filter((call) => !call.ok).length,
        charges: provider.chargeCount,
        chargedTwice: [...provider.chargesPerOrder.values()].filter((n) => n > 1).length,
      },
      breaker: breakers.find((b) => b.name === providerBreaker)?.state ?? null,
      queue: counts[ordersQueue] ?? null,
      stock: Object.fromEntries(world.warehouse.stock),
      sales: { orders: world.sales.orders.size, revenue: world.sales.revenue },
      mailbox: world.mailbox.messages.size,
      analytics: { events: world.analytics.counts(), deliveries: world.analytics.deliveries },
      flood: { ...floodStats, accepted: jobIds.length },
    });
  });

  shop.post('/api/chaos', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as { provider?: ProviderMode; slowMs?: number; failEvery?: number };
    if (body.provider !== undefined) {
      if (!['up', 'down', 'slow'].includes(body.provider)) return c.json({ error: 'provider must be "up", "down" or "slow".' }, 400);
      world.provider.mode = body.provider;
    }
    if (body.slowMs !== undefined) world.provider.slowMs = Math.min(25_000, Math.max(0, Number(body.slowMs) || 0));
    if (body.failEvery !== undefined) world.provider.failEvery = Math.max(0, Math.floor(Number(body.failEvery) || 0));
    return c.json({ mode: world.provider.mode, slowMs: world.provider.slowMs, failEvery: world.provider.failEvery });
  });

  shop.post('/api/flood', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as { rate?: number; seconds?: number; stop?: boolean };
    if (body.stop) {
      flood.halt();
      return c.json(flood.stats);
    }
    const rate = Number(body.rate);
    const seconds = Number(body.seconds ?? 10);
    if (!(rate >= 1 && rate <= 500) || !(seconds >= 1 && seconds <= 300))
      return c.json({ error: 'rate must be 1 to 500 orders a second, and seconds 1 to 300.' }, 400);
    flood.start(shopUrl(), rate, seconds);
    return c.json(flood.stats, 202);
  });

  shop.post('/api/analytics/replay', async (c) => {
    world.analytics.clear();
    const events = await spool.replay(analyticsSubscription, 'beginning');
    return c.json({ replayed: events });
  });

  return shop;
}
