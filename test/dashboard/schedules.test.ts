/**
 * The Schedules page in Debian's Chromium against a real server on SQLite: empty, it says how to
 * add one; it lists each schedule's cron and time zone, job, missed-tick policy and next tick;
 * an admin deletes one after a confirmation; a read-only token sees no button; it fits a 390 px phone.
 * Also a group's page: one bar for all of its jobs, counts per status, the ETA.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium, screenshot, watchErrors, widths } from './browser.js';
import { ensureDashboardBuilt } from './build.js';
import { type DashboardServer, secrets, startDashboardServer } from './dashboard-server.js';

const hasChromium = chromiumAvailable();

describe.runIf(hasChromium)('the Schedules and group pages in Chromium', () => {
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
    expect(errors.filter((e) => !/40[134]|409|503|Failed to load resource/.test(e))).toEqual([]);
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

  it('says how to add a schedule, lists them, and lets an admin delete one after a confirmation', async () => {
    const page = await open('/', secrets.admin);
    await page.getByRole('link', { name: 'Schedules', exact: true }).click();
    await page.getByText('No schedules yet').waitFor();
    expect(await page.locator('.schedules-page').textContent()).toContain(
      "spool schedules set nightly-report '0 3 * * *' --queue reports --job render",
    );

    const { spool } = server.service;
    await spool.schedule('nightly-report', '0 3 * * *', {
      queue: 'reports',
      name: 'render',
      timezone: 'Europe/Berlin',
      missed: { catchUp: 2 },
    });
    await spool.schedule('every-second', '* * * * * *', { queue: 'beats', name: 'beat' });
    const nightly = page.locator('tr[data-schedule="nightly-report"]');
    await nightly.waitFor({ timeout: 10_000 });
    const cell = (row: typeof nightly, label: string) => row.locator(`[data-label="${label}"]`).textContent();
    expect(await cell(nightly, 'Cron')).toBe('0 3 * * * Europe/Berlin');
    expect(await cell(nightly, 'Job')).toBe('reports/render');
    expect(await cell(nightly, 'Missed ticks')).toBe('latest 2 caught up');
    expect(await cell(nightly, 'Next tick')).toMatch(/^in \d+ ?(h|min)/);
    expect(await cell(nightly, 'Last tick')).toBe('never');
    // The server ticks the per-second schedule by itself.
    const beats = page.locator('tr[data-schedule="every-second"]');
    await expect.poll(() => cell(beats, 'Last tick'), { timeout: 15_000 }).toMatch(/ago$/);
    await screenshot(page, 'schedules-1280');

    await beats.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Delete schedule' }).click();
    await expect.poll(() => beats.count(), { timeout: 10_000 }).toBe(0);
    expect((await spool.schedules()).map((s) => s.name)).toEqual(['nightly-report']);
  });

  it("shows a group's one bar, its counts per status, and when it is done", async () => {
    const { spool } = server.service;
    // Two thumbnails finish at once; two jobs on a queue nobody works keep the group open.
    const group = await spool.group([
      { queue: 'media', name: 'thumbnail', payload: { file: 'a.png' } },
      { queue: 'media', name: 'thumbnail', payload: { file: 'b.png' } },
      { queue: 'later', name: 'x' },
      { queue: 'later', name: 'y' },
    ]);
    const page = await open(`/groups/${group.id}`, secrets.read);
    const summary = page.getByTestId('group-summary');
    await expect
      .poll(() => summary.textContent(), { timeout: 15_000 })
      .toMatch(/^2 of 4 finished \(50%\); the last should finish in about/);
    expect(await page.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('50');
    expect(await page.getByTestId('count-completed').locator('dd').textContent()).toBe('2');
    expect(await page.getByTestId('count-waiting').locator('dd').textContent()).toBe('2');
    await screenshot(page, 'group-1280');
    for (const job of group.jobs.slice(2)) await spool.cancel(job.id);
    await expect.poll(() => page.locator('.page-sub').textContent(), { timeout: 10_000 }).toBe('Every job is final.');
    expect(await page.getByRole('progressbar').getAttribute('aria-valuetext')).toBe('cancelled at 4 of 4');
  });

  it('shows a read-only token the schedules without a delete button, and fits a 390 px phone', async () => {
    await server.service.spool.schedule('weekly', '0 9 * * 1', { queue: 'reports', name: 'weekly' });
    const page = await open('/schedules', secrets.read, widths.phone);
    const row = page.locator('tr[data-schedule="weekly"]');
    await row.waitFor({ timeout: 10_000 });
    expect(await page.getByRole('button', { name: 'Delete' }).count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, 'schedules-390');
  });
});
