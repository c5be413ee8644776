/**
 * @module
 * What a cron schedule takes, declared once for the library (`spool.schedule`), the HTTP API
 * (`PUT /v1/schedules/{name}`), the config file (`schedules`) and the CLI. The cron expression
 * and the time zone are checked with the cron library where the schedule is defined
 * (`client/schedules.ts`), so a bad one is refused with a sentence before it is stored.
 */
import { z } from 'zod';
import { enqueueOptionsFields } from './options.js';
import { nameSchema } from './names.js';

/** Enqueue options a schedule's jobs may carry. Keys, delays and run times are the schedule's own. */
const { idempotencyKey, dedupe, debounce, singleton, delay, runAt, waitForRoom, expiresAt, ...jobFields } = enqueueOptionsFields;

export const scheduleJobOptionsSchema = z.object(jobFields).strict();

export const missedSchema = z.union([
  z.literal('skip').meta({ description: 'Ticks missed while no process ran the schedule are skipped.' }),
  z
    .object({ catchUp: z.number().int().min(0).max(1_000).meta({ description: 'How many of the latest missed ticks to enqueue.' }) })
    .strict(),
]);

export const scheduleFields = {
  queue: nameSchema.meta({ description: 'The queue each tick enqueues on.', example: 'reports' }),
  name: nameSchema.meta({ description: 'The job name each tick enqueues.', example: 'nightly-report' }),
  payload: z.unknown().optional().meta({ description: 'The payload of each job.' }),
  timezone: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .meta({ description: 'An IANA time zone the cron is read in. @defaultValue UTC', example: 'Europe/Berlin' }),
  missed: missedSchema
    .optional()
    .meta({ description: 'Ticks that passed while no process ran: "skip", or { catchUp: N } for the latest N. @defaultValue "skip"' }),
  options: scheduleJobOptionsSchema.optional().meta({ description: 'Enqueue options of each job: priority, maxAttempts, timeout, …' }),
};

export const scheduleOptionsSchema = z.object(scheduleFields).strict();

export type ScheduleOptions = z.input<typeof scheduleOptionsSchema>;
