/**
 * The shop's traces and metrics on both stores, as `npm start` runs it with SHOP_TRACES set (the
 * OpenTelemetry SDK registered, here with the in-memory exporter): one order is one trace, from
 * `POST /shop/orders` through its attempt and workflow steps to every subscriber's delivery; and
 * the shop's Spool serves `/metrics` (no token in dev mode) with the order's queue counters.
 */
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { storeKinds } from '../server/helpers.js';
import { type TestShop, placeOrder, startTestShop } from './harness.js';

const kinds = await storeKinds();

describe.each(kinds)('shop observability on $kind', ({ make }) => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const contextManager = new AsyncLocalStorageContextManager();
  let shop: TestShop | null = null;

  beforeAll(() => {
    context.setGlobalContextManager(contextManager.enable());
    trace.setGlobalTracerProvider(provider);
  });
  afterEach(async () => {
    await shop?.cleanup();
    shop = null;
    exporter.reset();
  });
  afterAll(async () => {
    trace.disable();
    context.disable();
    await provider.shutdown();
  });

  it('one order is one trace: the request, its attempt and steps, both events and every subscriber', { timeout: 60_000 }, async () => {
    shop = await startTestShop(await make(), { dashboard: false });
    // A caller's traceparent is continued: the order joins the caller's trace.
    const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await fetch(`${shop.url}/shop/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${callerTrace}-00f067aa0ba902b7-01` },
      body: JSON.stringify({
        cartId: 'cart-traced',
        email: 'traced@example.com',
        card: '4242424242424242',
        lines: [{ sku: 'mug', quantity: 1 }],
      }),
    });
    expect(response.status).toBe(202);
    const placed = (await response.json()) as { jobId: string; traceId: string };
    expect(placed.traceId).toBe(callerTrace);
    await shop.spool.waitFor(placed.jobId, { timeout: 20_000 });
    const world = shop.world;
    await eventually(() => world.mailbox.messages.size === 1 && world.sales.orders.size === 1 && world.analytics.events.size === 2, 15_000);

    const expected = [
      'POST /shop/orders',
      'send shop.orders',
      'process shop.orders',
      'step reserve',
      'step publish-placed',
      'step charge',
      'step publish-paid',
    ];
    const ofOrder = () => exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === callerTrace);
    // Two publishes; deliveries: shop-analytics twice, shop-email and shop-sales once each.
    await eventually(() => ofOrder().filter((s) => s.name.startsWith('process ')).length >= 5, 15_000);
    const spans = ofOrder();
    const names = spans.map((s) => s.name);
    for (const name of expected) expect(names, name).toContain(name);
    expect(names.filter((n) => n.startsWith('publish ')).length).toBe(2);
    const deliveries = spans.filter((s) => s.name.startsWith('process ') && s.name !== 'process shop.orders');
    expect(deliveries.length).toBe(4);
    // Every span the order made is in its trace: none started a trace of its own.
    const shopSpans = exporter
      .getFinishedSpans()
      .filter((s) => s.name.startsWith('step ') || s.name === 'POST /shop/orders' || /shop\.orders|shop-/.test(s.name));
    expect(new Set(shopSpans.map((s) => s.spanContext().traceId))).toEqual(new Set([callerTrace]));
    // The steps are children of the attempt that ran them.
    const attempt = spans.find((s) => s.name === 'process shop.orders');
    for (const step of spans.filter((s) => s.name.startsWith('step '))) {
      expect(step.parentSpanContext?.spanId).toBe(attempt?.spanContext().spanId);
    }
  });

  it('a declined card: the compensation is a span in the order trace', { timeout: 60_000 }, async () => {
    shop = await startTestShop(await make(), { dashboard: false });
    const placed = await placeOrder(shop.url, 'cart-traced-declined', [{ sku: 'tee', quantity: 1 }], '4000000000000002');
    const traceId = (placed.body as { traceId?: string }).traceId;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    await expect(shop.spool.waitFor(placed.body.jobId as string, { timeout: 20_000 })).rejects.toThrow(/declined/);
    await eventually(() => exporter.getFinishedSpans().some((s) => s.name === 'process shop.orders'), 10_000);
    const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    const compensation = spans.find((s) => s.name === 'step compensate:reserve');
    expect(compensation?.parentSpanContext?.spanId).toBe(spans.find((s) => s.name === 'process shop.orders')?.spanContext().spanId);
    expect(spans.find((s) => s.name === 'step charge')?.status.code).toBe(2);
  });

  it('the shop serves /metrics without a token in dev mode, with the order queue counters', { timeout: 60_000 }, async () => {
    shop = await startTestShop(await make(), { dashboard: false });
    const placed = await placeOrder(shop.url, 'cart-metrics');
    await shop.spool.waitFor(placed.body.jobId as string, { timeout: 20_000 });
    const response = await fetch(`${shop.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/^spool_jobs_enqueued_total\{queue="shop\.orders",name="place-order"\} 1$/m);
    await eventually(async () => {
      const again = await (await fetch(`${shop!.url}/metrics`)).text();
      expect(again).toMatch(/^spool_jobs_completed_total\{queue="shop\.orders",name="place-order"\} 1$/m);
      expect(again).toMatch(/^spool_queue_depth\{queue="shop\.orders",status="completed"\} 1$/m);
    }, 10_000);
    expect(text).toMatch(/^spool_breaker_state\{breaker="payment-provider"\} 0$/m);
  });
});
