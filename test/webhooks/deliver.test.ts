/**
 * The delivery handler on its own, with the store replaced by a map of jobs: what it decides
 * from the job it reads, before any network. The HTTP side is covered end to end in
 * webhooks.test.ts and ssrf.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/index.js';
import { createWebhookHandler } from '../../src/webhooks/deliver.js';
import { testWebhookSecret } from '../server/helpers.js';

function job(overrides: Partial<Job>): Job {
  return {
    id: '7',
    queue: 'orders',
    name: 'charge',
    status: 'completed',
    payload: {},
    priority: 0,
    attempts: 1,
    maxAttempts: 3,
    backoff: { type: 'exponential', base: 1_000, cap: 300_000 },
    timeout: null,
    idempotencyKey: null,
    metadata: {},
    callbackUrl: 'http://192.0.2.1/never-reached',
    progress: null,
    result: null,
    errors: [],
    runAt: 0,
    createdAt: 0,
    updatedAt: 0,
    startedAt: 0,
    finishedAt: 0,
    leaseExpiresAt: null,
    workerId: null,
    ...overrides,
  } as Job;
}

function handlerFor(jobs: Job[]) {
  const byId = new Map(jobs.map((j) => [j.id, j]));
  return createWebhookHandler({ getJob: async (id) => byId.get(id) ?? null }, { secret: testWebhookSecret });
}

const ctx = { signal: new AbortController().signal, job: { id: '100' } };

describe('the delivery handler', () => {
  it('finishes without sending when the job was retried since: waiting again, or now in another final state', async () => {
    const deliver = handlerFor([job({ id: '7', status: 'waiting' }), job({ id: '8', status: 'completed' })]);
    expect(await deliver({ jobId: '7', status: 'failed' }, ctx)).toEqual({
      delivered: false,
      reason:
        'Job 7 is waiting, not finished: it was retried since this delivery was scheduled. Its next final state schedules a new delivery.',
    });
    expect(await deliver({ jobId: '8', status: 'failed' }, ctx)).toEqual({
      delivered: false,
      reason: 'Job 8 is now completed, not failed; a newer delivery reports that.',
    });
  });

  it('finishes without sending for a job that no longer exists or has no callbackUrl', async () => {
    const deliver = handlerFor([job({ id: '9', callbackUrl: null })]);
    expect(await deliver({ jobId: '404' }, ctx)).toMatchObject({ delivered: false, reason: expect.stringMatching(/does not exist/) });
    expect(await deliver({ jobId: '9' }, ctx)).toMatchObject({ delivered: false, reason: 'Job 9 has no callbackUrl.' });
  });

  it('fails at once, without retries, for a payload without a jobId', async () => {
    const deliver = handlerFor([]);
    await expect(deliver({ url: 'http://example.com/' } as never, ctx)).rejects.toMatchObject({ code: 'SPOOL_NON_RETRYABLE' });
  });

  it('refuses to start with a secret that does not fit the scheme', () => {
    expect(() => createWebhookHandler({ getJob: async () => null }, { secret: 'not-a-whsec-secret' })).toThrow(
      /webhook secret is not usable for webhooks\.signature 'standard'.*spool webhook-secret create/,
    );
    expect(() =>
      createWebhookHandler({ getJob: async () => null }, { secret: 'a-raw-legacy-secret-0001', signature: 'spool' }),
    ).not.toThrow();
  });
});
