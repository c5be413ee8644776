/**
 * @module
 * Workload 16: event streams. A Spool server (its own process) holds open one stream per waiting
 * job; the server's CPU while the streams sit idle is read over one heartbeat period, then this
 * process (another connection, as another service would be) cancels jobs one at a time and times
 * each change from the cancel's commit to the `status` event on the job's stream.
 */
import { request } from 'node:http';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pgUrl, sqliteDir } from '../config.js';
import { ServerChild } from '../http/client.js';
import { library } from '../systems/spool-common.js';
import { recreateDatabase } from '../pg-admin.js';
import type { Row, Table } from '../table.js';
import { errorMessage, now, percentile, sleep } from '../util.js';
import type { WorkloadContext } from './context.js';

const token = 'spool_bench_sse_token_0123456789ab';
const database = 'bench_spoolsse';
const sqliteFile = join(sqliteDir, 'spool-sse.db');
const idleMs = 15_000;

/** Opens a stream per id; calls `onStatus(id, text)` for every status event. Resolves once all are open. */
async function openStreams(url: string, ids: string[], onStatus: (id: string, text: string) => void): Promise<() => void> {
  const requests: ReturnType<typeof request>[] = [];
  let opened = 0;
  await new Promise<void>((resolve, reject) => {
    const open = (id: string) => {
      const req = request(`${url}/v1/jobs/${id}/events`, {
        agent: false,
        headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` },
      });
      let answered = false;
      req.on('response', (res) => {
        answered = true;
        if (res.statusCode !== 200) return reject(new Error(`stream ${id} answered ${res.statusCode}`));
        res.setEncoding('utf8');
        res.on('data', (text: string) => {
          if (text.includes('event: status')) onStatus(id, text);
        });
        if (++opened === ids.length) resolve();
      });
      // A connect refused under the burst (the listen backlog) is tried again.
      req.on('error', () => {
        if (!answered) setTimeout(() => open(id), 100);
      });
      req.end();
      requests.push(req);
    };
    // A hundred at a time: a burst of 10,000 connects overflows the listen backlog.
    let next = 0;
    const batch = () => {
      for (const end = Math.min(ids.length, next + 100); next < end; next++) open(ids[next] as string);
      if (next < ids.length) setTimeout(batch, 20);
    };
    batch();
  });
  return () => {
    for (const req of requests) req.destroy();
  };
}

async function measure(store: string, streams: number, changes: number): Promise<Row['values']> {
  const server = new ServerChild('spool', { store, token, maxStreams: streams + 1_000 });
  const spool = await library.createSpool({ store, logger: library.silentLogger, shutdownSignals: false });
  let close = () => {};
  try {
    const url = await server.ready();
    const handles = await spool.enqueueMany(
      Array.from({ length: streams }, (_, n) => ({ queue: 'watched', name: 'idle', payload: { n } })),
    );
    const ids = handles.map((h) => h.id);
    const cancelledAt = new Map<string, number>();
    const latencies: number[] = [];
    close = await openStreams(url, ids, (id, text) => {
      const at = cancelledAt.get(id);
      if (at !== undefined && text.includes('"cancelled"')) latencies.push(now() - at);
    });
    await sleep(2_000); // let the opening settle
    await server.cpu();
    await sleep(idleMs);
    const idleCpu = (await server.cpu()) / (idleMs * 1_000);
    for (let i = 0; i < changes; i++) {
      const id = ids[Math.floor((i * ids.length) / changes)] as string;
      const started = now();
      cancelledAt.set(id, started);
      await spool.cancel(id);
      await sleep(20);
    }
    await sleep(1_000);
    latencies.sort((a, b) => a - b);
    return {
      streams,
      idle: 100 * idleCpu,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      seen: latencies.length,
    };
  } finally {
    close();
    await spool.close();
    await server.stop();
  }
}

export async function eventStreams(ctx: WorkloadContext): Promise<Table> {
  const streams = ctx.sizes.sseStreams;
  const changes = ctx.sizes.sseChanges;
  const rows: Row[] = [];
  const stores = [
    {
      label: 'Spool (SQLite)',
      url: `sqlite:${sqliteFile}`,
      wipe: async () => {
        await mkdir(sqliteDir, { recursive: true });
        for (const suffix of ['', '-wal', '-shm']) await rm(sqliteFile + suffix, { force: true });
      },
    },
    { label: 'Spool (PostgreSQL)', url: pgUrl(database), wipe: () => recreateDatabase(database) },
  ];
  for (const store of stores) {
    ctx.log(`workload 16: ${store.label}, ${streams.toLocaleString('en-US')} streams`);
    try {
      await store.wipe();
      rows.push({ label: store.label, isSpool: true, isPeer: false, values: await measure(store.url, streams, changes) });
    } catch (err) {
      rows.push({ label: store.label, isSpool: true, isPeer: false, values: {}, note: `not measured: ${errorMessage(err)}` });
    }
  }
  return {
    id: 'event-streams',
    title: '16. Event streams',
    description: `${streams.toLocaleString('en-US')} open event streams (GET /v1/jobs/{id}/events), one per waiting job, on a Spool server in its own process. Idle: the server's CPU (user + system, % of one core) over ${idleMs / 1000} s, one heartbeat period. Then ${changes} jobs are cancelled one at a time by another process (another connection): commit of the cancel → its status event on the stream.`,
    columns: [
      { key: 'streams', title: 'streams', digits: 0 },
      { key: 'idle', title: 'idle CPU, % of a core', digits: 1 },
      { key: 'p50', title: 'change → event p50 ms', digits: 1 },
      { key: 'p99', title: 'change → event p99 ms', digits: 1 },
      { key: 'seen', title: 'changes seen', digits: 0 },
    ],
    rows,
    notes: [],
  };
}
