/**
 * The Topics page end to end in Debian's Chromium against a real server on SQLite: events
 * published over the API show up per topic with their count and chart, subscriptions with their
 * backlog, the retained log a page at a time, a delivery job opened from its event and linked
 * back, a replay by an admin (the backlog grows), and a read-only token that sees no replay.
 * Screenshots go to test-results/screenshots/.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { chromiumAvailable, launchChromium, screenshot, watchErrors, widths } from './browser.js';
import { ensureDashboardBuilt } from './build.js';
import { type BusServer, publishOverHttp, secrets, startBusServer } from './bus-server.js';

const hasChromium = chromiumAvailable();

describe.runIf(hasChromium)('Topics page in Chromium', () => {
  let server: BusServer;
  let browser: Browser;
  let context: BrowserContext | null = null;
  let errors: string[] = [];
  /** The events published on orders, oldest first. */
  const orders: { seq: string; id: string; name: string }[] = [];

  beforeAll(async () => {
    ensureDashboardBuilt();
    [server, browser] = await Promise.all([startBusServer(), launchChromium()]);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  afterEach(async () => {
    await context?.close();
    context = null;
    expect(errors.filter((e) => !/40[13]|503|Failed to load resource/.test(e))).toEqual([]);
  });

  async function open(path: string, token: string, size: { width: number; height: number } = widths.laptop): Promise<Page> {
    context = await browser.newContext({ viewport: size, deviceScaleFactor: 1 });
    const page = await context.newPage();
    errors = watchErrors(page);
    await page.goto(`${server.service.url}${path}`);
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('who').waitFor();
    return page;
  }

  const backlog = async (name: string) => (await server.service.spool.subscriptions()).find((s) => s.name === name)?.backlog;

  it('says how to publish when there are no topics, and offers to try again when the API fails', async () => {
    context = await browser.newContext({ viewport: widths.laptop, deviceScaleFactor: 1 });
    const page = await context.newPage();
    errors = watchErrors(page);
    const problem = { type: 'urn:spool:problem:store-unavailable', title: 'Service Unavailable', status: 503 };
    await page.route('**/v1/topics', (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/problem+json',
        body: JSON.stringify({ ...problem, detail: 'The store is unreachable; retry in a moment.', code: 'SPOOL_STORE_UNAVAILABLE' }),
      }),
    );
    await page.goto(`${server.service.url}/topics`);
    await page.getByLabel('API token').fill(secrets.admin);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'The store is unreachable; retry in a moment.' }).waitFor();
    await screenshot(page, 'topics-error-1280');
    await page.unroute('**/v1/topics');
    await page.route('**/v1/topics', (route) => route.fulfill({ json: { topics: [] } }));
    await page.route('**/v1/subscriptions', (route) => route.fulfill({ json: { subscriptions: [] } }));
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.getByText('No topics yet').waitFor();
    await page.getByText('spool publish orders \'{"orderId":42}\'').waitFor();
    await screenshot(page, 'topics-empty-1280');
    await page.setViewportSize(widths.phone);
    await screenshot(page, 'topics-empty-390');
  });

  it('shows each topic with its events in the last hour and its chart, and each subscription with its backlog', async () => {
    for (let i = 1; i <= 25; i++) {
      const name = i % 3 === 0 ? 'order.paid' : 'order.placed';
      const body = { name, key: `customer-${i % 4}`, headers: { region: i % 2 ? 'eu' : 'us' }, payload: { orderId: i, total: i * 10 } };
      orders.push({ ...(await publishOverHttp(server.service, 'orders', body)), name });
    }
    await publishOverHttp(server.service, 'payments', { payload: { paymentId: 1 } });
    await publishOverHttp(server.service, 'payments', { payload: { paymentId: 2 } });
    const placed = orders.filter((e) => e.name === 'order.placed').length;
    await eventually(async () => (await backlog('billing')) === 0, 10_000);

    const page = await open('/', secrets.admin);
    await page.getByRole('link', { name: 'Topics' }).click();
    await page.getByRole('heading', { name: 'Topics' }).waitFor();
    const row = page.locator('tr[data-topic="orders"]');
    await expect.poll(() => row.locator('[data-retained]').textContent(), { timeout: 10_000 }).toBe('25');
    await expect.poll(() => row.locator('[data-rate]').textContent(), { timeout: 10_000 }).toBe('25');
    expect(await page.locator('tr[data-topic="payments"] [data-retained]').textContent()).toBe('2');
    const chart = page.getByRole('img', { name: /Events per minute over the last 60 minutes/ });
    await expect.poll(() => chart.getAttribute('aria-label'), { timeout: 10_000 }).toMatch(/orders 25, payments 2/);
    expect(await chart.locator('rect').count()).toBeGreaterThan(0);
    const archive = page.locator('tr[data-subscription="archive"]');
    expect(await archive.locator('[data-backlog]').getAttribute('data-backlog')).toBe(String(placed));
    expect(await archive.textContent()).toContain('names order.placed');
    expect(await page.locator('tr[data-subscription="billing"] [data-backlog]').getAttribute('data-backlog')).toBe('0');
    await screenshot(page, 'topics-1280');
    await page.setViewportSize(widths.phone);
    await screenshot(page, 'topics-390');
  });

  it("pages through a topic's retained log, oldest first", async () => {
    const page = await open('/topics/orders', secrets.admin);
    await page.getByRole('heading', { name: 'orders', exact: true }).waitFor();
    const events = page.locator('li.event');
    await expect.poll(() => events.count(), { timeout: 10_000 }).toBe(20);
    expect(await events.first().getAttribute('data-seq')).toBe(orders[0]?.seq);
    const first = events.first();
    expect(await first.textContent()).toContain('region: eu');
    await first.locator('summary', { hasText: 'Payload' }).click();
    await page.getByLabel(`Payload of event ${orders[0]?.seq}`, { exact: true }).filter({ hasText: '"orderId": 1' }).waitFor();
    await screenshot(page, 'topic-log-1280');
    await page.getByRole('button', { name: 'Newer →' }).click();
    await expect.poll(() => events.first().getAttribute('data-seq'), { timeout: 10_000 }).toBe(orders[20]?.seq);
    expect(await events.count()).toBe(5);
    expect(await page.getByRole('button', { name: 'Newer →' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: '← Older' }).click();
    await expect.poll(() => events.first().getAttribute('data-seq'), { timeout: 10_000 }).toBe(orders[0]?.seq);
    expect(await page.getByRole('button', { name: '← Older' }).isDisabled()).toBe(true);
  });

  it('opens a delivery job from its event, and the job links back to the event', async () => {
    const event = orders[4] as { seq: string; id: string };
    const page = await open('/topics/orders', secrets.admin);
    const item = page.locator(`li.event[data-seq="${event.seq}"]`);
    await item.locator('summary', { hasText: 'Deliveries' }).click();
    const billing = item.locator('[data-delivery-to="billing"]');
    await billing.locator('.badge[data-status="completed"]').waitFor({ timeout: 10_000 });
    await item.locator('[data-delivery-to="archive"] .badge[data-status="waiting"]').waitFor();
    await billing.getByRole('link', { name: /^#\d+$/ }).click();

    const note = page.getByTestId('delivery-note');
    await note.waitFor();
    expect(await note.textContent()).toBe(`Delivery of event ${event.id} (seq ${event.seq}) on topic orders to subscription billing.`);
    await page.getByText('spool.sub.billing').first().waitFor();
    await screenshot(page, 'job-delivery-1280');
    await note.getByRole('link', { name: `${event.id} (seq ${event.seq})` }).click();
    await page.waitForURL(`**/topics/orders?event=${event.seq}`);
    const highlighted = page.locator('li.event[aria-current="true"]');
    await highlighted.waitFor();
    expect(await highlighted.getAttribute('data-seq')).toBe(event.seq);
    // The highlighted event opens its payload and deliveries.
    await highlighted.locator('[data-delivery-to="billing"] .badge[data-status="completed"]').waitFor({ timeout: 10_000 });
    await screenshot(page, 'topic-event-1280', { fullPage: false });
    await page.setViewportSize(widths.phone);
    await highlighted.scrollIntoViewIfNeeded();
    await screenshot(page, 'topic-event-390', { fullPage: false });
  });

  it('replays a subscription from the beginning as admin, after a confirmation, and its backlog grows', async () => {
    server.hold();
    const page = await open('/topics/orders', secrets.admin);
    const row = page.locator('tr[data-subscription="billing"]');
    const count = () => row.locator('[data-backlog]').getAttribute('data-backlog');
    await expect.poll(count, { timeout: 10_000 }).toBe('0');
    await row.getByRole('button', { name: 'Replay from…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Replay to billing' });
    await dialog.getByText('Delivers every event orders keeps (25 now) to billing again.').waitFor();
    expect(await dialog.getByLabel('the beginning of the retained log').isChecked()).toBe(true);
    await screenshot(page, 'topic-replay-confirm-1280', { fullPage: false });
    // Going back changes nothing.
    await dialog.getByRole('button', { name: 'Go back' }).click();
    expect(await backlog('billing')).toBe(0);

    await row.getByRole('button', { name: 'Replay from…' }).click();
    await dialog.getByRole('button', { name: 'Replay to billing' }).click();
    await page.getByRole('status').filter({ hasText: 'Replayed 25 events to billing' }).waitFor();
    await expect.poll(count, { timeout: 10_000 }).toBe('25');
    expect(await backlog('billing')).toBe(25);
    await screenshot(page, 'topic-replayed-1280');

    // From a time: every event of the last hour, but each delivery is still pending, so none is duplicated.
    await row.getByRole('button', { name: 'Replay from…' }).click();
    await dialog.getByLabel('a time').check();
    await dialog.getByLabel('Replay events published since').waitFor();
    await dialog.getByRole('button', { name: 'Replay to billing' }).click();
    await page.getByRole('status').filter({ hasText: 'Nothing to replay to billing' }).waitFor();
    expect(await backlog('billing')).toBe(25);

    server.release();
    await expect.poll(count, { timeout: 15_000 }).toBe('0');
  });

  it('shows a read-only token the topics and subscriptions but no replay', async () => {
    const page = await open('/topics', secrets.read);
    await page.getByTestId('who').getByText('read-only').waitFor();
    await page.locator('tr[data-subscription="archive"]').waitFor();
    expect(await page.getByRole('button', { name: /Replay/ }).count()).toBe(0);
    await screenshot(page, 'topics-read-only-1280');
    await page.getByRole('link', { name: 'orders', exact: true }).first().click();
    await page.locator('li.event').first().waitFor();
    await page.locator('tr[data-subscription="billing"]').waitFor();
    expect(await page.getByRole('button', { name: /Replay/ }).count()).toBe(0);
  });
});
