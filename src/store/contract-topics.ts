/**
 * @module
 * The store contract's event-bus part (`Store.topics`): topics, their retained events, durable
 * subscriptions, fan-out at publish and replay. See `contract.ts` for the parts every store has.
 */
import type { BackoffPolicy } from '../core/types.js';
import type { Transaction } from './contract-common.js';

/** An event as the store inserts it; JSON already serialised and checked. */
export interface NewEvent {
  topic: string;
  /** The producer's id (deduplicated per topic within the retention), or one Spool generated. */
  id: string;
  name: string | null;
  key: string | null;
  /** Header names to string values, as JSON text. */
  headers: string;
  payload: string;
  /** The W3C trace context of the publish, which every delivery job of the event carries. */
  traceparent?: string | null;
  tracestate?: string | null;
}

export interface PublishResult {
  /** The event's position in the store's log (increases with every publish). */
  seq: string;
  id: string;
  /** False when an event with this id was already published on the topic (nothing new was delivered). */
  created: boolean;
  /** Delivery jobs created: one per matching subscription. */
  deliveries: number;
}

/** An event as the retained log holds it. */
export interface EventRecord {
  seq: string;
  id: string;
  topic: string;
  name: string | null;
  key: string | null;
  headers: Record<string, string>;
  payload: unknown;
  publishedAt: number;
}

/** Which events a subscription takes: by event name, and by headers that must be equal. */
export interface EventFilter {
  names?: string[];
  headers?: Record<string, string>;
}

export interface SubscriptionSpec {
  name: string;
  topic: string;
  /** The queue its deliveries go to. */
  queue: string;
  filter: EventFilter | null;
  /** Deliveries with the same event key run one at a time, in publish order. */
  ordered: boolean;
  maxAttempts: number;
  backoff: BackoffPolicy;
  timeout: number | null;
}

export interface SubscriptionRecord extends SubscriptionSpec {
  createdAt: number;
  updatedAt: number;
}

export interface SubscriptionInfo extends SubscriptionRecord {
  /** Deliveries waiting or running. */
  backlog: number;
  /** Milliseconds since the oldest waiting delivery's event was published; 0 when none waits. */
  lagMs: number;
}

export interface TopicInfo {
  name: string;
  createdAt: number;
  retentionMs: number | null;
  /** Events kept. */
  events: number;
  lastPublishedAt: number | null;
  subscriptions: number;
}

/** Where a replay starts: the whole retained log, a time (epoch ms), or after an event (its seq or id). */
export type ReplayFrom = { beginning: true } | { time: number } | { afterSeq: string } | { eventId: string };

/** Optional: the event bus. */
export interface TopicsPart {
  /**
   * Inserts events and, in the same statement or transaction, one delivery job per matching
   * subscription. An event id already on its topic is skipped (created false). With `tx`, joins
   * the caller's transaction like enqueue.
   */
  publish(events: readonly NewEvent[], tx?: Transaction): Promise<PublishResult[]>;
  /** Creates or updates a subscription; a new one can start with a replay. */
  declareSubscription(spec: SubscriptionSpec): Promise<{ record: SubscriptionRecord; created: boolean }>;
  getSubscription(name: string): Promise<SubscriptionRecord | null>;
  listSubscriptions(): Promise<SubscriptionInfo[]>;
  /**
   * Creates deliveries of the retained events from `from` on, for one subscription; an event
   * whose delivery is still waiting or running is skipped. Returns how many were created.
   */
  replay(subscription: string, from: ReplayFrom): Promise<number>;
  listTopics(): Promise<TopicInfo[]>;
  /** Retained events of a topic after `afterSeq` (null: from the oldest), oldest first. */
  listEvents(topic: string, afterSeq: string | null, limit: number): Promise<EventRecord[]>;
  /** Sets how long a topic keeps its events (null: the Spool's default). */
  setRetention(topic: string, retentionMs: number | null): Promise<void>;
  /** Deletes events older than their topic's retention (`defaultMs` where none is set); returns how many. */
  pruneEvents(defaultMs: number): Promise<number>;
  /** Events published per topic per bucket over the last `windowMs`. */
  eventRate(windowMs: number, bucketMs: number): Promise<EventRatePoint[]>;
}

export interface EventRatePoint {
  /** The bucket's start, epoch milliseconds. */
  at: number;
  topic: string;
  events: number;
}
