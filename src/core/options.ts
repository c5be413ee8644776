/**
 * @module
 * Every option Spool takes, declared once with its type, its documentation and its bounds, and
 * validated at the edge with one schema library (zod) shared by the library, the config file, the
 * HTTP API (whose body schema extends `enqueueOptionsFields`) and the CLI. Defaults live in
 * `defaults.ts`; turning zod's issues into sentences lives in `issues.ts`.
 */
import { z } from 'zod';
import { checkCallbackUrl } from './callback-url.js';
import { defaults } from './defaults.js';
import { type Duration, durationRule, durationSchema, maxDurationMs, maxTimerMs, toMs } from './duration.js';
import { InvalidArgumentError } from './errors.js';
import { describeIssues } from './issues.js';
import type { BackoffPolicy } from './types.js';

const duration = durationSchema.meta({ description: `A duration: ${durationRule}.`, example: '30s' });

/** Text a database can store as it is: no NUL characters, no lone surrogates. */
export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && text.isWellFormed();
}

const storableText = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine(isStorableText, 'must not contain NUL characters or unpaired surrogates (text a database cannot store)');

/** The latest time a job may be scheduled for: the end of year 9999. */
export const maxEpochMs = 253_402_300_799_999;

export const backoffSchema = z
  .object({
    type: z.enum(['exponential', 'fixed']).meta({ description: '`exponential` doubles the base each attempt, with full jitter.' }),
    base: duration.optional(),
    cap: duration.optional(),
  })
  .strict()
  .meta({ description: 'How long to wait between attempts. Default exponential from 1 s to 5 min.' });

/** The enqueue options as JSON can carry them: the HTTP body extends exactly these. */
export const enqueueOptionsFields = {
  delay: duration.optional().meta({ description: 'Wait this long before the job may run. Not with runAt.' }),
  runAt: z
    .union([z.number().min(0).max(maxEpochMs), z.string().max(64)])
    .optional()
    .meta({ description: 'Run no earlier than this time: epoch milliseconds or an ISO 8601 string. Not with delay.' }),
  priority: z.number().int().min(-1_000_000).max(1_000_000).optional().meta({ description: 'Higher runs first. Default 0.' }),
  maxAttempts: z.number().int().min(1).max(1_000).optional().meta({ description: 'Attempts before the job fails for good. Default 3.' }),
  backoff: backoffSchema.optional(),
  timeout: duration
    .nullable()
    .optional()
    .meta({ description: 'How long one attempt may run (at most 24.8 days); null for no limit. Default none.' }),
  idempotencyKey: storableText(255)
    .optional()
    .meta({ description: 'Enqueueing again with the same key on the same queue returns the existing job.' }),
  orderingKey: storableText(255)
    .optional()
    .meta({ description: 'Jobs of the queue with the same key run one at a time, in enqueue order; other keys run in parallel.' }),
  concurrencyKey: storableText(255)
    .optional()
    .meta({ description: "At most the queue's keyConcurrency jobs with this key run at once, across every process (a tenant, say)." }),
  rateLimitKey: storableText(255)
    .optional()
    .meta({ description: "The key the queue's rate limit counts this job under, instead of the queue's own window." }),
  expiresIn: duration.optional().meta({ description: 'If it has not started this long after enqueue, it expires and never runs.' }),
  expiresAt: z
    .union([z.number().min(0).max(maxEpochMs), z.string().max(64)])
    .optional()
    .meta({ description: 'If it has not started by this time (epoch ms or ISO 8601), it expires and never runs. Not with expiresIn.' }),
  metadata: z
    .record(
      // Spool's own marks (a compensation job's workflow) live under "spool.": a caller must not forge them.
      z.string().refine((key) => !key.startsWith('spool.'), {
        message: 'keys starting with "spool." are reserved for Spool\'s own use; rename the key',
      }),
      z.unknown(),
    )
    .optional()
    .meta({ description: 'Free-form JSON kept with the job; keys starting with "spool." are reserved.' }),
  dedupe: z
    .object({ key: storableText(255), ttl: duration })
    .strict()
    .optional()
    .meta({ description: 'One job per key within ttl: enqueueing again returns the earlier job.' }),
  debounce: z
    .object({ key: storableText(255), delay: duration, maxWait: duration.optional() })
    .strict()
    .optional()
    .meta({
      description:
        'A job with the key still waiting takes the new payload and runs delay later (no later than maxWait after it was first enqueued).',
    }),
  singleton: storableText(255)
    .optional()
    .meta({ description: 'At most one job with this key waits and one runs: enqueueing again while one waits returns it.' }),
  waitForRoom: duration
    .optional()
    .meta({ description: 'When the queue is at its max depth, wait up to this long for room instead of answering 429 at once.' }),
  callbackUrl: z
    .string()
    .max(2_048)
    .refine((url) => checkCallbackUrl(url) === null, { error: (issue) => checkCallbackUrl(String(issue.input)) ?? 'invalid' })
    .optional()
    .meta({
      description: 'Spool POSTs the signed outcome here when the job reaches a final state.',
      example: 'https://example.com/hooks/spool',
    }),
};

