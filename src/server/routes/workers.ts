/**
 * @module
 * `GET /v1/workers`: the running workers of every process, from the store's worker registry, so
 * an operator sees who is working: host, pid, queue, the job names each handles, concurrency,
 * jobs in flight, last heartbeat and Spool version.
 */
import { createRoute } from '@hono/zod-openapi';
import { requireScope } from '../auth.js';
import type { RouteContext, SpoolApi } from '../context.js';
import { WorkersQuery, WorkersResponse, problemResponses } from '../schemas.js';

export function workerRoutes(app: SpoolApi, ctx: RouteContext): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/workers',
      summary: 'List running workers',
      description:
        'Every worker that beat within the last 30 s, in every process on this store, sorted by queue: one entry per worker (a claim loop on one queue). `names` is null for a worker whose one handler takes every name. On PostgreSQL `sessionAlive` turns false as soon as its process loses its database session (it crashed or was killed); null on SQLite.',
      tags: ['workers'],
      security: [{ Bearer: [] }],
      middleware: [requireScope(ctx.auth, 'read')] as const,
      request: { query: WorkersQuery },
      responses: {
        200: { description: 'The running workers.', content: { 'application/json': { schema: WorkersResponse } } },
        ...problemResponses(400, 503),
      },
    }),
    async (c) => {
      const { queue } = c.req.valid('query');
      const workers = await ctx.spool.workers(queue);
      return c.json({ workers: workers.map((w) => ({ ...w, names: w.names === null ? null : [...w.names] })) }, 200);
    },
  );
}
