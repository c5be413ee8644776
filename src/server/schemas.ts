/**
 * @module
 * Request and response schemas of the v1 API. They validate requests and also produce
 * `GET /v1/openapi.json`, so the contract and the code cannot drift apart.
 */
import { z } from '@hono/zod-openapi';
import { defaults } from '../core/defaults.js';
import { namePattern, nameRule } from '../core/names.js';
import { enqueueOptionsFields } from '../core/options.js';
import { scopes } from '../core/scopes.js';
import { jobStatuses } from '../core/types.js';

const idPattern = /^[0-9]{1,19}$/;

export const JobIdParams = z
  .object({
    id: z
      .string()
      .regex(idPattern, 'job ids are the digits Spool returned when the job was enqueued (for example "42")')
      .openapi({ param: { name: 'id', in: 'path' }, example: '42' }),
  })
  .strict();

const queueParam = z
  .string()
  .regex(namePattern, nameRule)
  .openapi({ param: { name: 'queue', in: 'path' }, example: 'emails' });

export const QueueParams = z.object({ queue: queueParam }).strict();

/** The body of an enqueue: the job's name and payload, and the library's enqueue options as they are. */
export const EnqueueBody = z
  .object({
    name: z.string().openapi({ description: 'What the job is; the worker picks its handler by it.', example: 'send-welcome' }),
    payload: z
      .any()
      .optional()
      .openapi({ description: 'Any JSON; passed to the handler.', example: { to: 'ada@example.com' } }),
    ...enqueueOptionsFields,
  })
  .strict()
  .openapi('EnqueueRequest');

const ProgressSchema = z
  .object({
    value: z.union([z.number(), z.object({ done: z.number(), total: z.number() })]),
    message: z.string().optional(),
  })
  .openapi('Progress');

const JobErrorSchema = z
  .object({
    message: z.string().optional().openapi({
      description: "The developer's message: only admin tokens see it. Stack traces are at GET /v1/jobs/{id}/errors.",
    }),
    userMessage: z.string().openapi({
      description: "What to tell the person waiting on the job: the handler's own, or Spool's for what happened.",
      example: 'Your card was declined. Try another card.',
    }),
    code: z.string().optional(),
    attempt: z.number().int(),
    at: z.number().int(),
    final: z.boolean().optional(),
  })
  .openapi('JobError');

export const JobSchema = z
  .object({
    id: z.string().openapi({ example: '42' }),
    queue: z.string(),
    name: z.string(),
    status: z.enum(jobStatuses as [string, ...string[]]),
    payload: z.any(),
    priority: z.number().int(),
    attempts: z.number().int(),
    maxAttempts: z.number().int(),
    timeout: z.number().int().nullable(),
    idempotencyKey: z.string().nullable(),
    orderingKey: z.string().nullable(),
    concurrencyKey: z.string().nullable(),
    rateLimitKey: z.string().nullable(),
    expiresAt: z.number().int().nullable(),
    metadata: z.record(z.string(), z.any()),
    callbackUrl: z.string().nullable(),
    progress: ProgressSchema.nullable(),
    result: z.any(),
    userMessage: z.string().nullable().openapi({
      description: 'What to tell the person waiting, when the job failed or waits to run again after a failure.',
      example: "We'll try again in 40 s (attempt 2 of 5).",
    }),
    error: JobErrorSchema.nullable().openapi({ description: 'The latest error, when the job failed for good.' }),
    errors: z.array(JobErrorSchema),
    warning: z.string().optional().openapi({
      description: 'On a waiting job no running worker handles: says so, and which names the running workers handle.',
      example: 'no worker handles media/resize-imgae; running workers handle: resize-image, thumbnail',
    }),
    position: z
      .object({
        ahead: z.number().int().openapi({ description: 'Waiting jobs a claim takes before this one: 0 means it is next.' }),
        drainPerMinute: z.number().openapi({ description: 'Jobs of its queue finished per minute over the last five minutes.' }),
        eta: z.number().int().nullable().openapi({
          description:
            'When it should start (epoch ms): its run time, or later by the time the queue takes to drain the jobs ahead. Null while the queue drains nothing.',
        }),
      })
      .optional()
      .openapi({
        description: 'On a waiting job: its position in its queue and an ETA.',
        example: { ahead: 12, drainPerMinute: 30, eta: 1767225624000 },
      }),
    runAt: z.number().int(),
    createdAt: z.number().int(),
    updatedAt: z.number().int(),
    startedAt: z.number().int().nullable(),
    finishedAt: z.number().int().nullable(),
    workerId: z.string().nullable().openapi({ description: 'The worker holding the job while it is active.' }),
    leaseExpiresAt: z.number().int().nullable().openapi({ description: "When an active job's lease runs out without a heartbeat." }),
  })
  .openapi('Job');

