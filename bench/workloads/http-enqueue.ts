/**
 * @module
 * Workload 10: `POST /v1/queues/{q}/jobs` at concurrency 100 (autocannon), no worker running, on
 * each store, right after the ceiling on the same machine: a bare Hono app on the same
 * @hono/node-server that parses the body and answers 202. Each server is a child process; the
 * figure that the machine's noise moves least is the server's CPU time per request.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { httpConcurrency, pgUrl, sqliteDir } from '../config.js';
import { ServerChild, load } from '../http/client.js';
import { recreateDatabase } from '../pg-admin.js';
import type { Row } from '../table.js';
import type { Table } from '../table.js';
import { errorMessage } from '../util.js';
import type { WorkloadContext } from './context.js';

const token = 'spool_bench_http_token_0123456789';
const database = 'bench_spoolhttp';
const sqliteFile = join(sqliteDir, 'spool-http.db');

interface Measured {
  perSecond: number;
  p50: number;
  p99: number;
  cpuMicros: number;
  failures: number;
}

async function measure(server: ServerChild, requests: number, withToken: boolean): Promise<Measured> {
  const url = await server.ready();
  await load(url, Math.max(2_000, requests / 10), httpConcurrency, withToken ? token : undefined);
  await server.cpu();
  const result = await load(url, requests, httpConcurrency, withToken ? token : undefined);
  const cpu = await server.cpu();
  return { ...result, cpuMicros: cpu / Math.max(1, result.requests) };
}

async function run(kind: 'hono' | 'spool', requests: number, store?: string): Promise<Measured | string> {
  const server = new ServerChild(kind, { store, token });
  try {
    return await measure(server, requests, kind === 'spool');
  } catch (err) {
    return `not measured: ${errorMessage(err).split('\n')[0]}`;
  } finally {
    await server.stop();
  }
}

function toRow(label: string, isSpool: boolean, m: Measured | string, ceiling: Measured | string | null): Row {
  if (typeof m === 'string') return { label, isSpool, isPeer: false, values: {}, note: m };
  const share = ceiling && typeof ceiling !== 'string' ? (100 * m.perSecond) / ceiling.perSecond : null;
  return {
    label,
    isSpool,
    isPeer: false,
    values: { rate: m.perSecond, share, p50: m.p50, p99: m.p99, cpu: m.cpuMicros },
    note: m.failures > 0 ? `${m.failures} requests failed or timed out` : undefined,
  };
}

export async function httpEnqueue(ctx: WorkloadContext): Promise<Table> {
  const n = ctx.sizes.httpRequests;
  const rows: Row[] = [];
  const stores = [
    {
      label: 'SQLite',
      url: `sqlite:${sqliteFile}`,
      wipe: async () => {
        await mkdir(sqliteDir, { recursive: true });
        for (const suffix of ['', '-wal', '-shm']) await rm(sqliteFile + suffix, { force: true });
      },
    },
    { label: 'PostgreSQL', url: pgUrl(database), wipe: () => recreateDatabase(database) },
  ];
  for (const store of stores) {
    ctx.log(`workload 10: bare Hono, then Spool (${store.label})`);
    const ceiling = await run('hono', n);
    rows.push(toRow(`bare Hono (ceiling for ${store.label})`, false, ceiling, null));
    await store.wipe();
    rows.push(toRow(`Spool (${store.label})`, true, await run('spool', n, store.url), ceiling));
  }
  return {
    id: 'http-enqueue',
    title: '10. HTTP enqueue',
    description: `${n.toLocaleString('en-US')} POST /v1/queues/bench/jobs requests (bearer token, a small JSON payload) at concurrency ${httpConcurrency} through autocannon, after ${Math.max(2_000, n / 10).toLocaleString('en-US')} to warm up; no worker running. Each server is its own process; the ceiling is a bare Hono app on the same @hono/node-server that parses the body and answers 202, measured just before. 202 means committed: Spool answers after the commit of the group the job was written in.`,
    columns: [
      { key: 'rate', title: 'requests/s' },
      { key: 'share', title: '% of ceiling', digits: 0 },
      { key: 'p50', title: 'p50 ms', digits: 0 },
      { key: 'p99', title: 'p99 ms', digits: 0 },
      { key: 'cpu', title: 'server CPU µs per request', digits: 0 },
    ],
    rows,
    notes: [
      "CPU µs per request is the server process's user + system time (process.cpuUsage) over the measured requests: on a machine shared with other work it moves far less than requests/s, which also depend on the load generator getting a core.",
    ],
  };
}
