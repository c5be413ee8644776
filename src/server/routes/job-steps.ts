/**
 * @module
 * `GET /v1/jobs/{id}/steps`: a workflow's steps in the order they were first recorded, with their
 * status, attempts, times, result, what a suspended step waits for and until when, children and
 * compensations. A step's error keeps the developer's message for operators only, as a job's does.
 */
import { createRoute } from '@hono/zod-openapi';
import { JobNotFoundError } from '../../core/errors.js';
import { isOperator, requireScope } from '../auth.js';
import type { RouteContext, SpoolApi } from '../context.js';
import { JobIdParams, JobStepsResponse, problemResponses } from '../schemas.js';

/** What a read-scope token sees of a step's error: its code and name, not the developer's text. */
const hiddenMessage = 'A step failed (the message is for admin tokens).';

export function jobStepRoutes(app: SpoolApi, ctx: RouteContext): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/jobs/{id}/steps',
      summary: "A workflow's steps",
      description:
        "Every stored step of a workflow job, in the order first recorded: name, kind (step, sleep, event, children, version, compensation), status (completed, failed, retrying, sleeping, waiting), attempts, start and finish times, the result or the error, until when a sleeping or waiting step waits, and details (an event wait's topic and match, children's ids, a compensation's step). A plain job has none. An error's developer message is for admin tokens only.",
      tags: ['jobs'],
      security: [{ Bearer: [] }],
      middleware: [requireScope(ctx.auth, 'read')] as const,
      request: { params: JobIdParams },
      responses: {
        200: { description: "The job's steps.", content: { 'application/json': { schema: JobStepsResponse } } },
        ...problemResponses(400, 404, 503),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const steps = await ctx.spool.steps(id);
      if (!steps) throw new JobNotFoundError(id);
      const operator = isOperator(c.get('principal'));
      const view = steps.map(({ jobId: _job, ...step }) => ({
        ...step,
        error: step.error && !operator ? { ...step.error, message: hiddenMessage } : step.error,
        durationMs: step.finishedAt === null ? null : step.finishedAt - step.startedAt,
      }));
      return c.json({ id, steps: view }, 200);
    },
  );
}
