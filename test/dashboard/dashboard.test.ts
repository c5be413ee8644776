/**
 * The dashboard end to end in Debian's Chromium against a real server on SQLite: sign-in, the
 * overview, a job enqueued over the API showing up with a progress bar that moves to done, a
 * failed job retried from its page, dead letters retried in bulk behind a confirmation, and a
 * read-only token that sees no action. Screenshots go to test-results/screenshots/.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { chromiumAvailable, launchChromium, screenshot, watchErrors, widths } from './browser.js';
import { ensureDashboardBuilt } from './build.js';
import { type DashboardServer, enqueueOverHttp, secrets, startDashboardServer } from './dashboard-server.js';

const hasChromium = chromiumAvailable();

describe.runIf(hasChromium)('dashboard in Chromium', () => {
  let server: DashboardServer;
  let browser: Browser;
  let context: BrowserContext | null = null;
  let errors: string[] = [];

  beforeAll(async () => {
    ensureDashboardBuilt();
    [server, browser] = await Promise.all([startDashboardServer(), launchChromium()]);
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
    await signIn(page, token);
    return page;
  }

  async function signIn(page: Page, token: string): Promise<void> {
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('who').waitFor();
  }

  it('asks for a token, explains a wrong one, and keeps the token out of the URL', async () => {
    context = await browser.newContext({ viewport: widths.laptop });
    const page = await context.newPage();
    errors = watchErrors(page);
    await page.goto(`${server.service.url}/jobs`);
    await page.getByRole('heading', { name: 'Sign in to Spool' }).waitFor();
    await screenshot(page, 'sign-in-1280');
    await page.getByLabel('API token').fill('not-a-real-token-0000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'That token is not valid here' }).waitFor();
    await signIn(page, secrets.admin);
    await page.getByRole('heading', { name: 'Jobs' }).waitFor();
    expect(page.url()).toBe(`${server.service.url}/jobs`);
    expect(page.url()).not.toContain(secrets.admin);
    // Kept in memory only unless asked: a reload signs out.
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in to Spool' }).waitFor();
    // Asked: kept in this tab's sessionStorage (never localStorage), and a reload stays signed in.
    await page.getByLabel('API token').fill(secrets.read);
    await page.getByLabel('Keep me signed in while this tab is open').check();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('who').waitFor();
    await page.reload();
    await page.getByTestId('who').getByText('reader').waitFor();
    expect(await page.evaluate('window.localStorage.length')).toBe(0);
    expect(page.url()).not.toContain(secrets.read);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Spool' }).waitFor();
    expect(await page.evaluate('window.sessionStorage.length')).toBe(0);
  });

  it('shows what went wrong and a way to try again, never a blank page, when the API fails', async () => {
    const page = await open('/', secrets.admin);
    await page.locator('tr[data-queue]').first().waitFor();
    const problem = {
      type: 'urn:spool:problem:store-unavailable',
      title: 'Service Unavailable',
      status: 503,
      code: 'SPOOL_STORE_UNAVAILABLE',
    };
    await page.route('**/v1/queues', (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/problem+json',
        body: JSON.stringify({ ...problem, detail: 'The sqlite store does not answer; check that the database is up and reachable.' }),
      }),
    );
    // The last good data stays, with a notice.
    await page.getByRole('alert').filter({ hasText: 'Showing the last data we got.' }).waitFor({ timeout: 10_000 });
    await page.locator('tr[data-queue]').first().waitFor();
    // A fresh load with nothing to show: the error and a way out.
    await page.getByRole('link', { name: 'Dead letters' }).click();
    await page.getByRole('alert').filter({ hasText: 'The sqlite store does not answer' }).waitFor({ timeout: 10_000 });
    await screenshot(page, 'error-state-1280');
    await page.unroute('**/v1/queues');
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.getByRole('heading', { name: 'Dead letters' }).waitFor();
    await expect.poll(() => page.getByRole('alert').count(), { timeout: 10_000 }).toBe(0);
  });

  it('loads the overview with every queue, its counts and the charts', async () => {
    await enqueueOverHttp(server.service, 'media', { name: 'thumbnail', payload: { file: 'cat.png' } });
    await enqueueOverHttp(server.service, 'billing', { name: 'explode', payload: { order: 1 } });
    const page = await open('/', secrets.admin);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    const media = page.locator('tr[data-queue="media"]');
    await media.waitFor();
    await expect.poll(() => media.locator('[data-count="completed"]').textContent(), { timeout: 10_000 }).toBe('1');
    await expect.poll(() => page.locator('tr[data-queue="billing"] [data-count="failed"]').textContent(), { timeout: 10_000 }).toBe('1');
    await page.getByRole('img', { name: /Throughput per minute over the last 60 minutes/ }).waitFor();
    await expect
      .poll(() => page.getByRole('img', { name: /Throughput/ }).getAttribute('aria-label'), { timeout: 10_000 })
      .toMatch(/completed 1, failed 1/);
    await page.getByRole('img', { name: /Backlog over the last 60 minutes/ }).waitFor();
    await screenshot(page, 'overview-1280');
    await page.setViewportSize(widths.phone);
    await screenshot(page, 'overview-390');
  });

  it('shows a job enqueued through the API, and its progress bar moves live to done', async () => {
    const page = await open('/jobs', secrets.admin);
    await page.getByRole('heading', { name: 'Jobs' }).waitFor();
    const id = await enqueueOverHttp(server.service, 'media', { name: 'render', payload: { pages: 4 } });
    const row = page.locator(`tr[data-job-id="${id}"]`);
    await row.waitFor({ timeout: 10_000 });
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 10_000 }).toBe('active');
    const bar = row.getByRole('progressbar');
    server.releasePage();
    await expect.poll(() => bar.getAttribute('aria-valuenow'), { timeout: 10_000 }).toBe('25');
    server.releasePage();
    await expect.poll(() => bar.getAttribute('aria-valuenow'), { timeout: 10_000 }).toBe('50');
    await screenshot(page, 'jobs-active-1280');
    await page.setViewportSize(widths.phone);
    await screenshot(page, 'jobs-active-390');
    await page.setViewportSize(widths.laptop);
    server.releasePage();
    await expect.poll(() => bar.getAttribute('aria-valuenow'), { timeout: 10_000 }).toBe('75');
    server.releasePage();
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 10_000 }).toBe('completed');
    await expect.poll(() => bar.getAttribute('aria-valuenow')).toBe('100');
    expect(await bar.getAttribute('aria-valuetext')).toBe('done');
  });

  it('follows a running job on its page through the event stream, with the progress message', async () => {
    const id = await enqueueOverHttp(server.service, 'media', { name: 'render', payload: { pages: 2 } });
    const page = await open(`/jobs/${id}`, secrets.admin);
    await page.getByRole('heading', { name: `#${id} render` }).waitFor();
    server.releasePage();
    await page.getByText('rendered page 1 of 2').waitFor({ timeout: 10_000 });
    await expect.poll(() => page.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('50');
    await page.getByRole('button', { name: 'Cancel job' }).waitFor();
    await screenshot(page, 'job-active-1280');
    server.releasePage();
    await page.getByLabel('Result').filter({ hasText: '"pdf": "report.pdf"' }).waitFor({ timeout: 10_000 });
    await page.locator('.timeline-completed').waitFor();
  });

  it('retries a failed job from its page, and it completes', async () => {
    const id = await enqueueOverHttp(server.service, 'billing', { name: 'charge', payload: { order: 42 }, maxAttempts: 1 });
    await eventually(async () => (await server.service.spool.getJob(id))?.status === 'failed', 10_000);
    const page = await open(`/jobs/${id}`, secrets.admin);
    await page.getByRole('heading', { name: 'Why it failed' }).waitFor();
    await page.getByText('The card of order 42 was declined by the payment provider (503); try again later.').first().waitFor();
    // Admins see the stack trace, collapsed.
    const stack = page.locator('details').filter({ hasText: 'Stack trace' });
    await stack.waitFor();
    expect(await stack.getAttribute('open')).toBeNull();
    await stack.locator('summary').click();
    await page.locator('pre.stack').filter({ hasText: 'at ' }).waitFor();
    await screenshot(page, 'job-failed-1280');
    await page.setViewportSize(widths.phone);
    await screenshot(page, 'job-failed-390');
    await page.setViewportSize(widths.laptop);
    server.fixCharges();
    await page.getByRole('button', { name: 'Retry job' }).click();
    await page.locator('.job-head .badge[data-status="completed"]').waitFor({ timeout: 10_000 });
    expect((await server.service.spool.getJob(id))?.result).toEqual({ charged: true });
    await page.locator('.timeline-completed').waitFor();
  });

  it('retries every dead letter of a queue in bulk, after a confirmation', async () => {
    const ids = [
      await enqueueOverHttp(server.service, 'billing', { name: 'explode', payload: { order: 7 } }),
      await enqueueOverHttp(server.service, 'billing', { name: 'explode', payload: { order: 8 } }),
    ];
    await eventually(async () => {
      for (const id of ids) if ((await server.service.spool.getJob(id))?.status !== 'failed') return false;
      return true;
    }, 10_000);
    const page = await open('/dead-letters?queue=billing', secrets.admin);
    const list = page.getByRole('tabpanel', { name: 'Failed jobs of billing' });
    await list.locator(`li[data-job-id="${ids[1]}"]`).waitFor();
    await list.getByText('The invoice total is negative; fix the order before retrying.').first().waitFor();
    await screenshot(page, 'dead-letters-1280');
    const failedBefore = (await server.service.spool.counts('billing')).billing?.failed ?? 0;
    await page.getByRole('button', { name: 'Retry all' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText(`Retry ${failedBefore} failed jobs of billing?`).waitFor();
    await screenshot(page, 'dead-letters-confirm-1280', { fullPage: false });
    // Going back changes nothing.
    await dialog.getByRole('button', { name: 'Go back' }).click();
    expect((await server.service.spool.counts('billing')).billing?.failed).toBe(failedBefore);
    await page.getByRole('button', { name: 'Retry all' }).click();
    await dialog.getByRole('button', { name: `Retry ${failedBefore}` }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `${failedBefore} jobs of billing went back to waiting.` })
      .waitFor();
    // explode fails again for good: they come back as dead letters.
    await eventually(
      async () =>
        (await server.service.spool.getJob(ids[0] as string))?.attempts === 1 &&
        (await server.service.spool.getJob(ids[0] as string))?.status === 'failed',
      10_000,
    );
  });

  it('shows a read-only token no action buttons anywhere', async () => {
    const failed = await enqueueOverHttp(server.service, 'billing', { name: 'explode', payload: { order: 9 } });
    const waiting = await enqueueOverHttp(server.service, 'idle', { name: 'later', delay: '1h' });
    await eventually(async () => (await server.service.spool.getJob(failed))?.status === 'failed', 10_000);
    const page = await open(`/jobs/${failed}`, secrets.read);
    await page.getByRole('heading', { name: 'Why it failed' }).waitFor();
    await page.getByTestId('who').getByText('read-only').waitFor();
    await page.getByText('Stack traces are shown to admin tokens.').first().waitFor();
    expect(await page.getByRole('button', { name: /Retry|Cancel/ }).count()).toBe(0);
    await screenshot(page, 'job-failed-read-only-1280');

    await page.getByRole('link', { name: 'Jobs', exact: true }).click();
    await page.getByRole('link', { name: `#${waiting} later` }).click();
    await page.getByRole('heading', { name: `#${waiting} later` }).waitFor();
    await page.locator('.badge[data-status="waiting"]').first().waitFor();
    expect(await page.getByRole('button', { name: /Retry|Cancel/ }).count()).toBe(0);

    await page.getByRole('link', { name: 'Dead letters' }).click();
    await page
      .getByRole('tabpanel', { name: /Failed jobs of/ })
      .locator('li')
      .first()
      .waitFor();
    expect(await page.getByRole('button', { name: /Retry all|Delete all/ }).count()).toBe(0);
  });

  it('finds a job by id, filters by status, and says what to do when nothing matches', async () => {
    const id = await enqueueOverHttp(server.service, 'media', { name: 'thumbnail', payload: { file: 'dog.png' } });
    const page = await open('/jobs', secrets.admin);
    await page.getByLabel('Find by id').fill(id);
    await page.getByRole('button', { name: 'Open' }).click();
    await page.getByRole('heading', { name: `#${id} thumbnail` }).waitFor();
    await page.goto(`${server.service.url}/jobs/99999999`);
    await signIn(page, secrets.admin);
    await page.getByText('There is no job 99999999').waitFor();
    await page.goto(`${server.service.url}/jobs?queue=media&status=cancelled`);
    await signIn(page, secrets.admin);
    await page.getByText('No jobs match these filters').waitFor();
    await page.getByRole('button', { name: 'Clear the filters' }).click();
    await page.locator('tr[data-job-id]').first().waitFor();
    expect(new URL(page.url()).search).toBe('');
  });
});
