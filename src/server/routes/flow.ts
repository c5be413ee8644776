/**
 * @module
 * Flow control over HTTP: `GET /v1/queues/{queue}` (its limits and their live state),
 * `POST /v1/queues/{queue}/pause|resume` and `PUT /v1/queues/{queue}/limits` (admin), and the
 * shared circuit breakers: `GET /v1/breakers`, `PUT /v1/breakers/{name}` (admin).
 */
import { createRoute } from '@hono/zod-openapi';
import { breakerView } from '../../client/flow.js';
import { requireScope } from '../auth.js';
import type { RouteContext, SpoolApi } from '../context.js';
import {
  BreakerBody,
  BreakerParams,
  BreakersResponse,
  LimitsBody,
  PauseBody,
  QueueRecordResponse,
  QueueStateResponse,
} from '../flow-schemas.js';
import { QueueParams, problemResponses } from '../schemas.js';

const security = [{ Bearer: [] }];
const json = <T>(schema: T) => ({ 'application/json': { schema } });

export function flowRoutes(app: SpoolApi, ctx: RouteContext): void {
  const { spool, auth } = ctx;

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/queues/{queue}',
      summary: "A queue's counts, limits and their live state",
      description:
        'Paused or not, max depth, the limits, each breaker guarding it with its status, the rate windows in use, and running jobs per concurrency key.',
      tags: ['queues'],
      security,
      middleware: [requireScope(auth, 'read')] as const,
      request: { params: QueueParams },
      responses: { 200: { description: 'The queue.', content: json(QueueStateResponse) }, ...problemResponses(400, 503) },
    }),
    async (c) => c.json(await spool.queue(c.req.valid('param').queue), 200),
  );

  for (const action of ['pause', 'resume'] as const) {
    app.openapi(
      createRoute({
        method: 'post',
        path: `/v1/queues/{queue}/${action}`,
        summary: action === 'pause' ? 'Pause a queue in every process' : 'Resume a paused queue',
        description:
          action === 'pause'
            ? 'No process claims its jobs until it is resumed; running jobs finish. New jobs are still accepted unless `refuse` is true.'
            : 'Workers in every process claim its jobs again at once.',
        tags: ['queues'],
        security,
        middleware: [requireScope(auth, 'admin')] as const,
        request: { params: QueueParams, ...(action === 'pause' ? { body: { content: json(PauseBody), required: false } } : {}) },
        responses: {
          200: { description: 'The queue after the change.', content: json(QueueRecordResponse) },
          ...problemResponses(400, 503),
        },
      }),
      async (c) => {
        const { queue } = c.req.valid('param');
        // The body is optional: none pauses and keeps accepting jobs.
        const text = action === 'pause' ? await c.req.text() : '';
        const body = text.trim() ? PauseBody.parse(JSON.parse(text)) : {};
        const record = action === 'pause' ? await spool.pause(queue, { refuse: body.refuse }) : await spool.resume(queue);
        return c.json(record, 200);
      },
    );
  }

  app.openapi(
    createRoute({
      method: 'put',
      path: '/v1/queues/{queue}/limits',
      summary: "Set a queue's limits",
      description:
        'Only the fields given change; null removes a limit. A breaker must be defined first (PUT /v1/breakers/{name}). The limits hold across every worker on every machine.',
      tags: ['queues'],
      security,
      middleware: [requireScope(auth, 'admin')] as const,
      request: { params: QueueParams, body: { content: json(LimitsBody), required: true } },
      responses: { 200: { description: 'The queue after the change.', content: json(QueueRecordResponse) }, ...problemResponses(400, 503) },
    }),
    async (c) => c.json(await spool.configureQueue(c.req.valid('param').queue, c.req.valid('json')), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/breakers',
      summary: 'List circuit breakers',
      description: 'Every shared breaker with its policy and status (closed, open until a time, half-open).',
      tags: ['queues'],
      security,
      middleware: [requireScope(auth, 'read')] as const,
      responses: { 200: { description: 'The breakers.', content: json(BreakersResponse) }, ...problemResponses(503) },
    }),
    async (c) => {
      const breakers = (await spool.breakers()).map((b) => ({ ...breakerView(b), policy: b.policy, updatedAt: b.updatedAt }));
      return c.json({ breakers }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/v1/breakers/{name}',
      summary: 'Define a circuit breaker',
      description: 'Creates it, or changes its policy (its current status is kept).',
      tags: ['queues'],
      security,
      middleware: [requireScope(auth, 'admin')] as const,
      request: { params: BreakerParams, body: { content: json(BreakerBody), required: true } },
      responses: { 204: { description: 'Defined.' }, ...problemResponses(400, 503) },
    }),
    async (c) => {
      await spool.defineBreaker(c.req.valid('param').name, c.req.valid('json'));
      return c.body(null, 204) as never;
    },
  );
}