export const EnqueueResponse = z
  .object({
    id: z.string(),
    status: z.enum(jobStatuses as [string, ...string[]]),
    created: z.boolean().openapi({ description: 'False when the idempotency key matched an existing job.' }),
    job: JobSchema,
  })
  .openapi('EnqueueResponse');

export const ListQuery = z
  .object({
    status: z.enum(jobStatuses as [string, ...string[]]).optional(),
    name: z.string().regex(namePattern, `${nameRule} (a job name such as "send-welcome")`).optional(),
    limit: z.coerce.number().int().min(1).max(defaults.list.maxLimit).optional().openapi({ example: 50 }),
    cursor: z.string().optional().openapi({ description: 'nextCursor of the previous page.' }),
  })
  .strict();

export const ListAllQuery = ListQuery.extend({ queue: queueParam.optional().openapi({ param: { name: 'queue', in: 'query' } }) }).strict();

export const JobPageSchema = z.object({ jobs: z.array(JobSchema), nextCursor: z.string().nullable() }).openapi('JobPage');

const CountsSchema = z.object(Object.fromEntries(jobStatuses.map((s) => [s, z.number().int()]))).openapi('Counts');

export const QueueSchema = z
  .object({
    name: z.string(),
    counts: CountsSchema,
    total: z.number().int(),
    paused: z.boolean().openapi({ description: 'True while claims are stopped in every process.' }),
    internal: z.boolean().openapi({ description: "True for Spool's own queues (webhook deliveries), named spool.*" }),
  })
  .openapi('Queue');

export const QueuesResponse = z.object({ queues: z.array(QueueSchema) }).openapi('Queues');

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().openapi({ example: 'SPOOL_JOB_NOT_FOUND' }),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem');

const problemContent = { 'application/problem+json': { schema: ProblemSchema } };

/** The error responses every authenticated route can give. */
export function problemResponses(...statuses: number[]) {
  const descriptions: Record<number, string> = {
    400: 'The request is invalid; `errors` names each bad field.',
    401: 'No valid bearer token.',
    403: 'The token lacks the scope this route needs.',
    404: 'No such job.',
    409: 'The job is not in a state that allows this.',
    413: 'The body is larger than the limit.',
    429: 'The queue is full (its max depth); Retry-After says when to try again.',
    503: 'The store is unavailable, the server is overloaded or shutting down, or the queue is paused and refusing jobs; Retry-After says when to try again.',
  };
  return Object.fromEntries(
    [401, 403, ...statuses].map((status) => [status, { description: descriptions[status] ?? 'An error.', content: problemContent }]),
  );
}

const durationQuery = (description: string, example: string) =>
  z
    .string()
    .regex(/^\d+(ms|s|m|h|d)?$/, 'use milliseconds or a duration such as "30s", "1m", "1h"')
    .optional()
    .openapi({ description, example });

export const ThroughputQuery = z
  .object({
    window: durationQuery('How far back to count. Default 1h, at most 1d.', '1h'),
    bucket: durationQuery('The width of each bucket. Default 1m, at least 1s.', '1m'),
  })
  .strict();

export const ThroughputResponse = z
  .object({
    windowMs: z.number().int(),
    bucketMs: z.number().int(),
    points: z.array(
      z.object({
        at: z.number().int().openapi({ description: 'Start of the bucket, epoch milliseconds.' }),
        queue: z.string(),
        completed: z.number().int(),
        failed: z.number().int(),
      }),
    ),
  })
  .openapi('Throughput');

export const BacklogQuery = z.object({ window: durationQuery('How far back to read samples. Default 1h, at most 1d.', '1h') }).strict();

export const BacklogResponse = z
  .object({
    windowMs: z.number().int(),
    points: z.array(
      z.object({
        at: z.number().int().openapi({ description: 'When the sample was taken, epoch milliseconds.' }),
        queue: z.string(),
        waiting: z.number().int(),
        active: z.number().int(),
      }),
    ),
  })
  .openapi('Backlog');

export const DeadLetterActionResponse = z
  .object({
    queue: z.string(),
    count: z.number().int().openapi({ description: 'How many failed jobs were retried or deleted.' }),
  })
  .openapi('DeadLetterAction');

