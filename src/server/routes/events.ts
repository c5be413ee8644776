/**
 * @module
 * `GET /v1/jobs/{id}/events`: the job's status and progress as Server-Sent Events (see sse.ts).
 */
import { createRoute } from '@hono/zod-openapi';
import { JobNotFoundError } from '../../core/errors.js';
import { isOperator, requireScope } from '../auth.js';
import type { RouteContext, SpoolApi } from '../context.js';
import { JobEventsQuery, JobIdParams, problemResponses } from '../schemas.js';
import { isFinal, isNewer, jobEventStream, parseLastEventId } from '../sse.js';

export function eventRoutes(app: SpoolApi, ctx: RouteContext): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/jobs/{id}/events',
      summary: "Watch a job's status and progress",
      description: [
        'Server-Sent Events. `event: status` when the status or attempt changes, `event: progress` when only progress does;',
        '`id` is `<updatedAt>-<digest>` and `data` the whole job as JSON. The stream ends after a final state (completed, failed, cancelled).',
        'Reconnect with Last-Event-ID to resume: the current job is sent at once if it changed. A reconnect after the final',
        'event gets 204 No Content, which stops EventSource clients. A comment line is sent every 15 s to keep proxies open.',
        "`event: log` carries one new line of the job's own log (see GET /v1/jobs/{id}/logs) as JSON, without an id; with `logsAfter`, the lines after that seq come first (0: all of them).",
      ].join(' '),
      tags: ['jobs'],
      security: [{ Bearer: [] }],
      middleware: [requireScope(ctx.auth, 'read')] as const,
      request: { params: JobIdParams, query: JobEventsQuery },
      responses: {
        200: { description: 'An event stream of job snapshots.', content: { 'text/event-stream': { schema: { type: 'string' } } } },
        204: { description: 'The job already reached a final state the client has seen (its Last-Event-ID).' },
        ...problemResponses(400, 404, 503),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const job = await ctx.spool.getJob(id);
      if (!job) throw new JobNotFoundError(id);
      const lastEventId = parseLastEventId(c.req.header('last-event-id'));
      if (lastEventId !== null && isFinal(job) && !isNewer(job, lastEventId)) return c.body(null, 204) as never;
      return jobEventStream(
        c,
        ctx.spool,
        ctx.feed,
        job,
        lastEventId,
        ctx.streams,
        ctx.sse,
        {
          operator: isOperator(c.get('principal')),
        },
        c.req.valid('query').logsAfter ?? null,
      ) as never;
    },
  );
}
