/**
 * @module
 * `GET /healthz` (the process answers) and `GET /readyz` (the store answers and no shutdown has
 * begun). Neither needs a token.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { RouteContext, SpoolApi } from '../context.js';
import { ProblemError, makeProblem } from '../problem.js';
import { ProblemSchema } from '../schemas.js';

const Status = z.object({ status: z.string() }).openapi('Health');

export function healthRoutes(app: SpoolApi, ctx: RouteContext): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/healthz',
      summary: 'Liveness',
      tags: ['operations'],
      responses: { 200: { description: 'The process is up.', content: { 'application/json': { schema: Status } } } },
    }),
    (c) => c.json({ status: 'ok' }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/readyz',
      summary: 'Readiness',
      tags: ['operations'],
      responses: {
        200: { description: 'The store answers; send traffic.', content: { 'application/json': { schema: Status } } },
        503: {
          description: 'The store is unreachable or the server is shutting down.',
          content: { 'application/problem+json': { schema: ProblemSchema } },
        },
      },
    }),
    async (c) => {
      if (!ctx.accepting()) {
        throw new ProblemError(makeProblem(503, 'SPOOL_SHUTTING_DOWN', 'This server is shutting down; send requests to another instance.'));
      }
      const ok = await ctx.spool.store.ping().catch(() => false);
      if (!ok) {
        throw new ProblemError(
          makeProblem(
            503,
            'SPOOL_STORE_UNAVAILABLE',
            `The ${ctx.spool.store.kind} store does not answer; check that the database is up and reachable.`,
          ),
        );
      }
      return c.json({ status: 'ready' }, 200);
    },
  );
}
