/**
 * @module
 * The subscribers of the `shop.orders` topic, each a durable subscription with its own pace and
 * retries: the confirmation e-mail, the sales counter, and analytics, which keeps every event
 * and can be rebuilt with a replay (`spool replay shop-analytics --from beginning`). Each is
 * idempotent by the event or order id, so a redelivery or a replay changes nothing twice.
 */
import type { JobContext, SpoolEvent } from '../../src/index.js';
import type { Order } from './order-flow.js';
import * as services from './services.js';

type Paid = Order & { chargeId: string };

function money(cents: number): string {
  return `$${(cents / 100).toFixed(2)}`;
}

/** On `order.paid`: the confirmation e-mail, one per order (the mailbox keys it by message id). */
export async function sendConfirmation(event: SpoolEvent<Paid>, ctx: JobContext): Promise<void> {
  const order = event.payload;
  const lines = order.lines.map((line) => `  ${line.quantity} × ${line.sku}`).join('\n');
  await services.sendMail(
    {
      id: `confirmation-${order.orderId}`,
      to: order.email,
      subject: `Your order ${order.orderId.slice(0, 8)} is confirmed`,
      body: `Thank you for your order!\n\n${lines}\n\nTotal charged: ${money(order.total)} (payment ${order.chargeId}).`,
    },
    ctx.signal,
  );
}

/** On `order.paid`: counts the sale once per order. */
export async function countSale(event: SpoolEvent<Paid>, ctx: JobContext): Promise<void> {
  await services.recordSale(event.payload.orderId, event.payload.total, ctx.signal);
}

/** Every event: kept by event id, so a replay rebuilds the figures without counting anything twice. */
export async function recordAnalytics(event: SpoolEvent, ctx: JobContext): Promise<void> {
  await services.recordAnalytics(event.id, event.name ?? 'unnamed', event.publishedAt, ctx.signal);
}
