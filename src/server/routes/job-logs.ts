/**
 * @module
 * `GET /v1/jobs/{id}/logs`: what the job's handler logged with `ctx.log`, every attempt's, oldest
 * first, a page at a time (`after` the last seq seen). The job's event stream sends new lines as
 * `log` events; this route pages through what is stored.
 */
import { createRoute } from '@hono/zod-openapi';
import { JobNotFoundError } from '../../core/errors.js';
import { requireScope } from '../auth.js';
import type { RouteContext, SpoolApi } from '../context.js';
import { JobIdParams, JobLogsQuery, JobLogsResponse, problemResponses } from '../schemas.js';

export function jobLogRoutes(app: SpoolApi, ctx: RouteContext): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/jobs/{id}/logs',
      summary: "A job's own log",
      description:
        "The lines the job's handler logged with `ctx.log`, every attempt's, oldest first: seq, level, message, fields, attempt and time. A job keeps its newest lines up to `jobLogLimit` (1,000 by default); one marker line with `dropped` says how many older ones went. Pass `next` as `after` to page on, or to follow a running job (or watch its event stream, which sends `log` events).",
      tags: ['jobs'],
      security: [{ Bearer: [] }],
      middleware: [requireScope(ctx.auth, 'read')] as const,
      request: { params: JobIdParams, query: JobLogsQuery },
      responses: {
        200: { description: "The job's lines.", content: { 'application/json': { schema: JobLogsResponse } } },
        ...problemResponses(400, 404, 503),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { after = 0, limit } = c.req.valid('query');
      const lines = await ctx.spool.jobLogs(id, { after, ...(limit === undefined ? {} : { limit }) });
      if (!lines) throw new JobNotFoundError(id);
      return c.json({ id, lines, next: lines.at(-1)?.seq ?? after }, 200);
    },
  );
}
