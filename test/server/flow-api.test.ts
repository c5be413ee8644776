/**
 * Flow control over real HTTP on both stores: a queue's limits and live state, pause and resume,
 * a full queue answering 429 with Retry-After (and a paused, refusing one 503), breakers defined
 * and listed, and load shedding with 503 and Retry-After past the server's stream cap.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type TestService, type TestStore, jsonBody, secrets, startTestService, storeKinds } from './helpers.js';

const kinds = await storeKinds();

describe.each(kinds)('flow control over HTTP on $kind', ({ make }) => {
  let store: TestStore;
  let s: TestService;

  beforeEach(async () => {
    store = await make();
    s = await startTestService({ store, limits: { maxStreams: 1 } });
  });

  afterEach(async () => {
    await s.close();
    await store.cleanup();
  });

  const admin = (path: string, method: string, body?: unknown) =>
    s.api(path, {
      method,
      token: secrets.admin,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
  const enqueue = (queue: string) =>
    s.api(`/v1/queues/${queue}/jobs`, {
      ...jsonBody({ name: 'n' }),
      token: secrets.enqueue,
      headers: { 'content-type': 'application/json' },
    });

  it('sets limits, shows them with their live state, and answers 429 with Retry-After past the max depth', async () => {
    const breaker = await admin('/v1/breakers/partner', 'PUT', { failures: 3, cooldown: '30s' });
    expect(breaker.status).toBe(204);
    const set = await admin('/v1/queues/orders/limits', 'PUT', {
      maxDepth: 2,
      concurrency: 5,
      rateLimit: { limit: 10, per: '1s', key: 'tenant' },
      breaker: 'partner',
    });
    expect(set.status).toBe(200);
    expect(await set.json()).toMatchObject({ name: 'orders', maxDepth: 2, guarded: true, policy: { concurrency: 5, breaker: 'partner' } });
    expect((await enqueue('orders')).status).toBe(202);
    expect((await enqueue('orders')).status).toBe(202);
    const full = await enqueue('orders');
    expect(full.status).toBe(429);
    expect(Number(full.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await full.json()).toMatchObject({
      code: 'SPOOL_QUEUE_FULL',
      title: 'Too Many Requests',
      detail: expect.stringContaining('is full'),
    });
    const state = (await (await s.api('/v1/queues/orders', { token: secrets.read })).json()) as Record<string, unknown>;
    expect(state).toMatchObject({
      name: 'orders',
      counts: { waiting: 2 },
      paused: false,
      maxDepth: 2,
      policy: { concurrency: 5, rateLimit: { limit: 10, perMs: 1_000, keyPath: 'tenant' }, breaker: 'partner' },
      breakers: [{ name: 'partner', status: 'closed', until: null }],
    });
    const breakers = (await (await s.api('/v1/breakers', { token: secrets.read })).json()) as { breakers: unknown[] };
    expect(breakers.breakers).toEqual([
      expect.objectContaining({ name: 'partner', status: 'closed', policy: expect.objectContaining({ cooldownMs: 30_000 }) }),
    ]);
    const bad = await admin('/v1/queues/orders/limits', 'PUT', { concurrency: 0 });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ detail: expect.stringContaining('must be at least 1; remove the limit with null') });
    const unknownBreaker = await admin('/v1/queues/orders/limits', 'PUT', { breaker: 'nobody' });
    expect(await unknownBreaker.json()).toMatchObject({ detail: expect.stringContaining('"nobody", which is not defined') });
  });

  it('pauses and resumes; a paused queue refusing jobs answers 503 with Retry-After', async () => {
    const paused = await admin('/v1/queues/q/pause', 'POST');
    expect(await paused.json()).toMatchObject({ name: 'q', paused: true, refuseWhenPaused: false });
    expect((await enqueue('q')).status).toBe(202);
    await admin('/v1/queues/q/pause', 'POST', { refuse: true });
    const refused = await enqueue('q');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('30');
    expect(await refused.json()).toMatchObject({ code: 'SPOOL_QUEUE_PAUSED' });
    const resumed = await admin('/v1/queues/q/resume', 'POST');
    expect(await resumed.json()).toMatchObject({ paused: false });
    const forbidden = await s.api('/v1/queues/q/pause', { method: 'POST', token: secrets.read });
    expect(forbidden.status).toBe(403);
    await forbidden.body?.cancel();
  });

  it('sheds load past its stream cap with 503 and Retry-After, and lets it through again once one closes', async () => {
    const { id } = await s.spool.enqueue('idle', 'n');
    const controller = new AbortController();
    const first = await s.api(`/v1/jobs/${id}/events`, {
      token: secrets.read,
      headers: { accept: 'text/event-stream' },
      signal: controller.signal,
    });
    expect(first.status).toBe(200);
    const second = await s.api(`/v1/jobs/${id}/events`, { token: secrets.read, headers: { accept: 'text/event-stream' } });
    expect(second.status).toBe(503);
    expect(second.headers.get('retry-after')).toBe('1');
    expect(await second.json()).toMatchObject({ code: 'SPOOL_OVERLOADED', detail: expect.stringContaining('1 event streams are open') });
    controller.abort();
    await first.body?.cancel().catch(() => {});
    // Health checks are never shed.
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
  });
});
