/**
 * @module
 * The shop as one process, built only on Spool's public API: `startService` (the Spool, with the
 * config's breakers, queue limits and subscriptions set in the store), `createApp` (the v1 API
 * and the dashboard), the storefront's own routes mounted beside it under `/shop/`, `listen`,
 * then the config's workers and subscribers. `npm start` runs it (main.ts); the tests start it
 * on a port of their own.
 *
 * The workers start after the server listens: the handlers reach the shop's fake services over
 * HTTP at `SHOP_URL`, which is only known then (port 0 in tests).
 */
import { Hono } from 'hono';
import { InvalidArgumentError, type Logger, type Spool } from '../../src/index.js';
import {
  type AuthSettings,
  type HttpServer,
  type ResolvedConfig,
  createApp,
  listen,
  startBacklogSampler,
  startService,
} from '../../src/server/index.js';
import { storefront } from './storefront.js';
import { World } from './world.js';

export interface ShopOptions {
  config: ResolvedConfig;
  /** Run the config's workers and subscribers here; false when `spool worker` processes run them. @defaultValue true */
  workers?: boolean;
  logger?: Logger;
  /** The dashboard build to serve at `/`, or false. @defaultValue the repository's dashboard/dist */
  dashboard?: string | false;
}

export interface Shop {
  spool: Spool;
  world: World;
  /** `http://host:port`: the storefront is at `${url}/shop/`, the dashboard at `${url}/`. */
  url: string;
  close(): Promise<void>;
}

export async function startShop(options: ShopOptions): Promise<Shop> {
  const { config } = options;
  // No tokens configured: the dev mode, which startService and createApp allow on loopback only.
  const auth: AuthSettings = config.tokens.length > 0 ? { mode: 'tokens', tokens: config.tokens } : { mode: 'insecure' };
  if (auth.mode === 'insecure' && !['127.0.0.1', '::1', 'localhost'].includes(config.server.host)) {
    throw new InvalidArgumentError(
      `Refusing to serve the shop on ${config.server.host} without API tokens: anyone who can reach it would control your jobs. Use 127.0.0.1, or configure tokens (SPOOL_TOKENS or auth.tokens).`,
    );
  }
  const service = await startService({ config, http: false, workers: false, logger: options.logger });
  const { spool } = service;
  const world = new World();
  let url = '';
  let server: HttpServer | null = null;
  try {
    const api = createApp({
      spool,
      auth,
      bodyLimit: config.server.bodyLimit,
      queues: config.queues.map((q) => q.name),
      dashboard: options.dashboard,
    });
    const root = new Hono({ strict: false });
    root.route(
      '/shop',
      storefront(spool, world, () => url),
    );
    // Everything else is Spool's: the v1 API, health checks and the dashboard.
    root.all('*', (c) => api.app.fetch(c.req.raw, c.env));
    server = await listen({ app: root, stopAccepting: () => api.stopAccepting() }, config.server.host, config.server.port);
    const listening = server;
    url = listening.url;
    process.env.SHOP_URL = url;
    const sampler = startBacklogSampler(spool, spool.logger);
    if (options.workers ?? true) {
      for (const queue of config.queues) spool.work(queue.name, queue.handlers, queue.options);
      for (const sub of config.subscriptions) await spool.subscribe(sub.topic, sub.name, sub.handler, sub.options);
    }
    return {
      spool,
      world,
      url,
      async close() {
        await sampler.stop();
        await listening.close();
        await service.close();
      },
    };
  } catch (err) {
    await server?.close();
    await service.close();
    throw err;
  }
}
