/**
 * @module
 * The options of `createSpool`. The fields a config file shares with it are declared once in
 * `core/options.ts` (`sharedSpoolFields`); what only a running process can pass (a Store object,
 * a clock, a logger) is declared here.
 */
import { z } from 'zod';
import type { Clock } from '../core/clock.js';
import type { Duration } from '../core/duration.js';
import type { Logger, PinoLike } from '../core/logger.js';
import { type EnqueueOptions, type RetentionOptions, sharedSpoolFields } from '../core/options.js';
import type { Store } from '../store/contract.js';

export interface SpoolOptions {
  /** `sqlite:./spool.db`, `sqlite::memory:`, `postgres://user@host/db`, or a Store. @defaultValue "sqlite:./spool.db" */
  store?: string | Store;
  /** PostgreSQL schema for Spool's tables. @defaultValue "spool" */
  schema?: string;
  /** Largest payload or result, in bytes of JSON. @defaultValue 1 MiB */
  maxPayloadBytes?: number;
  /**
   * Lines of `ctx.log` kept with each job, every attempt's (`spool.jobLogs(id)`); past it the oldest
   * go and one line says how many. 0 keeps none (lines still go to the logger). @defaultValue 1000
   */
  jobLogLimit?: number;
  /** Defaults for every job's options. */
  defaults?: { maxAttempts?: number; backoff?: EnqueueOptions['backoff']; timeout?: Duration | null };
  retention?: RetentionOptions;
  /**
   * Where the time comes from; tests pass a ManualClock. Without one, PostgreSQL judges leases,
   * delays and expiry by the database server's clock, one clock for every machine.
   */
  clock?: Clock;
  /** Any object with debug, info, warn and error taking (message, fields), or a pino logger; default JSON lines on stderr (docs/observability.md). */
  logger?: Logger | PinoLike;
  /** How often idle workers look for work that no wake-up announced (delayed jobs, other processes). @defaultValue 1s */
  pollInterval?: Duration;
  /** Signals that shut workers down gracefully; `false` to handle signals yourself. @defaultValue ["SIGTERM", "SIGINT"] */
  shutdownSignals?: NodeJS.Signals[] | false;
  /** How long a graceful shutdown waits for in-flight jobs before returning them to the queue. @defaultValue 30s */
  shutdownTimeout?: Duration;
  /**
   * OpenTelemetry traces through every job and event, when `@opentelemetry/api` is installed
   * (see docs/observability.md); `false` turns them off. @defaultValue true
   */
  tracing?: boolean;
  /** Count jobs and time attempts for Prometheus (`spool.metrics.render()`, `GET /metrics`); loads `prom-client`. @defaultValue false */
  metrics?: boolean;
}

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
    tracing: z.boolean().optional(),
    metrics: z.boolean().optional(),
  })
  .strict();
