/**
 * @module
 * Request and response schemas of the event bus's routes. The publish body extends the library's
 * own publish options, so the two cannot drift apart.
 */
import { z } from '@hono/zod-openapi';
import { publishOptionsFields } from '../bus/event.js';
import { namePattern, nameRule } from '../core/names.js';

export const TopicParams = z
  .object({
    topic: z
      .string()
      .regex(namePattern, nameRule)
      .openapi({ param: { name: 'topic', in: 'path' }, example: 'orders' }),
  })
  .strict();

export const SubscriptionParams = z
  .object({
    name: z
      .string()
      .regex(namePattern, nameRule)
      .openapi({ param: { name: 'name', in: 'path' }, example: 'billing' }),
  })
  .strict();

export const PublishBody = z
  .object({
    payload: z
      .any()
      .optional()
      .openapi({ description: 'Any JSON; what subscribers receive as `event.payload`.', example: { orderId: 42 } }),
    ...publishOptionsFields,
  })
  .strict()
  .openapi('PublishRequest');

export const PublishResponse = z
  .object({
    id: z.string().openapi({ description: "The event's id: yours, or one Spool gave it." }),
    seq: z.string().openapi({ description: "Its position in the store's log." }),
    created: z.boolean().openapi({ description: 'False when an event with this id was already on the topic; nothing new was delivered.' }),
    deliveries: z.number().int().openapi({ description: 'Delivery jobs created, one per matching subscription.' }),
  })
  .openapi('PublishResponse');

export const TopicsResponse = z
  .object({
    topics: z.array(
      z.object({
        name: z.string(),
        createdAt: z.number().int(),
        retentionMs: z.number().int().nullable().openapi({ description: "The topic's own retention; null uses the server's default." }),
        events: z.number().int().openapi({ description: 'Events kept.' }),
        lastPublishedAt: z.number().int().nullable(),
        subscriptions: z.number().int(),
      }),
    ),
  })
  .openapi('Topics');

const EventSchema = z
  .object({
    seq: z.string(),
    id: z.string(),
    topic: z.string(),
    name: z.string().nullable(),
    key: z.string().nullable(),
    headers: z.record(z.string(), z.string()),
    payload: z.any(),
    publishedAt: z.number().int(),
  })
  .openapi('Event');

export const EventsQuery = z
  .object({
    after: z
      .string()
      .regex(/^\d{1,19}$/, 'use the seq of an event (digits), such as the `next` of a previous page')
      .optional(),
    limit: z.coerce.number().int().min(1).max(500).optional().openapi({ example: 50 }),
  })
  .strict();

export const EventPageSchema = z
  .object({
    events: z.array(EventSchema),
    next: z.string().nullable().openapi({ description: 'Pass as `after` for the next page; null at the end of the log.' }),
  })
  .openapi('EventPage');

export const SubscriptionsResponse = z
  .object({
    subscriptions: z.array(
      z.object({
        name: z.string(),
        topic: z.string(),
        queue: z.string().openapi({ description: 'The queue its deliveries go to: spool.sub.<name>.' }),
        filter: z.object({ names: z.array(z.string()).optional(), headers: z.record(z.string(), z.string()).optional() }).nullable(),
        ordered: z.boolean(),
        maxAttempts: z.number().int(),
        timeout: z.number().int().nullable(),
        backlog: z.number().int().openapi({ description: 'Deliveries waiting or running.' }),
        lagMs: z.number().int().openapi({ description: 'How long the oldest waiting delivery has waited; 0 when none waits.' }),
        createdAt: z.number().int(),
        updatedAt: z.number().int(),
      }),
    ),
  })
  .openapi('Subscriptions');

export const ReplayBody = z
  .object({
    from: z
      .union([
        z.literal('beginning'),
        z.number().int().min(0).openapi({ description: 'Epoch milliseconds: events published at or after this time.' }),
        z.string().datetime({ offset: true }).openapi({ description: 'An ISO 8601 time.' }),
        z.object({ eventId: z.string().min(1).max(255) }).strict(),
        z.object({ afterSeq: z.string().regex(/^\d{1,19}$/) }).strict(),
      ])
      .openapi({ description: 'Where to start: "beginning", a time, { eventId } (that event included) or { afterSeq }.' }),
  })
  .strict()
  .openapi('ReplayRequest');

export const ReplayResponse = z
  .object({
    subscription: z.string(),
    deliveries: z.number().int().openapi({ description: 'Deliveries created; events whose delivery was still pending are skipped.' }),
  })
  .openapi('ReplayResponse');

export const EventRateResponse = z
  .object({
    windowMs: z.number().int(),
    bucketMs: z.number().int(),
    points: z.array(
      z.object({
        at: z.number().int().openapi({ description: 'Start of the bucket, epoch milliseconds.' }),
        topic: z.string(),
        events: z.number().int(),
      }),
    ),
  })
  .openapi('EventRate');
