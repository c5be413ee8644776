/**
 * @module
 * A real Spool server on SQLite for the browser tests: the dashboard, tokens for admin and
 * read-only, and workers whose handlers the test drives. `render` reports progress one page at
 * a time, each page waiting for the test to release it; `charge` fails until the test lets it
 * succeed; `explode` always fails with a non-retryable error; `fail-late` reports all its progress,
 * then fails; `flaky` always fails with a retryable one; `resize` logs with `ctx.log`, waits for
 * the test to release it, then logs once more.
 */
import { NonRetryableError } from '../../src/index.js';
import type { JobContext } from '../../src/worker/types.js';
import { gate, type Gate } from '../helpers/eventually.js';
import { type TestService, type TestStore, secrets, sqliteStore, startTestService } from '../server/helpers.js';

export interface DashboardServer {
  service: TestService;
  store: TestStore;
  /** Releases the next page of every `render` job in progress. */
  releasePage(): void;
  /** Lets every `resize` job in progress log its last line and finish. */
  releaseResize(): void;
  /** From now on `charge` succeeds. */
  fixCharges(): void;
  close(): Promise<void>;
}

export { secrets };

export async function startDashboardServer(): Promise<DashboardServer> {
  const store = sqliteStore();
  let page: Gate = gate();
  let chargesWork = false;
  const resized: Gate = gate();
  const service = await startTestService({
    store,
    backlogSampleInterval: 500,
    queues: [
      {
        name: 'media',
        options: { concurrency: 4 },
        handlers: {
          async render(payload: unknown, ctx: JobContext) {
            const { pages } = payload as { pages: number };
            for (let done = 1; done <= pages; done++) {
              await page.promise;
              await ctx.progress({ done, total: pages }, `rendered page ${done} of ${pages}`);
            }
            return { pdf: 'report.pdf', pages };
          },
          async resize(payload: unknown, ctx: JobContext) {
            const { size } = payload as { size: number };
            ctx.log.info('resizing', { size });
            ctx.log.debug('picked the lanczos filter');
            await resized.promise;
            ctx.log.warn('resized with a smaller quality', { size: size / 2, quality: 80 });
            return { size: size / 2 };
          },
          async thumbnail(payload: unknown) {
            return { file: (payload as { file: string }).file, sizes: [64, 128] };
          },
        },
      },
      {
        name: 'billing',
        options: { concurrency: 2 },
        handlers: {
          async charge(payload: unknown) {
            if (!chargesWork)
              throw new Error(
                `The card of order ${(payload as { order: number }).order} was declined by the payment provider (503); try again later.`,
              );
            return { charged: true };
          },
          async explode() {
            throw new NonRetryableError('The invoice total is negative; fix the order before retrying.');
          },
          async 'fail-late'(_payload: unknown, ctx: JobContext) {
            await ctx.progress({ done: 4, total: 4 }, 'all pages printed');
            throw new NonRetryableError('The printer rejected the job: out of toner.');
          },
          async flaky() {
            throw new Error('The partner API answered 503.');
          },
        },
      },
    ],
  });
  return {
    service,
    store,
    releasePage() {
      const released = page;
      page = gate();
      released.open();
    },
    releaseResize() {
      resized.open();
    },
    fixCharges() {
      chargesWork = true;
    },
    async close() {
      page.open();
      resized.open();
      await service.close();
      await store.cleanup();
    },
  };
}

/** Enqueues through the HTTP API, as a producer would, and returns the job id. */
export async function enqueueOverHttp(service: TestService, queue: string, body: Record<string, unknown>): Promise<string> {
  const response = await service.api(`/v1/queues/${queue}/jobs`, {
    method: 'POST',
    token: secrets.admin,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 202) throw new Error(`enqueue answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
}
