/**
 * @module
 * Turning what a caller enqueues into what the store inserts: names checked (internal `spool.*`
 * queues refused), options validated once and resolved against the Spool's defaults, payload and
 * metadata serialised and checked. Times stay relative (`delay`): the store adds its own now.
 */
import { builtIn } from './settings.js';
import type { SpoolSettings } from './settings.js';
import { toMs } from '../core/duration.js';
import { InvalidArgumentError } from '../core/errors.js';
import { assertName, assertPublicName } from '../core/names.js';
import { type EnqueueOptions, enqueueOptionsSchema, maxEpochMs, parseOptions, resolveBackoff, resolveTimeout } from '../core/options.js';
import type { KeyedEnqueue, NewJob } from '../core/types.js';
import { toJson } from '../core/validate.js';

export interface EnqueueItem {
  queue: string;
  name: string;
  payload?: unknown;
  options?: EnqueueOptions;
}

/** Option objects already checked against the enqueue option fields (the HTTP API's body schema does): not parsed twice. */
const checked = new WeakSet<EnqueueOptions>();

/** Marks options as checked by the same fields enqueue would check them with (the HTTP body schema). */
export function checkedOptions(options: EnqueueOptions): EnqueueOptions {
  checked.add(options);
  return options;
}

export function toNewJob(item: EnqueueItem, what: string, settings: SpoolSettings): NewJob {
  if (typeof item !== 'object' || item === null)
    throw new InvalidArgumentError(`${what} must be an object { queue, name, payload, options }.`);
  const queue = assertPublicName(item.queue, 'queue');
  const name = assertName(item.name, 'job name');
  // Most bulk enqueues pass no options: skip the schema for them.
  const options =
    item.options === undefined
      ? {}
      : checked.has(item.options)
        ? item.options
        : (parseOptions(enqueueOptionsSchema, item.options, `${what} options for ${queue}/${name}`) as EnqueueOptions);
  if (options.delay !== undefined && options.runAt !== undefined) {
    throw new InvalidArgumentError(`Give ${what} either delay or runAt, not both.`);
  }
  const keyModes = (['idempotencyKey', 'dedupe', 'debounce', 'singleton'] as const).filter((k) => options[k] !== undefined);
  if (keyModes.length > 1) {
    throw new InvalidArgumentError(
      `Give ${what} only one of idempotencyKey, dedupe, debounce and singleton; got ${keyModes.join(' and ')}.`,
    );
  }
  if (options.singleton !== undefined && options.orderingKey !== undefined) {
    throw new InvalidArgumentError(`Give ${what} either singleton or orderingKey: a singleton already runs one at a time per key.`);
  }
  if (options.debounce !== undefined && (options.delay !== undefined || options.runAt !== undefined)) {
    throw new InvalidArgumentError(`Give ${what} either debounce (which sets when it runs) or delay/runAt, not both.`);
  }
  if (options.expiresIn !== undefined && options.expiresAt !== undefined) {
    throw new InvalidArgumentError(`Give ${what} either expiresIn or expiresAt, not both.`);
  }
  const { defaults, maxPayloadBytes } = settings;
  return {
    queue,
    name,
    payload: toJson(item.payload, 'payload', maxPayloadBytes, 'refuse', `job ${queue}/${name}`),
    priority: options.priority ?? builtIn.job.priority,
    maxAttempts: options.maxAttempts ?? defaults.maxAttempts,
    backoff: resolveBackoff(options.backoff, defaults.backoff, `${what}.backoff`),
    timeout: resolveTimeout(options.timeout, defaults.timeout, `${what}.timeout`),
    idempotencyKey: options.idempotencyKey ?? null,
    orderingKey: options.orderingKey ?? options.singleton ?? null,
    concurrencyKey: options.concurrencyKey ?? null,
    rateLimitKey: options.rateLimitKey ?? null,
    expiresAt: options.expiresAt === undefined ? null : toEpochMs(options.expiresAt, `${what}.expiresAt`),
    expiresIn: options.expiresIn === undefined ? null : toMs(options.expiresIn, `${what}.expiresIn`),
    keyed: keyedOf(options, what),
    metadata:
      options.metadata === undefined ? '{}' : toJson(options.metadata, 'metadata', maxPayloadBytes, 'refuse', `job ${queue}/${name}`),
    callbackUrl: options.callbackUrl ?? null,
    runAt: options.runAt === undefined ? null : toEpochMs(options.runAt, `${what}.runAt`),
    delay:
      options.debounce !== undefined
        ? toMs(options.debounce.delay, `${what}.debounce.delay`)
        : options.delay === undefined
          ? 0
          : toMs(options.delay, `${what}.delay`),
  };
}

function toEpochMs(value: Date | number | string, what: string): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms) || ms < 0 || ms > maxEpochMs) {
    throw new InvalidArgumentError(
      `${what} must be a Date, epoch milliseconds or an ISO 8601 string before the year 10000; got ${JSON.stringify(value)}.`,
    );
  }
  return Math.floor(ms);
}

function keyedOf(options: EnqueueOptions, what: string): KeyedEnqueue | null {
  if (options.dedupe) return { mode: 'dedupe', key: options.dedupe.key, ttlMs: toMs(options.dedupe.ttl, `${what}.dedupe.ttl`) };
  if (options.singleton !== undefined) return { mode: 'singleton', key: options.singleton };
  if (options.debounce) {
    return {
      mode: 'debounce',
      key: options.debounce.key,
      delayMs: toMs(options.debounce.delay, `${what}.debounce.delay`),
      maxWaitMs: options.debounce.maxWait === undefined ? null : toMs(options.debounce.maxWait, `${what}.debounce.maxWait`),
    };
  }
  return null;
}
