/**
 * @module
 * Groups over HTTP: `POST /v1/groups` enqueues many jobs under one group id in one transaction
 * (enqueue scope); `GET /v1/groups/{id}` reports counts per status, overall progress and an ETA
 * (read), and `GET /v1/groups/{id}/events` streams that report as Server-Sent Events until every
 * job is final.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import type { GroupStatus } from '../../client/groups.js';
import { coerceError } from '../../core/errors.js';
import { namePattern, nameRule } from '../../core/names.js';
import type { EnqueueOptions } from '../../core/options.js';
import { requireScope } from '../auth.js';
import type { RouteContext, SpoolApi } from '../context.js';
import { EnqueueBody, problemResponses } from '../schemas.js';

const security = [{ Bearer: [] }];
const json = <T>(schema: T) => ({ 'application/json': { schema } });

const GroupParams = z
  .object({
    id: z
      .string()
      .min(1)
      .max(80)
      .openapi({ param: { name: 'id', in: 'path' }, example: 'grp_3f9a0c1d2e4b5a6978ab' }),
  })
  .strict();

const GroupBody = z
  .object({
    jobs: z
      .array(z.object({ queue: z.string().regex(namePattern, nameRule), ...EnqueueBody.shape }).strict())
      .min(1)
      .max(10_000)
      .openapi({ description: 'The jobs, each with its queue; all are stored or none.' }),
  })
  .strict()
  .openapi('GroupRequest');

const GroupSchema = z
  .object({
    id: z.string(),
    total: z.number().int(),
    counts: z.record(z.string(), z.number().int()).openapi({ description: 'Jobs per status.' }),
    finished: z.number().int().openapi({ description: 'Jobs in a final status.' }),
    progress: z.number().openapi({ description: 'Finished jobs in percent of all.' }),
    done: z.boolean(),
    eta: z.number().int().nullable().openapi({
      description:
        "When the last job should finish (epoch ms), from the group's drain over the last five minutes; null when done or when none finished lately.",
    }),
  })
  .openapi('Group');

export function groupRoutes(app: SpoolApi, ctx: RouteContext): void {
  const { spool, auth } = ctx;

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/groups',
      summary: 'Enqueue a group of jobs',
      description: 'Stores every job or none, under one new group id; watch them all with GET /v1/groups/{id} or its event stream.',
      tags: ['groups'],
      security,
      middleware: [requireScope(auth, 'enqueue')] as const,
      request: { body: { content: json(GroupBody), required: true } },
      responses: {
        202: {
          description: 'Enqueued.',
          content: json(z.object({ id: z.string(), jobs: z.array(z.string()) }).openapi('GroupCreated')),
          headers: { Location: { schema: { type: 'string' } } },
        },
        ...problemResponses(400, 413, 429, 503),
      },
    }),
    async (c) => {
      const items = c.req.valid('json').jobs.map(({ queue, name, payload, ...options }) => ({
        queue,
        name,
        payload,
        options: options as EnqueueOptions,
      }));
      const group = await spool.group(items);
      c.header('location', `/v1/groups/${group.id}`);
      return c.json({ id: group.id, jobs: group.jobs.map((job) => job.id) }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/groups/{id}',
      summary: "A group's status",
      description: 'Its jobs counted per status, overall progress and an ETA, from an index: no job is read.',
      tags: ['groups'],
      security,
      middleware: [requireScope(auth, 'read')] as const,
      request: { params: GroupParams },
      responses: { 200: { description: 'The group.', content: json(GroupSchema) }, ...problemResponses(400, 404, 503) },
    }),
    async (c) => c.json(await spool.groupStatus(c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/groups/{id}/events',
      summary: "Watch a group's status",
      description:
        'Server-Sent Events: `event: status` with the whole report as `data` whenever a count changes, ending once every job is final.',
      tags: ['groups'],
      security,
      middleware: [requireScope(auth, 'read')] as const,
      request: { params: GroupParams },
      responses: {
        200: { description: 'An event stream of group reports.', content: { 'text/event-stream': { schema: { type: 'string' } } } },
        ...problemResponses(400, 404, 503),
      },
    }),
    async (c) => {
      const first = await spool.groupStatus(c.req.valid('param').id);
      c.header('cache-control', 'no-cache, no-transform');
      c.header('x-accel-buffering', 'no');
      return streamSSE(c, async (stream) => {
        let stopped = false;
        const stop = () => {
          stopped = true;
        };
        ctx.streams.add(stop);
        stream.onAbort(stop);
        const seen = (g: GroupStatus) => JSON.stringify(g.counts);
        try {
          await stream.write(`retry: ${ctx.sse.retryMs}\n\n`);
          let last = first;
          await stream.writeSSE({ event: 'status', data: JSON.stringify(last) });
          let quiet = 0;
          // A group's counts are read, not pushed: once a second unless the server says otherwise.
          const pollMs = ctx.sse.pollMs ?? 1_000;
          while (!stopped && !last.done) {
            await new Promise((resolve) => setTimeout(resolve, pollMs));
            try {
              const next = await spool.groupStatus(last.id);
              quiet += pollMs;
              if (seen(next) !== seen(last)) {
                await stream.writeSSE({ event: 'status', data: JSON.stringify(next) });
                quiet = 0;
              } else if (quiet >= ctx.sse.heartbeatMs) {
                await stream.write(': keep-alive\n\n');
                quiet = 0;
              }
              last = next;
            } catch (err) {
              spool.logger.warn(`The event stream of group ${last.id} could not read the store; retrying.`, {
                error: coerceError(err).message,
              });
            }
          }
        } finally {
          ctx.streams.delete(stop);
        }
      }) as never;
    },
  );
}
