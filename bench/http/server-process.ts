/**
 * @module
 * Child process entry for the HTTP workloads: `node --import tsx bench/http/server-process.ts <kind> '<json>'`.
 * `hono` is the ceiling: a bare Hono app on the same @hono/node-server that parses the body and
 * answers 202. `spool` is Spool's API (from dist/ when built) on the given store, with a token.
 * Prints `{"type":"ready","url":…}`; on the stdin line `cpu` prints the CPU time (user + system,
 * µs) used since the previous `cpu` line, so the parent measures CPU per request, which a noisy
 * machine skews far less than wall time. Exits on `stop` or when stdin closes.
 */
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

export interface ServerOptions {
  /** The store URL for `spool`. */
  store?: string;
  /** The bearer token secret the `spool` server accepts (scopes enqueue and read). */
  token?: string;
  /** Open event streams the server accepts. @defaultValue the server's own default */
  maxStreams?: number;
}

export type ServerMessage = { type: 'ready'; url: string } | { type: 'cpu'; micros: number } | { type: 'error'; message: string };

const send = (message: ServerMessage): void => void process.stdout.write(`${JSON.stringify(message)}\n`);

const built = (path: string) => new URL(`../../dist/${path}.js`, import.meta.url);
const load = async <T>(path: string, source: string): Promise<T> =>
  (await import(existsSync(built(path)) ? built(path).href : source)) as T;

async function fetchHandler(kind: string, options: ServerOptions): Promise<(request: Request) => Response | Promise<Response>> {
  if (kind === 'hono') {
    const app = new Hono();
    app.post('/v1/queues/:queue/jobs', async (c) => {
      const body = await c.req.json();
      return c.json({ id: '1', status: 'waiting', created: true, name: body.name }, 202);
    });
    return app.fetch;
  }
  const library = await load<typeof import('../../src/index.js')>('index', '../../src/index.js');
  const server = await load<typeof import('../../src/server/index.js')>('server/index', '../../src/server/index.js');
  const spool = await library.createSpool({ store: options.store, logger: library.silentLogger, shutdownSignals: false });
  const tokens = server.parseTokensEnv(`bench:${options.token}:enqueue+read`);
  const limits = options.maxStreams === undefined ? {} : { maxStreams: options.maxStreams };
  return server.createApp({ spool, auth: { mode: 'tokens', tokens }, dashboard: false, limits }).app.fetch;
}

async function main(): Promise<void> {
  const [kind, json] = process.argv.slice(2);
  if (kind !== 'hono' && kind !== 'spool') throw new Error(`Unknown server kind ${JSON.stringify(kind)}`);
  const options = JSON.parse(json ?? '{}') as ServerOptions;
  const handler = await fetchHandler(kind, options);
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: handler, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  let last = process.cpuUsage();
  createInterface({ input: process.stdin })
    .on('line', (line) => {
      if (line === 'cpu') {
        const used = process.cpuUsage(last);
        last = process.cpuUsage();
        send({ type: 'cpu', micros: used.user + used.system });
      } else if (line === 'stop') process.exit(0);
    })
    .on('close', () => process.exit(0));
  send({ type: 'ready', url: `http://127.0.0.1:${port}` });
}

main().catch((err: unknown) => {
  send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
