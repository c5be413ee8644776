/**
 * @module
 * The event bus over HTTP: `POST /v1/topics/{topic}/events` (publish; scope publish or enqueue),
 * `GET /v1/topics`, `GET /v1/topics/{topic}/events` (the retained log, cursor-paged),
 * `GET /v1/subscriptions` (with backlog and lag) and `POST /v1/subscriptions/{name}/replay` (admin).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { InvalidArgumentError } from '../../core/errors.js';
import type { PublishedEvent } from '../../client/bus.js';
import { requireScope } from '../auth.js';
import { traceHeaders, traceOf } from '../trace-headers.js';
import {
  EventPageSchema,
  EventsQuery,
  PublishBody,
  PublishResponse,
  ReplayBody,
  ReplayResponse,
  SubscriptionParams,
  SubscriptionsResponse,
  TopicParams,
  TopicsResponse,
} from '../bus-schemas.js';
import type { RouteContext, SpoolApi } from '../context.js';
import { problemResponses } from '../schemas.js';

const security = [{ Bearer: [] }];
const json = <T>(schema: T) => ({ 'application/json': { schema } });

export function topicRoutes(app: SpoolApi, ctx: RouteContext): void {
  const { spool, auth } = ctx;

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/topics/{topic}/events',
      summary: 'Publish an event',
      description:
        'Stores the event and creates one delivery job per matching subscription, in one transaction, then answers 202. An event id (the body `id` or the Idempotency-Key header) already on the topic answers 200 with that event and delivers nothing new.',
      tags: ['events'],
      security,
      middleware: [requireScope(auth, ['publish', 'enqueue'])] as const,
      request: {
        params: TopicParams,
        headers: z.object({ 'idempotency-key': z.string().min(1).max(255).optional(), ...traceHeaders }),
        body: { content: json(PublishBody), required: true },
      },
      responses: {
        202: { description: 'Published.', content: json(PublishResponse) },
        200: { description: 'The event id was already published on this topic.', content: json(PublishResponse) },
        ...problemResponses(400, 413, 503),
      },
    }),
    async (c) => {
      const { topic } = c.req.valid('param');
      const { payload, ...options } = c.req.valid('json');
      const headerKey = c.req.valid('header')['idempotency-key'];
      if (headerKey !== undefined && options.id !== undefined && headerKey !== options.id) {
        throw new InvalidArgumentError('The Idempotency-Key header and the body field id differ; send one of them.');
      }
      const id = headerKey ?? options.id;
      const [published] = (await spool.publishMany([{ topic, payload, options: { ...options, ...(id === undefined ? {} : { id }) } }], {
        trace: traceOf(c.req.valid('header')),
      })) as [PublishedEvent];
      return published.created ? c.json(published, 202) : c.json(published, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/topics',
      summary: 'List topics',
      description: 'Every topic, with its retained events and subscriptions counted.',
      tags: ['events'],
      security,
      middleware: [requireScope(auth, 'read')] as const,
      responses: { 200: { description: 'The topics.', content: json(TopicsResponse) }, ...problemResponses(503) },
    }),
    async (c) => c.json({ topics: await spool.topics() }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/topics/{topic}/events',
      summary: "A topic's retained events",
      description: 'Oldest first; pass `next` as `after` for the next page.',
      tags: ['events'],
      security,
      middleware: [requireScope(auth, 'read')] as const,
      request: { params: TopicParams, query: EventsQuery },
      responses: { 200: { description: 'A page of events.', content: json(EventPageSchema) }, ...problemResponses(400, 503) },
    }),
    async (c) => {
      const { topic } = c.req.valid('param');
      return c.json(await spool.eventLog(topic, c.req.valid('query')), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/subscriptions',
      summary: 'List subscriptions',
      description: 'Every subscription with its filter, delivery policy, backlog (deliveries waiting or running) and lag.',
      tags: ['events'],
      security,
      middleware: [requireScope(auth, 'read')] as const,
      responses: { 200: { description: 'The subscriptions.', content: json(SubscriptionsResponse) }, ...problemResponses(503) },
    }),
    async (c) => {
      const subscriptions = (await spool.subscriptions()).map(({ backoff: _backoff, ...rest }) => rest);
      return c.json({ subscriptions }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/subscriptions/{name}/replay',
      summary: 'Replay events to a subscription',
      description:
        'Delivers the retained events from `from` on to the subscription again. An event whose delivery is still waiting or running is skipped, so a replay never duplicates pending work.',
      tags: ['events'],
      security,
      middleware: [requireScope(auth, 'admin')] as const,
      request: { params: SubscriptionParams, body: { content: json(ReplayBody), required: true } },
      responses: { 200: { description: 'Deliveries created.', content: json(ReplayResponse) }, ...problemResponses(400, 404, 503) },
    }),
    async (c) => {
      const { name } = c.req.valid('param');
      const { from } = c.req.valid('json');
      const start = typeof from === 'string' && from !== 'beginning' ? Date.parse(from) : from;
      return c.json({ subscription: name, deliveries: await spool.replay(name, start as never) }, 200);
    },
  );
}
