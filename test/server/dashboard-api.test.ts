/**
 * The read and act endpoints the dashboard uses, over real HTTP on both stores: throughput and
 * backlog (sampled by the server), dead letters retried and purged in bulk, a job's errors with
 * stack traces, and their place in the OpenAPI document.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NonRetryableError } from '../../src/index.js';
import { eventually } from '../helpers/eventually.js';
import { type TestService, type TestStore, jsonBody, secrets, startTestService, storeKinds } from './helpers.js';

const kinds = await storeKinds();

describe.each(kinds)('dashboard endpoints on $kind', ({ make }) => {
  let store: TestStore;
  let s: TestService;

  beforeEach(async () => {
    store = await make();
    s = await startTestService({
      store,
      backlogSampleInterval: 100,
      dashboard: false,
      queues: [
        {
          name: 'work',
          options: { concurrency: 4 },
          handlers: {
            echo: async (payload: unknown) => payload,
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

  const get = async <T>(path: string, token: string = secrets.read): Promise<T> => {
    const response = await s.api(path, { token });
    expect(response.status, await response.clone().text()).toBe(200);
    return (await response.json()) as T;
  };
  const enqueue = async (name: string, payload: unknown = {}) => {
    const response = await s.api('/v1/queues/work/jobs', { ...jsonBody({ name, payload }), token: secrets.admin });
    return ((await response.json()) as { id: string }).id;
  };
  const settled = (ids: string[]) =>
    eventually(async () => {
      for (const id of ids) {
        const job = await s.spool.getJob(id);
        if (job?.status !== 'completed' && job?.status !== 'failed') return false;
      }
      return true;
    }, 10_000);

  it('counts completed and failed jobs per minute, per queue', async () => {
    const ids = [await enqueue('echo'), await enqueue('echo'), await enqueue('explode')];
    await settled(ids);
    const body = await get<{
      windowMs: number;
      bucketMs: number;
      points: { at: number; queue: string; completed: number; failed: number }[];
    }>('/v1/stats/throughput');
    expect(body.windowMs).toBe(3_600_000);
    expect(body.bucketMs).toBe(60_000);
    const work = body.points.filter((p) => p.queue === 'work');
    expect(work.reduce((sum, p) => sum + p.completed, 0)).toBe(2);
    expect(work.reduce((sum, p) => sum + p.failed, 0)).toBe(1);
    for (const point of work) expect(point.at % 60_000).toBe(0);

    const fine = await get<{ bucketMs: number; windowMs: number }>('/v1/stats/throughput?window=10m&bucket=10s');
    expect(fine).toMatchObject({ windowMs: 600_000, bucketMs: 10_000 });
  });

  it('answers 400 with a sentence for a bad window or bucket', async () => {
    for (const [query, phrase] of [
      ['window=2d', 'at most 1d'],
      ['bucket=500ms', 'at least 1s'],
      ['window=1d&bucket=1s', 'use a wider bucket'],
      ['window=soon', 'query parameter "window"'],
    ] as const) {
      const response = await s.api(`/v1/stats/throughput?${query}`, { token: secrets.read });
      expect(response.status, query).toBe(400);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(((await response.json()) as { detail: string }).detail).toContain(phrase);
    }
  });

  it('samples the backlog at start and every interval, and serves the samples', async () => {
    await s.spool.enqueue('parked', 'later', {}, { delay: '1h' });
    const body = await eventually(async () => {
      const b = await get<{ windowMs: number; points: { at: number; queue: string; waiting: number; active: number }[] }>(
        '/v1/stats/backlog?window=5m',
      );
      expect(b.points.some((p) => p.queue === 'parked' && p.waiting === 1)).toBe(true);
      return b;
    }, 5_000);
    expect(body.windowMs).toBe(300_000);
    const times = new Set(body.points.map((p) => p.at));
    expect(times.size).toBeGreaterThanOrEqual(1);
    expect([...times]).toEqual([...times].sort((a, b) => a - b));
  });

  it('retries every dead letter of a queue, then purges them', async () => {
    const ids = [await enqueue('explode'), await enqueue('explode'), await enqueue('echo')];
    await settled(ids);
    const retried = await s.api('/v1/queues/work/dead-letters/retry', { method: 'POST', token: secrets.admin });
    expect(retried.status).toBe(200);
    expect(await retried.json()).toEqual({ queue: 'work', count: 2 });
    // explode fails again for good.
    await eventually(async () => (await s.spool.counts('work')).work?.failed === 2, 10_000);
    const purged = await s.api('/v1/queues/work/dead-letters', { method: 'DELETE', token: secrets.admin });
    expect(purged.status).toBe(200);
    expect(await purged.json()).toEqual({ queue: 'work', count: 2 });
    expect((await s.spool.counts('work')).work).toMatchObject({ failed: 0, completed: 1 });
    const missing = await s.api(`/v1/jobs/${ids[0]}`, { token: secrets.read });
    expect(missing.status).toBe(404);
    await missing.body?.cancel();
  });

  it('answers 400 for a bad queue name on the bulk actions', async () => {
    const response = await s.api('/v1/queues/bad%20name/dead-letters/retry', { method: 'POST', token: secrets.admin });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'SPOOL_INVALID_ARGUMENT' });
  });

  it("gives admins a job's errors with stack traces, which GET /v1/jobs/{id} leaves out", async () => {
    const id = await enqueue('explode');
    await settled([id]);
    const body = await get<{ id: string; errors: { message: string; name?: string; stack?: string; attempt: number; final?: boolean }[] }>(
      `/v1/jobs/${id}/errors`,
      secrets.admin,
    );
    expect(body.id).toBe(id);
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0]).toMatchObject({
      message: 'The invoice total is negative; fix the order before retrying.',
      attempt: 1,
      final: true,
    });
    expect(body.errors[0]?.stack).toContain('The invoice total is negative');
    const plain = await get<{ errors: { stack?: string }[] }>(`/v1/jobs/${id}`);
    expect(plain.errors[0]?.stack).toBeUndefined();
    const missing = await s.api('/v1/jobs/999999/errors', { token: secrets.admin });
    expect(missing.status).toBe(404);
    await missing.body?.cancel();
  });

  it('lists the new routes in the OpenAPI document with their scopes', async () => {
    const doc = await get<{ paths: Record<string, Record<string, { security?: unknown; responses: Record<string, unknown> }>> }>(
      '/v1/openapi.json',
    );
    for (const [path, method] of [
      ['/v1/auth/whoami', 'get'],
      ['/v1/stats/throughput', 'get'],
      ['/v1/stats/backlog', 'get'],
      ['/v1/jobs/{id}/errors', 'get'],
      ['/v1/queues/{queue}/dead-letters/retry', 'post'],
      ['/v1/queues/{queue}/dead-letters', 'delete'],
    ] as const) {
      const operation = doc.paths[path]?.[method];
      expect(operation, `${method} ${path}`).toBeDefined();
      expect(operation?.security).toEqual([{ Bearer: [] }]);
      expect(Object.keys(operation?.responses ?? {})).toEqual(expect.arrayContaining(['200', '401']));
    }
  });
});
