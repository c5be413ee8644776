/**
 * Server-Sent Events read by a real EventSource client (the `eventsource` package) over real
 * HTTP on both stores: snapshots until the final state, a dropped connection resumed with
 * Last-Event-ID without gaps, and 204 once the client has seen the end.
 */
import { type Server, type Socket, createServer, connect } from 'node:net';
import { EventSource } from 'eventsource';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Job } from '../../src/index.js';
import type { JobView } from '../../src/server/job-view.js';
import { eventId, isNewer, parseLastEventId } from '../../src/server/sse.js';
import { type Gate, eventually, gate } from '../helpers/eventually.js';
import { type TestService, type TestStore, secrets, startTestService, storeKinds } from './helpers.js';

const kinds = await storeKinds();

/** A TCP proxy in front of the server, so a test can cut every connection like a flaky network. */
async function startProxy(target: URL): Promise<{ url: string; dropAll(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    dropAll() {
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

interface Received {
  type: string;
  id: string;
  job: JobView;
}

describe.each(kinds)('job events (SSE) on $kind', ({ make }) => {
  let store: TestStore;
  let s: TestService;
  let gates: Gate[];

  beforeEach(async () => {
    store = await make();
    gates = [gate(), gate()];
    s = await startTestService({
      store,
      sse: { pollMs: 50, retryMs: 200, heartbeatMs: 100 },
      queues: [
        {
          name: 'media',
          options: {},
          handlers: {
            steps: async (_payload: unknown, ctx: { progress(v: number, m?: string): Promise<void> }) => {
              await ctx.progress(25, 'first quarter');
              await gates[0]?.promise;
              await ctx.progress(75, 'three quarters');
              await gates[1]?.promise;
              return { done: true };
            },
          },
        },
      ],
    });
  });

  afterEach(async () => {
    for (const g of gates) if (!g.opened) g.open();
    await s.close();
    await store.cleanup();
  });

  it('streams status and progress to an EventSource until completed, resuming after a dropped connection without gaps', async () => {
    const proxy = await startProxy(new URL(s.url));
    const requests: Record<string, string>[] = [];
    const received: Received[] = [];
    const { id } = await s.spool.enqueue('media', 'steps');
    const source = new EventSource(`${proxy.url}/v1/jobs/${id}/events`, {
      fetch: (input, init) => {
        const headers = { ...(init?.headers as Record<string, string>), authorization: `Bearer ${secrets.read}` };
        requests.push(headers);
        return fetch(input, { ...init, headers });
      },
    });
    const errors: unknown[] = [];
    source.onerror = (e) => errors.push(e);
    for (const type of ['status', 'progress']) {
      source.addEventListener(type, (event) => received.push({ type, id: event.lastEventId, job: JSON.parse(event.data) as JobView }));
    }
    try {
      await eventually(() => expect(received.at(-1)?.job.progress?.message).toBe('first quarter'));
      const before = received.length;

      // The network drops; meanwhile the job moves on.
      proxy.dropAll();
      gates[0]?.open();
      await eventually(async () => expect((await s.spool.getJob(id))?.progress?.message).toBe('three quarters'));

      // EventSource reconnects with Last-Event-ID and gets the current snapshot at once.
      await eventually(() => expect(received.length).toBeGreaterThan(before));
      expect(requests.length).toBeGreaterThanOrEqual(2);
      expect(requests[1]?.['last-event-id'] ?? requests[1]?.['Last-Event-ID']).toBe(received[before - 1]?.id);
      expect(received[before]?.job.progress).toEqual({ value: 75, message: 'three quarters' });

      gates[1]?.open();
      await eventually(() => expect(received.at(-1)?.job.status).toBe('completed'));
      const last = received.at(-1) as Received;
      expect(last.type).toBe('status');
      expect(last.job.result).toEqual({ done: true });
      expect(last.id).toMatch(new RegExp(`^${last.job.updatedAt}-[0-9a-f]{12}$`));

      // The server ends the stream after the final state; the client's reconnect gets 204 and it stops.
      await eventually(() => expect(source.readyState).toBe(EventSource.CLOSED), 5_000);
      const ids = received.map((r) => Number(r.id.split('-')[0]));
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
      expect(received.filter((r) => r.type === 'status').map((r) => r.job.status)).toEqual(expect.arrayContaining(['active', 'completed']));
    } finally {
      source.close();
      await proxy.close();
    }
  });

  it('sends the current snapshot at once for an old Last-Event-ID, and 204 when the client saw the final state', async () => {
    const { id } = await s.spool.enqueue('idle', 'never-runs');
    const waiting = await s.spool.getJob(id);
    await s.spool.cancel(id);
    const cancelled = await s.spool.getJob(id);

    const resumed = await s.api(`/v1/jobs/${id}/events`, { token: secrets.read, headers: { 'last-event-id': eventId(waiting as Job) } });
    expect(resumed.status).toBe(200);
    expect(resumed.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await resumed.text(); // the stream ends by itself after the final state
    expect(text).toContain('retry: 200');
    const events = text.split('\n\n').filter((block) => block.startsWith('event:'));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatch(/^event: status$/m);
    expect(events[0]).toMatch(new RegExp(`^id: ${eventId(cancelled as Job)}$`, 'm'));
    expect(events[0]).toContain('"status":"cancelled"');

    const done = await s.api(`/v1/jobs/${id}/events`, { token: secrets.read, headers: { 'last-event-id': eventId(cancelled as Job) } });
    expect(done.status).toBe(204);
  });

  it('keeps an idle stream open with comment heartbeats, and ends open streams on shutdown', async () => {
    const { id } = await s.spool.enqueue('idle', 'never-runs');
    const response = await s.api(`/v1/jobs/${id}/events`, { token: secrets.read });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes(': keep-alive')) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the stream ended early: ${text}`);
      text += decoder.decode(value);
    }
    expect(text).toContain('"status":"waiting"');
    await s.close();
    for (;;) {
      const { done } = await reader.read();
      if (done) break;
    }
  });

  it('answers 404 as problem+json for an unknown job instead of opening a stream', async () => {
    const response = await s.api('/v1/jobs/987654/events', { token: secrets.read });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    await response.body?.cancel();
  });
});

describe('event ids', () => {
  const job = (updatedAt: number, message: string) =>
    ({ status: 'active', attempts: 1, errors: [], updatedAt, progress: { value: 1, message } }) as unknown as Job;

  it('tell two snapshots of the same millisecond apart', () => {
    const first = job(1_000, 'one');
    const second = job(1_000, 'two');
    expect(eventId(first)).not.toBe(eventId(second));
    expect(isNewer(second, parseLastEventId(eventId(first)))).toBe(true);
    expect(isNewer(first, parseLastEventId(eventId(first)))).toBe(false);
    expect(isNewer(job(999, 'x'), parseLastEventId(eventId(first)))).toBe(false);
    expect(isNewer(job(1_001, 'one'), parseLastEventId('1000'))).toBe(true);
    expect(parseLastEventId('garbage')).toBeNull();
  });
});
