/**
 * @module
 * The chaos panel's flood: new carts at a chosen rate, each placed over HTTP as the storefront
 * does it, and just as politely: a `429` is retried with the same cart id after its
 * `Retry-After`, so nothing the shop accepted is lost and nothing is ordered twice.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { catalog } from './catalog.js';

export interface FloodStats {
  running: boolean;
  rate: number;
  /** Carts created. */
  carts: number;
  /** Carts the shop took (202). */
  accepted: number;
  /** 429 answers; each was retried after its Retry-After. */
  tooBusy: number;
  /** Carts waiting out a Retry-After. */
  backingOff: number;
  /** The latest Retry-After, in seconds. */
  lastRetryAfter: number | null;
  /** Job ids of the accepted carts. */
  jobIds: string[];
}

export class Flood {
  stats: FloodStats = Flood.empty(0);
  private stop = new AbortController();

  private static empty(rate: number): FloodStats {
    return { running: false, rate, carts: 0, accepted: 0, tooBusy: 0, backingOff: 0, lastRetryAfter: null, jobIds: [] };
  }

  /** Places `rate` new carts a second for `seconds` against the shop at `shopUrl`. */
  start(shopUrl: string, rate: number, seconds: number): void {
    this.halt();
    this.stop = new AbortController();
    const signal = this.stop.signal;
    const stats: FloodStats = (this.stats = { ...Flood.empty(rate), running: true });
    const started = Date.now();
    void (async () => {
      for (let n = 0; !signal.aborted && Date.now() - started < seconds * 1_000; n++) {
        stats.carts++;
        void this.place(shopUrl, n, signal);
        const due = started + ((n + 1) * 1_000) / rate;
        await sleep(Math.max(0, due - Date.now()), undefined, { signal }).catch(() => {});
      }
      stats.running = false;
    })();
  }

  halt(): void {
    this.stop.abort();
    this.stats.running = false;
  }

  private async place(shopUrl: string, n: number, signal: AbortSignal): Promise<void> {
    const product = catalog[n % 3] ?? catalog[0]!;
    const body = JSON.stringify({
      cartId: crypto.randomUUID(),
      email: `flood-${n}@example.com`,
      card: '4242424242424242',
      lines: [{ sku: product.sku, quantity: 1 }],
    });
    for (let tries = 0; tries < 100 && !signal.aborted; tries++) {
      const response = await fetch(`${shopUrl}/shop/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      }).catch(() => null);
      if (response?.status === 202) {
        this.stats.accepted++;
        this.stats.jobIds.push(((await response.json()) as { jobId: string }).jobId);
        return;
      }
      const retryAfter = Number(response?.headers.get('retry-after') ?? 1) || 1;
      if (response?.status === 429) {
        this.stats.tooBusy++;
        this.stats.lastRetryAfter = retryAfter;
      }
      await response?.body?.cancel();
      this.stats.backingOff++;
      await sleep(retryAfter * 1_000, undefined, { signal }).catch(() => {});
      this.stats.backingOff--;
    }
  }
}