export const enqueueOptionsSchema = z
  .object({
    ...enqueueOptionsFields,
    runAt: z.union([z.date(), enqueueOptionsFields.runAt.unwrap()]).optional(),
    expiresAt: z.union([z.date(), enqueueOptionsFields.expiresAt.unwrap()]).optional(),
  })
  .strict();

export interface EnqueueOptions {
  /** Wait this long before the job may run. @defaultValue 0 */
  delay?: Duration;
  /** Run no earlier than this time (a Date, epoch ms or ISO string). Not with `delay`. */
  runAt?: Date | number | string;
  /** Higher runs first. @defaultValue 0 */
  priority?: number;
  /** Attempts before the job is failed for good. @defaultValue 3 */
  maxAttempts?: number;
  /** How long to wait between attempts. @defaultValue exponential, base 1s, cap 5m, full jitter */
  backoff?: { type: 'exponential' | 'fixed'; base?: Duration; cap?: Duration };
  /** How long one attempt may run before it is aborted and counted as failed (at most 24.8 days); null for no limit. @defaultValue null */
  timeout?: Duration | null;
  /** Enqueueing again with the same key on the same queue returns the existing job. */
  idempotencyKey?: string;
  /**
   * Jobs of the queue with the same key run one at a time, in the order they were enqueued; a
   * failing job holds back later jobs of its key (only) until it completes or fails for good.
   */
  orderingKey?: string;
  /** At most the queue's `keyConcurrency` jobs with the same key run at once, across every process; keys take turns. */
  concurrencyKey?: string;
  /** The key the queue's rate limit counts this job under (a tenant, say), instead of the queue's own window. */
  rateLimitKey?: string;
  /** If it has not started this long after enqueue, it becomes `expired` and never runs. */
  expiresIn?: Duration;
  /** If it has not started by then (a Date, epoch ms or ISO string), it becomes `expired` and never runs. Not with `expiresIn`. */
  expiresAt?: Date | number | string;
  /** Free-form JSON kept with the job, for your own bookkeeping. */
  metadata?: Record<string, unknown>;
  /** One job per key within `ttl`: enqueueing again with the key (in any status) returns the earlier job. */
  dedupe?: { key: string; ttl: Duration };
  /**
   * A job with the key still waiting takes the newest payload and runs `delay` after the latest
   * enqueue, but no later than `maxWait` after it was first enqueued.
   */
  debounce?: { key: string; delay: Duration; maxWait?: Duration };
  /** At most one job with this key waits and one runs at a time: enqueueing again while one waits returns it. */
  singleton?: string;
  /**
   * When the queue is full (its max depth), wait up to this long for room instead of failing at
   * once with QueueFullError. @defaultValue 0 (fail at once)
   */
  waitForRoom?: Duration;
  /** When the job completes, fails for good or is cancelled, Spool POSTs the outcome here, signed (see webhooks). */
  callbackUrl?: string;
}

export interface JobDefaults {
  maxAttempts: number;
  backoff: BackoffPolicy;
  timeout: number | null;
}

export interface RetentionOptions {
  /** Delete completed jobs this long after they finish. @defaultValue 1 day */
  completed?: Duration;
  /** Delete failed jobs (dead letters) this long after they finish. @defaultValue 7 days */
  failed?: Duration;
  /** Delete cancelled jobs this long after they finish. @defaultValue 1 day */
  cancelled?: Duration;
  /** Keep published events this long, for replay and new subscriptions (a topic can set its own). @defaultValue 7 days */
  events?: Duration;
}

