/**
 * @module
 * Request and response schemas of the flow-control routes. The limits body is the library's own
 * schema (`queueLimitsSchema`), so the API and `configureQueue` cannot drift apart.
 */
import { z } from '@hono/zod-openapi';
import { breakerOptionsSchema, queueLimitsSchema } from '../client/flow.js';
import { namePattern, nameRule } from '../core/names.js';
import { jobStatuses } from '../core/types.js';

export const BreakerParams = z
  .object({
    name: z
      .string()
      .regex(namePattern, nameRule)
      .openapi({ param: { name: 'name', in: 'path' }, example: 'payments-api' }),
  })
  .strict();

// Rebuilt around the library's fields: a schema made before @hono/zod-openapi extended zod has no .openapi().
export const LimitsBody = z.object(queueLimitsSchema.shape).strict().openapi('QueueLimits');

export const BreakerBody = z.object(breakerOptionsSchema.shape).strict().openapi('BreakerOptions');

export const PauseBody = z
  .object({ refuse: z.boolean().optional().openapi({ description: 'Refuse new jobs too while paused (503 with Retry-After).' }) })
  .strict()
  .openapi('PauseRequest');

const PolicySchema = z
  .object({
    concurrency: z.number().int().nullable().optional(),
    keyConcurrency: z.number().int().nullable().optional(),
    rateLimit: z
      .object({ limit: z.number().int(), perMs: z.number().int(), keyPath: z.string().nullable().optional() })
      .nullable()
      .optional(),
    breaker: z.string().nullable().optional(),
    breakers: z.record(z.string(), z.string()).optional(),
  })
  .openapi('QueuePolicy');

export const QueueStateResponse = z
  .object({
    name: z.string(),
    counts: z.object(Object.fromEntries(jobStatuses.map((s) => [s, z.number().int()]))),
    paused: z.boolean(),
    refuseWhenPaused: z.boolean(),
    maxDepth: z.number().int().nullable(),
    policy: PolicySchema,
    breakers: z.array(
      z.object({ name: z.string(), status: z.string(), until: z.number().int().nullable(), reason: z.string().nullable() }),
    ),
    rate: z.array(z.object({ key: z.string(), used: z.number().int(), limit: z.number().int() })),
    activeByKey: z.record(z.string(), z.number().int()),
  })
  .openapi('QueueState');

export const QueueRecordResponse = z
  .object({
    name: z.string(),
    createdAt: z.number().int(),
    paused: z.boolean(),
    refuseWhenPaused: z.boolean(),
    maxDepth: z.number().int().nullable(),
    policy: PolicySchema,
    guarded: z.boolean(),
  })
  .openapi('QueueRecord');

export const BreakersResponse = z
  .object({
    breakers: z.array(
      z.object({
        name: z.string(),
        status: z.string(),
        until: z.number().int().nullable(),
        reason: z.string().nullable(),
        policy: z.object({
          consecutiveFailures: z.number().int().nullable(),
          failureRatio: z.object({ ratio: z.number(), minCalls: z.number().int(), windowMs: z.number().int() }).nullable(),
          cooldownMs: z.number().int(),
          probes: z.number().int(),
        }),
        updatedAt: z.number().int(),
      }),
    ),
  })
  .openapi('Breakers');
