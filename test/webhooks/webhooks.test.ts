/**
 * Webhooks: signing and verifying, and delivery from a real worker to a local receiver on both
 * stores, checking the signature over the raw body, a retry with backoff after the receiver
 * first fails, and no retry for a 4xx.
 */
import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NonRetryableError, signWebhook, verifyWebhook } from '../../src/index.js';
import type { WebhookBody } from '../../src/index.js';
import { eventually } from '../helpers/eventually.js';
import { type TestService, type TestStore, freePort, startTestService, storeKinds } from '../server/helpers.js';

const secret = 'whsec-test-secret-0123456789';
const kinds = await storeKinds();

describe('signatures', () => {
  const body = '{"id":"1","status":"completed"}';

  it('verifies what it signs, within the tolerance', () => {
    const header = signWebhook(secret, body, 1_700_000_000);
    expect(header).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhook(secret, header, body, { now: 1_700_000_100 })).toEqual({ ok: true, timestamp: 1_700_000_000 });
    expect(verifyWebhook(secret, header, Buffer.from(body), { now: 1_700_000_100 }).ok).toBe(true);
  });

  it('refuses a changed body, a wrong secret, an old timestamp and a malformed header, saying why', () => {
    const header = signWebhook(secret, body, 1_700_000_000);
    const now = { now: 1_700_000_000 };
    expect(verifyWebhook(secret, header, body.replace('completed', 'failed'), now)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/does not match/),
    });
    expect(verifyWebhook('another-secret-0000000', header, body, now).ok).toBe(false);
    expect(verifyWebhook(secret, header, body, { now: 1_700_000_301 })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/tolerance 300 s/),
    });
    expect(verifyWebhook(secret, header, body, { now: 1_700_000_500, toleranceSeconds: 600 }).ok).toBe(true);
    expect(verifyWebhook(secret, 'v1=abc', body, now)).toMatchObject({ ok: false, reason: expect.stringMatching(/malformed/) });
    expect(verifyWebhook(secret, undefined, body, now)).toMatchObject({ ok: false, reason: expect.stringMatching(/missing/) });
  });

  it('accepts any of several v1 signatures, for secret rotation', () => {
    const t = 1_700_000_000;
    const old = signWebhook('old-secret-000000000000', body, t).split(',')[1];
    const header = `${signWebhook(secret, body, t)},${old}`;
    expect(verifyWebhook('old-secret-000000000000', header, body, { now: t }).ok).toBe(true);
  });
});

interface Delivery {
  headers: IncomingHttpHeaders;
  raw: string;
  at: number;
}

