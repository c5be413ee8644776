/**
 * @module
 * `GET /metrics`: Prometheus text exposition of the Spool's metrics (see telemetry/metrics.ts),
 * for a token with the `metrics` scope (or admin). A server can also serve it alone, without a
 * token, on a port of its own (`server.metricsPort`), for scrapers inside a private network.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Spool } from '../../client/spool.js';
import { requireScope } from '../auth.js';
import type { RouteContext, SpoolApi } from '../context.js';
import { ProblemError, makeProblem } from '../problem.js';
import { problemResponses } from '../schemas.js';

export function metricsRoutes(app: SpoolApi, { spool, auth }: RouteContext): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus metrics',
      description:
        'Jobs enqueued, completed, failed, retried and deferred per queue and job name (this process), attempt run time and pick-up latency histograms, and gauges read from the store at scrape time: queue depth per status, oldest waiting job, active workers, breaker states, subscription lag. Needs the `metrics` scope.',
      tags: ['operations'],
      security: [{ Bearer: [] }],
      middleware: [requireScope(auth, 'metrics')] as const,
      responses: {
        200: { description: 'Prometheus text format 0.0.4.', content: { 'text/plain': { schema: z.string() } } },
        ...problemResponses(404, 503),
      },
    }),
    (c) => renderMetrics(spool, c) as never,
  );
}

/** The exposition as a response, or a problem saying how to turn metrics on. */
export async function renderMetrics(spool: Spool, c: Context): Promise<Response> {
  if (!spool.metrics) {
    throw new ProblemError(
      makeProblem(
        404,
        'SPOOL_NOT_FOUND',
        'Metrics are off in this server: create the Spool with `metrics: true` (spool serve turns them on unless the config says `metrics: false`).',
      ),
    );
  }
  const { contentType, text } = await spool.metrics.render();
  return c.body(text, 200, { 'content-type': contentType });
}
