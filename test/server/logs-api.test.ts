/**
 * `GET /v1/jobs/{id}/logs` and the `log` events of a job's stream over real HTTP on both stores:
 * the lines a handler logged, paged with `after`, 404 for an unknown job, 400 for a bad cursor,
 * new lines streamed while the job runs and before its final status, and the route in OpenAPI.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { type TestService, type TestStore, secrets, startTestService, storeKinds } from './helpers.js';

const kinds = await storeKinds();

describe.each(kinds)('job logs over HTTP on $kind', ({ make }) => {
  let store: TestStore;
  let s: TestService;
  let release: () => void = () => {};
  let released = new Promise<void>((resolve) => {
    release = resolve;
  });

  beforeEach(async () => {
    released = new Promise<void>((resolve) => {
      release = resolve;
    });
    store = await make();
    s = await startTestService({
      store,
      queues: [
        {
          name: 'media',
          options: {},
          handlers: {
            resize: async (payload: { size: number }, ctx) => {
              ctx.log.info('resizing', { size: payload.size });
              ctx.log.debug('step two');
              await released;
              ctx.log.warn('resized', { size: payload.size / 2 });
              return 'ok';
            },
          },
        },
      ],
    });
  });

  afterEach(async () => {
    release();
    await s.close();
    await store.cleanup();
  });

  it('pages the lines a handler logged, and answers 404 and 400 as problems', async () => {
    release();
    const { id } = await s.spool.enqueue('media', 'resize', { size: 64 });
    await eventually(async () => (await s.spool.getJob(id))?.status === 'completed', 10_000);
    const all = await s.api(`/v1/jobs/${id}/logs`, { token: secrets.read });
    expect(all.status).toBe(200);
    const body = (await all.json()) as {
      id: string;
      next: number;
      lines: { seq: number; level: string; message: string; fields: unknown; attempt: number }[];
    };
    expect(body.lines.map((l) => [l.level, l.message, l.fields, l.attempt])).toEqual([
      ['info', 'resizing', { size: 64 }, 1],
      ['debug', 'step two', null, 1],
      ['warn', 'resized', { size: 32 }, 1],
    ]);
    expect(body.next).toBe(body.lines[2]?.seq);
    const page = (await (
      await s.api(`/v1/jobs/${id}/logs?after=${body.lines[0]?.seq}&limit=1`, { token: secrets.read })
    ).json()) as typeof body;
    expect(page.lines.map((l) => l.message)).toEqual(['step two']);
    const end = (await (await s.api(`/v1/jobs/${id}/logs?after=${body.next}`, { token: secrets.read })).json()) as typeof body;
    expect(end).toEqual({ id, lines: [], next: body.next });

    const missing = await s.api('/v1/jobs/987654/logs', { token: secrets.read });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    const bad = await s.api(`/v1/jobs/${id}/logs?after=-1`, { token: secrets.read });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { detail: string }).detail).toMatch(/after/);
    expect((await s.api(`/v1/jobs/${id}/logs`)).status).toBe(401);

    const spec = (await (await s.api('/v1/openapi.json', { token: secrets.read })).json()) as {
      paths: Record<string, { get?: { security?: unknown } }>;
    };
    expect(spec.paths['/v1/jobs/{id}/logs']?.get?.security).toBeDefined();
  });

  it("streams a running job's new lines as log events, before its final status", async () => {
    const { id } = await s.spool.enqueue('media', 'resize', { size: 64 });
    await eventually(async () => ((await s.spool.jobLogs(id)) ?? []).length === 2, 10_000);
    const first = (await s.spool.jobLogs(id)) ?? [];
    const response = await s.api(`/v1/jobs/${id}/events?logsAfter=${first[0]?.seq}`, { token: secrets.read });
    expect(response.status).toBe(200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (marker: string) => {
      while (!text.includes(marker)) {
        const { value, done } = await reader.read();
        if (done) return;
        text += decoder.decode(value);
      }
    };
    await readUntil('step two');
    release();
    await readUntil('"status":"completed"');
    const events = text.split('\n\n').filter((block) => block.startsWith('event:'));
    const kinds = events.map((block) => /^event: (\w+)/.exec(block)?.[1]);
    expect(kinds).toEqual(['status', 'log', 'log', 'status']);
    expect(events[1]).toContain('"message":"step two"');
    expect(events[2]).toContain('"message":"resized"');
    expect(events[2]).not.toMatch(/^id:/m);
  });
});
