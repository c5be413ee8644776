/**
 * @module
 * Every option Spool takes, declared once with its type, its documentation and its default,
 * and validated at the edge with one schema library (zod) shared by the library, API and CLI.
 */
import { z } from 'zod';
import type { Clock } from './clock.js';
import { type Duration, toMs } from './duration.js';
import { InvalidArgumentError } from './errors.js';
import type { Logger } from './logger.js';
import type { BackoffPolicy } from './types.js';

const duration = z.union([z.number(), z.string()]) as unknown as z.ZodType<Duration>;

export const backoffSchema = z
  .object({
    type: z.enum(['exponential', 'fixed']),
    base: duration.optional(),
    cap: duration.optional(),
  })
  .strict();

export const enqueueOptionsSchema = z
  .object({
    delay: duration.optional(),
    runAt: z.union([z.date(), z.number(), z.string()]).optional(),
    priority: z.number().int().min(-1_000_000).max(1_000_000).optional(),
    maxAttempts: z.number().int().min(1).max(1_000).optional(),
    backoff: backoffSchema.optional(),
    timeout: duration.nullable().optional(),
    idempotencyKey: z.string().min(1).max(255).optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    callbackUrl: z
      .string()
      .max(2_048)
      .refine((url) => /^https?:\/\/[^\s]+$/i.test(url) && URL.canParse(url), 'must be an absolute http:// or https:// URL')
      .optional(),
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
  /** How long one attempt may run before it is aborted and counted as failed; null for no limit. @defaultValue null */
  timeout?: Duration | null;
  /** Enqueueing again with the same key on the same queue returns the existing job. */
  idempotencyKey?: string;
  /** Free-form JSON kept with the job, for your own bookkeeping. */
  metadata?: Record<string, unknown>;
  /** When the job completes, fails for good or is cancelled, Spool POSTs the outcome here, signed (see webhooks). */
  callbackUrl?: string;
}

export interface JobDefaults {
  maxAttempts: number;
  backoff: BackoffPolicy;
  timeout: number | null;
}

export const defaultJobOptions: JobDefaults = {
  maxAttempts: 3,
  backoff: { type: 'exponential', base: 1_000, cap: 300_000 },
  timeout: null,
};

export interface RetentionOptions {
  /** Delete completed jobs this long after they finish. @defaultValue 1 day */
  completed?: Duration;
  /** Delete failed jobs (dead letters) this long after they finish. @defaultValue 7 days */
  failed?: Duration;
  /** Delete cancelled jobs this long after they finish. @defaultValue 1 day */
  cancelled?: Duration;
}

export interface SpoolOptions {
  /** `sqlite:./spool.db`, `sqlite::memory:`, `postgres://user@host/db`, or a Store. @defaultValue "sqlite:./spool.db" */
  store?: string | import('../store/contract.js').Store;
  /** PostgreSQL schema for Spool's tables. @defaultValue "spool" */
  schema?: string;
  /** Largest payload or result, in bytes of JSON. @defaultValue 1 MiB */
  maxPayloadBytes?: number;
  /** Defaults for every job's options. */
  defaults?: { maxAttempts?: number; backoff?: EnqueueOptions['backoff']; timeout?: Duration | null };
  retention?: RetentionOptions;
  /** Where the time comes from; tests pass a ManualClock. */
  clock?: Clock;
  logger?: Logger;
  /** How often idle workers look for work that no wake-up announced (delayed jobs, other processes). @defaultValue 1s */
  pollInterval?: Duration;
  /** Signals that shut workers down gracefully; `false` to handle signals yourself. @defaultValue ["SIGTERM", "SIGINT"] */
  shutdownSignals?: NodeJS.Signals[] | false;
  /** How long a graceful shutdown waits for in-flight jobs before returning them to the queue. @defaultValue 30s */
  shutdownTimeout?: Duration;
}

/** The options a config file and createSpool both take, declared once. */
export const sharedSpoolFields = {
  schema: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'use lower-case letters, digits and "_", starting with a letter')
    .optional(),
  maxPayloadBytes: z.number().int().positive().optional(),
  defaults: z
    .object({
      maxAttempts: z.number().int().min(1).max(1_000).optional(),
      backoff: backoffSchema.optional(),
      timeout: duration.nullable().optional(),
    })
    .strict()
    .optional(),
  retention: z.object({ completed: duration.optional(), failed: duration.optional(), cancelled: duration.optional() }).strict().optional(),
  pollInterval: duration.optional(),
  shutdownTimeout: duration.optional(),
};

export const spoolOptionsSchema = z
  .object({
    // Objects with behaviour pass through as they are: z.custom checks without copying them.
    store: z
      .union([z.string(), z.custom<object>((v) => typeof v === 'object' && v !== null && 'claim' in v, 'must be a store URL or a Store')])
      .optional(),
    ...sharedSpoolFields,
    clock: z.custom<Clock>((v) => typeof (v as Clock | null)?.now === 'function', 'must have a now() method').optional(),
    logger: z
      .custom<Logger>(
        (v) => ['debug', 'info', 'warn', 'error'].every((level) => typeof (v as Record<string, unknown> | null)?.[level] === 'function'),
        'must have debug, info, warn and error methods',
      )
      .optional(),
    shutdownSignals: z.union([z.array(z.string()), z.literal(false)]).optional(),
  })
  .strict();

export interface WorkOptions {
  /** Jobs this worker runs at once. @defaultValue 1 */
  concurrency?: number;
  /** Most jobs claimed in one round trip. @defaultValue concurrency */
  batchSize?: number;
  /** How long a claim holds a job before others may take it back. @defaultValue 30s */
  lease?: Duration;
  /** How often held leases are extended. @defaultValue a third of the lease */
  heartbeatInterval?: Duration;
  /** Overrides the Spool's pollInterval for this worker. */
  pollInterval?: Duration;
  /** A name for logs and the job's `workerId`. @defaultValue host-pid-random */
  id?: string;
}

export const workOptionsSchema = z
  .object({
    concurrency: z.number().int().min(1).max(10_000).optional(),
    batchSize: z.number().int().min(1).max(10_000).optional(),
    lease: duration.optional(),
    heartbeatInterval: duration.optional(),
    pollInterval: duration.optional(),
    id: z.string().min(1).max(200).optional(),
  })
  .strict();

/** Parses `input` with `schema`, or throws an InvalidArgumentError naming each bad field. */
export function parseOptions<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const field = issue.path.length ? issue.path.join('.') : '(the options object)';
    if (issue.code === 'unrecognized_keys') {
      return `unknown option${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}${issue.path.length ? ` in ${field}` : ''}`;
    }
    return `${field}: ${issue.message}`;
  });
  throw new InvalidArgumentError(`Invalid ${what}: ${problems.join('; ')}.`);
}

export function resolveBackoff(input: EnqueueOptions['backoff'], fallback: BackoffPolicy, what: string): BackoffPolicy {
  if (!input) return fallback;
  const base = input.base === undefined ? fallback.base : toMs(input.base, `${what}.base`);
  const cap = input.cap === undefined ? Math.max(fallback.cap, base) : toMs(input.cap, `${what}.cap`);
  if (cap < base) throw new InvalidArgumentError(`${what}.cap (${cap} ms) must not be less than ${what}.base (${base} ms).`);
  return { type: input.type, base, cap };
}
