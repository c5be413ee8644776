/**
 * @module
 * `GET /healthz` (the process answers) and `GET /readyz` (the store answers and no shutdown has
 * begun). Neither needs a token. While bridges run, `/readyz` lists their states too, but a
 * bridge whose broker is down does not make the server unready: the bridge retries by itself,
 * and taking the server out of a load balancer would not bring the broker back.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { RouteContext, SpoolApi } from '../context.js';
import { ProblemError, makeProblem } from '../problem.js';
import { ProblemSchema } from '../schemas.js';

const Status = z.object({ status: z.string() }).openapi('Health');
const Ready = z
  .object({
    status: z.string(),
    bridges: z
      .array(z.object({ name: z.string(), state: z.string(), lastError: z.object({ message: z.string(), at: z.number() }).nullable() }))
      .optional()
      .openapi({ description: "Present while bridges run: each one's state. A bridge that is reconnecting does not make readiness fail." }),
  })
  .openapi('Readiness');

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
        200: { description: 'The store answers; send traffic.', content: { 'application/json': { schema: Ready } } },
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
      const bridges = ctx.spool.bridges.list().map(({ name, state, lastError }) => ({ name, state, lastError }));
      return c.json({ status: 'ready', ...(bridges.length > 0 ? { bridges } : {}) }, 200);
    },
  );
}
