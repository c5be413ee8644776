/**
 * @module
 * How the shop's handlers reach the world: plain HTTP to the shop server (its fake warehouse,
 * payment provider, mailbox, sales ledger and analytics sink) and to Spool's HTTP API to publish
 * events. Nothing here holds state, so the handlers run alike inside `npm start` and in
 * `spool worker` processes on other machines: point `SHOP_URL` at the shop server (and set
 * `SPOOL_TOKEN` to a token with the `publish` scope when the server has tokens).
 */
import { JobError } from '../../src/index.js';
import { traceHeaders } from './tracing.js';
import type { OrderLine } from './world.js';

/** The shop server's origin, read at each call: `startShop` sets it to the port it took. */
export function shopUrl(): string {
  return (process.env.SHOP_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
}

/** The topic the order flow publishes on and the subscribers consume. */
export const orderTopic = 'shop.orders';

/** A failure of the payment provider that a retry may fix: shared circuit breakers count it (`transient`). */
export class ProviderUnavailableError extends JobError {
  readonly transient = true;

  constructor(message: string) {
    super(message, {
      userMessage: 'The payment provider is having trouble right now. Your order is safe and will go through as soon as it is back.',
    });
  }
}

async function call(path: string, body: unknown, signal: AbortSignal, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${shopUrl()}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...traceHeaders(), ...headers },
    body: JSON.stringify(body),
    signal,
  });
}

async function expectOk(response: Response, what: string): Promise<void> {
  if (!response.ok) throw new Error(`${what} answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
}

export async function reserveStock(
  orderId: string,
  lines: OrderLine[],
  signal: AbortSignal,
): Promise<{ ok: true } | { ok: false; sku: string }> {
  const response = await call('/shop/api/stock/reserve', { orderId, lines }, signal);
  if (response.status === 409) return { ok: false, sku: ((await response.json()) as { sku: string }).sku };
  await expectOk(response, 'The warehouse');
  return { ok: true };
}

export async function releaseStock(orderId: string, signal: AbortSignal): Promise<void> {
  await expectOk(await call('/shop/api/stock/release', { orderId }, signal), 'The warehouse');
}

export type ChargeResult = { ok: true; chargeId: string } | { ok: false; declined: string };

/** One charge, keyed by the order: asked again for the same order, the provider returns the first charge. */
export async function chargeCard(orderId: string, amount: number, card: string, signal: AbortSignal): Promise<ChargeResult> {
  const response = await call('/shop/api/provider/charges', { orderId, amount, card }, signal, { 'idempotency-key': `charge-${orderId}` });
  if (response.status === 402) return { ok: false, declined: ((await response.json()) as { reason: string }).reason };
  if (response.status >= 500) throw new ProviderUnavailableError(`The payment provider answered ${response.status}`);
  await expectOk(response, 'The payment provider');
  return { ok: true, chargeId: ((await response.json()) as { id: string }).id };
}

export async function sendMail(mail: { id: string; to: string; subject: string; body: string }, signal: AbortSignal): Promise<void> {
  await expectOk(await call('/shop/api/mailbox', mail, signal), 'The mail server');
}

export async function recordSale(orderId: string, amount: number, signal: AbortSignal): Promise<void> {
  await expectOk(await call('/shop/api/sales', { orderId, amount }, signal), 'The sales ledger');
}

export async function recordAnalytics(eventId: string, name: string, at: number, signal: AbortSignal): Promise<void> {
  await expectOk(await call('/shop/api/analytics', { eventId, name, at }, signal), 'The analytics sink');
}

/** Publishes on the shop's topic through Spool's HTTP API; the event id makes a repeat deliver nothing new. */
export async function publishEvent(name: string, id: string, key: string, payload: unknown, signal: AbortSignal): Promise<void> {
  const token = process.env.SPOOL_TOKEN;
  const response = await fetch(`${shopUrl()}/v1/topics/${orderTopic}/events`, {
    method: 'POST',
    // traceparent: the event, and every delivery of it, joins the order's trace.
    headers: { 'content-type': 'application/json', ...traceHeaders(), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ name, id, key, payload }),
    signal,
  });
  await expectOk(response, `Publishing ${name}`);
}
