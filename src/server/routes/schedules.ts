/**
 * @module
 * Cron schedules over HTTP: `GET /v1/schedules`, `GET /v1/schedules/{name}` (read), and
 * `PUT|DELETE /v1/schedules/{name}` (admin). The body is the library's own schema
 * (`scheduleOptionsSchema`) plus the cron, so the API and `spool.schedule` cannot drift apart.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { SpoolError } from '../../core/errors.js';
import { namePattern, nameRule } from '../../core/names.js';
import { scheduleFields } from '../../core/schedule-options.js';
import type { ScheduleOptions } from '../../client/schedules.js';
import { requireScope } from '../auth.js';
import type { RouteContext, SpoolApi } from '../context.js';
import { problemResponses } from '../schemas.js';

const security = [{ Bearer: [] }];
const json = <T>(schema: T) => ({ 'application/json': { schema } });

const ScheduleParams = z
  .object({
    name: z
      .string()
      .regex(namePattern, nameRule)
      .openapi({ param: { name: 'name', in: 'path' }, example: 'nightly-report' }),
  })
  .strict();

const ScheduleBody = z
  .object({
    cron: z.string().min(1).max(200).openapi({
      description: 'Five fields (minute hour day-of-month month day-of-week), or six with seconds first.',
      example: '0 3 * * *',
    }),
    ...scheduleFields,
  })
  .strict()
  .openapi('ScheduleRequest');

const MissedSchema = z.union([z.literal('skip'), z.object({ catchUp: z.number().int() })]);

const ScheduleSchema = z
  .object({
    name: z.string(),
    cron: z.string(),
    timezone: z.string().nullable().openapi({ description: 'The IANA time zone the cron is read in; null for UTC.' }),
    queue: z.string(),
    jobName: z.string().openapi({ description: 'The job name each tick enqueues.' }),
    payload: z.any(),
    options: z.record(z.string(), z.any()),
    missed: MissedSchema,
    nextRunAt: z.number().int().nullable().openapi({ description: 'The next tick not yet enqueued (epoch ms).' }),
    lastRunAt: z.number().int().nullable().openapi({ description: 'The latest tick a job was enqueued for.' }),
    createdAt: z.number().int(),
    updatedAt: z.number().int(),
  })
  .openapi('Schedule');

export function scheduleRoutes(app: SpoolApi, ctx: RouteContext): void {
  const { spool, auth } = ctx;

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/schedules',
      summary: 'List cron schedules',
      description: 'Every schedule, by name, with its cron, time zone, job, missed-tick policy and next and last tick.',
      tags: ['schedules'],
      security,
      middleware: [requireScope(auth, 'read')] as const,
      responses: {
        200: { description: 'The schedules.', content: json(z.object({ schedules: z.array(ScheduleSchema) }).openapi('Schedules')) },
        ...problemResponses(503),
      },
    }),
    async (c) => c.json({ schedules: await spool.schedules() }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/schedules/{name}',
      summary: 'Read a cron schedule',
      tags: ['schedules'],
      security,
      middleware: [requireScope(auth, 'read')] as const,
      request: { params: ScheduleParams },
      responses: { 200: { description: 'The schedule.', content: json(ScheduleSchema) }, ...problemResponses(400, 404, 503) },
    }),
    async (c) => {
      const { name } = c.req.valid('param');
      const schedule = await spool.getSchedule(name);
      if (!schedule)
        throw new SpoolError(
          'SPOOL_NOT_FOUND',
          `There is no schedule named ${name}; list the schedules with spool.schedules(), \`spool schedules\` or GET /v1/schedules.`,
        );
      return c.json(schedule, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/v1/schedules/{name}',
      summary: 'Create or replace a cron schedule',
      description:
        'Each tick enqueues one job, exactly once across every process. Its next tick is kept when the cron and the time zone are unchanged.',
      tags: ['schedules'],
      security,
      middleware: [requireScope(auth, 'admin')] as const,
      request: { params: ScheduleParams, body: { content: json(ScheduleBody), required: true } },
      responses: { 200: { description: 'The schedule as stored.', content: json(ScheduleSchema) }, ...problemResponses(400, 503) },
    }),
    async (c) => {
      const { cron, ...options } = c.req.valid('json');
      return c.json(await spool.schedule(c.req.valid('param').name, cron, options as ScheduleOptions), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/schedules/{name}',
      summary: 'Delete a cron schedule',
      description: 'No more ticks; the jobs it enqueued stay.',
      tags: ['schedules'],
      security,
      middleware: [requireScope(auth, 'admin')] as const,
      request: { params: ScheduleParams },
      responses: { 204: { description: 'Deleted.' }, ...problemResponses(400, 404, 503) },
    }),
    async (c) => {
      await spool.unschedule(c.req.valid('param').name);
      return c.body(null, 204) as never;
    },
  );
}
