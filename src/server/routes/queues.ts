/**
 * @module
 * `GET /v1/queues`: every queue with its jobs counted per status, Spool's own `spool.*` queues
 * marked internal.
 */
import { createRoute } from '@hono/zod-openapi';
import { isInternalName } from '../../core/names.js';
import { jobStatuses } from '../../core/types.js';
import { requireScope } from '../auth.js';
import type { RouteContext, SpoolApi } from '../context.js';
import { QueuesResponse, problemResponses } from '../schemas.js';

const zeros = () => ({ waiting: 0, active: 0, completed: 0, failed: 0, cancelled: 0, expired: 0 });

export function queueRoutes(app: SpoolApi, ctx: RouteContext): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/queues',
      summary: 'List queues with counts per status',
      description:
        "Every queue with a row (created on first use) or with jobs, and every queue this server is configured with, sorted by name. Spool's own queues are named spool.* and marked internal.",
      tags: ['queues'],
      security: [{ Bearer: [] }],
      middleware: [requireScope(ctx.auth, 'read')] as const,
      responses: {
        200: { description: 'The queues.', content: { 'application/json': { schema: QueuesResponse } } },
        ...problemResponses(503),
      },
    }),
    async (c) => {
      const listed = await ctx.spool.queues();
      const known = new Set(listed.map((q) => q.name));
      for (const name of ctx.queues) if (!known.has(name)) listed.push({ name, counts: zeros(), record: null });
      const queues = listed
        .sort((a, b) => a.name.localeCompare(b.name))
        .map(({ name, counts, record }) => ({
          name,
          counts,
          total: jobStatuses.reduce((sum, status) => sum + counts[status], 0),
          paused: record?.paused ?? false,
          internal: isInternalName(name),
        }));
      return c.json({ queues }, 200);
    },
  );
}
