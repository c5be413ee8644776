/**
 * `GET /v1/jobs/{id}/steps` over real HTTP on both stores: a workflow's steps in order with their
 * results, a failed step's developer message for admin tokens only, 404 for an unknown job, and
 * the route in the OpenAPI document with its scope.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NonRetryableError } from '../../src/index.js';
import { eventually } from '../helpers/eventually.js';
import { type TestService, type TestStore, jsonBody, secrets, startTestService, storeKinds } from './helpers.js';

const kinds = await storeKinds();

describe.each(kinds)('workflow steps over HTTP on $kind', ({ make }) => {
  let store: TestStore;
  let s: TestService;

  beforeEach(async () => {
    store = await make();
    s = await startTestService({
      store,
      queues: [
        {
          name: 'orders',
          options: { concurrency: 2 },
          handlers: {
            place: async (_p, ctx) => {
              const charge = await ctx.step('charge', () => ({ chargeId: 'ch-1' }));
              await ctx.step('ship', () => {
                throw new NonRetryableError('courier API answered 500 at /internal/ship', { userMessage: 'We could not ship.' });
              });
              return charge;
            },
          },
        },
      ],
    });
  });

  afterEach(async () => {
    await s.close();
    await store.cleanup();
  });

  it('lists the steps in order; a read token sees no developer message, an admin does', async () => {
    const created = await s.api('/v1/queues/orders/jobs', { ...jsonBody({ name: 'place', payload: {} }), token: secrets.admin });
    expect(created.status).toBe(202);
    const { id } = (await created.json()) as { id: string };
    await eventually(async () => {
      const job = (await (await s.api(`/v1/jobs/${id}`, { token: secrets.read })).json()) as { status: string };
      return job.status === 'failed';
    }, 10_000);
    const read = await s.api(`/v1/jobs/${id}/steps`, { token: secrets.read });
    expect(read.status).toBe(200);
    const body = (await read.json()) as { id: string; steps: Record<string, unknown>[] };
    expect(body.id).toBe(id);
    expect(body.steps.map((step) => [step.name, step.kind, step.status, step.attempts])).toEqual([
      ['charge', 'step', 'completed', 1],
      ['ship', 'step', 'failed', 1],
    ]);
    expect(body.steps[0]).toMatchObject({ seq: 0, result: { chargeId: 'ch-1' }, error: null, until: null });
    expect(typeof body.steps[0]?.durationMs).toBe('number');
    expect(body.steps[1]?.error).toEqual({
      message: 'A step failed (the message is for admin tokens).',
      code: 'SPOOL_NON_RETRYABLE',
      name: 'NonRetryableError',
    });
    const admin = (await (await s.api(`/v1/jobs/${id}/steps`, { token: secrets.admin })).json()) as { steps: { error: unknown }[] };
    expect(admin.steps[1]?.error).toMatchObject({ message: 'courier API answered 500 at /internal/ship' });

    const missing = await s.api('/v1/jobs/999999/steps', { token: secrets.read });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { detail: string }).detail).toMatch(/999999/);
  });

  it('is in the OpenAPI document with bearer security', async () => {
    const doc = (await (await s.api('/v1/openapi.json', { token: secrets.read })).json()) as {
      paths: Record<string, Record<string, { security?: unknown; responses: Record<string, unknown> }>>;
    };
    const operation = doc.paths['/v1/jobs/{id}/steps']?.get;
    expect(operation?.security).toEqual([{ Bearer: [] }]);
    expect(Object.keys(operation?.responses ?? {})).toEqual(expect.arrayContaining(['200', '401', '404']));
  });
});
