/**
 * @module
 * The config file, `spool.config.ts` (or `.js`/`.mjs`): the store, the queues with their worker
 * policies and handler modules, API tokens, the webhook secret and the server's address.
 * `defineConfig` only types it; `loadConfig` validates it with zod and readable errors.
 *
 * ```ts
 * import { defineConfig } from 'spool';
 * export default defineConfig({
 *   store: 'sqlite:./spool.db',
 *   queues: { emails: { handlers: './handlers/emails.ts', concurrency: 10 } },
 *   auth: { tokens: [{ name: 'ci', hash: '<sha256 hex of the secret>', scopes: ['enqueue', 'read'] }] },
 *   webhooks: { secret: process.env.SPOOL_WEBHOOK_SECRET },
 *   server: { host: '127.0.0.1', port: 8080 },
 * });
 * ```
 */
import { z } from 'zod';
import type { Duration } from '../core/duration.js';
import { type SubscribeOptions, subscribeOptionsSchema } from '../bus/subscription.js';
import { type BreakerOptions, type QueueLimits, breakerOptionsSchema, queueLimitsSchema } from '../client/flow.js';
import type { SpoolOptions } from '../client/spool-options.js';
import { type BridgeConfig, bridgeConfigSchema, bridgeNameSchema } from '../bus/bridges/config.js';
import type { RetentionOptions, WorkOptions } from '../core/options.js';
import { namePattern, nameRule } from '../core/names.js';
import { type ScheduleOptions, scheduleFields } from '../core/schedule-options.js';
import { queueWorkFields, sharedSpoolFields } from '../core/options.js';
import { type Scope, scopes } from '../core/scopes.js';
import { allowHostProblem } from '../webhooks/address-policy.js';
import { type SignatureScheme, signatureSchemes } from '../webhooks/signature.js';
import type { Handlers } from '../worker/types.js';

export interface QueueConfig extends Omit<WorkOptions, 'id'> {
  /** Limits shared by every worker on every machine (set in the store at start): see `configureQueue`. */
  limits?: QueueLimits;
  /**
   * The queue's handlers: a module path (relative to the config file) whose default export is a
   * handler or a `{ jobName: handler }` map, or the handler(s) themselves.
   */
  handlers: string | Handlers;
  /**
   * Run the handlers in a pool of this many worker threads ('auto': one per core), for CPU-bound
   * work: `handlers` must then be a JavaScript module path, loaded in each thread (see
   * docs/worker-threads.md). @defaultValue the main thread
   */
  threads?: 'auto' | number;
}

export interface SubscriptionConfig extends SubscribeOptions {
  /** The topic it consumes. */
  topic: string;
  /**
   * What runs for each event: a module path (relative to the config file) whose default export
   * is the handler `(event, ctx) => result`, or the handler itself.
   */
  handler: string | ((event: any, ctx: any) => unknown);
}

export interface TokenConfig {
  /** Shown in logs and 403 messages. */
  name: string;
  /** SHA-256 hex of the secret (`spool token create` prints it). The secret itself is never stored. */
  hash: string;
  scopes: Scope[];
}

/** A cron schedule in the config file: the cron, and what `spool.schedule` takes. */
export type ScheduleConfig = ScheduleOptions & { cron: string };

