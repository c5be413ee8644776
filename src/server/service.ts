/**
 * @module
 * A Spool service process: the Spool, the workers of the configured queues, the webhook worker,
 * the configured bridges, and (for `spool serve`) the HTTP API. `spool worker` runs the same without HTTP.
 */
import { type Spool, createSpool } from '../client/spool.js';
import type { ResolvedConfig } from '../config/load-config.js';
import { InvalidArgumentError } from '../core/errors.js';
import { type Logger, type PinoLike, toLogger } from '../core/logger.js';
import { startWebhookWorker, webhookQueue } from '../webhooks/deliver.js';
import { createApp } from './app.js';
import { metricsOnlyApp } from './metrics-port.js';
import { type AuthSettings, isLoopback } from './auth.js';
import { type BacklogSampler, startBacklogSampler } from './backlog-sampler.js';
import { type HttpServer, listen } from './server.js';
import type { SseOptions } from './sse.js';

export interface ServiceOptions {
  config: ResolvedConfig;
  /** Serve the HTTP API (`spool serve`); false runs only workers (`spool worker`). */
  http: boolean;
  /** Run workers for the configured queues and webhooks in this process. @defaultValue true */
  workers?: boolean;
  /** Only these configured queues get workers. @defaultValue all */
  onlyQueues?: string[];
  /** No tokens: every request is allowed. Refused unless the host is a loopback address. */
  insecureNoAuth?: boolean;
  /** Any object with debug, info, warn and error taking (message, fields), or a pino logger; default JSON lines on stderr (docs/observability.md). */
  logger?: Logger | PinoLike;
  sse?: Partial<SseOptions>;
  /** How often the HTTP server samples each queue's backlog for the dashboard. @defaultValue 15 s */
  backlogSampleInterval?: number;
  /** The built dashboard to serve at `/`, or false for the API alone. @defaultValue the repository's dashboard/dist */
  dashboard?: string | false;
}

export interface Service {
  spool: Spool;
  /** The API's base URL, or null without HTTP. */
  url: string | null;
  /** The metrics-only server's base URL (`server.metricsPort`), or null. */
  metricsUrl: string | null;
  /** Graceful: readiness fails, streams end, the listener closes, workers finish in-flight jobs. Safe to call twice. */
  close(): Promise<void>;
}

