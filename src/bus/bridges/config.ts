/**
 * @module
 * A bridge as the config file (`bridges: { <name>: { … } }`) and `spool.bridges.start()` declare
 * it, validated once with zod. Which fields a bridge needs depends on its kind and direction:
 *
 * | kind       | out (topic → broker)                         | in (broker → topic)                       |
 * | ---------- | -------------------------------------------- | ----------------------------------------- |
 * | `rabbitmq` | `exchange`, optional `routingKey`, `exchangeType` | `queue`                                  |
 * | `nats`     | `subject` (a JetStream stream must take it)  | `stream`, `durable`, optional `filterSubject` |
 */
import { z } from 'zod';
import { defaults } from '../../core/defaults.js';
import { durationSchema, toMs } from '../../core/duration.js';
import { internalPrefix, nameRule, namePattern } from '../../core/names.js';
import { backoffSchema, isStorableText, parseOptions, resolveBackoff } from '../../core/options.js';
import type { BackoffPolicy } from '../../core/types.js';
import type { EventFilter } from '../../store/contract.js';
import { filterSchema, subscriptionQueuePrefix } from '../subscription.js';
import type { BridgeDirection, BridgeKind } from './status.js';

/** Bridge names leave room for the `bridge-` prefix of their subscription. */
const maxBridgeName = 128 - subscriptionQueuePrefix.length - 'bridge-'.length;

export const bridgeNameSchema = z
  .string()
  .regex(namePattern, nameRule)
  .max(maxBridgeName)
  .refine((name) => !name.startsWith(internalPrefix), `must not start with "${internalPrefix}"`);

const brokerName = z
  .string()
  .min(1)
  .max(255)
  .refine((name) => !/\s/.test(name) && isStorableText(name), 'must not contain spaces or NUL characters');

/** Every field a bridge may have; which are required depends on kind and direction (checked below). */
const fields = z
  .object({
    kind: z.enum(['rabbitmq', 'nats']),
    direction: z.enum(['out', 'in']),
    /** `amqp://user:pass@host:5672/vhost` or `nats://host:4222`. */
    url: z.string().min(1).max(2_048),
    /** The Spool topic events are relayed from (out) or published to (in). */
    topic: z
      .string()
      .regex(namePattern, nameRule)
      .refine((name) => !name.startsWith(internalPrefix), `must not start with "${internalPrefix}"`),
    exchange: brokerName.optional(),
    exchangeType: z.enum(['direct', 'fanout', 'topic', 'headers']).optional(),
    routingKey: z.string().max(255).optional(),
    queue: brokerName.optional(),
    subject: brokerName.optional(),
    stream: brokerName.optional(),
    durable: brokerName.optional(),
    filterSubject: brokerName.optional(),
    filter: filterSchema.optional(),
    from: z.enum(['now', 'beginning']).optional(),
    ordered: z.boolean().optional(),
    concurrency: z.number().int().min(1).max(1_000).optional(),
    maxAttempts: z.number().int().min(1).max(1_000).optional(),
    backoff: backoffSchema.optional(),
    confirmTimeout: durationSchema.optional(),
    lease: durationSchema.optional(),
    prefetch: z.number().int().min(1).max(10_000).optional(),
    ackWait: durationSchema.optional(),
    reconnect: z.object({ base: durationSchema.optional(), cap: durationSchema.optional() }).strict().optional(),
  })
  .strict();

type Fields = z.infer<typeof fields>;
type FieldName = keyof Fields;

const shape: Record<`${BridgeKind}:${BridgeDirection}`, { label: string; required: FieldName[]; allowed: FieldName[] }> = {
  'rabbitmq:out': {
    label: 'a RabbitMQ outbound bridge',
    required: ['exchange'],
    allowed: [
      'routingKey',
      'exchangeType',
      'filter',
      'from',
      'ordered',
      'concurrency',
      'maxAttempts',
      'backoff',
      'confirmTimeout',
      'lease',
    ],
  },
  'rabbitmq:in': { label: 'a RabbitMQ inbound bridge', required: ['queue'], allowed: ['prefetch', 'backoff'] },
  'nats:out': {
    label: 'a NATS JetStream outbound bridge',
    required: ['subject'],
    allowed: ['stream', 'filter', 'from', 'ordered', 'concurrency', 'maxAttempts', 'backoff', 'confirmTimeout', 'lease'],
  },
  'nats:in': {
    label: 'a NATS JetStream inbound bridge',
    required: ['stream', 'durable'],
    allowed: ['filterSubject', 'prefetch', 'ackWait', 'backoff'],
  },
};

