/**
 * @module
 * `GET /v1/stats/throughput` (completed and failed jobs per queue per bucket, from finish times)
 * and `GET /v1/stats/backlog` (waiting and active counts per queue, sampled by the server every
 * 15 s): the data behind the dashboard's charts, for anyone with the read scope.
 */
import { createRoute } from '@hono/zod-openapi';
import { toMs } from '../../core/duration.js';
import { InvalidArgumentError } from '../../core/errors.js';
import { requireScope } from '../auth.js';
import type { RouteContext, SpoolApi } from '../context.js';
import { EventRateResponse } from '../bus-schemas.js';
import { BacklogQuery, BacklogResponse, ThroughputQuery, ThroughputResponse, problemResponses } from '../schemas.js';

const hour = 3_600_000;
const day = 86_400_000;
/** More buckets than this is a bigger answer than any chart can draw. */
const maxBuckets = 1_440;

/** A duration query parameter in milliseconds: bare digits are milliseconds. */
function durationParam(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  return toMs((/^\d+$/.test(value) ? Number(value) : value) as never, `query parameter "${name}"`);
}

/** The window and bucket of a per-bucket statistic, checked: at most a day, at most 1,440 buckets. */
function buckets(query: { window?: string; bucket?: string }): { windowMs: number; bucketMs: number } {
  const windowMs = durationParam(query.window, hour, 'window');
  const bucketMs = durationParam(query.bucket, 60_000, 'bucket');
  if (windowMs > day) throw new InvalidArgumentError(`query parameter "window" is at most 1d; got ${query.window}.`);
  if (bucketMs < 1_000 || bucketMs > windowMs) {
    throw new InvalidArgumentError('query parameter "bucket" must be at least 1s and at most the window.');
  }
  if (windowMs / bucketMs > maxBuckets) {
    throw new InvalidArgumentError(`That makes ${Math.ceil(windowMs / bucketMs)} buckets; use a wider bucket (at most ${maxBuckets}).`);
  }
  return { windowMs, bucketMs };
}

export function statsRoutes(app: SpoolApi, ctx: RouteContext): void {
  const { spool, auth } = ctx;
  const security = [{ Bearer: [] }];

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/stats/throughput',
      summary: 'Completed and failed jobs over time',
      description: 'Per queue and bucket, counted by when jobs finished. Buckets with nothing finished are left out.',
      tags: ['stats'],
      security,
      middleware: [requireScope(auth, 'read')] as const,
      request: { query: ThroughputQuery },
      responses: {
        200: { description: 'The buckets, oldest first.', content: { 'application/json': { schema: ThroughputResponse } } },
        ...problemResponses(400, 503),
      },
    }),
    async (c) => {
      const { windowMs, bucketMs } = buckets(c.req.valid('query'));
      const points = await spool.throughput({ windowMs, bucketMs });
      return c.json({ windowMs, bucketMs, points }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/stats/backlog',
      summary: 'Waiting and active jobs over time',
      description: 'Samples per queue, taken every 15 s by `spool serve` and kept for a day.',
      tags: ['stats'],
      security,
      middleware: [requireScope(auth, 'read')] as const,
      request: { query: BacklogQuery },
      responses: {
        200: { description: 'The samples, oldest first.', content: { 'application/json': { schema: BacklogResponse } } },
        ...problemResponses(400, 503),
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const windowMs = durationParam(query.window, hour, 'window');
      if (windowMs > day) throw new InvalidArgumentError(`query parameter "window" is at most 1d; got ${query.window}.`);
      const points = await spool.backlog({ windowMs });
      return c.json({ windowMs, points }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/stats/events',
      summary: 'Events published over time',
      description: 'Per topic and bucket, counted by when events were published. Buckets with no event are left out.',
      tags: ['stats'],
      security,
      middleware: [requireScope(auth, 'read')] as const,
      request: { query: ThroughputQuery },
      responses: {
        200: { description: 'The buckets, oldest first.', content: { 'application/json': { schema: EventRateResponse } } },
        ...problemResponses(400, 503),
      },
    }),
    async (c) => {
      const { windowMs, bucketMs } = buckets(c.req.valid('query'));
      const points = await spool.eventRate({ windowMs, bucketMs });
      return c.json({ windowMs, bucketMs, points }, 200);
    },
  );
}
