/**
 * @module
 * The event bus as the Spool offers it: publish (alone, in bulk, or in the caller's transaction),
 * subscribe (declare the subscription in the store, then run its worker), replay, and the views
 * of topics, events and subscriptions. Everything is a job underneath: each event becomes one
 * delivery job per matching subscription, on the subscription's own queue.
 */
import { Bridges } from '../bus/bridges/registry.js';
import { type PublishItem, type PublishOptions, type SpoolEvent, toNewEvent } from '../bus/event.js';
import {
  type StartFrom,
  type SubscribeOptions,
  assertSubscriptionName,
  parseSubscribeOptions,
  subscriptionQueue,
  toReplayFrom,
} from '../bus/subscription.js';
import { defaults } from '../core/defaults.js';
import { InvalidArgumentError, SpoolError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { assertName } from '../core/names.js';
import { resolveBackoff, resolveTimeout } from '../core/options.js';
import type { Json } from '../core/types.js';
import type {
  EventRatePoint,
  EventRecord,
  Store,
  SubscriptionInfo,
  SubscriptionRecord,
  TopicInfo,
  TopicsPart,
  Transaction,
} from '../store/contract.js';
import type { JobContext } from '../worker/types.js';
import type { Worker } from '../worker/worker.js';
import type { SpoolSettings } from './settings.js';
import type { TraceCarrier } from '../telemetry/trace-context.js';
import type { Tracing } from '../telemetry/tracing.js';

export interface PublishedEvent {
  /** The event's id (yours, or the one Spool gave it). */
  id: string;
  /** Its position in the store's log. */
  seq: string;
  /** False when an event with this id was already on the topic: nothing new was delivered. */
  created: boolean;
  /** Delivery jobs created, one per matching subscription. */
  deliveries: number;
}

/** A subscriber's handler: the event, and the context of its delivery job. */
export type EventHandler<P = any, R = unknown> = (event: SpoolEvent<P>, ctx: JobContext<SpoolEvent<P>>) => R | Promise<R>;

export interface Subscription {
  name: string;
  topic: string;
  /** The queue its deliveries go to: `spool.sub.<name>`. */
  queue: string;
  /** True when this call created it (false: it existed, and its filter and policy were updated). */
  created: boolean;
  /** Deliveries created by the starting point (`from`) of a new subscription. */
  replayed: number;
  record: SubscriptionRecord;
}

export interface RunningSubscription extends Subscription {
  worker: Worker;
}

/** What the bus needs from the Spool it belongs to. */
export interface BusHost {
  store: Store;
  settings: SpoolSettings;
  tracing: Tracing;
  work(queue: string, handler: (payload: any, ctx: JobContext) => unknown, options: object): Worker;
}

function topicsOf(store: Store): TopicsPart {
  if (!store.topics) throw new SpoolError('SPOOL_INVALID_STATE', `This ${store.kind} store has no event bus (it has no "topics" part).`);
  return store.topics;
}

export async function publishMany(
  host: BusHost,
  items: readonly PublishItem[],
  tx?: Transaction,
  trace: TraceCarrier | null = null,
): Promise<PublishedEvent[]> {
  if (!Array.isArray(items)) throw new InvalidArgumentError('publishMany takes an array of { topic, payload, options }.');
  if (items.length === 0) return [];
  const events = items.map((item, index) =>
    toNewEvent(item, items.length > 1 ? `events[${index}]` : 'event', host.settings.maxPayloadBytes),
  );
  const topics = topicsOf(host.store);
  const topic = events.every((e) => e.topic === events[0]?.topic) ? (events[0]?.topic ?? null) : null;
  // No await before the store call: on SQLite the insert must run inside the caller's synchronous transaction.
  return host.tracing.produce(
    'publish',
    topic,
    events.length,
    trace,
    (carrier) => {
      if (carrier) for (const event of events) Object.assign(event, carrier);
      return topics.publish(events, tx);
    },
    // Each delivery is a job whose attempts are child spans of this one (and linked to it).
    (published) => ({ 'spool.event.deliveries': published.reduce((sum, event) => sum + event.deliveries, 0) }),
  );
}

export function publish(host: BusHost, topic: string, payload: unknown, options: PublishOptions = {}): Promise<PublishedEvent> {
  const { tx, ...rest } = options;
  return publishMany(host, [{ topic, payload, options: rest }], tx).then((results) => results[0] as PublishedEvent);
}

/** Creates or updates a subscription; a new one starts at `from` (default now). */
export async function declareSubscription(host: BusHost, topic: string, name: string, input: SubscribeOptions = {}): Promise<Subscription> {
  assertName(topic, 'topic');
  assertSubscriptionName(name);
  const options = parseSubscribeOptions(input, name);
  const topics = topicsOf(host.store);
  const existing = await topics.getSubscription(name);
  if (existing && existing.topic !== topic) {
    throw new InvalidArgumentError(
      `The subscription "${name}" already exists on topic "${existing.topic}"; subscription names are unique across topics. Pick another name for topic "${topic}".`,
    );
  }
  const queue = subscriptionQueue(name);
  const { defaults: jobDefaults } = host.settings;
  const { record, created } = await topics.declareSubscription({
    name,
    topic,
    queue,
    filter: options.filter ?? null,
    ordered: options.ordered ?? true,
    maxAttempts: options.maxAttempts ?? jobDefaults.maxAttempts,
    backoff: resolveBackoff(options.backoff, jobDefaults.backoff, 'backoff'),
    timeout: resolveTimeout(options.timeout, jobDefaults.timeout, 'timeout'),
  });
  const from = created && options.from !== undefined ? toReplayFrom(options.from, 'from') : null;
  const replayed = from ? Math.max(0, await topics.replay(name, from)) : 0;
  return { name, topic, queue, created, replayed, record };
}

/** Declares the subscription, then runs a worker on its deliveries in this process. */
export async function subscribe<P>(
  host: BusHost,
  topic: string,
  name: string,
  handler: EventHandler<P>,
  input: SubscribeOptions = {},
): Promise<RunningSubscription> {
  if (typeof handler !== 'function') throw new InvalidArgumentError(`subscribe("${topic}", "${name}", handler) needs a handler function.`);
  const { concurrency, batchSize, prefetch, lease, heartbeatInterval, pollInterval } = parseSubscribeOptions(input, name);
  const subscription = await declareSubscription(host, topic, name, input);
  const workOptions = Object.fromEntries(
    Object.entries({ concurrency, batchSize, prefetch, lease, heartbeatInterval, pollInterval }).filter(([, v]) => v !== undefined),
  );
  const worker = host.work(subscription.queue, handler as (payload: any, ctx: JobContext) => unknown, workOptions);
  return { ...subscription, worker };
}

/** Delivers the retained events from `from` on to the subscription again; pending deliveries are not duplicated. */
export async function replay(host: BusHost, name: string, from: StartFrom): Promise<number> {
  assertSubscriptionName(name);
  const topics = topicsOf(host.store);
  if (!(await topics.getSubscription(name))) throw new SpoolError('SPOOL_NOT_FOUND', `No subscription is named "${name}".`);
  const start = toReplayFrom(from, 'from');
  if (start === null) return 0;
  const created = await topics.replay(name, start);
  if (created < 0)
    throw new SpoolError('SPOOL_NOT_FOUND', `No retained event on the subscription's topic has the id ${JSON.stringify(from)}.`);
  return created;
}

export function listTopics(host: BusHost): Promise<TopicInfo[]> {
  return topicsOf(host.store).listTopics();
}

export function eventRate(host: BusHost, windowMs: number, bucketMs: number): Promise<EventRatePoint[]> {
  return topicsOf(host.store).eventRate(windowMs, bucketMs);
}

export function listSubscriptions(host: BusHost): Promise<SubscriptionInfo[]> {
  return topicsOf(host.store).listSubscriptions();
}

export interface EventPage {
  events: EventRecord[];
  /** Pass as `after` for the next page; null when this page reached the end of the log. */
  next: string | null;
}

/** A topic's retained events, oldest first, after the event `after` (a seq). */
export async function listEvents(host: BusHost, topic: string, options: { after?: string; limit?: number } = {}): Promise<EventPage> {
  assertName(topic, 'topic');
  const limit = options.limit ?? defaults.list.limit;
  if (!Number.isInteger(limit) || limit < 1 || limit > defaults.list.maxLimit) {
    throw new InvalidArgumentError(`limit must be a whole number from 1 to ${defaults.list.maxLimit}; got ${limit}.`);
  }
  if (options.after !== undefined && !/^\d{1,19}$/.test(options.after)) {
    throw new InvalidArgumentError(`after must be the seq of an event (digits, such as "42"); got ${JSON.stringify(options.after)}.`);
  }
  const events = await topicsOf(host.store).listEvents(topic, options.after ?? null, limit);
  return { events, next: events.length === limit ? (events.at(-1) as EventRecord).seq : null };
}

export type { Json };

/**
 * The bridges of a Spool. Their publishes go past the Spool's open check: while it closes, the
 * messages an inbound bridge already received still commit and are acked.
 */
export function createBridges(host: BusHost & { logger: Logger }): Bridges {
  return new Bridges({
    // Read when used: a Spool creates its bridges before its constructor has run.
    get logger() {
      return host.logger;
    },
    publishMany: (items) => publishMany(host, items),
    subscribe: (topic, name, handler, options) => subscribe(host, topic, name, handler, options),
  });
}

export type { Bridges };
