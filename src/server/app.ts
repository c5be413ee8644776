/**
 * @module
 * The v1 HTTP API as a Hono app: routes, auth, problem+json errors, and the OpenAPI document at
 * `GET /v1/openapi.json`. Testable without a network through `app.request()`; `server.ts` puts
 * it on a port.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Spool } from '../client/spool.js';
import { type AuthEnv, type AuthSettings, requireScope } from './auth.js';
import type { RouteContext } from './context.js';
import { dashboardHandler, defaultDashboardDir } from './dashboard.js';
import { errorToProblem, makeProblem, problemHeaders, problemResponse } from './problem.js';
import { bridgeRoutes } from './routes/bridges.js';
import { deadLetterRoutes } from './routes/dead-letters.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { jobErrorRoutes } from './routes/job-errors.js';
import { jobStepRoutes } from './routes/job-steps.js';
import { jobLogRoutes } from './routes/job-logs.js';
import { jobRoutes } from './routes/jobs.js';
import { queueRoutes } from './routes/queues.js';
import { statsRoutes } from './routes/stats.js';
import { topicRoutes } from './routes/topics.js';
import { flowRoutes } from './routes/flow.js';
import { scheduleRoutes } from './routes/schedules.js';
import { groupRoutes } from './routes/groups.js';
import { whoamiRoutes } from './routes/whoami.js';
import { workerRoutes } from './routes/workers.js';
import { validationProblem } from './validation-problem.js';
import { metricsRoutes } from './routes/metrics.js';
import { shedLoad } from './shed-load.js';
import { ChangeFeed } from './change-feed.js';
import { type SseOptions, type StreamRegistry, defaultSseOptions } from './sse.js';

export interface AppOptions {
  spool: Spool;
  auth: AuthSettings;
  /** Largest request body in bytes; larger ones get 413. @defaultValue the Spool's maxPayloadBytes plus 64 KiB */
  bodyLimit?: number;
  /** Queues this server is configured with, listed by GET /v1/queues even while empty. */
  queues?: readonly string[];
  /**
   * Load shedding: past this many requests in flight, or this many open event streams, the
   * server answers 503 with Retry-After instead of falling over. @defaultValue 1,000 and 10,000
   */
  limits?: { maxInFlight?: number; maxStreams?: number };
  sse?: Partial<SseOptions>;
  /** The built dashboard to serve at `/`, or false for the API alone. @defaultValue the repository's dashboard/dist */
  dashboard?: string | false;
}

export interface SpoolApp {
  app: OpenAPIHono<AuthEnv>;
  /** Ends every open event stream (for shutdown) and makes /readyz answer 503. */
  stopAccepting(): void;
}

export function createApp(options: AppOptions): SpoolApp {
  const streams: StreamRegistry = new Set();
  let accepting = true;
  const ctx: RouteContext = {
    spool: options.spool,
    auth: options.auth,
    bodyLimit: options.bodyLimit ?? options.spool.settings.maxPayloadBytes + 64 * 1024,
    queues: options.queues ?? [],
    sse: { ...defaultSseOptions, ...options.sse },
    streams,
    feed: new ChangeFeed(options.spool, options.sse?.pollMs === undefined ? {} : { pollMs: options.sse.pollMs }),
    accepting: () => accepting,
  };

  const app = new OpenAPIHono<AuthEnv>({
    defaultHook: validationProblem,
  });

  app.use('*', shedLoad(streams, options.limits?.maxInFlight ?? 1_000, options.limits?.maxStreams ?? 10_000));

  app.openAPIRegistry.registerComponent('securitySchemes', 'Bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API token with the scope the route needs: enqueue, publish, read, metrics or admin (admin includes the others).',
  });

  healthRoutes(app, ctx);
  jobRoutes(app, ctx);
  eventRoutes(app, ctx);
  queueRoutes(app, ctx);
  flowRoutes(app, ctx);
  scheduleRoutes(app, ctx);
  groupRoutes(app, ctx);
  jobErrorRoutes(app, ctx);
  jobStepRoutes(app, ctx);
  jobLogRoutes(app, ctx);
  deadLetterRoutes(app, ctx);
  statsRoutes(app, ctx);
  bridgeRoutes(app, ctx);
  topicRoutes(app, ctx);
  whoamiRoutes(app, ctx);
  workerRoutes(app, ctx);
  metricsRoutes(app, ctx);

  app.use('/v1/openapi.json', requireScope(options.auth, 'read'));
  app.doc31('/v1/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Spool HTTP API',
      version: '1',
      description:
        'Durable jobs over HTTP: enqueue, watch status and progress, cancel and retry. Errors are application/problem+json (RFC 9457).',
    },
  });

  const dashboard = options.dashboard ?? defaultDashboardDir;
  if (dashboard !== false) app.get('*', dashboardHandler(dashboard));

  app.notFound((c) =>
    problemResponse(
      makeProblem(404, 'SPOOL_ROUTE_NOT_FOUND', `There is no route ${c.req.method} ${c.req.path}. GET /v1/openapi.json lists every route.`),
    ),
  );
  app.onError((err) => problemResponse(errorToProblem(err, options.spool.logger), problemHeaders(err)));

  return {
    app,
    stopAccepting() {
      accepting = false;
      for (const stop of [...streams]) stop();
    },
  };
}