const always: FieldName[] = ['kind', 'direction', 'url', 'topic', 'reconnect'];

export const bridgeConfigSchema = fields.superRefine((bridge, ctx) => {
  const { label, required, allowed } = shape[`${bridge.kind}:${bridge.direction}`];
  for (const field of required) {
    if (bridge[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: `is required for ${label}` });
  }
  for (const field of Object.keys(bridge) as FieldName[]) {
    if (!always.includes(field) && !required.includes(field) && !allowed.includes(field) && bridge[field] !== undefined) {
      ctx.addIssue({ code: 'custom', path: [field], message: `does not apply to ${label}; remove it` });
    }
  }
  const schemes = bridge.kind === 'rabbitmq' ? ['amqp:', 'amqps:'] : ['nats:', 'tls:'];
  const url = URL.canParse(bridge.url) ? new URL(bridge.url) : null;
  if (!url || !schemes.includes(url.protocol)) {
    ctx.addIssue({
      code: 'custom',
      path: ['url'],
      message: `must be a ${schemes.map((s) => `${s}//`).join(' or ')} URL, such as ${bridge.kind === 'rabbitmq' ? 'amqp://guest:guest@127.0.0.1:5672' : 'nats://127.0.0.1:4222'}`,
    });
  }
});

/** A bridge as declared. Durations are milliseconds or strings such as "30s". */
export type BridgeConfig = z.input<typeof bridgeConfigSchema>;

/** A bridge with every default applied and every duration in milliseconds. */
export interface ResolvedBridge {
  name: string;
  kind: BridgeKind;
  direction: BridgeDirection;
  url: string;
  topic: string;
  exchange?: string;
  exchangeType?: 'direct' | 'fanout' | 'topic' | 'headers';
  routingKey?: string;
  queue?: string;
  subject?: string;
  stream?: string;
  durable?: string;
  filterSubject?: string;
  filter?: EventFilter;
  from: 'now' | 'beginning';
  ordered: boolean;
  concurrency: number;
  maxAttempts: number;
  /** Out: between a delivery's attempts. In: before a message that could not be published is handed back. */
  backoff: BackoffPolicy;
  confirmTimeout: number;
  /** Out: how long a delivery's claim holds; after a crash, its deliveries are relayed again once it runs out. */
  lease: number;
  prefetch: number;
  ackWait: number;
  reconnect: BackoffPolicy;
  /** The durable subscription an outbound bridge relays from. */
  subscription: string;
}

/** Validates a bridge and applies the defaults (`core/defaults.ts`). */
export function resolveBridge(name: string, input: unknown): ResolvedBridge {
  const what = `bridge "${String(name).slice(0, 130)}"`;
  parseOptions(bridgeNameSchema, name, `name of ${what}`);
  const b = parseOptions(bridgeConfigSchema, input, what);
  const d = defaults.bridges;
  const reconnect = resolveBackoff({ type: 'exponential', ...b.reconnect }, d.reconnect, `${what} reconnect`);
  return {
    ...b,
    name,
    from: b.from ?? 'now',
    ordered: b.ordered ?? true,
    concurrency: b.concurrency ?? d.concurrency,
    maxAttempts: b.maxAttempts ?? d.maxAttempts,
    backoff: resolveBackoff(b.backoff, d.backoff, `${what} backoff`),
    confirmTimeout: b.confirmTimeout === undefined ? d.confirmTimeout : toMs(b.confirmTimeout, `${what} confirmTimeout`),
    lease: b.lease === undefined ? defaults.work.lease : toMs(b.lease, `${what} lease`),
    prefetch: b.prefetch ?? d.prefetch,
    ackWait: b.ackWait === undefined ? d.ackWait : toMs(b.ackWait, `${what} ackWait`),
    reconnect,
    subscription: `bridge-${name}`,
  };
}

/** The broker's address without credentials, and what the bridge uses there. */
export function describeTarget(b: ResolvedBridge): string {
  const url = new URL(b.url);
  const where = `${url.protocol}//${url.host}${url.pathname.length > 1 ? url.pathname : ''}`;
  if (b.kind === 'rabbitmq') return b.direction === 'out' ? `${where} exchange "${b.exchange}"` : `${where} queue "${b.queue}"`;
  return b.direction === 'out' ? `${where} subject "${b.subject}"` : `${where} stream "${b.stream}" consumer "${b.durable}"`;
}
