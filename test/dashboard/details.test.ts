/**
 * The dashboard details users noticed, in Debian's Chromium against a real server on SQLite: a
 * failed job's progress bar is red and says so, and its result says why there is none; delayed
 * and retrying jobs say when they run; an active job shows its elapsed time, worker and lease;
 * dead letters are retried or deleted one at a time; the sign-in card fits a 390 px phone; the
 * internal `spool.webhooks` queue is marked; a waiting job shows its position in its queue; a job nobody handles says so; the Workers page lists
 * who is working; a read-only token sees what the person waiting is told, not the developer's message;
 * the lines a handler logged show on its job's page, live.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { chromiumAvailable, launchChromium, screenshot, watchErrors, widths } from './browser.js';
import { ensureDashboardBuilt } from './build.js';
import { type DashboardServer, enqueueOverHttp, secrets, startDashboardServer } from './dashboard-server.js';

const hasChromium = chromiumAvailable();

describe.runIf(hasChromium)('dashboard details in Chromium', () => {
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

  const statusOf = async (id: string) => (await server.service.spool.getJob(id))?.status;

  it('shows a failed job with a red bar that says failed, and why it has no result', async () => {
    const id = await enqueueOverHttp(server.service, 'billing', { name: 'fail-late' });
    await eventually(async () => (await statusOf(id)) === 'failed', 10_000);
    const page = await open(`/jobs/${id}`, secrets.admin);
    const bar = page.getByRole('progressbar');
    await bar.waitFor();
    expect(await bar.getAttribute('aria-valuetext')).toBe('failed at 4 of 4');
    const fill = page.locator('.progress-fill');
    expect(await fill.evaluate((el) => (globalThis as any).getComputedStyle(el).backgroundColor)).toBe('rgb(220, 38, 38)');
    await page.getByText('No result: the job failed (see why above).').waitFor();
    expect(await page.getByText('No result until the job completes').count()).toBe(0);
    await page.getByText('The printer rejected the job: out of toner.').first().waitFor();
    await expect
      .poll(() => page.getByTestId('user-message').textContent())
      .toBe("The person waiting is told: Sorry, we couldn't complete this.");
    await screenshot(page, 'job-failed-late-1280');
  });

  it('says when a delayed job is scheduled and when a retrying one runs again, in the list and on its page', async () => {
    const at = Date.now() + 3 * 3_600_000;
    const delayed = await enqueueOverHttp(server.service, 'idle', { name: 'later', runAt: at });
    const retrying = await enqueueOverHttp(server.service, 'billing', { name: 'flaky', backoff: { type: 'fixed', base: '40s' } });
    await eventually(async () => ((await server.service.spool.getJob(retrying))?.errors.length ?? 0) === 1, 10_000);
    const when = new Date(at);
    const hhmm =
      when.toDateString() === new Date().toDateString()
        ? when.toTimeString().slice(0, 5)
        : `${when.toLocaleDateString('en-US', { month: 'short', day: 'numeric' })}, ${when.toTimeString().slice(0, 5)}`;
    const page = await open('/jobs', secrets.admin);
    const delayedRow = page.locator(`tr[data-job-id="${delayed}"]`);
    await expect.poll(() => delayedRow.locator('.waiting-for').textContent(), { timeout: 10_000 }).toBe(`scheduled for ${hhmm}`);
    await expect
      .poll(() => page.locator(`tr[data-job-id="${retrying}"] .waiting-for`).textContent(), { timeout: 10_000 })
      .toMatch(/^retrying in (40|39|38|37|36|35) s$/);
    await screenshot(page, 'jobs-waiting-1280');
    await page.getByRole('link', { name: `#${retrying} flaky` }).click();
    await expect.poll(() => page.getByTestId('waiting-for').textContent()).toMatch(/^retrying in \d+ s$/);
    await page.getByText("The person waiting is told: We'll try again in 40 s (attempt 2 of 3).").waitFor();
  });

  it('shows an active job with how long it has run, its worker and its lease', async () => {
    const id = await enqueueOverHttp(server.service, 'media', { name: 'render', payload: { pages: 2 } });
    await eventually(async () => (await statusOf(id)) === 'active', 10_000);
    const page = await open(`/jobs/${id}`, secrets.admin);
    const fact = (label: string) =>
      page
        .locator('.fact')
        .filter({ has: page.locator('dt', { hasText: label }) })
        .locator('dd');
    await expect.poll(() => fact('Running for').textContent(), { timeout: 10_000 }).toMatch(/^(\d+ms|\d+s|\dm \d+s|\dm)$/);
    const worker = (await server.service.spool.getJob(id))?.workerId;
    expect(await fact('Worker').textContent()).toBe(worker);
    expect(await fact('Lease').textContent()).toMatch(/^until \d\d:\d\d \(\d+s left\)$/);
    await screenshot(page, 'job-active-facts-1280');
    // One page at a time: each release lets the handler reach its next wait.
    server.releasePage();
    await eventually(async () => (await server.service.spool.getJob(id))?.progress !== null, 10_000);
    server.releasePage();
    await eventually(async () => (await statusOf(id)) === 'completed', 10_000);
  });

  it('retries one dead letter, and deletes another after a confirmation', async () => {
    const [first, second] = [
      await enqueueOverHttp(server.service, 'billing', { name: 'explode', payload: { order: 71 } }),
      await enqueueOverHttp(server.service, 'billing', { name: 'explode', payload: { order: 72 } }),
    ];
    await eventually(async () => (await statusOf(first as string)) === 'failed' && (await statusOf(second as string)) === 'failed', 10_000);
    const page = await open('/dead-letters?queue=billing', secrets.admin);
    const row = (id: string) => page.getByRole('tabpanel', { name: 'Failed jobs of billing' }).locator(`li[data-job-id="${id}"]`);
    await row(second as string).waitFor();
    await screenshot(page, 'dead-letters-rows-1280');
    await row(first as string)
      .getByRole('button', { name: 'Retry' })
      .click();
    await page
      .getByRole('status')
      .filter({ hasText: `Job #${first} went back to waiting.` })
      .waitFor();
    // explode fails again at once, with a fresh attempt.
    await eventually(async () => {
      const job = await server.service.spool.getJob(first as string);
      return job?.status === 'failed' && job.attempts === 1 && job.errors.length === 2;
    }, 10_000);
    await row(second as string)
      .getByRole('button', { name: 'Delete' })
      .click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText(`Delete failed job #${second} (explode)?`).waitFor();
    await dialog.getByRole('button', { name: 'Go back' }).click();
    expect(await statusOf(second as string)).toBe('failed');
    await row(second as string)
      .getByRole('button', { name: 'Delete' })
      .click();
    await dialog.getByRole('button', { name: 'Delete job' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Job #${second} deleted.` })
      .waitFor();
    expect(await server.service.spool.getJob(second as string)).toBeNull();
    await expect.poll(() => row(second as string).count(), { timeout: 10_000 }).toBe(0);
  });

  it('fits the sign-in card, and its command, on a 390 px phone', async () => {
    context = await browser.newContext({ viewport: widths.phone, deviceScaleFactor: 1 });
    const page = await context.newPage();
    errors = watchErrors(page);
    await page.goto(`${server.service.url}/`);
    const card = page.locator('.sign-in-card');
    await card.waitFor();
    await screenshot(page, 'sign-in-390');
    const box = await card.boundingBox();
    const inside = await card.evaluate((el) => {
      const right = el.getBoundingClientRect().right;
      return [...el.querySelectorAll('*')]
        .filter((child) => child.getBoundingClientRect().right > right + 0.5)
        .map((c) => c.outerHTML.slice(0, 80));
    });
    expect(inside).toEqual([]);
    expect(box && box.x + box.width).toBeLessThanOrEqual(390);
    expect(await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.getByText('spool token create --name you --scopes admin').waitFor();
  });

  it('marks the internal spool.webhooks queue, after the user queues', async () => {
    await enqueueOverHttp(server.service, 'media', { name: 'thumbnail', payload: { file: 'a.png' } });
    const page = await open('/', secrets.admin);
    const internal = page.locator('tr[data-queue="spool.webhooks"]');
    await internal.waitFor();
    expect(await internal.getAttribute('data-internal')).toBe('true');
    expect(await internal.locator('.tag-internal').textContent()).toBe('internal');
    expect(await page.locator('tr[data-queue="media"] .tag-internal').count()).toBe(0);
    expect(await page.locator('tr[data-queue]').last().getAttribute('data-queue')).toBe('spool.webhooks');
    await screenshot(page, 'overview-internal-1280');
  });

  it("shows a waiting job's position in its queue and when it should start", async () => {
    const ids: string[] = [];
    for (const n of [1, 2, 3]) ids.push(await enqueueOverHttp(server.service, 'backlog', { name: 'report', payload: { n } }));
    const page = await open(`/jobs/${ids[2]}`, secrets.read);
    const position = page.getByTestId('position');
    await position.waitFor({ timeout: 10_000 });
    expect(await position.locator('dd').textContent()).toBe('2 ahead');
    // Nobody works this queue, so it drained nothing: no estimate, and the page says why.
    expect(await page.getByTestId('eta').locator('dd').textContent()).toBe('not known yet: its queue finished no jobs in the last 5 min');
    await screenshot(page, 'job-position-1280');
  });

  it('warns on the page of a job nobody handles, and lists the running workers', async () => {
    const id = await enqueueOverHttp(server.service, 'media', { name: 'thumbnial', payload: { file: 'b.png' } });
    const page = await open(`/jobs/${id}`, secrets.read);
    const warning = page.getByTestId('warning');
    await warning.waitFor({ timeout: 10_000 });
    expect(await warning.textContent()).toContain(
      'no worker handles media/thumbnial; running workers handle: render, resize, thumbnail (did you mean "thumbnail"?).',
    );
    await screenshot(page, 'job-unhandled-1280');
    await warning.getByRole('link', { name: 'Workers' }).click();
    await page.getByRole('heading', { name: 'Workers' }).waitFor();
    const media = page.locator('tr[data-queue="media"]');
    await media.waitFor();
    const cell = (label: string) => media.locator(`[data-label="${label}"]`).textContent();
    expect(await cell('Handles')).toBe('render, resize, thumbnail');
    expect(await cell('PID')).toBe(String(process.pid));
    expect(await cell('Concurrency')).toBe('4');
    expect(await cell('Last heartbeat')).toMatch(/ago$/);
    expect(await cell('Version')).toMatch(/^\d+\.\d+\.\d+/);
    expect(await page.locator('tr[data-queue="spool.webhooks"]').count()).toBe(1);
    await screenshot(page, 'workers-1280');
    await page.setViewportSize(widths.phone);
    await screenshot(page, 'workers-390');
    expect(await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  });

  it("shows a read-only token what the person waiting is told, never the developer's message", async () => {
    const id = await enqueueOverHttp(server.service, 'billing', { name: 'fail-late' });
    await eventually(async () => (await statusOf(id)) === 'failed', 10_000);
    const page = await open(`/jobs/${id}`, secrets.read);
    await page.getByRole('heading', { name: 'Why it failed' }).waitFor();
    await page.getByText("The person waiting is told: Sorry, we couldn't complete this.").waitFor();
    await page.getByText("The developer's message and stack trace are shown to admin tokens.").waitFor();
    expect(await page.getByText('out of toner').count()).toBe(0);
    await page.getByRole('link', { name: 'Dead letters' }).click();
    await page.locator(`li[data-job-id="${id}"]`).getByText("Sorry, we couldn't complete this.").waitFor();
    expect(await page.getByRole('button', { name: 'Retry' }).count()).toBe(0);
  });

  it("shows the lines a handler logged on the job's page, with level, attempt and fields, as they come", async () => {
    const id = await enqueueOverHttp(server.service, 'media', { name: 'resize', payload: { size: 640 } });
    await eventually(async () => ((await server.service.spool.jobLogs(id)) ?? []).length === 2, 10_000);
    const page = await open(`/jobs/${id}`, secrets.read);
    const log = page.getByTestId('job-log');
    await log.getByText('resizing').waitFor();
    await log.getByText('picked the lanczos filter').waitFor();
    expect(await log.locator('.log-line').first().textContent()).toMatch(/info#1resizing\{"size":640\}/);
    expect(await log.getByText('resized with a smaller quality').count()).toBe(0);
    // Live: the last line shows up without a reload once the handler logs it.
    server.releaseResize();
    await log.getByText('resized with a smaller quality').waitFor({ timeout: 10_000 });
    expect(await log.locator('.log-line').count()).toBe(3);
    expect(await log.locator('.log-line').last().textContent()).toContain('{"size":320,"quality":80}');
    await expect.poll(() => statusOf(id)).toBe('completed');
    await screenshot(page, 'job-log-1280');
  });
});
