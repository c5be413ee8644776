/**
 * Makes docs/dashboard.png: the overview of a real server with real jobs. An hour of history is
 * worked through first with a ManualClock (jobs enqueued, the backlog sampled as workers start
 * on them, and all run, minute by minute), then `spool serve`'s service runs live jobs on the same SQLite
 * file while Chromium takes the picture. Run with `npx tsx docs/make-screenshot.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, NonRetryableError, createSpool, silentLogger } from '../src/index.js';
import { hashToken } from '../src/server/auth.js';
import { startService } from '../src/server/service.js';
import type { JobContext } from '../src/worker/types.js';
import { launchChromium } from '../test/dashboard/chromium.js';
import { ensureDashboardBuilt, root } from '../test/dashboard/build.js';

const minute = 60_000;
const dir = mkdtempSync(join(tmpdir(), 'spool-screenshot-'));
const store = `sqlite:${join(dir, 'spool.db')}`;
const secret = 'screenshot-admin-secret-01';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function history(): Promise<void> {
  const start = Date.now() - 60 * minute;
  const clock = new ManualClock(start);
  const spool = await createSpool({ store, clock, logger: silentLogger, shutdownSignals: false, pollInterval: 20 });
  let n = 0;
  const handlers = {
    async 'send-welcome'() {
      await sleep(5);
      if (++n % 13 === 0) throw new NonRetryableError('The address bounced: mailbox ada@example.invalid does not exist.');
      return { sent: true };
    },
    async 'resize-image'() {
      await sleep(5);
      return { variants: 4 };
    },
  };
  spool.work('emails', handlers, { concurrency: 8 });
  spool.work('media', handlers, { concurrency: 8 });
  for (let m = 0; m < 60; m++) {
    clock.set(start + m * minute);
    const wave = Math.round(14 + 10 * Math.sin(m / 7) + (m > 40 ? (m - 40) * 1.5 : 0));
    const handles = await spool.enqueueMany([
      ...Array.from({ length: wave }, (_, i) => ({ queue: 'emails', name: 'send-welcome', payload: { to: `user${m}-${i}@example.com` } })),
      ...Array.from({ length: Math.round(wave / 2) }, (_, i) => ({
        queue: 'media',
        name: 'resize-image',
        payload: { file: `photo-${m}-${i}.jpg` },
      })),
    ]);
    await sleep(2); // the workers claim their first jobs
    await spool.sampleBacklog();
    await Promise.all(handles.map((h) => h.wait({ timeout: 10_000 }).catch(() => {})));
  }
  await spool.close();
}

async function live(): Promise<void> {
  const service = await startService({
    http: true,
    logger: silentLogger,
    config: {
      file: null,
      store,
      schema: undefined,
      spoolOptions: { pollInterval: 100 },
      subscriptions: [],
      breakers: {},
      queues: [
        {
          name: 'media',
          options: { concurrency: 3 },
          handlers: {
            async 'render-report'(payload: unknown, ctx: JobContext) {
              const { pages } = payload as { pages: number };
              for (let page = 1; page <= pages; page++) {
                await sleep(1_500);
                await ctx.progress({ done: page, total: pages }, `rendered page ${page} of ${pages}`);
              }
              return { pdf: 'report.pdf' };
            },
          },
        },
      ],
      tokens: [{ name: 'ops', hash: hashToken(secret), scopes: ['admin'] }],
      webhookSecrets: [],
      webhookSignature: 'standard',
      webhookAllowHosts: [],
      webhookConcurrency: 1,
      server: { host: '127.0.0.1', port: 0, bodyLimit: undefined },
    },
  });
  const spool = service.spool;
  for (let i = 0; i < 5; i++) await spool.enqueue('media', 'render-report', { report: `q${i + 1}`, pages: 20 });
  for (let i = 0; i < 9; i++) await spool.enqueue('emails', 'send-welcome', { to: `later${i}@example.com` }, { delay: '10m' });
  await sleep(5_000);
  await spool.sampleBacklog();

  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
    await page.goto(`${service.url}/`);
    await page.getByLabel('API token').fill(secret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('tr[data-queue="media"]').waitFor();
    await page.getByRole('img', { name: /Throughput/ }).waitFor();
    await sleep(1_000);
    const path = join(root, 'docs', 'dashboard.png');
    await page.screenshot({ path, animations: 'disabled' });
    console.log(`wrote ${path}`);
  } finally {
    await browser.close();
    await service.close();
  }
}

ensureDashboardBuilt();
try {
  await history();
  await live();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
