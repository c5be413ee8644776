/**
 * @module
 * `GET /v1/bridges`: the bridges this server's process runs (from the config file's `bridges`),
 * each with its state, its last error and its counters. Bridges in other processes (`spool
 * worker` elsewhere) are listed by their own server. `/readyz` shows the same states but does not
 * fail because a bridge is down: a bridge reconnects by itself and the API still serves.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { requireScope } from '../auth.js';
import type { RouteContext, SpoolApi } from '../context.js';
import { problemResponses } from '../schemas.js';

export const BridgeSchema = z
  .object({
    name: z.string(),
    kind: z.enum(['rabbitmq', 'nats']),
    direction: z.enum(['out', 'in']).openapi({ description: '`out`: topic → broker; `in`: broker → topic.' }),
    topic: z.string(),
    target: z.string().openapi({ description: 'The broker and what the bridge uses there, without credentials.' }),
    state: z.enum(['starting', 'connected', 'reconnecting', 'stopped']).openapi({
      description:
        '`reconnecting`: the broker is unreachable and the bridge retries with backoff; no message is acked or completed meanwhile.',
    }),
    since: z.number().int().openapi({ description: 'When it entered this state, epoch milliseconds.' }),
    lastError: z.object({ message: z.string(), at: z.number().int() }).nullable(),
    relayed: z.number().int().openapi({ description: 'Out: messages the broker confirmed. In: events committed.' }),
    duplicates: z.number().int().openapi({ description: 'Messages recognised by their event id as already relayed.' }),
    failed: z.number().int().openapi({ description: 'Out: sends that failed and are retried. In: messages handed back for redelivery.' }),
    rejected: z.number().int().openapi({ description: 'In: messages that can never be an event, rejected without requeue.' }),
    reconnects: z.number().int(),
    lastActivityAt: z.number().int().nullable(),
  })
  .openapi('Bridge');

export function bridgeRoutes(app: SpoolApi, ctx: RouteContext): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/bridges',
      summary: 'List bridges to RabbitMQ and NATS JetStream with their states',
      description:
        "The bridges this server's process runs, by name: connected, reconnecting (with the last error) or stopped, with counters of what they relayed.",
      tags: ['bridges'],
      security: [{ Bearer: [] }],
      middleware: [requireScope(ctx.auth, 'read')] as const,
      responses: {
        200: {
          description: 'The bridges.',
          content: { 'application/json': { schema: z.object({ bridges: z.array(BridgeSchema) }).openapi('BridgesResponse') } },
        },
        ...problemResponses(),
      },
    }),
    (c) => c.json({ bridges: ctx.spool.bridges.list() }, 200),
  );
}
