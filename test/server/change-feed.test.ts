/**
 * The server's one change feed: event streams hear of status and progress changes made by
 * another process (a real worker process) on both stores, with the feed's slow safety poll set
 * to a minute, so only PostgreSQL's NOTIFY or SQLite's WAL watcher can deliver them; and many
 * streams of one server share the feed instead of reading the store each.
 */
import { EventSource } from 'eventsource';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobView } from '../../src/server/job-view.js';
import { eventually } from '../helpers/eventually.js';
import { WorkerProcess, killAllWorkerProcesses } from '../helpers/processes.js';
import { type TestService, type TestStore, secrets, startTestService, storeKinds } from './helpers.js';

const kinds = await storeKinds();

function watch(url: string): { received: { type: string; job: JobView }[]; close(): void } {
  const received: { type: string; job: JobView }[] = [];
  const source = new EventSource(url, {
    fetch: (input, init) =>
      fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), authorization: `Bearer ${secrets.read}` } }),
  });
  for (const type of ['status', 'progress']) {
    source.addEventListener(type, (event) => received.push({ type, job: JSON.parse(event.data) as JobView }));
  }
  return { received, close: () => source.close() };
}

describe.each(kinds)('the change feed on $kind', ({ make }) => {
  let store: TestStore;
  let s: TestService;

  beforeEach(async () => {
    store = await make();
    s = await startTestService({ store, sse: { pollMs: 60_000, heartbeatMs: 5_000, retryMs: 200 } });
  });

  afterEach(async () => {
    await killAllWorkerProcesses();
    await s.close();
    await store.cleanup();
  });

  it("a stream sees another process's status and progress changes, pushed, not polled", async () => {
    const { id } = await s.spool.enqueue('remote', 'steps');
    const streams = [watch(`${s.url}/v1/jobs/${id}/events`), watch(`${s.url}/v1/jobs/${id}/events`)];
    try {
      await eventually(() => {
        for (const stream of streams) expect(stream.received[0]?.job.status).toBe('waiting');
      });
      // This server runs no worker for "remote": a worker in another process does.
      await WorkerProcess.start(store.url, store.schema, 'remote', 'progress', { sleep: 300 });
      for (const stream of streams) {
        await eventually(() => expect(stream.received.at(-1)?.job.status).toBe('completed'), 10_000);
        // Progress arrives as its own event, or inside the "active" snapshot when both landed before the read.
        const halfWay = stream.received.find((r) => r.job.status === 'active' && r.job.progress?.value === 50);
        expect(halfWay?.job.progress).toEqual({ value: 50, message: 'half way' });
        expect(stream.received.filter((r) => r.type === 'status').map((r) => r.job.status)).toEqual(['waiting', 'active', 'completed']);
      }
    } finally {
      for (const stream of streams) stream.close();
    }
  });
});
