/**
 * @module
 * Bulk actions on a queue's dead letters (its failed jobs), for the admin scope:
 * `POST /v1/queues/{queue}/dead-letters/retry` runs them all again with fresh attempts;
 * `DELETE /v1/queues/{queue}/dead-letters` deletes them.
 */
import { createRoute } from '@hono/zod-openapi';
import { requireScope } from '../auth.js';
import type { RouteContext, SpoolApi } from '../context.js';
import { DeadLetterActionResponse, QueueParams, problemResponses } from '../schemas.js';

export function deadLetterRoutes(app: SpoolApi, ctx: RouteContext): void {
  const { spool, auth } = ctx;
  const security = [{ Bearer: [] }];

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/queues/{queue}/dead-letters/retry',
      summary: 'Retry every failed job of a queue',
      description: 'Each failed job goes back to waiting with fresh attempts. Answers how many.',
      tags: ['queues'],
      security,
      middleware: [requireScope(auth, 'admin')] as const,
      request: { params: QueueParams },
      responses: {
        200: { description: 'How many jobs were retried.', content: { 'application/json': { schema: DeadLetterActionResponse } } },
        ...problemResponses(400, 503),
      },
    }),
    async (c) => {
      const { queue } = c.req.valid('param');
      return c.json({ queue, count: await spool.retryFailed(queue) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/queues/{queue}/dead-letters',
      summary: 'Delete every failed job of a queue',
      description: 'The failed jobs and their errors are gone for good. Answers how many.',
      tags: ['queues'],
      security,
      middleware: [requireScope(auth, 'admin')] as const,
      request: { params: QueueParams },
      responses: {
        200: { description: 'How many jobs were deleted.', content: { 'application/json': { schema: DeadLetterActionResponse } } },
        ...problemResponses(400, 503),
      },
    }),
    async (c) => {
      const { queue } = c.req.valid('param');
      return c.json({ queue, count: await spool.purge(queue, 'failed') }, 200);
    },
  );
}
