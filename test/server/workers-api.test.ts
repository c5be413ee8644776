/**
 * Work that waits, and the people who wait, over real HTTP on both stores: `GET /v1/workers`
 * lists the running workers; a waiting job nobody handles carries a `warning`; a failed or
 * retrying job shows read tokens its `userMessage` and only admins the developer's message (also
 * on the event stream); `DELETE /v1/jobs/{id}` deletes one finished job.
 */
import { hostname } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JobError } from '../../src/index.js';
import { eventually } from '../helpers/eventually.js';
import { type TestService, type TestStore, jsonBody, secrets, startTestService, storeKinds } from './helpers.js';

const kinds = await storeKinds();

describe.each(kinds)('workers and user messages over HTTP on $kind', ({ make }) => {
  let store: TestStore;
  let s: TestService;

  beforeEach(async () => {
    store = await make();
    s = await startTestService({
      store,
      queues: [
        {
          name: 'media',
          options: { concurrency: 3 },
          handlers: { 'resize-image': async () => ({ ok: true }), thumbnail: async () => ({ ok: true }) },
        },
        {
          name: 'billing',
          options: { concurrency: 1 },
          handlers: {
            charge: async () => {
              throw new JobError('card declined by issuer: 05', {
                userMessage: 'Your card was declined. Try another card.',
                retryable: false,
              });
            },
            flaky: async () => {
              throw new Error('partner API answered 503');
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

  const enqueue = async (queue: string, body: unknown): Promise<string> => {
    const response = await s.api(`/v1/queues/${queue}/jobs`, { ...jsonBody(body), token: secrets.admin });
    expect(response.status).toBe(202);
    return ((await response.json()) as { id: string }).id;
  };
  const get = async (path: string, token: string = secrets.read) => {
    const response = await s.api(path, { token });
    expect(response.status).toBe(200);
    return (await response.json()) as any;
  };

  it('lists the running workers: host, pid, queue, names, concurrency, in flight, heartbeat and version', async () => {
    const { workers } = await eventually(async () => {
      const body = await get('/v1/workers');
      return body.workers.length >= 3 ? body : false;
    });
    const media = workers.find((w: { queue: string }) => w.queue === 'media');
    expect(media).toMatchObject({
      host: hostname(),
      pid: process.pid,
      queue: 'media',
      names: ['resize-image', 'thumbnail'],
      concurrency: 3,
      inFlight: 0,
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
    });
    expect(Math.abs(media.heartbeatAt - Date.now())).toBeLessThan(10_000);
    expect(workers.map((w: { queue: string }) => w.queue)).toEqual(['billing', 'media', 'spool.webhooks']);
    expect((await get('/v1/workers?queue=media')).workers).toHaveLength(1);
    const bad = await s.api('/v1/workers?queue=no%20spaces', { token: secrets.read });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { detail: string }).detail).toMatch(
      /^Invalid value "no spaces" of query parameter "queue": use 1 to 128 letters/,
    );
  });

  it('flags a waiting job nobody handles, naming what the running workers handle', async () => {
    await eventually(async () => (await get('/v1/workers?queue=media')).workers.length === 1);
    const id = await enqueue('media', { name: 'resize-imgae', payload: { file: 'dog.png' } });
    const job = await get(`/v1/jobs/${id}`);
    expect(job).toMatchObject({ status: 'waiting', attempts: 0 });
    expect(job.warning).toBe(
      'no worker handles media/resize-imgae; running workers handle: resize-image, thumbnail (did you mean "resize-image"?)',
    );
    const nobody = await enqueue('nobody', { name: 'x' });
    expect((await get(`/v1/jobs/${nobody}`)).warning).toBe('no worker handles nobody/x; no worker is running on queue nobody');
    const handled = await enqueue('media', { name: 'thumbnail', delay: '1h' });
    expect((await get(`/v1/jobs/${handled}`)).warning).toBeUndefined();
  });

  it('gives a waiting job its position in its queue and an ETA once the queue drains', async () => {
    const ids = [];
    for (const n of [1, 2, 3]) ids.push(await enqueue('backlog', { name: 'report', payload: { n } }));
    const first = await enqueue('backlog', { name: 'report', priority: 1 });
    const positions = await Promise.all([first, ...ids].map(async (id) => (await get(`/v1/jobs/${id}`)).position));
    expect(positions).toEqual([0, 1, 2, 3].map((ahead) => ({ ahead, drainPerMinute: 0, eta: null })));
    // A queue that drains gives an ETA; a job that is not waiting has no position.
    const done = await enqueue('media', { name: 'thumbnail' });
    await eventually(async () => (await get(`/v1/jobs/${done}`)).status === 'completed');
    expect((await get(`/v1/jobs/${done}`)).position).toBeUndefined();
    const next = await enqueue('media', { name: 'thumbnail', delay: '1h' });
    const { position, runAt } = await get(`/v1/jobs/${next}`);
    expect(position).toEqual({ ahead: 0, drainPerMinute: 0.2, eta: runAt });
  });

  it("gives read tokens the user's message and admins the developer's too, in GET and in the event stream", async () => {
    const id = await enqueue('billing', { name: 'charge', payload: { order: 1 }, maxAttempts: 5 });
    const read = await eventually(async () => {
      const job = await get(`/v1/jobs/${id}`);
      return job.status === 'failed' ? job : false;
    });
    expect(read.userMessage).toBe('Your card was declined. Try another card.');
    expect(read.error).toEqual({
      userMessage: 'Your card was declined. Try another card.',
      attempt: 1,
      at: expect.any(Number),
      final: true,
    });
    expect(JSON.stringify(read)).not.toContain('card declined by issuer');
    const admin = await get(`/v1/jobs/${id}`, secrets.admin);
    expect(admin.error).toMatchObject({ message: 'card declined by issuer: 05', userMessage: 'Your card was declined. Try another card.' });
    const listed = await get('/v1/jobs?queue=billing');
    expect(JSON.stringify(listed)).not.toContain('card declined by issuer');
    expect((await get('/v1/jobs?queue=billing', secrets.admin)).jobs[0].error.message).toBe('card declined by issuer: 05');

    const stream = await s.api(`/v1/jobs/${id}/events`, { token: secrets.read });
    const text = await stream.text();
    expect(text).toContain('Your card was declined. Try another card.');
    expect(text).not.toContain('card declined by issuer');
  });

  it('tells the person waiting on a retrying job when the next attempt comes', async () => {
    const id = await enqueue('billing', { name: 'flaky', maxAttempts: 5, backoff: { type: 'fixed', base: '40s' } });
    const job = await eventually(async () => {
      const j = await get(`/v1/jobs/${id}`);
      return j.errors.length === 1 ? j : false;
    });
    expect(job).toMatchObject({ status: 'waiting', userMessage: "We'll try again in 40 s (attempt 2 of 5)." });
    expect(job.errors[0].message).toBeUndefined();
  });

  it('deletes one finished job; a waiting one is 409, an unknown one 404', async () => {
    const failed = await enqueue('billing', { name: 'charge' });
    await eventually(async () => (await get(`/v1/jobs/${failed}`)).status === 'failed');
    const deleted = await s.api(`/v1/jobs/${failed}`, { method: 'DELETE', token: secrets.admin });
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toEqual({ id: failed, deleted: true });
    expect((await s.api(`/v1/jobs/${failed}`, { token: secrets.read })).status).toBe(404);
    const waiting = await enqueue('media', { name: 'thumbnail', delay: '1h' });
    const refused = await s.api(`/v1/jobs/${waiting}`, { method: 'DELETE', token: secrets.admin });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { detail: string }).detail).toBe(
      `Job ${waiting} is waiting; only finished jobs (completed, failed, cancelled or expired) can be deleted. Cancel it first.`,
    );
    expect((await s.api('/v1/jobs/987654321', { method: 'DELETE', token: secrets.admin })).status).toBe(404);
  });
});