/** The options a config file and createSpool both take, declared once. */
export const sharedSpoolFields = {
  schema: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'use lower-case letters, digits and "_", starting with a letter')
    .optional(),
  maxPayloadBytes: z
    .number()
    .int()
    .positive()
    .max(256 * 1024 * 1024)
    .optional(),
  defaults: z
    .object({
      maxAttempts: enqueueOptionsFields.maxAttempts,
      backoff: backoffSchema.optional(),
      timeout: duration.nullable().optional(),
    })
    .strict()
    .optional(),
  retention: z
    .object({ completed: duration.optional(), failed: duration.optional(), cancelled: duration.optional(), events: duration.optional() })
    .strict()
    .optional(),
  pollInterval: duration.optional(),
  shutdownTimeout: duration.optional(),
  jobLogLimit: z.number().int().min(0).max(100_000).optional(),
};

export interface WorkOptions {
  /** Jobs this worker runs at once. @defaultValue 1 */
  concurrency?: number;
  /** Most jobs claimed in one round trip. @defaultValue concurrency */
  batchSize?: number;
  /**
   * Jobs claimed ahead, beyond `concurrency`, and held in the worker until a slot frees: the next
   * batch is already here when a job finishes, instead of one round trip away. They hold leases
   * (extended by heartbeats) while they wait; a shutdown hands them back at once, a crash leaves
   * them to their leases. Worth it when the store is a network hop away and jobs are short.
   * @defaultValue 0
   */
  prefetch?: number;
  /** How long a claim holds a job before others may take it back. @defaultValue 30s */
  lease?: Duration;
  /** How often held leases are extended. @defaultValue a third of the lease */
  heartbeatInterval?: Duration;
  /** Overrides the Spool's pollInterval for this worker. */
  pollInterval?: Duration;
  /** A name for logs and the job's `workerId`. @defaultValue host-pid-random */
  id?: string;
  /** The version of the workflows this worker runs, recorded on each run it starts (its `$workflow` step, and mismatch errors). */
  workflowVersion?: number;
}

/** The work options a config file's queue takes (all but the worker's id). */
export const queueWorkFields = {
  concurrency: z.number().int().min(1).max(10_000).optional(),
  batchSize: z.number().int().min(1).max(10_000).optional(),
  prefetch: z.number().int().min(0).max(10_000).optional(),
  lease: duration.optional(),
  heartbeatInterval: duration.optional(),
  pollInterval: duration.optional(),
  workflowVersion: z.number().int().min(1).max(1_000_000).optional(),
};

export const workOptionsSchema = z.object({ ...queueWorkFields, id: z.string().min(1).max(200).optional() }).strict();

/** Jobs per page of a listing: declared once for the library, the HTTP query and the CLI. */
export const listLimitSchema = z.number().int().min(1).max(defaults.list.maxLimit);

/** Checks one value; the message names it and says what it must be: "Invalid limit 0: must be at least 1." */
export function checkValue<T>(schema: z.ZodType<T>, value: unknown, name: string): T {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  throw new InvalidArgumentError(`Invalid ${name} ${shown}: ${describeIssues(result.error.issues).join('; ')}.`);
}

/** Parses `input` with `schema`, or throws an InvalidArgumentError naming each bad field. */
export function parseOptions<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const result = schema.safeParse(input ?? {}, { reportInput: true });
  if (result.success) return result.data;
  throw new InvalidArgumentError(`Invalid ${what}: ${describeIssues(result.error.issues).join('; ')}.`);
}

export function resolveBackoff(input: EnqueueOptions['backoff'], fallback: BackoffPolicy, what: string): BackoffPolicy {
  if (!input) return fallback;
  const base = input.base === undefined ? fallback.base : toMs(input.base, `${what}.base`);
  const cap = input.cap === undefined ? Math.max(fallback.cap, base) : toMs(input.cap, `${what}.cap`);
  if (cap < base) throw new InvalidArgumentError(`${what}.cap (${cap} ms) must not be less than ${what}.base (${base} ms).`);
  return { type: input.type, base, cap };
}

/** A job timeout in milliseconds, bounded so Node's timer cannot overflow; null for none. */
export function resolveTimeout(value: Duration | null | undefined, fallback: number | null, what: string): number | null {
  if (value === undefined) return fallback;
  if (value === null) return null;
  return toMs(value, what, maxTimerMs);
}

export const defaultJobOptions: JobDefaults = defaults.job;
export { maxDurationMs };
