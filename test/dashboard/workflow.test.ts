/**
 * The job page of a workflow in Debian's Chromium against a real server on SQLite: its steps as a
 * timeline (name, kind, status, duration, attempts, result or error), a sleeping step with until
 * when, children linked to their jobs, and after a failure the saga's compensations; at 1280 px
 * and on a 390 px phone.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NonRetryableError } from '../../src/index.js';
import type { JobContext } from '../../src/worker/types.js';
import { eventually } from '../helpers/eventually.js';
import { type TestService, type TestStore, secrets, sqliteStore, startTestService } from '../server/helpers.js';
import { chromiumAvailable, launchChromium, screenshot, watchErrors, widths } from './browser.js';
import { ensureDashboardBuilt } from './build.js';

const hasChromium = chromiumAvailable();

describe.runIf(hasChromium)('a workflow on its job page in Chromium', () => {
  let store: TestStore;
  let service: TestService;
  let browser: Browser;
  let context: BrowserContext | null = null;
  let errors: string[] = [];

  beforeAll(async () => {
    ensureDashboardBuilt();
    store = sqliteStore();
    [service, browser] = await Promise.all([
      startTestService({
        store,
        queues: [
          {
            name: 'orders',
            options: { concurrency: 4 },
            handlers: {
              async place(_payload: unknown, ctx: JobContext) {
                await ctx.step('reserve', () => ({ reservation: 'r-7' }), { compensate: () => null });
                const kids = await ctx.spawnMany([1, 2].map((n) => ({ queue: 'orders', name: 'pick', payload: { n } })));
                await ctx.all(kids);
                await ctx.sleep('cool-off', '2h');
                return 'done';
              },
              async doomed(_payload: unknown, ctx: JobContext) {
                await ctx.step('reserve', () => ({ reservation: 'r-8' }), { compensate: () => null });
                await ctx.step('charge', () => {
                  throw new NonRetryableError('The card was declined by the issuer (05).');
                });
              },
              async pick(payload: unknown) {
                return { picked: (payload as { n: number }).n };
              },
            },
          },
        ],
      }),
      launchChromium(),
    ]);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await service?.close();
    await store?.cleanup();
  });

  afterEach(async () => {
    await context?.close();
    context = null;
    expect(errors.filter((e) => !/40[134]|409|503|Failed to load resource/.test(e))).toEqual([]);
  });

  async function open(path: string, size: { width: number; height: number } = widths.laptop): Promise<Page> {
    context = await browser.newContext({ viewport: size, deviceScaleFactor: 1 });
    const page = await context.newPage();
    errors = watchErrors(page);
    await page.goto(`${service.url}${path}`);
    await page.getByLabel('API token').fill(secrets.admin);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('who').waitFor();
    return page;
  }

  const enqueue = async (name: string) => (await service.spool.enqueue('orders', name, {})).id;

  it('shows the steps as a timeline: results, children, and a sleep with until when', async () => {
    const id = await enqueue('place');
    await eventually(async () => (await service.spool.steps(id))?.find((s) => s.name === 'cool-off')?.status === 'sleeping', 15_000);
    const until = (await service.spool.steps(id))?.find((s) => s.name === 'cool-off')?.until as number;
    for (const size of [widths.laptop, widths.phone]) {
      const page = await open(`/jobs/${id}`, size);
      const steps = page.getByTestId('workflow-steps');
      await steps.waitFor();
      const names = await steps.locator('.step-name').allTextContents();
      expect(names).toEqual(['reserve', 'spawn-2', 'all-3', 'cool-off']);
      const reserve = steps.locator('li[data-step="reserve"]');
      expect(await reserve.locator('.badge').textContent()).toBe('completed');
      expect(await reserve.textContent()).toContain('1 attempt');
      expect(await reserve.textContent()).toContain('"reservation": "r-7"');
      const children = steps.locator('li[data-step="spawn-2"] .step-children a');
      expect(await children.count()).toBe(2);
      const sleeping = steps.locator('li[data-step="cool-off"]');
      expect(await sleeping.locator('.badge').textContent()).toBe('sleeping');
      expect(await sleeping.getByTestId('step-until').locator('time').getAttribute('datetime')).toBe(new Date(until).toISOString());
      expect(await sleeping.getByTestId('step-until').textContent()).toMatch(/^Sleeps until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      const overflow = await page.evaluate(() => {
        const root = (globalThis as any).document.documentElement;
        return root.scrollWidth - root.clientWidth;
      });
      expect(overflow, `horizontal overflow at ${size.width}px`).toBeLessThanOrEqual(0);
      await screenshot(page, `workflow-steps-${size.width}`, { fullPage: true });
      await children.first().click();
      await page.getByRole('heading', { name: /pick/ }).waitFor();
      await context?.close();
      context = null;
    }
  });

  it('after a failure shows the failed step, its compensation and the saga', async () => {
    const id = await enqueue('doomed');
    await eventually(async () => (await service.spool.getJob(id))?.status === 'failed', 15_000);
    const page = await open(`/jobs/${id}`);
    const steps = page.getByTestId('workflow-steps');
    await steps.waitFor();
    expect(await steps.locator('.step-name').allTextContents()).toEqual(['reserve', 'charge', 'Saga', 'Undo reserve']);
    expect(await steps.locator('li[data-step="charge"] .error-message').textContent()).toBe('The card was declined by the issuer (05).');
    expect(await steps.locator('li[data-step="$saga"] .step-saga').textContent()).toBe('After the workflow failed: compensated');
    expect(await steps.locator('li[data-step="compensate:reserve"] .badge').textContent()).toBe('completed');
    await screenshot(page, 'workflow-saga-1280', { fullPage: true });
  });
});
