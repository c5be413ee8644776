/**
 * @module
 * Events as broker messages and back, the same for both brokers:
 *
 * - the body is the payload as JSON (`content-type: application/json`);
 * - the event id is the message id (AMQP `messageId`, JetStream `Nats-Msg-Id`), so the broker
 *   (JetStream) or the consumer can deduplicate;
 * - the event's headers are message headers, beside `spool-topic`, `spool-seq`, `spool-name` and
 *   `spool-key`.
 *
 * Inbound, a message without an id gets a stable one: `sha256:` and the hash of where it came
 * from, its headers and its body, so a redelivery is recognised. Two messages with equal content,
 * source and headers are then one event: give messages ids when that matters.
 */
import { createHash } from 'node:crypto';
import { isStorableText } from '../../core/options.js';
import { namePattern } from '../../core/names.js';
import type { PublishItem, SpoolEvent } from '../event.js';

export const headerNames = { topic: 'spool-topic', seq: 'spool-seq', name: 'spool-name', key: 'spool-key' } as const;

/** The message body of an event. */
export function eventBody(event: SpoolEvent): Buffer {
  return Buffer.from(JSON.stringify(event.payload ?? null));
}

/** The headers an outbound message carries: the event's own, then Spool's. */
export function eventHeaders(event: SpoolEvent): Record<string, string> {
  return {
    ...event.headers,
    [headerNames.topic]: event.topic,
    [headerNames.seq]: event.seq,
    ...(event.name ? { [headerNames.name]: event.name } : {}),
    ...(event.key ? { [headerNames.key]: event.key } : {}),
  };
}

export interface BrokerMessage {
  /** The broker's message id, if it has one. */
  id: string | undefined;
  /** The message type (AMQP `type`), a candidate event name. */
  type?: string | undefined;
  headers: Record<string, unknown>;
  body: Uint8Array;
  /** Where it came from (exchange and routing key, or subject): part of the hash when there is no id. */
  source: string;
}

const decoder = new TextDecoder('utf-8', { fatal: true });
const maxHeaders = 50;

/** What a broker message is published as. */
export function toPublishItem(topic: string, message: BrokerMessage): PublishItem {
  const headers: Record<string, string> = {};
  let name: string | undefined;
  let key: string | undefined;
  for (const [header, raw] of Object.entries(message.headers)) {
    const value = typeof raw === 'string' ? raw : typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : undefined;
    if (value === undefined) continue;
    const lower = header.toLowerCase();
    if (lower === headerNames.key) key = value;
    else if (lower === headerNames.name) name = value;
    else if (
      Object.keys(headers).length < maxHeaders &&
      header.length <= 100 &&
      value.length <= 1_000 &&
      isStorableText(header) &&
      isStorableText(value)
    ) {
      headers[header] = value;
    }
  }
  if (message.type && namePattern.test(message.type)) name = message.type;
  if (name !== undefined && !namePattern.test(name)) name = undefined;
  if (key !== undefined && (key.length === 0 || key.length > 255 || !isStorableText(key))) key = undefined;
  const id = message.id && message.id.length <= 255 && isStorableText(message.id) ? message.id : contentId(message);
  return {
    topic,
    payload: decodeBody(message.body),
    options: { id, ...(name ? { name } : {}), ...(key ? { key } : {}), ...(Object.keys(headers).length ? { headers } : {}) },
  };
}

/** JSON when the body is JSON; else its text; else its bytes in base64. */
function decodeBody(body: Uint8Array): unknown {
  let text: string;
  try {
    text = decoder.decode(body);
  } catch {
    return { base64: Buffer.from(body).toString('base64') };
  }
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A stable id for a message that has none: the same message redelivered gets the same id. */
export function contentId(message: BrokerMessage): string {
  const hash = createHash('sha256');
  hash.update(message.source);
  hash.update('\u0000');
  const names = Object.keys(message.headers).sort();
  hash.update(JSON.stringify(names.map((n) => [n, String(message.headers[n])])));
  hash.update('\u0000');
  hash.update(message.body);
  return `sha256:${hash.digest('hex')}`;
}
