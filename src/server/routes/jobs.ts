/**
 * @module
 * `/v1/queues/{queue}/jobs` and `/v1/jobs/*`: enqueue, read (with a warning when no running
 * worker handles a waiting job), list, cancel, retry, delete.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { InvalidArgumentError, JobNotFoundError } from '../../core/errors.js';
import type { EnqueueOptions } from '../../core/options.js';
import type { JobStatus } from '../../core/types.js';
import type { JobHandle } from '../../client/spool.js';
import { isOperator, requireScope } from '../auth.js';
import { traceHeaders, traceOf } from '../trace-headers.js';
import type { RouteContext, SpoolApi } from '../context.js';
import { toJobView } from '../job-view.js';
import { makeProblem, problemResponse } from '../problem.js';
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
const json = <T>(schema: T) => ({ 'application/json': { schema } });

export function jobRoutes(app: SpoolApi, ctx: RouteContext): void {
  const { spool, auth } = ctx;
  const limitBody = bodyLimit({
    maxSize: ctx.bodyLimit,
    onError: () =>
      problemResponse(
        makeProblem(
          413,
          'SPOOL_PAYLOAD_TOO_LARGE',
          `The request body is larger than this server's limit of ${ctx.bodyLimit} bytes. Store large data elsewhere and pass a reference, or raise server.bodyLimit.`,
        ),
      ),
  });

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
      request: {
        params: QueueParams,
        headers: z.object({ 'idempotency-key': z.string().min(1).max(255).optional(), ...traceHeaders }),
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
      const headerKey = c.req.valid('header')['idempotency-key'];
      if (headerKey !== undefined && options.idempotencyKey !== undefined && headerKey !== options.idempotencyKey) {
        throw new InvalidArgumentError('The Idempotency-Key header and the body field idempotencyKey differ; send one of them.');
      }
      const idempotencyKey = headerKey ?? options.idempotencyKey;
      const [handle] = (await spool.enqueueMany(
        [
          {
            queue,
            name,
            payload,
            options: { ...(options as EnqueueOptions), ...(idempotencyKey === undefined ? {} : { idempotencyKey }) },
          },
        ],
        { trace: traceOf(c.req.valid('header')) },
      )) as [JobHandle];
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
        "Status, progress, attempts, and the result or the error. `userMessage` is what to tell the person waiting; the developer's `message` of each error is for admin tokens only. A waiting job whose name no running worker handles carries a `warning` saying so.",
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
      const warning = await spool.warningFor(job).catch(() => null);
      return c.json(warning ? { ...view, warning } : view, 200);
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