describe.each(kinds)('delivery on $kind', ({ make }) => {
  let store: TestStore;
  let s: TestService;
  let receiver: Server;
  let receiverUrl: string;
  let deliveries: Delivery[];
  let answers: number[];

  beforeEach(async () => {
    store = await make();
    deliveries = [];
    answers = [];
    receiver = createServer((req, res) => {
      let raw = '';
      req.setEncoding('utf8').on('data', (chunk: string) => {
        raw += chunk;
      });
      req.on('end', () => {
        deliveries.push({ headers: req.headers, raw, at: Date.now() });
        res.statusCode = answers.shift() ?? 200;
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hooks/spool`;
    s = await startTestService({
      store,
      http: false,
      webhookSecret: secret,
      queues: [
        {
          name: 'orders',
          options: {},
          handlers: {
            charge: async (payload: { amount: number }) => ({ charged: payload.amount }),
            refuse: async () => {
              throw new NonRetryableError('The card was declined; ask the customer for another card.');
            },
          },
        },
      ],
    });
  });

  afterEach(async () => {
    await s.close();
    await new Promise((resolve) => receiver.close(resolve));
    await store.cleanup();
  });

  it('POSTs the signed outcome of a completed job, retrying with backoff after the receiver first fails', async () => {
    answers.push(503);
    const { id } = await s.spool.enqueue('orders', 'charge', { amount: 42 }, { callbackUrl: receiverUrl, metadata: { order: 'A-1' } });
    await eventually(() => expect(deliveries).toHaveLength(2), 15_000);

    for (const delivery of deliveries) {
      expect(delivery.headers['content-type']).toBe('application/json');
      expect(verifyWebhook(secret, delivery.headers['spool-signature'], delivery.raw)).toMatchObject({ ok: true });
      expect(delivery.headers['spool-job-id']).toBe(id);
    }
    // The same delivery job both times, so receivers can deduplicate by it.
    expect(deliveries[1]?.headers['spool-webhook-id']).toBe(deliveries[0]?.headers['spool-webhook-id']);
    const body = JSON.parse(deliveries[1]?.raw ?? '{}') as WebhookBody;
    expect(body).toMatchObject({
      type: 'job.completed',
      id,
      queue: 'orders',
      name: 'charge',
      status: 'completed',
      result: { charged: 42 },
      error: null,
      attempts: 1,
      metadata: { order: 'A-1' },
    });
    expect(body.finishedAt).toEqual(expect.any(Number));

    const delivery = await eventually(async () => {
      const job = await s.spool.getJob(deliveries[0]?.headers['spool-webhook-id'] as string);
      expect(job?.status).toBe('completed');
      return job;
    });
    expect(delivery).toMatchObject({ queue: 'spool.webhooks', name: 'deliver', attempts: 2, result: { status: 200 } });
    expect(delivery?.errors[0]).toMatchObject({ message: expect.stringContaining('answered 503'), code: 'HTTP_503' });
  });

  it('reports a failed job with its error, and does not retry a 4xx the receiver refused', async () => {
    answers.push(410);
    const { id } = await s.spool.enqueue('orders', 'refuse', {}, { callbackUrl: receiverUrl });
    await eventually(() => expect(deliveries).toHaveLength(1), 10_000);
    const body = JSON.parse(deliveries[0]?.raw ?? '{}') as WebhookBody;
    expect(body).toMatchObject({
      type: 'job.failed',
      id,
      status: 'failed',
      result: null,
      error: { message: 'The card was declined; ask the customer for another card.', code: 'SPOOL_NON_RETRYABLE', attempt: 1 },
    });
    const deliveryId = deliveries[0]?.headers['spool-webhook-id'] as string;
    const delivery = await eventually(async () => {
      const job = await s.spool.getJob(deliveryId);
      expect(job?.status).toBe('failed');
      return job;
    });
    expect(delivery?.attempts).toBe(1);
    expect(delivery?.errors[0]?.message).toMatch(/answered 410.*not retried/);
  });

  it('reports a cancelled job, and retries when the receiver cannot be reached', async () => {
    const unreachable = `http://127.0.0.1:${await freePort()}/nothing-listens-here`;
    const { id } = await s.spool.enqueue('idle', 'never-runs', {}, { callbackUrl: receiverUrl });
    const other = await s.spool.enqueue('idle', 'never-runs', {}, { callbackUrl: unreachable });
    await s.spool.cancel(id);
    await s.spool.cancel(other.id);
    await eventually(() => expect(deliveries).toHaveLength(1), 10_000);
    expect(JSON.parse(deliveries[0]?.raw ?? '{}')).toMatchObject({ type: 'job.cancelled', id, status: 'cancelled' });

    const failing = await eventually(async () => {
      const page = await s.spool.listJobs({ queue: 'spool.webhooks' });
      const job = page.jobs.find((j) => (j.payload as { url: string }).url === unreachable);
      expect(job?.errors.length).toBeGreaterThanOrEqual(1);
      return job;
    }, 10_000);
    expect(failing?.status).not.toBe('failed');
    expect(failing?.errors[0]?.message).toBe(`Could not reach ${unreachable}: connect ECONNREFUSED ${new URL(unreachable).host}`);
  });
});
