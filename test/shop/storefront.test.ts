/**
 * The storefront in Debian's Chromium against the shop as `npm start` serves it (SQLite): a
 * shopper adds to the cart, double-clicks "Place order", and watches the order over SSE through
 * a slow payment provider (the reassuring sentence, never a stack trace) to "confirmed"; one
 * order, one charge, one e-mail in the mailbox page. With the provider down the chaos panel
 * shows the breaker open and the order says it is safe; a waiting order shows its place in line
 * from the queue position. Screenshots go to test-results/screenshots/.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slowMessage } from '../../examples/shop/order-flow.js';
import { chromiumAvailable, launchChromium, screenshot, watchErrors, widths } from '../dashboard/browser.js';
import { eventually } from '../helpers/eventually.js';
import { sqliteStore } from '../server/helpers.js';
import { type TestShop, placeOrder, startTestShop } from './harness.js';
import { ordersQueue } from '../../examples/shop/storefront.js';

const hasChromium = chromiumAvailable();

describe.runIf(hasChromium)('the storefront in Chromium', () => {
  let shop: TestShop;
  let browser: Browser;

  beforeAll(async () => {
    [shop, browser] = await Promise.all([startTestShop(sqliteStore(), { dashboard: false }), launchChromium()]);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await shop?.cleanup();
  });

  async function open(): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport: widths.laptop, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${shop.url}/shop/`);
    await page.getByRole('button', { name: 'Add to cart' }).first().waitFor();
    return { page, errors };
  }

  it('places an order and watches it through a slow provider to "confirmed": one order, one charge, one e-mail', {
    timeout: 60_000,
  }, async () => {
    shop.world.provider.mode = 'slow';
    shop.world.provider.slowMs = 2_500;
    const { page, errors } = await open();
    await page.locator('#products button[data-sku="tee"]').click();
    await page.locator('#products button[data-sku="mug"]').click();
    await page.locator('#products button[data-sku="mug"]').click();
    await expect.poll(() => page.locator('#cart-total').textContent()).toBe('$49.00');
    await page.getByRole('button', { name: 'Place order' }).dblclick();

    const message = page.locator('#order-message');
    await expect.poll(() => message.textContent(), { timeout: 15_000 }).toBe(slowMessage);
    expect(await page.locator('#order-state').textContent()).toBe('processing');
    await screenshot(page, 'shop-slow-provider');
    await expect.poll(() => page.locator('#order-state').textContent(), { timeout: 20_000 }).toBe('confirmed');
    expect(await message.textContent()).toBe('Order confirmed! A confirmation e-mail is on its way.');
    expect(await page.locator('#order-steps li.done').count()).toBe(4);
    expect(await page.locator('#order-bar').evaluate((el) => (el as { style: { width: string } }).style.width)).toBe('100%');
    await screenshot(page, 'shop-confirmed');

    expect(shop.world.provider.chargeCount).toBe(1);
    expect([...shop.world.provider.chargesPerOrder.values()]).toEqual([1]);
    await eventually(() => shop.world.mailbox.messages.size === 1, 15_000);
    const mailbox = await page.context().newPage();
    await mailbox.goto(`${shop.url}/shop/mailbox`);
    await expect.poll(() => mailbox.locator('.mail h2').allTextContents()).toEqual([expect.stringMatching(/^Your order .+ is confirmed$/)]);
    expect(await mailbox.locator('.mail pre').textContent()).toContain('Total charged: $49.00');
    expect(errors).toEqual([]);
    await page.context().close();
    shop.world.provider.mode = 'up';
  });

  it('with the provider down the panel shows the breaker open and the order says it is safe; it confirms when the provider returns', {
    timeout: 90_000,
  }, async () => {
    const { page, errors } = await open();
    await page.getByRole('button', { name: 'Down' }).click();
    // Five orders from elsewhere open the breaker.
    for (let i = 0; i < 6; i++) {
      await fetch(`${shop.url}/shop/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          cartId: `cart-other-${i}`,
          email: 'x@example.com',
          card: '4242424242424242',
          lines: [{ sku: 'mug', quantity: 1 }],
        }),
      });
    }
    await expect.poll(() => page.locator('#state dd.open').count(), { timeout: 20_000 }).toBe(1);
    await page.locator('#products button[data-sku="stickers"]').click();
    await page.getByRole('button', { name: 'Place order' }).click();
    await expect
      .poll(() => page.locator('#order-message').textContent(), { timeout: 15_000 })
      .toBe('The payment provider is having trouble right now. Your order is safe and will go through as soon as it is back.');
    expect(await page.locator('#order').textContent()).not.toMatch(/Error|at .*\.ts|stack/);
    await screenshot(page, 'shop-provider-down', { fullPage: true });
    await page.getByRole('button', { name: 'Up' }).click();
    await expect.poll(() => page.locator('#order-state').textContent(), { timeout: 40_000 }).toBe('confirmed');
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('a full queue answers 429: the page counts down its Retry-After, places the same cart again, and the order is confirmed once', {
    timeout: 90_000,
  }, async () => {
    await shop.spool.configureQueue(ordersQueue, { maxDepth: 2 });
    shop.world.provider.mode = 'down';
    // Paused, the fillers stay waiting whatever the workers' timing, so the queue is surely full.
    await shop.spool.pause(ordersQueue);
    for (let i = 0; i < 3; i++) await placeOrder(shop.url, `cart-filler-${i}`);
    const { page, errors } = await open();
    await page.locator('#products button[data-sku="mug"]').click();
    await page.getByRole('button', { name: 'Place order' }).click();
    await expect
      .poll(() => page.locator('#place-note').textContent(), { timeout: 15_000 })
      .toMatch(/^The shop is very busy right now — we'll place your order in \d+ s\. Nothing was charged\.$/);
    expect(await page.locator('#order').isHidden()).toBe(true);
    await screenshot(page, 'shop-queue-full');
    await shop.spool.configureQueue(ordersQueue, { maxDepth: 300 });
    await shop.spool.resume(ordersQueue);
    shop.world.provider.mode = 'up';
    await expect.poll(() => page.locator('#order-state').textContent(), { timeout: 60_000 }).toBe('confirmed');
    const orderId = (await page.locator('#order-id').textContent()) ?? '';
    const charged = [...shop.world.provider.chargesPerOrder].filter(([id]) => id.startsWith(orderId));
    expect(charged.map(([, n]) => n)).toEqual([1]);
    expect(errors.filter((e) => !/429/.test(e))).toEqual([]);
    await page.context().close();
  });

  it('a waiting order shows its place in line from the queue position, then confirms', { timeout: 60_000 }, async () => {
    await eventually(async () => ((await shop.spool.counts(ordersQueue))[ordersQueue]?.waiting ?? 0) === 0, 30_000);
    await shop.spool.pause(ordersQueue);
    for (let i = 0; i < 2; i++) await placeOrder(shop.url, `cart-ahead-${i}`);
    const { page, errors } = await open();
    await page.locator('#products button[data-sku="stickers"]').click();
    await page.getByRole('button', { name: 'Place order' }).click();
    // The ETA comes from the queue's drain rate over the last minutes (the earlier tests' orders).
    await expect
      .poll(() => page.locator('#order-line').textContent(), { timeout: 15_000 })
      .toMatch(/^2 orders are ahead of yours(\.|; it should start in about \d+ s\.)$/);
    expect(await page.locator('#order-state').textContent()).toBe('in line');
    await screenshot(page, 'shop-in-line');
    await shop.spool.resume(ordersQueue);
    await expect.poll(() => page.locator('#order-state').textContent(), { timeout: 30_000 }).toBe('confirmed');
    expect(await page.locator('#order-line').textContent()).toBe('Check the mailbox for your confirmation.');
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
