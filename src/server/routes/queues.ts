/**
 * @module
 * `GET /v1/queues`: every queue with its jobs counted per status.
 */
import { createRoute } from '@hono/zod-openapi';
import { jobStatuses } from '../../core/types.js';
import { requireScope } from '../auth.js';
import type { RouteContext, SpoolApi } from '../context.js';
import { QueuesResponse, problemResponses } from '../schemas.js';

const zeros = () => ({ waiting: 0, active: 0, completed: 0, failed: 0, cancelled: 0 });

export function queueRoutes(app: SpoolApi, ctx: RouteContext): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/queues',
      summary: 'List queues with counts per status',
      description: 'Every queue that holds jobs, and every queue this server is configured with, sorted by name.',
      tags: ['queues'],
      security: [{ Bearer: [] }],
      middleware: [requireScope(ctx.auth, 'read')] as const,
      responses: {
        200: { description: 'The queues.', content: { 'application/json': { schema: QueuesResponse } } },
        ...problemResponses(503),
      },
    }),
    async (c) => {
      const counts = await ctx.spool.counts();
      for (const name of ctx.queues) counts[name] ??= zeros();
      const queues = Object.keys(counts)
        .sort()
        .map((name) => {
          const perStatus = counts[name] ?? zeros();
          return { name, counts: perStatus, total: jobStatuses.reduce((sum, status) => sum + perStatus[status], 0) };
        });
      return c.json({ queues }, 200);
    },
  );
}
