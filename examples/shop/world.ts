/**
 * @module
 * The shop's outside world, faked in memory: a payment provider, a warehouse, a mailbox, a sales
 * ledger and an analytics sink. Handlers reach them only over HTTP (world-routes.ts), as they
 * would reach real services, so the same handlers run in `spool worker` processes elsewhere.
 *
 * The provider counts charges per order id: the demo's proof that a retry never charges twice.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { catalog } from './catalog.js';

export type ProviderMode = 'up' | 'down' | 'slow';

export interface Charge {
  id: string;
  orderId: string;
  amount: number;
  at: number;
}

/** Why a call to the provider was refused, as a real provider would answer it. */
export type ChargeAnswer = { ok: true; charge: Charge; replayed: boolean } | { ok: false; status: 503 | 402; reason: string };

export class PaymentProvider {
  mode: ProviderMode = 'up';
  /** How long a call takes in slow mode. */
  slowMs = 4_000;
  /** Fails every n-th call (a flaky provider on a schedule); 0 never. */
  failEvery = 0;
  /** Every call as it arrived: when, for which order, and whether it was refused. */
  readonly calls: { at: number; orderId: string; ok: boolean }[] = [];
  /** Charges made, by idempotency key: a key seen again returns its charge, as real providers do. */
  private readonly byKey = new Map<string, Charge>();
  /** How many charges each order got: 1 for every paid order, or a double charge happened. */
  readonly chargesPerOrder = new Map<string, number>();

  async charge(orderId: string, amount: number, idempotencyKey: string, card: string): Promise<ChargeAnswer> {
    const at = Date.now();
    if (this.mode === 'slow') await sleep(this.slowMs);
    const scheduledFailure = this.failEvery > 0 && (this.calls.length + 1) % this.failEvery === 0;
    if (this.mode === 'down' || scheduledFailure) {
      this.calls.push({ at, orderId, ok: false });
      return { ok: false, status: 503, reason: 'payment provider unavailable' };
    }
    this.calls.push({ at, orderId, ok: true });
    if (card.endsWith('0002')) return { ok: false, status: 402, reason: 'card declined by issuer: 05' };
    const known = this.byKey.get(idempotencyKey);
    if (known) return { ok: true, charge: known, replayed: true };
    const charge: Charge = { id: `ch_${this.byKey.size + 1}`, orderId, amount, at: Date.now() };
    this.byKey.set(idempotencyKey, charge);
    this.chargesPerOrder.set(orderId, (this.chargesPerOrder.get(orderId) ?? 0) + 1);
    return { ok: true, charge, replayed: false };
  }

  get chargeCount(): number {
    return this.byKey.size;
  }
}

export interface OrderLine {
  sku: string;
  quantity: number;
}

/** Stock by SKU; each order holds one reservation, made and released at most once. */
export class Warehouse {
  readonly stock = new Map<string, number>(catalog.map((p) => [p.sku, p.stock]));
  private readonly reservations = new Map<string, OrderLine[]>();
  /** Every reservation asked for, by order id, whether or not it was new. */
  readonly reserveCalls: string[] = [];
  /** Every release asked for, by order id, whether or not it found something to put back. */
  readonly releaseCalls: string[] = [];

  /** Reserves the lines for the order, or says which SKU is short. Again for the same order: the same reservation. */
  reserve(orderId: string, lines: OrderLine[]): { ok: true } | { ok: false; sku: string } {
    this.reserveCalls.push(orderId);
    if (this.reservations.has(orderId)) return { ok: true };
    const short = lines.find((line) => (this.stock.get(line.sku) ?? 0) < line.quantity);
    if (short) return { ok: false, sku: short.sku };
    for (const line of lines) this.stock.set(line.sku, (this.stock.get(line.sku) ?? 0) - line.quantity);
    this.reservations.set(orderId, lines);
    return { ok: true };
  }

  /** Puts the order's items back on the shelf; a second release finds nothing to put back. */
  release(orderId: string): boolean {
    this.releaseCalls.push(orderId);
    const lines = this.reservations.get(orderId);
    if (!lines) return false;
    for (const line of lines) this.stock.set(line.sku, (this.stock.get(line.sku) ?? 0) + line.quantity);
    this.reservations.delete(orderId);
    return true;
  }

  get reserved(): number {
    return this.reservations.size;
  }
}

export interface Mail {
  id: string;
  to: string;
  subject: string;
  body: string;
  at: number;
}

/** The fake mailbox: a message id delivered twice shows once, as a mail server dedupes Message-IDs. */
export class Mailbox {
  readonly messages = new Map<string, Mail>();

  deliver(mail: Omit<Mail, 'at'>): void {
    if (!this.messages.has(mail.id)) this.messages.set(mail.id, { ...mail, at: Date.now() });
  }
}

/** Paid orders and revenue, counted once per order. */
export class SalesLedger {
  readonly orders = new Map<string, number>();

  record(orderId: string, amount: number): void {
    this.orders.set(orderId, amount);
  }

  get revenue(): number {
    return [...this.orders.values()].reduce((sum, amount) => sum + amount, 0);
  }
}

/** Every event the analytics subscription saw, by event id: a replay rebuilds it without double counting. */
export class AnalyticsSink {
  readonly events = new Map<string, { name: string; at: number }>();
  deliveries = 0;

  record(eventId: string, name: string, at: number): void {
    this.deliveries++;
    this.events.set(eventId, { name, at });
  }

  clear(): void {
    this.events.clear();
    this.deliveries = 0;
  }

  counts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const { name } of this.events.values()) counts[name] = (counts[name] ?? 0) + 1;
    return counts;
  }
}

export class World {
  readonly provider = new PaymentProvider();
  readonly warehouse = new Warehouse();
  readonly mailbox = new Mailbox();
  readonly sales = new SalesLedger();
  readonly analytics = new AnalyticsSink();
}
