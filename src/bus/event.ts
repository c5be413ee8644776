/**
 * @module
 * Events as producers publish them and subscribers receive them. A publish is checked here, once,
 * before anything is stored: the topic and the event's name follow the name rules, headers are
 * string values, the payload is JSON within the size limit.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { InvalidArgumentError } from '../core/errors.js';
import { assertPublicName, nameRule, namePattern } from '../core/names.js';
import { isStorableText, parseOptions } from '../core/options.js';
import type { Json } from '../core/types.js';
import { toJson } from '../core/validate.js';
import type { NewEvent, Transaction } from '../store/contract.js';

/** What a subscriber's handler receives for each event. */
export interface SpoolEvent<P = Json> {
  /** The producer's id, or one Spool gave it: unique per topic within the retention. */
  id: string;
  /** Its position in the store's log: later events have larger numbers (compare as BigInt). */
  seq: string;
  topic: string;
  /** What happened (`order.placed`), when the producer said; filters match on it. */
  name: string | null;
  /** Events with the same key reach an (ordered) subscription one at a time, in publish order. */
  key: string | null;
  headers: Record<string, string>;
  payload: P;
  /** When the store recorded it, epoch milliseconds. */
  publishedAt: number;
}

const text = (max: number) => z.string().min(1).max(max).refine(isStorableText, 'must not contain NUL characters or unpaired surrogates');

/** The options of a publish as JSON can carry them: the HTTP body extends exactly these. */
export const publishOptionsFields = {
  id: text(255).optional().meta({ description: 'Your id for the event: publishing it again on the topic delivers nothing new.' }),
  name: z
    .string()
    .regex(namePattern, nameRule)
    .optional()
    .meta({ description: 'What happened, such as "order.placed"; subscriptions can filter on it.', example: 'order.placed' }),
  key: text(255)
    .optional()
    .meta({ description: 'Events with the same key reach each subscription one at a time, in publish order.', example: 'order-42' }),
  headers: z
    .record(z.string().min(1).max(100).refine(isStorableText, 'must be plain text'), text(1_000))
    .refine((h) => Object.keys(h).length <= 50, 'must have at most 50 headers')
    .optional()
    .meta({ description: 'String values; subscriptions can filter on them.' }),
};

const publishOptionsSchema = z.object(publishOptionsFields).strict();

export interface PublishOptions {
  /** Your id for the event; publishing the same id on the topic again (within the retention) delivers nothing new. @defaultValue a random UUID */
  id?: string;
  /** What happened (`order.placed`); subscriptions can filter on it. */
  name?: string;
  /** Events with the same key reach each ordered subscription one at a time, in publish order. */
  key?: string;
  /** String values; subscriptions can filter on them. */
  headers?: Record<string, string>;
  /** Your own transaction (a `pg` client inside BEGIN, or the better-sqlite3 Database inside `db.transaction()`): the event exists only if it commits. */
  tx?: Transaction;
}

export interface PublishItem {
  topic: string;
  payload?: unknown;
  options?: Omit<PublishOptions, 'tx'>;
}

/** Checks one publish and turns it into what the store inserts. */
export function toNewEvent(item: PublishItem, what: string, maxPayloadBytes: number): NewEvent {
  if (typeof item !== 'object' || item === null) throw new InvalidArgumentError(`${what} must be an object { topic, payload, options }.`);
  const topic = assertPublicName(item.topic, 'topic');
  const options = item.options === undefined ? {} : parseOptions(publishOptionsSchema, item.options, `${what} options on topic "${topic}"`);
  return {
    topic,
    id: options.id ?? randomUUID(),
    name: options.name ?? null,
    key: options.key ?? null,
    headers: options.headers === undefined ? '{}' : JSON.stringify(options.headers),
    payload: toJson(item.payload, 'payload', maxPayloadBytes, 'refuse', `event on topic ${topic}`),
  };
}
