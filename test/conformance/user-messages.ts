/**
 * Messages for the people who wait: every attempt's error is stored with a `userMessage` beside
 * the developer's message, the handler's own (JobError, NonRetryableError) or Spool's default
 * for what happened (a retry, a timeout, a lease that expired, a final failure).
 */
import { describe, expect, it } from 'vitest';
import { JobError, JobFailedError, NonRetryableError, userMessages } from '../helpers/api.js';
import { eventually } from '../helpers/eventually.js';
import { type Harness, T0, caught } from './harness.js';

export function userMessageTests(h: Harness): void {
  describe('user messages', () => {
    it("stores a JobError's userMessage with the developer's message, and retryable: false fails the job at once", async () => {
      const spool = await h.open();
      spool.work('billing', {
        charge: () => {
          throw new JobError('card declined by issuer: 05', {
            userMessage: 'Your card was declined. Try another card.',
            retryable: false,
            code: 'CARD_DECLINED',
          });
        },
      });
      const { id } = await spool.enqueue('billing', 'charge', null, { maxAttempts: 5 });
      const err = await caught(() => spool.waitFor(id, { timeout: 5_000 }));
      expect(err).toBeInstanceOf(JobFailedError);
      expect(err.error).toMatchObject({
        message: 'card declined by issuer: 05',
        userMessage: 'Your card was declined. Try another card.',
        code: 'CARD_DECLINED',
        name: 'JobError',
        attempt: 1,
        final: true,
      });
      expect((await spool.getJob(id))?.attempts).toBe(1);
    });

    it("stores NonRetryableError's userMessage, and a retryable JobError's own message on each attempt", async () => {
      const spool = await h.open();
      spool.work('q', {
        bad: () => {
          throw new NonRetryableError('payload.email is missing', { userMessage: 'Please enter an email address.' });
        },
        flaky: (_payload, ctx) => {
          throw new JobError(`partner answered 503 on attempt ${ctx.attempt}`, { userMessage: 'The partner is busy; hang on.' });
        },
      });
      const bad = await spool.enqueue('q', 'bad');
      await caught(() => bad.wait({ timeout: 5_000 }));
      expect((await spool.getJob(bad.id))?.errors).toEqual([
        expect.objectContaining({ message: 'payload.email is missing', userMessage: 'Please enter an email address.', final: true }),
      ]);
      const flaky = await spool.enqueue('q', 'flaky', null, { maxAttempts: 2, backoff: { type: 'fixed', base: 0 } });
      await caught(() => flaky.wait({ timeout: 5_000 }));
      expect((await spool.getJob(flaky.id))?.errors.map((e) => [e.attempt, e.userMessage, e.final])).toEqual([
        [1, 'The partner is busy; hang on.', false],
        [2, 'The partner is busy; hang on.', true],
      ]);
    });

    it('gives Spool defaults: a retry says when and which attempt, a timeout that it keeps trying, the last failure a generic sentence', async () => {
      const spool = await h.open();
      spool.work(
        'q',
        {
          plain: () => {
            throw new Error('socket hang up');
          },
          slow: (_payload, ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))),
        },
        { concurrency: 2 },
      );
      const plain = await spool.enqueue('q', 'plain', null, { maxAttempts: 5, backoff: { type: 'fixed', base: '40s' } });
      const retried = await eventually(async () => {
        const job = await spool.getJob(plain.id);
        return job?.errors.length === 1 ? job : false;
      });
      expect(retried.errors[0]).toMatchObject({ message: 'socket hang up', userMessage: "We'll try again in 40 s (attempt 2 of 5)." });
      expect(retried).toMatchObject({ status: 'waiting', runAt: T0 + 40_000 });

      const slow = await spool.enqueue('q', 'slow', null, { maxAttempts: 2, timeout: 50, backoff: { type: 'fixed', base: 0 } });
      await caught(() => slow.wait({ timeout: 5_000 }));
      const errors = (await spool.getJob(slow.id))?.errors ?? [];
      expect(errors.map((e) => [e.code, e.userMessage, e.final])).toEqual([
        ['SPOOL_TIMEOUT', userMessages.slow, false],
        ['SPOOL_TIMEOUT', userMessages.failed, true],
      ]);
      expect(userMessages.slow).toBe("This is taking longer than expected; we'll keep trying.");
      expect(userMessages.failed).toBe("Sorry, we couldn't complete this.");
    });

    it('a lease that expired gets a user message too: keeps trying, or the generic one on the last attempt', async () => {
      const spool = await h.open();
      const [again, last] = await spool.enqueueMany([
        { queue: 'q', name: 'n', options: { maxAttempts: 2 } },
        { queue: 'q', name: 'n', options: { maxAttempts: 1 } },
      ]);
      await spool.store.claim({ queue: 'q', limit: 2, workerId: 'w', token: 'tok', leaseMs: 1_000 });
      h.clock.advance(5_000);
      expect(await spool.store.rescueExpired()).toBe(2);
      expect((await spool.getJob(again?.id as string))?.errors[0]).toMatchObject({
        code: 'SPOOL_LEASE_EXPIRED',
        userMessage: userMessages.slow,
        final: false,
      });
      expect((await spool.getJob(last?.id as string))?.errors[0]).toMatchObject({
        code: 'SPOOL_LEASE_EXPIRED',
        userMessage: userMessages.failed,
        final: true,
      });
    });
  });
}