export async function startService(options: ServiceOptions): Promise<Service> {
  const { config } = options;
  const logger = toLogger(options.logger, 'startService logger');
  const runWorkers = options.workers ?? true;
  let auth: AuthSettings | null = null;
  if (options.http) {
    if (options.insecureNoAuth) {
      if (!isLoopback(config.server.host)) {
        throw new InvalidArgumentError(
          `Refusing --insecure-no-auth on ${config.server.host}: without tokens anyone who can reach the port controls your jobs. It only runs on a loopback address (127.0.0.1, ::1, localhost); configure tokens (SPOOL_TOKENS or auth.tokens) to listen elsewhere.`,
        );
      }
      auth = { mode: 'insecure' };
    } else if (config.tokens.length === 0) {
      throw new InvalidArgumentError(
        'No API tokens are configured, so nobody could use the API. Set SPOOL_TOKENS=name:secret:scope+scope (create a secret with `spool token create`), or add auth.tokens to spool.config.ts. For a local trial only, pass --insecure-no-auth.',
      );
    } else {
      auth = { mode: 'tokens', tokens: config.tokens };
    }
  }
  if (options.onlyQueues) {
    const unknown = options.onlyQueues.filter((q) => !config.queues.some((c) => c.name === q));
    if (unknown.length > 0) {
      throw new InvalidArgumentError(
        `The config has no queue ${unknown.map((q) => `"${q}"`).join(', ')}; configured queues: ${config.queues.map((q) => q.name).join(', ') || 'none'}.`,
      );
    }
  }

  const spool = await createSpool({
    ...config.spoolOptions,
    store: config.store,
    ...(config.schema ? { schema: config.schema } : {}),
    logger,
    shutdownSignals: false,
    metrics: config.server.metrics ?? true,
  });
  let server: HttpServer | null = null;
  let metricsServer: HttpServer | null = null;
  let sampler: BacklogSampler | null = null;
  try {
    // Breakers first: queue limits name them.
    for (const [name, breaker] of Object.entries(config.breakers)) await spool.defineBreaker(name, breaker);
    for (const queue of config.queues) if (queue.limits) await spool.configureQueue(queue.name, queue.limits);
    for (const [name, { cron, ...schedule }] of Object.entries(config.schedules ?? {})) await spool.schedule(name, cron, schedule);
    // Listen before any worker starts: a port in use stops the start before a job is claimed.
    if (options.http && auth) {
      const spoolApp = createApp({
        spool,
        auth,
        bodyLimit: config.server.bodyLimit,
        limits: { maxInFlight: config.server.maxInFlight, maxStreams: config.server.maxStreams },
        queues: [...config.queues.map((q) => q.name), webhookQueue],
        sse: options.sse,
        dashboard: options.dashboard,
      });
      server = await listen(spoolApp, config.server.host, config.server.port);
      sampler = startBacklogSampler(spool, logger, options.backlogSampleInterval);
      if (auth.mode === 'insecure') {
        const bar = '!'.repeat(78);
        logger.warn(
          [
            '',
            bar,
            '!!  INSECURE DEV MODE (--insecure-no-auth): the API accepts every request without a token.',
            `!!  Listening on ${server.url} only. Never run this where others can reach it.`,
            bar,
          ].join('\n'),
        );
      }
    }
    if (config.server.metricsPort !== undefined && spool.metrics) {
      metricsServer = await listen(metricsOnlyApp(spool), config.server.host, config.server.metricsPort);
    }
    // Subscriptions are declared whether or not this process runs them: events published from now
    // on are kept for them even while no subscriber runs anywhere.
    for (const sub of config.subscriptions) {
      const running = runWorkers && !options.onlyQueues;
      if (running) await spool.subscribe(sub.topic, sub.name, sub.handler, sub.options);
      else await spool.declareSubscription(sub.topic, sub.name, sub.options);
    }
    if (runWorkers) {
      for (const queue of config.queues) {
        if (options.onlyQueues && !options.onlyQueues.includes(queue.name)) continue;
        spool.work(queue.name, queue.handlers, queue.options);
      }
      if (config.webhookSecrets.length === 0) {
        logger.warn(
          options.insecureNoAuth
            ? 'No webhook secret (SPOOL_WEBHOOK_SECRET): in insecure dev mode webhooks are sent unsigned.'
            : 'No webhook secret (SPOOL_WEBHOOK_SECRET or webhooks.secret): jobs with a callbackUrl will fail their delivery until one is set.',
        );
      }
      startWebhookWorker(spool, {
        secret: config.webhookSecrets,
        signature: config.webhookSignature,
        allowHosts: config.webhookAllowHosts,
        allowUnsigned: options.insecureNoAuth === true,
        concurrency: config.webhookConcurrency,
      });
      // A bridge whose broker is down still starts and reconnects in the background; only a bad config or a missing package fails here.
      for (const bridge of config.bridges ?? []) await spool.bridges.start(bridge.name, bridge.config);
    }
  } catch (err) {
    await sampler?.stop();
    await server?.close();
    await metricsServer?.close();
    await spool.close({ timeout: 1_000 }).catch(() => {});
    throw err;
  }
  let closing: Promise<void> | null = null;
  return {
    spool,
    url: server?.url ?? null,
    metricsUrl: metricsServer?.url ?? null,
    close() {
      closing ??= (async () => {
        await sampler?.stop();
        await server?.close();
        await spool.close();
        await metricsServer?.close();
      })();
      return closing;
    },
  };
}
