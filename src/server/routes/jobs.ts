/**
 * @module
 * `/v1/queues/{queue}/jobs` and `/v1/jobs/*`: enqueue, read (with a warning when no running
 * worker handles a waiting job), list, cancel, retry, delete.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { InvalidArgumentError, JobNotFoundError } from '../../core/errors.js';
import type { EnqueueOptions } from '../../core/options.js';
import type { JobStatus } from '../../core/types.js';
import { isOperator, requireScope } from '../auth.js';
import { limitBody as limitRequestBody } from '../body-limit.js';
import { requestHeader } from '../request-header.js';
import { validationProblem } from '../validation-problem.js';
import { checkedOptions } from '../../client/new-job.js';
import { traceOf } from '../trace-headers.js';
import type { RouteContext, SpoolApi } from '../context.js';
import { toJobView } from '../job-view.js';
import {
  EnqueueBody,
  EnqueueResponse,
  JobIdParams,
  JobPageSchema,
  JobSchema,
  ListAllQuery,
  ListQuery,
  QueueParams,
  problemResponses,
} from '../schemas.js';

const security = [{ Bearer: [] }];
const IdempotencyKeyHeader = z.object({ 'idempotency-key': z.string().min(1).max(255) });
const json = <T>(schema: T) => ({ 'application/json': { schema } });

export function jobRoutes(app: SpoolApi, ctx: RouteContext): void {
  const { spool, auth } = ctx;
  const limitBody = limitRequestBody(ctx.bodyLimit);

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/queues/{queue}/jobs',
      summary: 'Enqueue a job',
      description:
        'Accepts the job at once and answers 202 with its id; watch it with GET /v1/jobs/{id} or its event stream. With an Idempotency-Key header (or body idempotencyKey) that matches a job on this queue, that job comes back with 200 and nothing new is enqueued.',
      tags: ['jobs'],
      security,
      middleware: [requireScope(auth, 'enqueue'), limitBody] as const,
      // The header is documented here and checked in the handler: validating the headers part
      // would copy every header of every request into an object first.
      parameters: [
        {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          schema: { type: 'string', minLength: 1, maxLength: 255 },
          description: 'Returns the job already enqueued on this queue with this key instead of a new one.',
        },
        {
          name: 'traceparent',
          in: 'header',
          required: false,
          schema: { type: 'string', maxLength: 256 },
          description: "W3C Trace Context: the job's attempts join this trace. Ignored when not a valid version-00 value.",
        },
        {
          name: 'tracestate',
          in: 'header',
          required: false,
          schema: { type: 'string', maxLength: 512 },
          description: 'W3C Trace Context vendor state, kept beside a valid traceparent.',
        },
      ],
      request: {
        params: QueueParams,
        body: { content: json(EnqueueBody), required: true },
      },
      responses: {
        202: { description: 'Enqueued.', content: json(EnqueueResponse), headers: { Location: { schema: { type: 'string' } } } },
        200: { description: 'The idempotency key matched an existing job, which is returned.', content: json(EnqueueResponse) },
        ...problemResponses(400, 413, 429, 503),
      },
    }),
    async (c) => {
      const { queue } = c.req.valid('param');
      const { name, payload, ...options } = c.req.valid('json');
      const headerKey = requestHeader(c, 'idempotency-key');
      if (headerKey !== undefined) {
        const checked = IdempotencyKeyHeader.safeParse({ 'idempotency-key': headerKey });
        if (!checked.success) return validationProblem({ success: false, error: checked.error, target: 'header' }, c) as never;
      }
      if (headerKey !== undefined && options.idempotencyKey !== undefined && headerKey !== options.idempotencyKey) {
        throw new InvalidArgumentError('The Idempotency-Key header and the body field idempotencyKey differ; send one of them.');
      }
      const idempotencyKey = headerKey ?? options.idempotencyKey;
      if (idempotencyKey !== undefined) options.idempotencyKey = idempotencyKey;
      // The body schema holds the library's option fields: checked once, here, not again by enqueue.
      const trace = traceOf({ traceparent: requestHeader(c, 'traceparent'), tracestate: requestHeader(c, 'tracestate') });
      const [handle] = await spool.enqueueMany(
        [{ queue, name, payload, options: Object.keys(options).length === 0 ? undefined : checkedOptions(options as EnqueueOptions) }],
        trace ? { trace } : undefined,
      );
      if (!handle) throw new Error('enqueueMany returned no handle for one job.');
      c.header('location', `/v1/jobs/${handle.id}`);
      const view = toJobView(handle.job, { operator: isOperator(c.get('principal')) });
      const body = { id: handle.id, status: handle.job.status, created: handle.created, job: view };
      return handle.created ? c.json(body, 202) : c.json(body, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/jobs/{id}',
      summary: 'Read a job',
      description:
        "Status, progress, attempts, and the result or the error. `userMessage` is what to tell the person waiting; the developer's `message` of each error is for admin tokens only. A waiting job carries its `position` in its queue (the jobs a claim takes before it) and an ETA from the queue's recent drain rate; one whose name no running worker handles carries a `warning` saying so.",
      tags: ['jobs'],
      security,
      middleware: [requireScope(auth, 'read')] as const,
      request: { params: JobIdParams },
      responses: { 200: { description: 'The job.', content: json(JobSchema) }, ...problemResponses(400, 404, 503) },
    }),
    async (c) => {
      const job = await spool.getJob(c.req.valid('param').id);
      if (!job) throw new JobNotFoundError(c.req.valid('param').id);
      const view = toJobView(job, { operator: isOperator(c.get('principal')) });
      // Work must never wait silently: a waiting job nobody handles says so.
      const [warning, position] = await Promise.all([spool.warningFor(job).catch(() => null), spool.position(job)]);
      return c.json({ ...view, ...(warning ? { warning } : {}), ...(position ? { position } : {}) }, 200);
    },
  );

  for (const action of ['cancel', 'retry'] as const) {
    app.openapi(
      createRoute({
        method: 'post',
        path: `/v1/jobs/{id}/${action}`,
        summary: action === 'cancel' ? 'Cancel a job' : 'Retry a failed or cancelled job',
        description:
          action === 'cancel'
            ? 'A waiting job is cancelled at once; an active one is aborted through its signal and is cancelled when its handler stops. A finished job is returned unchanged.'
            : 'A failed or cancelled job goes back to waiting with fresh attempts; any other status answers 409.',
        tags: ['jobs'],
        security,
        middleware: [requireScope(auth, 'admin')] as const,
        request: { params: JobIdParams },
        responses: { 200: { description: 'The job after the change.', content: json(JobSchema) }, ...problemResponses(400, 404, 409, 503) },
      }),
      async (c) => {
        const { id } = c.req.valid('param');
        // Both check the job's status in the statement that changes it: no read first.
        const job = action === 'cancel' ? await spool.cancel(id) : await spool.retry(id);
        return c.json(toJobView(job, { operator: true }), 200);
      },
    );
  }

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/jobs/{id}',
      summary: 'Delete a finished job',
      description:
        'Deletes one completed, failed or cancelled job (a dead letter, say) with its payload and errors. A waiting or active job answers 409: cancel it first.',
      tags: ['jobs'],
      security,
      middleware: [requireScope(auth, 'admin')] as const,
      request: { params: JobIdParams },
      responses: {
        200: { description: 'Deleted.', content: json(z.object({ id: z.string(), deleted: z.literal(true) }).openapi('Deleted')) },
        ...problemResponses(400, 404, 409, 503),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      await spool.deleteJob(id);
      return c.json({ id, deleted: true as const }, 200);
    },
  );

  const listResponses = {
    200: { description: 'A page of jobs, newest first.', content: json(JobPageSchema) },
    ...problemResponses(400, 503),
  };

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/queues/{queue}/jobs',
      summary: "List a queue's jobs",
      description: 'Newest first, filtered by status and name; pass nextCursor as cursor for the next page.',
      tags: ['jobs'],
      security,
      middleware: [requireScope(auth, 'read')] as const,
      request: { params: QueueParams, query: ListQuery },
      responses: listResponses,
    }),
    async (c) => {
      const { queue } = c.req.valid('param');
      const query = c.req.valid('query');
      const page = await spool.listJobs({ ...query, status: query.status as JobStatus | undefined, queue });
      const operator = isOperator(c.get('principal'));
      return c.json({ jobs: page.jobs.map((job) => toJobView(job, { operator })), nextCursor: page.nextCursor }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/jobs',
      summary: 'List jobs of every queue',
      description: 'Newest first, filtered by queue, status and name; pass nextCursor as cursor for the next page.',
      tags: ['jobs'],
      security,
      middleware: [requireScope(auth, 'read')] as const,
      request: { query: ListAllQuery },
      responses: listResponses,
    }),
    async (c) => {
      const query = c.req.valid('query');
      const page = await spool.listJobs({ ...query, status: query.status as JobStatus | undefined });
      const operator = isOperator(c.get('principal'));
      return c.json({ jobs: page.jobs.map((job) => toJobView(job, { operator })), nextCursor: page.nextCursor }, 200);
    },
  );
}
