/**
 * Webhook delivery from a real worker to a local receiver over real HTTP, on both stores: the
 * receiver verifies Standard Webhooks signatures over the raw body, a retry with backoff after
 * the receiver first fails, no retry for a 4xx, the legacy header on request, delivery errors
 * that tell readers nothing about the network (admins see the reason), and forged delivery
 * jobs that send nothing. The receiver on 127.0.0.1 gets through because the tests list it in
 * webhooks.allowHosts, as an operator would for an internal receiver.
 */
import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Job, NonRetryableError, type Spool, verifyWebhook } from '../../src/index.js';
import type { WebhookBody } from '../../src/index.js';
import { eventually } from '../helpers/eventually.js';
import {
  type TestService,
  type TestServiceOptions,
  type TestStore,
  freePort,
  secrets,
  startTestService,
  storeKinds,
  testWebhookSecret,
} from '../server/helpers.js';

const secret = testWebhookSecret;
const kinds = await storeKinds();

interface Delivery {
  headers: IncomingHttpHeaders;
  raw: string;
  url: string;
  at: number;
}

/** Writes a delivery job straight to the store, past the public enqueue's refusal: what a forged row would look like. */
async function forgeDelivery(spool: Spool, payload: unknown): Promise<{ id: string }> {
  const [row] = await spool.store.enqueue([
    {
      queue: 'spool.webhooks',
      name: 'deliver',
      payload: JSON.stringify(payload),
      priority: 0,
      maxAttempts: 1,
      backoff: { type: 'fixed', base: 0, cap: 0 },
      timeout: null,
      idempotencyKey: null,
      orderingKey: null,
      concurrencyKey: null,
      rateLimitKey: null,
      expiresAt: null,
      expiresIn: null,
      keyed: null,
      metadata: '{}',
      callbackUrl: null,
      runAt: null,
      delay: 0,
    },
  ]);
  return { id: (row as { id: string }).id };
}

