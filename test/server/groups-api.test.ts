/**
 * Groups over real HTTP on both stores: POST /v1/groups stores all of a group or none, GET
 * /v1/groups/{id} reports counts, progress and an ETA, and its event stream sends a report on
 * each change until every job is final.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type TestService, type TestStore, jsonBody, secrets, startTestService, storeKinds } from './helpers.js';

const kinds = await storeKinds();

describe.each(kinds)('groups over HTTP on $kind', ({ make }) => {
  let store: TestStore;
  let s: TestService;
  let release: () => void = () => {};

  beforeEach(async () => {
    store = await make();
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    s = await startTestService({
      store,
      queues: [{ name: 'images', options: { concurrency: 4 }, handlers: { resize: async () => gate.then(() => 'ok') } }],
    });
  });

  afterEach(async () => {
    release();
    await s.close();
    await store.cleanup();
  });

  it('enqueues a group, reports on it, and streams its status until every job is final', async () => {
    const jobs = Array.from({ length: 6 }, (_, n) => ({ queue: 'images', name: 'resize', payload: { n } }));
    const created = await s.api('/v1/groups', { ...jsonBody({ jobs }), token: secrets.enqueue });
    expect(created.status).toBe(202);
    const { id, jobs: ids } = (await created.json()) as { id: string; jobs: string[] };
    expect(created.headers.get('location')).toBe(`/v1/groups/${id}`);
    expect(ids).toHaveLength(6);

    const report = await s.api(`/v1/groups/${id}`, { token: secrets.read });
    expect(report.status).toBe(200);
    expect(await report.json()).toMatchObject({ id, total: 6, finished: 0, progress: 0, done: false, eta: null });

    const stream = await s.api(`/v1/groups/${id}/events`, { token: secrets.read });
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    release();
    const text = await stream.text();
    const reports = [...text.matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1] as string));
    expect(reports.length).toBeGreaterThanOrEqual(2);
    expect(reports.at(-1)).toMatchObject({ total: 6, finished: 6, progress: 100, done: true, eta: null, counts: { completed: 6 } });
  });

  it('stores none of a group with a bad job, and answers an unknown or malformed id', async () => {
    const bad = await s.api('/v1/groups', {
      ...jsonBody({
        jobs: [
          { queue: 'images', name: 'resize' },
          { queue: 'spool.webhooks', name: 'x' },
        ],
      }),
      token: secrets.enqueue,
    });
    expect(bad.status).toBe(400);
    expect((await s.spool.counts('images')).images?.waiting ?? 0).toBe(0);
    const unknown = await s.api('/v1/groups/grp_0000', { token: secrets.read });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { detail: string }).detail).toBe(
      'There is no group grp_0000: no job carries it (its jobs may have been pruned).',
    );
    expect((await s.api('/v1/groups/nope', { token: secrets.read })).status).toBe(400);
  });
});