export const WhoamiResponse = z
  .object({
    name: z.string().openapi({ example: 'ops' }),
    scopes: z.array(z.enum(scopes)),
    insecure: z.boolean().openapi({ description: 'True when the server runs in the insecure dev mode (no tokens).' }),
  })
  .openapi('Whoami');

export const JobErrorDetailsResponse = z
  .object({
    id: z.string(),
    errors: z.array(
      z.object({
        message: z.string(),
        userMessage: z.string().optional(),
        code: z.string().optional(),
        name: z.string().optional(),
        stack: z.string().optional(),
        attempt: z.number().int(),
        at: z.number().int(),
        final: z.boolean().optional(),
      }),
    ),
  })
  .openapi('JobErrorDetails');

export const JobStepsResponse = z
  .object({
    id: z.string(),
    steps: z.array(
      z.object({
        name: z.string(),
        seq: z.number().int().nullable().openapi({ description: 'Its place in the run, from 0; null for versions and compensations.' }),
        kind: z.enum(['step', 'sleep', 'event', 'children', 'version', 'compensation']),
        status: z.enum(['completed', 'failed', 'retrying', 'sleeping', 'waiting']),
        result: z.unknown(),
        error: z.object({ message: z.string(), code: z.string().optional(), name: z.string().optional() }).nullable(),
        attempts: z.number().int(),
        startedAt: z.number().int(),
        finishedAt: z.number().int().nullable(),
        durationMs: z.number().int().nullable(),
        until: z.number().int().nullable().openapi({ description: 'Until when it sleeps, waits, or waits to retry.' }),
        detail: z.unknown(),
      }),
    ),
  })
  .openapi('JobSteps');

export const JobLogsQuery = z
  .object({
    after: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional().openapi({
      description: 'Only lines after this seq (the last one seen), to page on or follow. Default 0: from the start.',
      example: 0,
    }),
    limit: z.coerce.number().int().min(1).max(1_000).optional().openapi({ description: 'Most lines returned. Default 500.', example: 500 }),
  })
  .strict();

export const JobEventsQuery = z
  .object({
    logsAfter: z.coerce
      .number()
      .int()
      .min(0)
      .max(Number.MAX_SAFE_INTEGER)
      .optional()
      .openapi({ description: 'Send the log lines after this seq first (0: all of them); without it, only lines logged from now on.' }),
  })
  .strict();

export const JobLogLineSchema = z
  .object({
    seq: z.number().int().openapi({ description: "Its place in the job's log: increasing, not contiguous." }),
    level: z.enum(['debug', 'info', 'warn', 'error']),
    message: z.string(),
    fields: z.record(z.string(), z.unknown()).nullable(),
    attempt: z.number().int().openapi({ description: 'The attempt that logged it, from 1.' }),
    at: z.number().int().openapi({ description: 'When it was logged, ms since the epoch.' }),
    dropped: z
      .number()
      .int()
      .optional()
      .openapi({ description: 'On the marker line only: how many older lines were dropped (jobLogLimit).' }),
  })
  .openapi('JobLogLine');

export const JobLogsResponse = z
  .object({
    id: z.string(),
    lines: z.array(JobLogLineSchema),
    next: z
      .number()
      .int()
      .openapi({ description: "The seq to pass as `after` for the next page or to follow: the last line's, or `after` when none came." }),
  })
  .openapi('JobLogs');

export const WorkersQuery = z.object({ queue: queueParam.optional().openapi({ param: { name: 'queue', in: 'query' } }) }).strict();

export const WorkerSchema = z
  .object({
    id: z.string().openapi({ description: 'The worker id, which the jobs it holds carry as workerId.', example: 'web-1-4127-a1b2c3' }),
    session: z.string().openapi({ description: 'The store session (one per process) the worker runs in.' }),
    host: z.string(),
    pid: z.number().int(),
    version: z.string().openapi({ description: 'The Spool version the process runs.' }),
    queue: z.string(),
    names: z
      .array(z.string())
      .nullable()
      .openapi({ description: 'The job names it handles; null when one handler takes every name.', example: ['resize-image'] }),
    concurrency: z.number().int(),
    inFlight: z.number().int().openapi({ description: 'Jobs it was running at its last heartbeat.' }),
    startedAt: z.number().int(),
    heartbeatAt: z.number().int().openapi({ description: 'Its last heartbeat, epoch milliseconds (every 5 s).' }),
    sessionAlive: z.boolean().nullable().openapi({
      description: "PostgreSQL: false once the worker's process lost its database session (crashed or killed). Null on SQLite.",
    }),
  })
  .openapi('Worker');

export const WorkersResponse = z.object({ workers: z.array(WorkerSchema) }).openapi('Workers');
