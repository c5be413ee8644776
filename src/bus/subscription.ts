/**
 * @module
 * Subscriptions as code declares them: a filter that must parse, a starting point, a delivery
 * policy (attempts, backoff, timeout, ordering) and the work options of the worker that runs the
 * handler. Each subscription's deliveries are jobs on its own queue, `spool.sub.<name>`, in the
 * reserved namespace, so no public enqueue can forge a delivery.
 */
import { z } from 'zod';
import { durationSchema } from '../core/duration.js';
import { InvalidArgumentError } from '../core/errors.js';
import { assertPublicName, internalPrefix, nameRule, namePattern } from '../core/names.js';
import { type EnqueueOptions, backoffSchema, parseOptions, queueWorkFields } from '../core/options.js';
import type { EventFilter, ReplayFrom } from '../store/contract.js';

export const subscriptionQueuePrefix = `${internalPrefix}sub.`;

/** The queue a subscription's deliveries go to. */
export function subscriptionQueue(name: string): string {
  return `${subscriptionQueuePrefix}${name}`;
}

export function isSubscriptionQueue(queue: string): boolean {
  return queue.startsWith(subscriptionQueuePrefix);
}

/** Subscription names leave room for the queue prefix within the 128-character name limit. */
const maxSubscriptionName = 128 - subscriptionQueuePrefix.length;

export function assertSubscriptionName(value: unknown): string {
  const name = assertPublicName(value, 'subscription');
  if (name.length > maxSubscriptionName) {
    throw new InvalidArgumentError(
      `Subscription names have at most ${maxSubscriptionName} characters; "${name.slice(0, 40)}…" has ${name.length}.`,
    );
  }
  return name;
}

export const filterSchema = z
  .object({
    names: z.array(z.string().regex(namePattern, nameRule)).min(1).max(100).optional(),
    headers: z.record(z.string().min(1).max(100), z.string().max(1_000)).optional(),
  })
  .strict()
  .refine((f) => f.names !== undefined || f.headers !== undefined, 'give names, headers or both');

/** Where a subscription (or a replay) starts in the retained log. */
export type StartFrom = 'now' | 'beginning' | Date | number | { eventId: string } | { afterSeq: string };

const startSchema = z.union([
  z.literal('now'),
  z.literal('beginning'),
  z.date(),
  z.number().int().min(0),
  z.object({ eventId: z.string().min(1).max(255) }).strict(),
  z.object({ afterSeq: z.string().regex(/^\d{1,19}$/, 'must be the seq of an event, such as "42"') }).strict(),
]);

export interface SubscribeOptions {
  /** Only events with these names and/or these header values. */
  filter?: EventFilter;
  /** Where a NEW subscription starts: now (the default), the beginning of the retained log, a time, or an event. An existing one keeps its place (use `replay` to rewind). @defaultValue 'now' */
  from?: StartFrom;
  /** Deliveries with the same event key run one at a time, in publish order. @defaultValue true */
  ordered?: boolean;
  maxAttempts?: EnqueueOptions['maxAttempts'];
  backoff?: EnqueueOptions['backoff'];
  timeout?: EnqueueOptions['timeout'];
  /** The worker's options, as for `work()`. */
  concurrency?: number;
  batchSize?: number;
  prefetch?: number;
  lease?: import('../core/duration.js').Duration;
  heartbeatInterval?: import('../core/duration.js').Duration;
  pollInterval?: import('../core/duration.js').Duration;
}

export const subscribeOptionsSchema = z
  .object({
    filter: filterSchema.optional(),
    from: startSchema.optional(),
    ordered: z.boolean().optional(),
    maxAttempts: z.number().int().min(1).max(1_000).optional(),
    backoff: backoffSchema.optional(),
    timeout: durationSchema.nullable().optional(),
    ...queueWorkFields,
  })
  .strict();

export function parseSubscribeOptions(input: unknown, name: string): SubscribeOptions {
  return parseOptions(subscribeOptionsSchema, input, `subscribe options of subscription "${name}"`) as SubscribeOptions;
}

/** A starting point as the store takes it, or null for "now" (nothing to replay). */
export function toReplayFrom(from: StartFrom, what: string): ReplayFrom | null {
  const parsed = startSchema.safeParse(from);
  if (!parsed.success) {
    throw new InvalidArgumentError(
      `${what} must be "now", "beginning", a Date, epoch milliseconds, { eventId } or { afterSeq }; got ${JSON.stringify(from)}.`,
    );
  }
  if (from === 'now') return null;
  if (from === 'beginning') return { beginning: true };
  if (from instanceof Date) return { time: from.getTime() };
  if (typeof from === 'number') return { time: from };
  if ('eventId' in from) return { eventId: from.eventId };
  return { afterSeq: from.afterSeq };
}
