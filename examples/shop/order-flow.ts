/**
 * @module
 * The order flow: the handler of `place-order` jobs on the `shop.orders` queue. Its stages are
 * separate functions, each idempotent, keyed by the order id, so a retry (or a second worker
 * after a crash) repeats none of their effects: the warehouse holds one reservation per order,
 * the provider one charge per idempotency key `charge-<orderId>`, the bus one event per event id.
 *
 * Stages: reserve stock (released when the order fails for good), publish `order.placed`,
 * charge the card, publish `order.paid`. The shopper sees each stage as progress (a step of
 * four, with a sentence written for them) and each failure as a `userMessage`.
 *
 * `placeOrder` runs them as durable workflow steps (`ctx.step`): a finished stage is stored and
 * never runs again for the order, and a failure for good runs the reserve step's compensation.
 * Each stage stays idempotent on its own too, for the window between a stage's effect and the
 * store recording it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type Handlers, type JobContext, JobError } from '../../src/index.js';
import * as services from './services.js';
import { currentContext, tracedStep } from './tracing.js';
import type { OrderLine } from './world.js';

export interface Order {
  /** The cart's id: one order per cart, however many times "Place order" is pressed. */
  orderId: string;
  email: string;
  /** A test card number; one ending in 0002 is declined. */
  card: string;
  lines: OrderLine[];
  /** In cents. */
  total: number;
}

export interface OrderResult {
  orderId: string;
  chargeId: string;
  total: number;
}

/** The stages as the shopper sees them: progress is `{ done, total: stages }`. */
export const stages = 4;

/** Shown while a charge takes longer than this. */
export const slowAfterMs = 1_500;
export const slowMessage = 'Payment provider is slow right now — your order is safe and will go through in a moment';

/** Stage 1: holds the items for this order. Out of stock fails the order at once; nothing was charged. */
export async function reserveStock(order: Order, signal: AbortSignal): Promise<void> {
  const reserved = await services.reserveStock(order.orderId, order.lines, signal);
  if (!reserved.ok) {
    throw new JobError(`order ${order.orderId}: ${reserved.sku} is out of stock`, {
      userMessage: `Sorry, "${reserved.sku}" just sold out. Your card has not been charged.`,
      retryable: false,
      code: 'OUT_OF_STOCK',
    });
  }
}

/** The compensation of stage 1: puts the items back when the order fails for good. Safe to run twice. */
export async function releaseStock(order: Order, signal: AbortSignal): Promise<void> {
  await services.releaseStock(order.orderId, signal);
}

/** Stage 2: tells the bus the order exists (event id `order-<id>-placed`: published once). */
export async function publishPlaced(order: Order, signal: AbortSignal): Promise<void> {
  await services.publishEvent('order.placed', `order-${order.orderId}-placed`, order.orderId, order, signal);
}

/**
 * Stage 3: charges the card once per order (the provider's idempotency key is the order id). A
 * provider that does not answer within `slowAfterMs` gets a reassuring line on the progress bar;
 * one that is down throws ProviderUnavailableError, which the queue's shared breaker counts.
 */
export async function chargePayment(order: Order, ctx: Pick<JobContext, 'signal' | 'progress'>): Promise<string> {
  const slow = new AbortController();
  const signal = AbortSignal.any([ctx.signal, slow.signal]);
  void sleep(slowAfterMs, undefined, { signal }).then(
    () => ctx.progress({ done: 2, total: stages }, slowMessage),
    () => {},
  );
  try {
    const result = await services.chargeCard(order.orderId, order.total, order.card, ctx.signal);
    if (!result.ok) {
      throw new JobError(`order ${order.orderId}: ${result.declined}`, {
        userMessage: 'Your card was declined. Nothing was charged; please try another card.',
        retryable: false,
        code: 'CARD_DECLINED',
      });
    }
    return result.chargeId;
  } finally {
    slow.abort();
  }
}

/** Stage 4: tells the bus the order is paid; the e-mail, sales and analytics subscribers take it from there. */
export async function publishPaid(order: Order, chargeId: string, signal: AbortSignal): Promise<void> {
  await services.publishEvent('order.paid', `order-${order.orderId}-paid`, order.orderId, { ...order, chargeId }, signal);
}

/**
 * The order as a durable workflow: each stage is a `ctx.step`, stored once it finishes, so a
 * retried or resumed run (another worker, after a crash) returns the stored result and repeats no
 * finished stage. When the order fails for good (a declined card, or the last attempt spent) the
 * reserve step's compensation puts the stock back, once, as a durable step of its own
 * (`compensate:reserve`). The shared breaker still guards the whole job through the queue's
 * limits, so while it is open no order is claimed and no attempt is spent.
 */
export async function placeOrder(order: Order, ctx: JobContext): Promise<OrderResult> {
  // The attempt's trace: the compensation runs after this function returns, and joins it there.
  const attempt = currentContext();
  await ctx.progress({ done: 0, total: stages }, 'Reserving your items');
  // Spool makes a span `step <name>` for each step that runs; the compensation runs outside the steps.
  await ctx.step('reserve', () => reserveStock(order, ctx.signal), {
    compensate: () => tracedStep('compensate:reserve', () => releaseStock(order, ctx.signal), attempt),
  });
  await ctx.progress({ done: 1, total: stages }, 'Items reserved');
  await ctx.step('publish-placed', () => publishPlaced(order, ctx.signal));
  await ctx.progress({ done: 2, total: stages }, 'Charging your card');
  const chargeId = await ctx.step('charge', () => chargePayment(order, ctx));
  await ctx.progress({ done: 3, total: stages }, 'Payment received — confirming your order');
  await ctx.step('publish-paid', () => publishPaid(order, chargeId, ctx.signal));
  await ctx.progress({ done: stages, total: stages }, 'Order confirmed');
  return { orderId: order.orderId, chargeId, total: order.total };
}

const handlers: Handlers = { 'place-order': placeOrder };

export default handlers;
