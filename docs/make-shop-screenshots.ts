/**
 * Makes docs/shop.png (the storefront mid-order, the payment provider slow) and
 * docs/dashboard-breaker.png (the dashboard's page of the orders queue with the provider's
 * breaker open and the backlog waiting): the shop as `npm start` runs it, on a temporary SQLite
 * file, with real orders. Run with `npx tsx docs/make-shop-screenshots.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../src/index.js';
import { loadConfig } from '../src/server/index.js';
import { startShop } from '../examples/shop/server.js';
import { launchChromium } from '../test/dashboard/chromium.js';
import { ensureDashboardBuilt, root } from '../test/dashboard/build.js';

const dir = mkdtempSync(join(tmpdir(), 'spool-shop-screenshot-'));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function order(url: string, cartId: string, sku: string): Promise<void> {
  await fetch(`${url}/shop/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ cartId, email: `${cartId}@example.com`, card: '4242424242424242', lines: [{ sku, quantity: 1 }] }),
  });
}

ensureDashboardBuilt();
const config = await loadConfig(
  { config: join(root, 'examples', 'spool.config.ts'), store: `sqlite:${join(dir, 'spool.db')}`, port: 0 },
  { env: {} },
);
const shop = await startShop({ config, logger: silentLogger });
const browser = await launchChromium();
try {
  // Some history: orders that went through.
  for (let i = 0; i < 24; i++) await order(shop.url, `cart-history-${i}`, ['mug', 'tee', 'stickers'][i % 3] as string);
  await sleep(3_000);

  // The storefront mid-order: the provider is slow, the shopper is told why the bar waits.
  shop.world.provider.mode = 'slow';
  shop.world.provider.slowMs = 20_000;
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  await page.goto(`${shop.url}/shop/`);
  await page.locator('#products button[data-sku="tee"]').click();
  await page.locator('#products button[data-sku="mug"]').click();
  await page.getByRole('button', { name: 'Place order' }).click();
  await page.getByText('Payment provider is slow right now').waitFor({ timeout: 15_000 });
  await sleep(1_200); // the chaos panel's next refresh
  await page.screenshot({ path: join(root, 'docs', 'shop.png'), animations: 'disabled' });
  console.log('wrote docs/shop.png');

  // The provider goes down: the breaker opens and the orders wait, without spending attempts.
  shop.world.provider.mode = 'down';
  for (let i = 0; i < 60; i++) await order(shop.url, `cart-outage-${i}`, ['mug', 'tee', 'stickers'][i % 3] as string);
  for (let i = 0; i < 100; i++) {
    const breaker = (await shop.spool.breakers()).find((b) => b.name === 'payment-provider');
    if (breaker?.state?.status === 'open') break;
    await sleep(100);
  }
  const dashboard = await context.newPage();
  await dashboard.setViewportSize({ width: 1280, height: 900 });
  await dashboard.goto(`${shop.url}/queues/shop.orders`);
  await dashboard.getByText('payment-provider').first().waitFor({ timeout: 15_000 });
  await sleep(1_500);
  await dashboard.screenshot({ path: join(root, 'docs', 'dashboard-breaker.png'), animations: 'disabled' });
  console.log('wrote docs/dashboard-breaker.png');
  shop.world.provider.mode = 'up';
  await context.close();
} finally {
  await browser.close();
  await shop.close();
  rmSync(dir, { recursive: true, force: true });
}