export interface SpoolConfig {
  /** `sqlite:./spool.db` or `postgres://…`. Overridden by `--store` and `SPOOL_STORE`. @defaultValue "sqlite:./spool.db" */
  store?: string;
  /** PostgreSQL schema. Overridden by `--schema` and `SPOOL_SCHEMA`. @defaultValue "spool" */
  schema?: string;
  maxPayloadBytes?: number;
  defaults?: SpoolOptions['defaults'];
  retention?: RetentionOptions;
  pollInterval?: Duration;
  shutdownTimeout?: Duration;
  /** Lines of `ctx.log` kept with each job; 0 keeps none. @defaultValue 1000 */
  jobLogLimit?: number;
  /** Queues this process works on, with their policies and handlers. */
  queues?: Record<string, QueueConfig>;
  /** Shared circuit breakers, by name; queues name them in `limits.breaker` / `limits.breakers`. */
  breakers?: Record<string, BreakerOptions>;
  /**
   * Durable subscriptions, by name: declared in the store at start (so events published while no
   * subscriber runs are kept for it), and run by `spool serve` and `spool worker`.
   */
  subscriptions?: Record<string, SubscriptionConfig>;
  /**
   * Cron schedules, by name: stored at start (a declaration that keeps its cron and time zone
   * keeps its next tick, so no missed tick is lost to a restart), and ticked by every process
   * that runs workers. Schedules created elsewhere (the API, the CLI) are left as they are.
   */
  schedules?: Record<string, ScheduleConfig>;
  auth?: {
    /** API tokens; `SPOOL_TOKENS` adds more. */
    tokens?: TokenConfig[];
  };
  webhooks?: {
    /**
     * The secret that signs deliveries: `whsec_<base64>` (`spool webhook-secret create` makes
     * one); with `signature: 'spool'`, any string of 16+ characters. While rotating, a list,
     * newest first: each delivery carries one signature per secret. `SPOOL_WEBHOOK_SECRET`
     * (space-separated) overrides it.
     */
    secret?: string | string[];
    /** The signature headers: Standard Webhooks, the legacy `Spool-Signature`, or both. @defaultValue "standard" */
    signature?: SignatureScheme;
    /**
     * Host names, IP addresses or CIDR ranges that callbacks may reach although they are
     * loopback, private, link-local or otherwise reserved: internal receivers you trust.
     * @defaultValue []
     */
    allowHosts?: string[];
    /** Deliveries in flight at once per process. @defaultValue 4 */
    concurrency?: number;
  };
  /**
   * Bridges to RabbitMQ and NATS JetStream, by name, run by `spool serve` and `spool worker`:
   * `{ kind: 'rabbitmq' | 'nats', direction: 'out' | 'in', url, topic, … }` (docs/bridges.md).
   */
  bridges?: Record<string, BridgeConfig>;
  server?: {
    /** @defaultValue "127.0.0.1" */
    host?: string;
    /** @defaultValue 8080 */
    port?: number;
    /** Largest request body in bytes. @defaultValue maxPayloadBytes plus 64 KiB */
    bodyLimit?: number;
    /** Past this many requests in flight the server answers 503 with Retry-After. @defaultValue 1000 */
    maxInFlight?: number;
    /** Past this many open event streams new ones get 503 with Retry-After. @defaultValue 10000 */
    maxStreams?: number;
    /** Prometheus metrics: `GET /metrics` for tokens with the `metrics` scope; false turns them off. @defaultValue true */
    metrics?: boolean;
    /**
     * Also serve `GET /metrics` alone, without a token, on this port (same host), for a scraper in
     * a private network; `spool worker` serves it too. @defaultValue none
     */
    metricsPort?: number;
  };
}

/** Types a config file's default export. Returns it unchanged. */
export function defineConfig(config: SpoolConfig): SpoolConfig {
  return config;
}

const fn = z.custom<(...args: unknown[]) => unknown>((value) => typeof value === 'function', 'must be a function');

export const configSchema = z
  .object({
    store: z.string().min(1).optional(),
    ...sharedSpoolFields,
    queues: z
      .record(
        z.string().regex(namePattern, `queue names ${nameRule}`),
        z
          .object({
            handlers: z.union([z.string().min(1), fn, z.record(z.string(), fn)]),
            threads: z.union([z.literal('auto'), z.number().int().min(1).max(1_024)]).optional(),
            ...queueWorkFields,
            limits: queueLimitsSchema.optional(),
          })
          .strict(),
      )
      .optional(),
    breakers: z.record(z.string().regex(namePattern, `breaker names ${nameRule}`), breakerOptionsSchema).optional(),
    subscriptions: z
      .record(
        z.string().regex(namePattern, `subscription names ${nameRule}`),
        subscribeOptionsSchema
          .extend({ topic: z.string().regex(namePattern, `topic names ${nameRule}`), handler: z.union([z.string().min(1), fn]) })
          .strict(),
      )
      .optional(),
    schedules: z
      .record(
        z.string().regex(namePattern, `schedule names ${nameRule}`),
        z.object({ cron: z.string().min(1).max(200), ...scheduleFields }).strict(),
      )
      .optional(),
    auth: z
      .object({
        tokens: z
          .array(
            z
              .object({
                name: z.string().min(1).max(100),
                hash: z
                  .string()
                  .regex(/^[0-9a-f]{64}$/i, 'must be the SHA-256 hex (64 characters) of the secret; `spool token create` prints it'),
                scopes: z.array(z.enum(scopes)).min(1),
              })
              .strict(),
          )
          .optional(),
      })
      .strict()
      .optional(),
    webhooks: z
      .object({
        secret: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
        signature: z.enum(signatureSchemes).optional(),
        allowHosts: z
          .array(z.string())
          .superRefine((entries, ctx) => {
            for (const [i, entry] of entries.entries()) {
              const problem = allowHostProblem(entry);
              if (problem) ctx.addIssue({ code: 'custom', path: [i], message: problem });
            }
          })
          .optional(),
        concurrency: z.number().int().min(1).max(1_000).optional(),
      })
      .strict()
      .optional(),
    bridges: z.record(bridgeNameSchema, bridgeConfigSchema).optional(),
    server: z
      .object({
        host: z.string().min(1).optional(),
        port: z.number().int().min(0).max(65_535).optional(),
        bodyLimit: z.number().int().positive().optional(),
        maxInFlight: z.number().int().min(1).max(1_000_000).optional(),
        maxStreams: z.number().int().min(1).max(10_000_000).optional(),
        metrics: z.boolean().optional(),
        metricsPort: z.number().int().min(0).max(65_535).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
