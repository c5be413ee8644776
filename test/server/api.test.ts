/**
 * The v1 API over real HTTP on 127.0.0.1, against SQLite and PostgreSQL: enqueue, idempotency,
 * read, list with filters and cursors, counts, cancel, retry, validation and problem+json errors,
 * body limits, health and readiness, and the OpenAPI document.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NonRetryableError } from '../../src/index.js';
import { eventually } from '../helpers/eventually.js';
import { type TestService, type TestStore, jsonBody, secrets, startTestService, storeKinds } from './helpers.js';

const kinds = await storeKinds();

describe.each(kinds)('HTTP API on $kind', ({ make }) => {
  let store: TestStore;
  let s: TestService;
  const admin = secrets.admin;

  beforeEach(async () => {
    store = await make();
    s = await startTestService({
      store,
      bodyLimit: 4_096,
      queues: [
        {
          name: 'work',
          options: { concurrency: 2 },
          handlers: {
            echo: async (payload: unknown) => ({ echoed: payload }),
            explode: async () => {
              throw new NonRetryableError('The invoice total is negative; fix the order before retrying.');
            },
          },
        },
      ],
    });
  });

  afterEach(async () => {
    await s.close();
    await store.cleanup();
  });

  const enqueue = (queue: string, body: unknown, headers: Record<string, string> = {}) =>
    s.api(`/v1/queues/${queue}/jobs`, { ...jsonBody(body), token: admin, headers: { 'content-type': 'application/json', ...headers } });

  it('accepts a job with 202, its id, status and Location, and runs it to a result', async () => {
    const response = await enqueue('work', { name: 'echo', payload: { n: 1 } });
    expect(response.status).toBe(202);
    const body = (await response.json()) as { id: string; status: string; created: boolean };
    expect(body).toMatchObject({ status: 'waiting', created: true });
    expect(body.id).toMatch(/^\d+$/);
    expect(response.headers.get('location')).toBe(`/v1/jobs/${body.id}`);
    const job = await eventually(async () => {
      const r = await s.api(response.headers.get('location') as string, { token: secrets.read });
      const j = (await r.json()) as { status: string; result: unknown; attempts: number };
      expect(j.status).toBe('completed');
      return j;
    });
    expect(job).toMatchObject({ result: { echoed: { n: 1 } }, attempts: 1 });
  });

  it('returns the existing job for a repeated Idempotency-Key, with 200 and nothing new enqueued', async () => {
    const first = await enqueue('idle', { name: 'charge', payload: { order: 7 } }, { 'idempotency-key': 'order-7' });
    const second = await enqueue('idle', { name: 'charge', payload: { order: 7 } }, { 'idempotency-key': 'order-7' });
    expect(first.status).toBe(202);
    expect(second.status).toBe(200);
    const [a, b] = (await Promise.all([first.json(), second.json()])) as { id: string; created: boolean }[];
    expect(b?.id).toBe(a?.id);
    expect(b?.created).toBe(false);
    expect(second.headers.get('location')).toBe(`/v1/jobs/${a?.id}`);
    const counts = (await (await s.api('/v1/queues', { token: secrets.read })).json()) as { queues: { name: string; total: number }[] };
    expect(counts.queues.find((q) => q.name === 'idle')?.total).toBe(1);
  });

  it("shows a failed job with the message for the person waiting to read tokens, and the developer's to admins", async () => {
    const { id } = (await (await enqueue('work', { name: 'explode' })).json()) as { id: string };
    type Shown = { status: string; userMessage: string | null; error: Record<string, unknown> | null; errors: Record<string, unknown>[] };
    const read = await eventually(async () => {
      const j = (await (await s.api(`/v1/jobs/${id}`, { token: secrets.read })).json()) as Shown;
      expect(j.status).toBe('failed');
      return j;
    });
    expect(read.userMessage).toBe("Sorry, we couldn't complete this.");
    expect(read.error).toEqual({
      userMessage: "Sorry, we couldn't complete this.",
      code: 'SPOOL_NON_RETRYABLE',
      attempt: 1,
      at: expect.any(Number),
      final: true,
    });
    expect(read.errors).toEqual([read.error]);
    const admin = (await (await s.api(`/v1/jobs/${id}`, { token: secrets.admin })).json()) as Shown;
    expect(admin.error).toMatchObject({
      message: 'The invoice total is negative; fix the order before retrying.',
      userMessage: "Sorry, we couldn't complete this.",
      code: 'SPOOL_NON_RETRYABLE',
    });
    expect(admin.errors[0]?.stack).toBeUndefined();
  });

  it('answers problem+json: 404 for an unknown job, 400 for a bad id or queue name', async () => {
    const missing = await s.api('/v1/jobs/999999', { token: secrets.read });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    expect(await missing.json()).toMatchObject({ status: 404, code: 'SPOOL_JOB_NOT_FOUND', detail: expect.stringContaining('999999') });

    const badId = await s.api('/v1/jobs/abc', { token: secrets.read });
    expect(badId.status).toBe(400);
    expect(((await badId.json()) as { detail: string }).detail).toMatch(/^Invalid job id "abc" in the URL: job ids are the digits/);

    const badQueue = await enqueue('bad%20queue', { name: 'x' });
    expect(badQueue.status).toBe(400);
    expect(((await badQueue.json()) as { detail: string }).detail).toMatch(
      /^Invalid queue name "bad queue" in the URL: use 1 to 128 letters/,
    );

    const badName = await enqueue('work', { name: 'no spaces allowed' });
    expect(badName.status).toBe(400);
    expect(((await badName.json()) as { detail: string }).detail).toMatch(/Invalid job name "no spaces allowed"/);
  });

  it('rejects unknown fields with 400 naming the field, anywhere in the body and in the query', async () => {
    const response = await enqueue('work', { name: 'echo', payloda: {} });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { detail: string; errors: { field: string; message: string }[] };
    expect(problem.detail).toContain('field "payloda"');
    expect(problem.errors[0]).toMatchObject({ field: 'field "payloda"', message: expect.stringContaining('name, payload') });

    const nested = await enqueue('work', { name: 'echo', backoff: { type: 'fixed', bsae: 10 } });
    expect(nested.status).toBe(400);
    expect(((await nested.json()) as { detail: string }).detail).toContain('field "backoff.bsae"');

    const query = await s.api('/v1/queues/work/jobs?stauts=failed', { token: secrets.read });
    expect(query.status).toBe(400);
    expect(((await query.json()) as { detail: string }).detail).toContain('query parameter "stauts"');
  });

  it('answers 400 for malformed JSON, 415 without a JSON content type, and 413 over the body limit', async () => {
    const malformed = await s.api('/v1/queues/work/jobs', {
      method: 'POST',
      token: admin,
      headers: { 'content-type': 'application/json' },
      body: '{"name":',
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { detail: string }).detail).toMatch(/not valid JSON/);

    const form = await s.api('/v1/queues/work/jobs', {
      method: 'POST',
      token: admin,
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(form.status).toBe(415);
    expect(((await form.json()) as { detail: string }).detail).toMatch(/Content-Type: application\/json/);

    const big = await enqueue('work', { name: 'echo', payload: 'x'.repeat(10_000) });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ code: 'SPOOL_PAYLOAD_TOO_LARGE', detail: expect.stringContaining('4096 bytes') });
  });

  it('lists jobs newest first with filters and cursor pagination', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push(((await (await enqueue('idle', { name: i % 2 ? 'odd' : 'even', payload: i })).json()) as { id: string }).id);
    await enqueue('other', { name: 'even' });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const r = await s.api(`/v1/queues/idle/jobs?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: secrets.read });
      expect(r.status).toBe(200);
      const page = (await r.json()) as { jobs: { id: string; queue: string }[]; nextCursor: string | null };
      expect(page.jobs.length).toBeLessThanOrEqual(2);
      seen.push(...page.jobs.map((j) => j.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());

    const odd = (await (await s.api('/v1/queues/idle/jobs?name=odd&status=waiting', { token: secrets.read })).json()) as {
      jobs: { id: string }[];
    };
    expect(odd.jobs.map((j) => j.id)).toEqual([ids[3], ids[1]]);

    const all = (await (await s.api('/v1/jobs?name=even', { token: secrets.read })).json()) as { jobs: { queue: string }[] };
    expect(all.jobs.map((j) => j.queue).sort()).toEqual(['idle', 'idle', 'idle', 'other']);

    const badCursor = await s.api('/v1/jobs?cursor=nonsense', { token: secrets.read });
    expect(badCursor.status).toBe(400);
    expect(((await badCursor.json()) as { detail: string }).detail).toMatch(/Invalid cursor/);
  });

  it('counts jobs per status for every queue, configured queues included', async () => {
    const { id } = (await (await enqueue('idle', { name: 'a' })).json()) as { id: string };
    await enqueue('idle', { name: 'b' });
    await s.api(`/v1/jobs/${id}/cancel`, { method: 'POST', token: admin });
    const body = (await (await s.api('/v1/queues', { token: secrets.read })).json()) as {
      queues: { name: string; counts: Record<string, number>; total: number }[];
    };
    expect(body.queues.find((q) => q.name === 'idle')).toEqual({
      name: 'idle',
      counts: { waiting: 1, active: 0, completed: 0, failed: 0, cancelled: 1, expired: 0 },
      total: 2,
      paused: false,
      internal: false,
    });
    expect(body.queues.map((q) => q.name)).toEqual(expect.arrayContaining(['work', 'spool.webhooks']));
    expect(body.queues.find((q) => q.name === 'spool.webhooks')).toMatchObject({ internal: true });
  });

  it('cancels a waiting job and retries it; retrying a waiting job is a 409', async () => {
    const { id } = (await (await enqueue('idle', { name: 'a' })).json()) as { id: string };
    const conflict = await s.api(`/v1/jobs/${id}/retry`, { method: 'POST', token: admin });
    expect(conflict.status).toBe(409);
    expect(await conflict.json()).toMatchObject({
      code: 'SPOOL_INVALID_STATE',
      detail: expect.stringContaining('only failed or cancelled'),
    });

    const cancelled = await s.api(`/v1/jobs/${id}/cancel`, { method: 'POST', token: admin });
    expect(cancelled.status).toBe(200);
    expect(await cancelled.json()).toMatchObject({ id, status: 'cancelled' });

    const retried = await s.api(`/v1/jobs/${id}/retry`, { method: 'POST', token: admin });
    expect(retried.status).toBe(200);
    expect(await retried.json()).toMatchObject({ id, status: 'waiting', attempts: 0 });

    expect((await s.api('/v1/jobs/424242/cancel', { method: 'POST', token: admin })).status).toBe(404);
  });

  it('answers /healthz and /readyz without a token', async () => {
    expect(await (await fetch(`${s.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${s.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('serves the OpenAPI document with every route', async () => {
    const doc = (await (await s.api('/v1/openapi.json', { token: secrets.read })).json()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    // Every route this file tests is in the contract (the auth matrix checks that none is missing a scope).
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/healthz',
        '/readyz',
        '/v1/auth/whoami',
        '/v1/bridges',
        '/v1/jobs',
        '/v1/jobs/{id}',
        '/v1/jobs/{id}/cancel',
        '/v1/jobs/{id}/errors',
        '/v1/jobs/{id}/events',
        '/v1/jobs/{id}/retry',
        '/v1/queues',
        '/v1/queues/{queue}/dead-letters',
        '/v1/queues/{queue}/dead-letters/retry',
        '/v1/queues/{queue}/jobs',
        '/v1/stats/backlog',
        '/v1/stats/events',
        '/v1/stats/throughput',
        '/v1/workers',
        '/v1/subscriptions',
        '/v1/subscriptions/{name}/replay',
        '/v1/topics',
        '/v1/topics/{topic}/events',
      ]),
    );
    expect(Object.keys(doc.paths['/v1/queues/{queue}/jobs'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/v1/jobs/{id}'] ?? {}).sort()).toEqual(['delete', 'get']);
  });

  it('answers an unknown route with a problem that points at the OpenAPI document', async () => {
    const r = await s.api('/v2/nothing', { token: admin });
    expect(r.status).toBe(404);
    expect(((await r.json()) as { detail: string }).detail).toMatch(/openapi\.json/);
  });
});