describe.each(kinds)('delivery on $kind', ({ make }) => {
  let store: TestStore;
  let s: TestService;
  let receiver: Server;
  let receiverUrl: string;
  let deliveries: Delivery[];
  let answers: number[];

  async function start(options: Partial<TestServiceOptions> = {}): Promise<void> {
    s = await startTestService({
      store,
      webhookSecret: secret,
      webhookAllowHosts: ['127.0.0.1'],
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
      ...options,
    });
  }

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
        deliveries.push({ headers: req.headers, raw, url: req.url ?? '', at: Date.now() });
        res.statusCode = answers.shift() ?? 200;
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hooks/spool`;
    await start();
  });

  afterEach(async () => {
    await s.close();
    await new Promise((resolve) => receiver.close(resolve));
    await store.cleanup();
  });

  async function finishedDelivery(jobId: string): Promise<Job> {
    return eventually(async () => {
      const { jobs } = await s.spool.listJobs({ queue: 'spool.webhooks' });
      const delivery = jobs.find((j) => (j.payload as { jobId: string }).jobId === jobId);
      expect(['completed', 'failed']).toContain(delivery?.status);
      return delivery as Job;
    }, 10_000);
  }

  it('POSTs the outcome of a completed job with Standard Webhooks signatures, retrying with backoff after the receiver first fails', async () => {
    answers.push(503);
    const { id } = await s.spool.enqueue('orders', 'charge', { amount: 42 }, { callbackUrl: receiverUrl, metadata: { order: 'A-1' } });
    await eventually(() => expect(deliveries).toHaveLength(2), 15_000);

    for (const delivery of deliveries) {
      expect(delivery.headers['content-type']).toBe('application/json');
      // What a receiver does: verify the raw body with its copy of the secret and the request's headers.
      expect(verifyWebhook(secret, delivery.headers, delivery.raw)).toMatchObject({ ok: true, id: delivery.headers['webhook-id'] });
      expect(delivery.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
      expect(delivery.headers['spool-job-id']).toBe(id);
      expect(delivery.headers['spool-signature']).toBeUndefined();
    }
    // The same delivery job both times, so receivers can deduplicate by webhook-id.
    expect(deliveries[1]?.headers['webhook-id']).toBe(deliveries[0]?.headers['webhook-id']);
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
      const job = await s.spool.getJob(deliveries[0]?.headers['webhook-id'] as string);
      expect(job?.status).toBe('completed');
      return job;
    });
    expect(delivery).toMatchObject({ queue: 'spool.webhooks', name: 'deliver', attempts: 2, result: { delivered: true, status: 200 } });
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
      userMessage: "Sorry, we couldn't complete this.",
      error: {
        message: 'The card was declined; ask the customer for another card.',
        userMessage: "Sorry, we couldn't complete this.",
        code: 'SPOOL_NON_RETRYABLE',
        attempt: 1,
      },
    });
    const delivery = await finishedDelivery(id);
    expect(delivery).toMatchObject({ status: 'failed', attempts: 1 });
    expect(delivery.errors[0]?.message).toMatch(/answered 410.*not retried/);
  });

  it('reports a cancelled job, and retries an unreachable receiver without telling readers why (admins see it)', async () => {
    const unreachable = `http://127.0.0.1:${await freePort()}/nothing-listens-here`;
    const { id } = await s.spool.enqueue('idle', 'never-runs', {}, { callbackUrl: receiverUrl });
    const other = await s.spool.enqueue('idle', 'never-runs', {}, { callbackUrl: unreachable });
    await s.spool.cancel(id);
    await s.spool.cancel(other.id);
    await eventually(() => expect(deliveries).toHaveLength(1), 10_000);
    expect(JSON.parse(deliveries[0]?.raw ?? '{}')).toMatchObject({ type: 'job.cancelled', id, status: 'cancelled' });

    const failing = await eventually(async () => {
      const { jobs } = await s.spool.listJobs({ queue: 'spool.webhooks' });
      const job = jobs.find((j) => (j.payload as { jobId: string }).jobId === other.id);
      expect(job?.errors.length).toBeGreaterThanOrEqual(1);
      return job as Job;
    }, 10_000);
    expect(failing.status).not.toBe('failed');

    const generic = `Could not deliver to ${unreachable}: the connection failed; retrying with backoff. Admins see the reason in GET /v1/jobs/${failing.id}/errors.`;
    const asReader = (await (await s.api(`/v1/jobs/${failing.id}`, { token: secrets.read })).json()) as { errors: object[] };
    // Readers see only what to tell a person; the delivery's own message is for admins (and even that leaves the network out).
    expect(asReader.errors[0]).toEqual({
      userMessage: expect.stringMatching(/^We'll try again (in a moment|in \d+ s) \(attempt 2 of 10\)\.$/),
      code: 'WEBHOOK_CONNECTION_FAILED',
      attempt: 1,
      at: expect.any(Number),
    });
    const asAdminView = (await (await s.api(`/v1/jobs/${failing.id}`, { token: secrets.admin })).json()) as { errors: object[] };
    expect(asAdminView.errors[0]).toMatchObject({ message: generic });
    expect(JSON.stringify(asReader)).not.toMatch(/ECONNREFUSED|refused/i);
    expect((await s.api(`/v1/jobs/${failing.id}/errors`, { token: secrets.read })).status).toBe(403);
    const asAdmin = (await (await s.api(`/v1/jobs/${failing.id}/errors`, { token: secrets.admin })).json()) as {
      errors: { message: string; stack: string }[];
    };
    expect(asAdmin.errors[0]?.message).toBe(generic);
    expect(asAdmin.errors[0]?.stack).toMatch(/Reason: connect ECONNREFUSED 127\.0\.0\.1:\d+/);
  });

  it('sends nothing for a forged delivery job: the url and status in its payload are ignored', async () => {
    const forge = (payload: unknown) => forgeDelivery(s.spool, payload);
    const attacker = `${receiverUrl}/attacker`;
    // Still waiting, with a real callback: a forged "completed" must not be reported.
    const waiting = await s.spool.enqueue('idle', 'never-runs', {}, { callbackUrl: receiverUrl });
    // Cancelled, without a callback: nothing may be sent anywhere.
    const silent = await s.spool.enqueue('idle', 'never-runs', {});
    await s.spool.cancel(silent.id);

    // The public enqueue refuses Spool's internal queues outright...
    await expect(s.spool.enqueue('spool.webhooks', 'deliver', { jobId: waiting.id, url: attacker })).rejects.toMatchObject({
      code: 'SPOOL_INVALID_ARGUMENT',
      message: expect.stringContaining('reserved "spool." namespace'),
    });
    // ...and a delivery row that got in anyway (written straight to the store) still sends nothing.
    const forged = await forge({ jobId: waiting.id, url: attacker, status: 'completed' });
    const forgedSilent = await forge({ jobId: silent.id, url: attacker, status: 'cancelled' });
    const forgedMissing = await forge({ jobId: '999999', url: attacker, status: 'completed' });
    // The attack from the report, over HTTP with an enqueue-only token: refused with 400.
    const overHttp = await s.api('/v1/queues/spool.webhooks/jobs', {
      method: 'POST',
      token: secrets.enqueue,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'deliver', payload: { jobId: waiting.id, url: attacker, status: 'completed' } }),
    });
    expect(overHttp.status).toBe(400);
    expect(await overHttp.json()).toMatchObject({ code: 'SPOOL_INVALID_ARGUMENT', detail: expect.stringContaining('reserved') });

    for (const { id } of [forged, forgedSilent, forgedMissing]) {
      await eventually(async () => expect((await s.spool.getJob(id))?.status).toBe('completed'), 10_000);
    }
    expect((await s.spool.getJob(forged.id))?.result).toEqual({
      delivered: false,
      reason: expect.stringMatching(/is waiting, not finished/),
    });
    expect((await s.spool.getJob(forgedSilent.id))?.result).toEqual({
      delivered: false,
      reason: expect.stringMatching(/has no callbackUrl/),
    });
    expect((await s.spool.getJob(forgedMissing.id))?.result).toEqual({ delivered: false, reason: expect.stringMatching(/does not exist/) });
    expect(deliveries).toEqual([]);
    expect((await s.spool.getJob(waiting.id))?.status).toBe('waiting');
  });

  it('sends the job to its own callbackUrl with its true status, whatever a forged payload says', async () => {
    const forge = (payload: unknown) => forgeDelivery(s.spool, payload);
    const { id } = await s.spool.enqueue('idle', 'never-runs', {}, { callbackUrl: receiverUrl });
    await s.spool.cancel(id);
    await eventually(() => expect(deliveries).toHaveLength(1), 10_000);
    await forge({ jobId: id, url: `${receiverUrl}/attacker` });
    await eventually(() => expect(deliveries).toHaveLength(2), 10_000);
    expect(deliveries.map((d) => d.url)).toEqual(['/hooks/spool', '/hooks/spool']);
    expect(JSON.parse(deliveries[1]?.raw ?? '{}')).toMatchObject({ type: 'job.cancelled', id, status: 'cancelled' });
  });

  it("sends the legacy Spool-Signature alongside the standard headers with signature: 'both'", async () => {
    await s.close();
    await start({ webhookSignature: 'both' });
    const { id } = await s.spool.enqueue('idle', 'never-runs', {}, { callbackUrl: receiverUrl });
    await s.spool.cancel(id);
    await eventually(() => expect(deliveries).toHaveLength(1), 10_000);
    const [delivery] = deliveries as [Delivery];
    expect(verifyWebhook(secret, delivery.headers, delivery.raw).ok).toBe(true);
    expect(verifyWebhook(secret, delivery.headers['spool-signature'], delivery.raw).ok).toBe(true);
    expect(delivery.headers['spool-webhook-id']).toBe(delivery.headers['webhook-id']);
  });

  it("sends only the legacy Spool-Signature, with a raw secret, under signature: 'spool'", async () => {
    await s.close();
    const legacy = 'a-raw-legacy-secret-0001';
    await start({ webhookSignature: 'spool', webhookSecret: legacy });
    const { id } = await s.spool.enqueue('idle', 'never-runs', {}, { callbackUrl: receiverUrl });
    await s.spool.cancel(id);
    await eventually(() => expect(deliveries).toHaveLength(1), 10_000);
    const [delivery] = deliveries as [Delivery];
    expect(delivery.headers['webhook-signature']).toBeUndefined();
    expect(verifyWebhook(legacy, delivery.headers, delivery.raw, { scheme: 'spool' }).ok).toBe(true);
  });

  it('refuses the local receiver when the allow-list does not name it', async () => {
    await s.close();
    await start({ webhookAllowHosts: [] });
    const { id } = await s.spool.enqueue('idle', 'never-runs', {}, { callbackUrl: receiverUrl });
    await s.spool.cancel(id);
    const delivery = await finishedDelivery(id);
    expect(delivery.status).toBe('failed');
    expect(delivery.errors[0]?.message).toMatch(/^Did not deliver to .*webhooks\.allowHosts/);
    expect(deliveries).toEqual([]);
  });
});
