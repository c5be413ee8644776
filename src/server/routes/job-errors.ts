/**
 * @module
 * `GET /v1/jobs/{id}/errors`: every attempt's error in full, with the error's name and stack
 * trace, for operators (admin scope). `GET /v1/jobs/{id}` leaves stacks out: it is what producers
 * and their end users read, and stacks show file paths and code, and for a webhook delivery what
 * the network answered (refused, reset, the address a name resolved to), which would let any
 * reader probe the network behind Spool.
 */
import { createRoute } from '@hono/zod-openapi';
import { JobNotFoundError } from '../../core/errors.js';
import { requireScope } from '../auth.js';
import type { RouteContext, SpoolApi } from '../context.js';
import { JobErrorDetailsResponse, JobIdParams, problemResponses } from '../schemas.js';

export function jobErrorRoutes(app: SpoolApi, ctx: RouteContext): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/jobs/{id}/errors',
      summary: "A job's errors with stack traces",
      description:
        'Every failed attempt, oldest first: message, code, error name, stack trace, attempt and time. For a webhook delivery the stack also holds the reason the connection failed or was refused, which the message leaves out.',
      tags: ['jobs'],
      security: [{ Bearer: [] }],
      middleware: [requireScope(ctx.auth, 'admin')] as const,
      request: { params: JobIdParams },
      responses: {
        200: { description: "The job's errors.", content: { 'application/json': { schema: JobErrorDetailsResponse } } },
        ...problemResponses(400, 404, 503),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const job = await ctx.spool.getJob(id);
      if (!job) throw new JobNotFoundError(id);
      return c.json({ id: job.id, errors: job.errors }, 200);
    },
  );
}
