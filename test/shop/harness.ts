/**
 * @module
 * The shop as `npm start` runs it (examples/spool.config.ts through `loadConfig`, served by
 * `startShop`), on a store of the test's own and a free port, plus a client that places orders
 * over HTTP as the storefront does.
 */
import { join } from 'node:path';
import { silentLogger } from '../../src/index.js';
import { loadConfig } from '../../src/server/index.js';
import { type Shop, startShop } from '../../examples/shop/server.js';
import { root } from '../cli/run.js';
import type { TestStore } from '../server/helpers.js';

export interface TestShop extends Shop {
  cleanup(): Promise<void>;
}

export async function startTestShop(store: TestStore, options: { dashboard?: false; workers?: boolean } = {}): Promise<TestShop> {
  const config = await loadConfig(
    { config: join(root, 'examples', 'spool.config.ts'), store: store.url, ...(store.schema ? { schema: store.schema } : {}), port: 0 },
    { env: {} },
  );
  const shop = await startShop({ config, logger: silentLogger, ...options });
  return {
    ...shop,
    async cleanup() {
      await shop.close();
      await store.cleanup();
    },
  };
}

export interface Placed {
  status: number;
  retryAfter: string | null;
  body: { jobId?: string; created?: boolean; status?: string; events?: string; error?: string };
}

/** One "Place order" press: POST /shop/orders for the cart. */
export async function placeOrder(
  url: string,
  cartId: string,
  lines = [{ sku: 'mug', quantity: 1 }],
  card = '4242424242424242',
): Promise<Placed> {
  const response = await fetch(`${url}/shop/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ cartId, email: `${cartId}@example.com`, card, lines }),
  });
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as Placed['body'] };
}

export function cartIds(count: number, prefix = 'cart'): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(6, '0')}`);
}
