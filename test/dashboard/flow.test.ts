/**
 * Flow control in the dashboard, end to end in Debian's Chromium against a real server on SQLite:
 * limits and a breaker defined over the API show on the queue's page with their live use (running
 * against the cap, starts per rate key, waiting against the max depth); a worker failing with a
 * network error opens the breaker, which turns red with its reason on the queue's page, the
 * Overview and the Breakers page while the backlog grows; an admin pauses and resumes with the
 * buttons; an edit with concurrency 0 shows the server's sentence; a read-only token sees no
 * buttons. Screenshots at 1280 and 390 px go to test-results/screenshots/.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { chromiumAvailable, launchChromium, screenshot, watchErrors, widths } from './browser.js';
import { ensureDashboardBuilt } from './build.js';
import { enqueueOverHttp } from './dashboard-server.js';
import { type FlowServer, adminCall, secrets, startFlowServer } from './flow-server.js';

const hasChromium = chromiumAvailable();

interface QueueStateBody {
  paused: boolean;
  refuseWhenPaused: boolean;
  counts: Record<string, number>;
  policy: Record<string, unknown>;
  breakers: { name: string; status: string }[];
}

describe.runIf(hasChromium)('flow control in the dashboard, in Chromium', () => {
  let server: FlowServer;
  let browser: Browser;
  let context: BrowserContext | null = null;
  let errors: string[] = [];

  beforeAll(async () => {
    ensureDashboardBuilt();
    [server, browser] = await Promise.all([startFlowServer(), launchChromium()]);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  afterEach(async () => {
    await context?.close();
    context = null;
    expect(errors.filter((e) => !/40[0-3]|503|Failed to load resource/.test(e))).toEqual([]);
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

  /** At a new width, waits until the page fits it (the charts measure their box after a resize). */
  async function resize(page: Page, size: { width: number; height: number }): Promise<void> {
    await page.setViewportSize(size);
    // Polled from here: waitForFunction evaluates its string in the page, which the CSP forbids.
    await expect
      .poll(() => page.evaluate('document.documentElement.scrollWidth - window.innerWidth'), { timeout: 5_000 })
      .toBeLessThanOrEqual(0);
  }

  const shop = async () => (await (await server.service.api('/v1/queues/shop', { token: secrets.read })).json()) as QueueStateBody;
  const meter = (page: Page, name: string) => page.getByRole('meter', { name, exact: true });

  it('says when a queue has no limits and no breaker, and offers to try again when the API fails', async () => {
    context = await browser.newContext({ viewport: widths.laptop, deviceScaleFactor: 1 });
    const page = await context.newPage();
    errors = watchErrors(page);
    const problem = { type: 'urn:spool:problem:store-unavailable', title: 'Service Unavailable', status: 503 };
    await page.route('**/v1/queues/shop', (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/problem+json',
        body: JSON.stringify({ ...problem, detail: 'The store is unreachable; retry in a moment.', code: 'SPOOL_STORE_UNAVAILABLE' }),
      }),
    );
    await page.goto(`${server.service.url}/queues/shop`);
    await page.getByLabel('API token').fill(secrets.admin);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'The store is unreachable; retry in a moment.' }).waitFor();
    await screenshot(page, 'queue-error-1280');
    await page.unroute('**/v1/queues/shop');
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.getByTestId('no-limits').waitFor();
    expect(await page.getByTestId('no-limits').textContent()).toContain('spool limits shop --concurrency 3');
    await page.getByTestId('no-breakers').waitFor();
    await page.getByRole('link', { name: 'Breakers', exact: true }).click();
    await page.getByText('No breakers yet').waitFor();
    await screenshot(page, 'breakers-empty-1280');
  });

  it("shows the limits, their live use and the breaker closed on the queue's page", async () => {
    await adminCall(server.service, 'PUT', '/v1/breakers/payments', { failures: 2, cooldown: '10m' });
    await adminCall(server.service, 'PUT', '/v1/queues/shop/limits', {
      concurrency: 4,
      keyConcurrency: 2,
      rateLimit: { limit: 5, per: '1m', key: 'tenant' },
      maxDepth: 20,
      breakers: { charge: 'payments' },
    });
    // Three held jobs run (acme twice, globex once); acme's next ones wait for its per-key cap.
    for (const tenant of ['acme', 'acme', 'globex']) {
      await enqueueOverHttp(server.service, 'shop', { name: 'ship', payload: { tenant }, concurrencyKey: tenant });
    }
    await eventually(async () => (await shop()).counts.active === 3, 10_000);
    for (let i = 0; i < 14; i++) {
      await enqueueOverHttp(server.service, 'shop', { name: 'ship', payload: { tenant: 'acme' }, concurrencyKey: 'acme' });
    }

    const page = await open('/', secrets.admin);
    await page.locator('tr[data-queue="shop"]').getByRole('link', { name: 'shop' }).click();
    await page.getByRole('heading', { name: 'shop', exact: true }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/queues/shop');

    const concurrency = page.locator('[data-limit="concurrency"]');
    await concurrency.getByText('at most 4 running at once').waitFor();
    await expect.poll(() => meter(page, 'Running against the concurrency cap').getAttribute('aria-valuetext')).toBe('3 of 4');
    await page.locator('[data-limit="key-concurrency"]').getByText('at most 2 running per concurrency key').waitFor();
    await page.locator('[data-limit="rate-limit"]').getByText('5 starts per 1 min, per value of tenant').waitFor();
    expect(await meter(page, 'Rate use of acme').getAttribute('aria-valuetext')).toBe('2 of 5');
    expect(await meter(page, 'Rate use of globex').getAttribute('aria-valuetext')).toBe('1 of 5');
    // 14 of 20 waiting: not near the max yet.
    const depth = meter(page, 'Waiting against the max depth');
    expect(await depth.getAttribute('aria-valuetext')).toBe('14 of 20');
    expect(await page.locator('[data-limit="max-depth"] .meter').getAttribute('data-level')).toBe('ok');
    expect(await meter(page, 'Running with key acme').getAttribute('aria-valuetext')).toBe('2 of 2');
    // At its cap a key waits its turn: amber, not red.
    expect(await page.locator('[data-active-key="acme"] .meter').getAttribute('data-level')).toBe('near');
    expect(await meter(page, 'Running with key globex').getAttribute('aria-valuetext')).toBe('1 of 2');

    const breaker = page.locator('li[data-breaker="payments"]');
    expect(await breaker.locator('[data-breaker-status]').textContent()).toBe('closed');
    expect(await breaker.textContent()).toContain('Guards jobs named charge.');
    expect(await breaker.textContent()).toContain('It opens after 2 failures in a row; cool-down 10 min, 1 probe.');
    expect(await page.locator('[data-count="waiting"] .tile-value').textContent()).toBe('14');
    await screenshot(page, 'queue-limits-1280');
    await resize(page, widths.phone);
    await screenshot(page, 'queue-limits-390');
  });

  it('turns the breaker red with its reason when the partner is down, and the backlog grows', async () => {
    const page = await open('/queues/shop', secrets.admin);
    const breaker = page.locator('li[data-breaker="payments"]');
    await breaker.locator('[data-breaker-status="closed"]').waitFor();
    server.partnerDown();
    await enqueueOverHttp(server.service, 'shop', { name: 'charge', payload: { order: 1, tenant: 'initech' } });
    await enqueueOverHttp(server.service, 'shop', { name: 'charge', payload: { order: 2, tenant: 'initech' } });
    await breaker.locator('[data-breaker-status="open"]').waitFor({ timeout: 15_000 });
    expect(await breaker.locator('.breaker-until').textContent()).toMatch(/^until \d\d:\d\d \(in (\d+ s|[\d.]+ min)\)$/);
    expect(await breaker.locator('.breaker-reason').textContent()).toBe('Opened: 2 failures in a row');
    expect(await breaker.textContent()).toContain('Jobs it guards wait without spending an attempt.');
    // Red: the style the browser computed, not just a class name.
    const red = await page.locator('.pill-open').evaluate('getComputedStyle(document.querySelector(".pill-open")).backgroundColor');
    expect(red).toBe('rgb(220, 38, 38)');
    // Both charges wait behind the open breaker: 16 of 20 waiting is near the max.
    await expect
      .poll(() => meter(page, 'Waiting against the max depth').getAttribute('aria-valuetext'), { timeout: 10_000 })
      .toBe('16 of 20');
    expect(await page.locator('[data-limit="max-depth"] .meter').getAttribute('data-level')).toBe('near');
    await expect
      .poll(() => page.getByRole('img', { name: /^Backlog of shop/ }).getAttribute('aria-label'), { timeout: 10_000 })
      .toMatch(/Now: waiting 16, active 3, max depth 20\./);
    await screenshot(page, 'queue-breaker-open-1280');
    await resize(page, widths.phone);
    await screenshot(page, 'queue-breaker-open-390');

    await page.getByRole('link', { name: 'Overview', exact: true }).click();
    const flag = page.locator('tr[data-queue="shop"] [data-flag="breaker-open"]');
    await flag.waitFor({ timeout: 10_000 });
    expect(await flag.textContent()).toBe('payments open');

    await page.getByRole('link', { name: 'Breakers', exact: true }).click();
    const row = page.locator('tr[data-breaker="payments"]');
    await row.locator('[data-breaker-status="open"]').waitFor();
    expect(await row.textContent()).toContain('Opened: 2 failures in a row');
    expect(await row.textContent()).toContain('opens after 2 failures in a row; cool-down 10 min, 1 probe');
    await row.getByRole('link', { name: 'shop' }).waitFor({ timeout: 20_000 });
    expect(await row.locator('td[data-label="Guards"]').textContent()).toBe('shop charge');
    await screenshot(page, 'breakers-open-390');
    await resize(page, widths.laptop);
    await screenshot(page, 'breakers-open-1280');
  });

  it('pauses and resumes with the buttons after a confirmation, and shows the paused banner', async () => {
    const page = await open('/queues/shop', secrets.admin);
    const banner = page.getByTestId('paused-banner');
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Pause shop?' });
    await dialog.getByText('No process claims its jobs until you resume it').waitFor();
    expect(await dialog.getByLabel(/Also refuse new jobs/).isChecked()).toBe(false);
    await screenshot(page, 'queue-pause-confirm-1280', { fullPage: false });
    // Going back changes nothing.
    await dialog.getByRole('button', { name: 'Go back' }).click();
    expect((await shop()).paused).toBe(false);

    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await dialog.getByLabel(/Also refuse new jobs/).check();
    await dialog.getByRole('button', { name: 'Pause shop' }).click();
    await page.getByRole('status').filter({ hasText: 'Paused shop in every process; new jobs are refused.' }).waitFor();
    await banner.waitFor();
    expect(await banner.textContent()).toContain('New jobs are refused');
    expect(await shop()).toMatchObject({ paused: true, refuseWhenPaused: true });
    await page.getByRole('button', { name: 'Resume', exact: true }).waitFor();
    await screenshot(page, 'queue-paused-1280');

    await page.getByRole('link', { name: 'Overview', exact: true }).click();
    await page.locator('tr[data-queue="shop"] [data-flag="paused"]').waitFor();
    await resize(page, widths.phone);
    await screenshot(page, 'overview-flags-390');
    await resize(page, widths.laptop);
    await screenshot(page, 'overview-flags-1280');
    await page.locator('tr[data-queue="shop"]').getByRole('link', { name: 'shop' }).click();

    await page.getByRole('button', { name: 'Resume', exact: true }).click();
    const confirm = page.getByRole('dialog', { name: 'Resume shop?' });
    await confirm.getByText(/Workers in every process start claiming its \d+ waiting jobs again at once\./).waitFor();
    await confirm.getByRole('button', { name: 'Resume shop' }).click();
    await page.getByRole('status').filter({ hasText: 'Resumed shop.' }).waitFor();
    await banner.waitFor({ state: 'detached' });
    expect((await shop()).paused).toBe(false);
  });

  it("shows the server's sentence for a limit it refuses, and saves one it takes", async () => {
    const page = await open('/queues/shop', secrets.admin);
    await page.getByRole('button', { name: 'Edit limits' }).click();
    const form = page.getByRole('form', { name: 'Edit limits of shop' });
    const concurrency = form.getByLabel('Concurrency', { exact: true });
    expect(await concurrency.inputValue()).toBe('4');
    expect(await form.getByLabel('Window', { exact: true }).inputValue()).toBe('1m');
    expect(await form.getByLabel('Breaker for job name 1').inputValue()).toBe('payments');
    await concurrency.fill('0');
    await form.getByRole('button', { name: 'Save limits' }).click();
    const alert = form.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toBe(
      'Invalid field "concurrency" in the request body: must be at least 1; remove the limit with null.',
    );
    await screenshot(page, 'queue-limits-refused-1280');
    await resize(page, widths.phone);
    await form.scrollIntoViewIfNeeded();
    await screenshot(page, 'queue-limits-form-390');
    await resize(page, widths.laptop);
    expect((await shop()).policy.concurrency).toBe(4);

    await concurrency.fill('6');
    await form.getByLabel('Max depth', { exact: true }).fill('');
    await form.getByRole('button', { name: 'Save limits' }).click();
    await page.getByRole('status').filter({ hasText: 'Limits of shop saved.' }).waitFor();
    await page.locator('[data-limit="concurrency"]').getByText('at most 6 running at once').waitFor();
    await page.locator('[data-limit="max-depth"]').waitFor({ state: 'detached' });
    const after = await shop();
    expect(after.policy).toMatchObject({ concurrency: 6, keyConcurrency: 2, breakers: { charge: 'payments' } });
    expect((after as unknown as { maxDepth: number | null }).maxDepth).toBeNull();
  });

  it('shows a read-only token the limits and breakers but no button to change them', async () => {
    const page = await open('/queues/shop', secrets.read);
    await page.getByTestId('who').getByText('read-only').waitFor();
    await page.locator('li[data-breaker="payments"] [data-breaker-status="open"]').waitFor();
    await page.locator('[data-limit="concurrency"]').waitFor();
    for (const name of ['Pause', 'Resume', 'Edit limits']) expect(await page.getByRole('button', { name, exact: true }).count()).toBe(0);
    await screenshot(page, 'queue-read-only-1280');
    await page.getByRole('link', { name: 'Breakers', exact: true }).click();
    await page.locator('tr[data-breaker="payments"]').waitFor();
    expect(
      await page
        .getByRole('button')
        .filter({ hasNotText: /Sign out/ })
        .count(),
    ).toBe(0);
    server.releaseShipping();
  });
});
