/**
 * @module
 * The fake world over HTTP, under `/shop/api/`: what the handlers call (warehouse, provider,
 * mailbox, sales, analytics) as they would call real services.
 */
import { Hono } from 'hono';
import type { OrderLine, World } from './world.js';

async function body<T>(request: Request): Promise<T> {
  return (await request.json()) as T;
}

export function worldRoutes(world: World): Hono {
  const api = new Hono();

  api.post('/stock/reserve', async (c) => {
    const { orderId, lines } = await body<{ orderId: string; lines: OrderLine[] }>(c.req.raw);
    const reserved = world.warehouse.reserve(orderId, lines);
    return reserved.ok ? c.json({ ok: true }) : c.json({ ok: false, sku: reserved.sku }, 409);
  });

  api.post('/stock/release', async (c) => {
    const { orderId } = await body<{ orderId: string }>(c.req.raw);
    return c.json({ released: world.warehouse.release(orderId) });
  });

  api.post('/provider/charges', async (c) => {
    const { orderId, amount, card } = await body<{ orderId: string; amount: number; card: string }>(c.req.raw);
    const key = c.req.header('idempotency-key') ?? crypto.randomUUID();
    const answer = await world.provider.charge(orderId, amount, key, card);
    if (!answer.ok) return c.json({ reason: answer.reason }, answer.status);
    return c.json(answer.charge, answer.replayed ? 200 : 201);
  });

  api.post('/mailbox', async (c) => {
    world.mailbox.deliver(await body(c.req.raw));
    return c.body(null, 204);
  });

  api.post('/sales', async (c) => {
    const { orderId, amount } = await body<{ orderId: string; amount: number }>(c.req.raw);
    world.sales.record(orderId, amount);
    return c.body(null, 204);
  });

  api.post('/analytics', async (c) => {
    const { eventId, name, at } = await body<{ eventId: string; name: string; at: number }>(c.req.raw);
    world.analytics.record(eventId, name, at);
    return c.body(null, 204);
  });

  api.get('/mailbox', (c) => c.json([...world.mailbox.messages.values()].reverse().slice(0, 100)));

  return api;
}
