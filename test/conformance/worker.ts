/** Workers: handlers, results, errors, retries by policy, backoff on the injected clock, timeouts and concurrency. */
import { describe, expect, it } from 'vitest';
import { JobFailedError, JobNotFoundError, NonRetryableError, SpoolError, isSpoolError } from '../helpers/api.js';
import { aborted, eventually, until } from '../helpers/eventually.js';
import { type Harness, T0, caught, recordEvents } from './harness.js';

export function workerTests(h: Harness): void {
  describe('workers', () => {
    it('a handler gets the payload and ctx, and its return value is stored as the result', async () => {
      const spool = await h.open();
      const seen: unknown[] = [];
      spool.work('q', (payload, ctx) => {
        seen.push({ payload, id: ctx.job.id, status: ctx.job.status, attempt: ctx.attempt, aborted: ctx.signal.aborted });
        expect(typeof ctx.log.info).toBe('function');
        ctx.log.info('working');
        return { sum: payload.a + payload.b, at: ctx.job.queue };
      });
      const handle = await spool.enqueue<{ sum: number }>('q', 'add', { a: 2, b: 3 });
      await expect(handle.wait({ timeout: 5_000 })).resolves.toEqual({ sum: 5, at: 'q' });
      expect(seen).toEqual([{ payload: { a: 2, b: 3 }, id: handle.id, status: 'active', attempt: 1, aborted: false }]);
      const job = await spool.getJob(handle.id);
      expect(job).toMatchObject({
        status: 'completed',
        result: { sum: 5, at: 'q' },
        attempts: 1,
        errors: [],
        finishedAt: T0,
        startedAt: T0,
        leaseExpiresAt: null,
      });
      await expect(spool.waitFor(handle.id)).resolves.toEqual({ sum: 5, at: 'q' });
    });

    it('a handler map picks the handler by job name', async () => {
      const spool = await h.open();
      spool.work('q', { double: (n: number) => n * 2, shout: (s: string) => s.toUpperCase() });
      const [a, b] = await spool.enqueueMany([
        { queue: 'q', name: 'double', payload: 21 },
        { queue: 'q', name: 'shout', payload: 'hi' },
      ]);
      await expect(spool.waitFor(a?.id as string, { timeout: 5_000 })).resolves.toBe(42);
      await expect(spool.waitFor(b?.id as string, { timeout: 5_000 })).resolves.toBe('HI');
    });

    it('a handler returning nothing completes with a null result', async () => {
      const spool = await h.open();
      spool.work('q', () => {});
      const { id } = await spool.enqueue('q', 'n');
      await expect(spool.waitFor(id, { timeout: 5_000 })).resolves.toBeNull();
      expect((await spool.getJob(id))?.status).toBe('completed');
    });

    it('waitFor rejects with JobFailedError carrying the stored error (message, code, stack, attempt)', async () => {
      const spool = await h.open();
      spool.work('q', function failingHandler() {
        throw Object.assign(new Error('card declined'), { code: 'E_DECLINED' });
      });
      const { id } = await spool.enqueue('q', 'charge', null, { maxAttempts: 1 });
      const err = await caught(() => spool.waitFor(id, { timeout: 5_000 }));
      expect(err).toBeInstanceOf(JobFailedError);
      expect(isSpoolError(err, 'SPOOL_JOB_FAILED')).toBe(true);
      expect(err.message).toContain('card declined');
      expect(err.message).toContain(id);
      expect(err.error).toMatchObject({ message: 'card declined', code: 'E_DECLINED', attempt: 1, at: T0 });
      expect(err.error.stack).toContain('failingHandler');
      expect(err.job).toMatchObject({ id, status: 'failed', attempts: 1 });
      const stored = await spool.getJob(id);
      expect(stored?.errors).toEqual([err.error]);
      expect(stored?.finishedAt).toBe(T0);
    });

    it('waitFor rejects with JobNotFoundError for an unknown id, and with SPOOL_WAIT_TIMEOUT when it runs out of time', async () => {
      const spool = await h.open();
      const missing = await caught(() => spool.waitFor('999999999'));
      expect(missing).toBeInstanceOf(JobNotFoundError);
      expect(missing.code).toBe('SPOOL_JOB_NOT_FOUND');
      const { id } = await spool.enqueue('nobody-works-here', 'n');
      const timedOut = await caught(() => spool.waitFor(id, { timeout: 50 }));
      expect(isSpoolError(timedOut, 'SPOOL_WAIT_TIMEOUT')).toBe(true);
    });

    it('a thrown non-Error value is recorded with a readable message', async () => {
      const spool = await h.open();
      spool.work('q', () => {
        throw 'plain string';
      });
      const { id } = await spool.enqueue('q', 'n', null, { maxAttempts: 1 });
      const err = await caught(() => spool.waitFor(id, { timeout: 5_000 }));
      expect(err.error.message).toContain('plain string');
    });

    it('NonRetryableError fails the job at once, leaving its other attempts unspent', async () => {
      const spool = await h.open();
      let runs = 0;
      spool.work('q', () => {
        runs++;
        throw new NonRetryableError('the payload is invalid');
      });
      const { id } = await spool.enqueue('q', 'n', null, { maxAttempts: 5, backoff: { type: 'fixed', base: 0, cap: 0 } });
      const err = await caught(() => spool.waitFor(id, { timeout: 5_000 }));
      expect(isSpoolError(err, 'SPOOL_JOB_FAILED')).toBe(true);
      const job = await spool.getJob(id);
      expect(job).toMatchObject({ status: 'failed', attempts: 1 });
      expect(job?.errors).toHaveLength(1);
      expect(job?.errors[0]).toMatchObject({ message: 'the payload is invalid', code: 'SPOOL_NON_RETRYABLE', attempt: 1, final: true });
      expect(runs).toBe(1);
    });

    it('retries by policy, then fails for good with one error per attempt (the dead-letter set)', async () => {
      const spool = await h.open();
      const events = recordEvents(spool);
      const attempts: number[] = [];
      spool.work('q', (_p, ctx) => {
        attempts.push(ctx.attempt);
        throw new Error(`failure ${ctx.attempt}`);
      });
      const { id } = await spool.enqueue('q', 'n', null, { maxAttempts: 3, backoff: { type: 'fixed', base: 0, cap: 0 } });
      await caught(() => spool.waitFor(id, { timeout: 5_000 }));
      expect(attempts).toEqual([1, 2, 3]);
      const job = await spool.getJob(id);
      expect(job).toMatchObject({ status: 'failed', attempts: 3, maxAttempts: 3 });
      expect(job?.errors.map((e) => [e.message, e.attempt])).toEqual([
        ['failure 1', 1],
        ['failure 2', 2],
        ['failure 3', 3],
      ]);
      expect(job?.errors[2]?.final).toBe(true);
      expect(job?.errors[0]?.final).not.toBe(true);
      expect(events.of('retrying', id)).toHaveLength(2);
      expect(events.of('failed', id)).toHaveLength(1);
      const dead = await spool.listJobs({ queue: 'q', status: 'failed' });
      expect(dead.jobs.map((j) => j.id)).toEqual([id]);
    });

    it('a job that fails once and then succeeds completes on its second attempt', async () => {
      const spool = await h.open();
      spool.work('q', (_p, ctx) => {
        if (ctx.attempt === 1) throw new Error('flaky');
        return `ok on ${ctx.attempt}`;
      });
      const { id } = await spool.enqueue('q', 'n', null, { backoff: { type: 'fixed', base: 0, cap: 0 } });
      await expect(spool.waitFor(id, { timeout: 5_000 })).resolves.toBe('ok on 2');
      const job = await spool.getJob(id);
      expect(job).toMatchObject({ status: 'completed', attempts: 2 });
      expect(job?.errors.map((e) => e.message)).toEqual(['flaky']);
    });

    it('fixed backoff: the retry runs exactly base ms after the failure, by the clock', async () => {
      const spool = await h.open();
      const events = recordEvents(spool);
      spool.work('q', (_p, ctx) => {
        if (ctx.attempt === 1) throw new Error('not yet');
        return 'second time lucky';
      });
      const { id } = await spool.enqueue('q', 'n', null, { backoff: { type: 'fixed', base: '30s' } });
      const retrying = await until(() => events.of('retrying', id)[0], 5_000);
      expect(retrying.runAt).toBe(T0 + 30_000);
      expect(retrying.error).toMatchObject({ message: 'not yet', attempt: 1, at: T0 });
      expect(retrying.job).toMatchObject({ id, status: 'waiting' });
      expect(await spool.getJob(id)).toMatchObject({ status: 'waiting', attempts: 1, runAt: T0 + 30_000 });
      const probe = () => spool.store.claim({ queue: 'q', limit: 1, workerId: 'probe', token: 'probe', leaseMs: 1_000 });
      h.clock.advance(29_999);
      expect(await probe()).toEqual([]);
      h.clock.advance(1);
      await expect(spool.waitFor(id, { timeout: 5_000 })).resolves.toBe('second time lucky');
      expect(await spool.getJob(id)).toMatchObject({ attempts: 2, startedAt: T0 + 30_000 });
    });

    it('exponential backoff: each delay is drawn from [0, min(cap, base * 2^(attempt-1))]', async () => {
      const spool = await h.open();
      const events = recordEvents(spool);
      spool.work('q', () => {
        throw new Error('always');
      });
      const base = 1_000;
      const cap = 3_000;
      const { id } = await spool.enqueue('q', 'n', null, { maxAttempts: 5, backoff: { type: 'exponential', base, cap } });
      for (let attempt = 1; attempt <= 4; attempt++) {
        const event = await until(() => events.of('retrying', id)[attempt - 1], 5_000);
        const delayMs = event.runAt - event.error.at;
        expect(event.error.attempt).toBe(attempt);
        expect(event.error.at).toBe(h.clock.now());
        expect(delayMs).toBeGreaterThanOrEqual(0);
        expect(delayMs).toBeLessThanOrEqual(Math.min(cap, base * 2 ** (attempt - 1)));
        expect((await spool.getJob(id))?.runAt).toBe(event.runAt);
        h.clock.advance(cap); // always enough to make the retry due
      }
      await caught(() => spool.waitFor(id, { timeout: 5_000 }));
      expect(await spool.getJob(id)).toMatchObject({ status: 'failed', attempts: 5 });
      expect(events.of('retrying', id)).toHaveLength(4);
    });

    it('exponential backoff uses full jitter: retries of many jobs spread out instead of lining up', async () => {
      const spool = await h.open();
      const events = recordEvents(spool);
      spool.work(
        'q',
        () => {
          throw new Error('herd');
        },
        { concurrency: 10 },
      );
      const handles = await spool.enqueueMany(
        Array.from({ length: 20 }, () => ({
          queue: 'q',
          name: 'n',
          options: { maxAttempts: 2, backoff: { type: 'exponential' as const, base: 60_000, cap: 60_000 } },
        })),
      );
      await eventually(() => events.of('retrying').length === 20, 10_000);
      const delays = events.of('retrying').map((e) => e.runAt - e.error.at);
      for (const d of delays) {
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(60_000);
      }
      expect(new Set(delays).size).toBeGreaterThan(5);
      for (const handle of handles) expect((await spool.getJob(handle.id))?.status).toBe('waiting');
    });

    it('timeout aborts ctx.signal with SPOOL_TIMEOUT and records the timeout as the attempt error', async () => {
      const spool = await h.open();
      const reasons: unknown[] = [];
      spool.work('q', async (_p, ctx) => {
        const reason = await aborted(ctx.signal);
        reasons.push(reason);
        throw reason;
      });
      const { id } = await spool.enqueue('q', 'slow', null, { timeout: 100, maxAttempts: 1 });
      const err = await caught(() => spool.waitFor(id, { timeout: 5_000 }));
      expect(reasons).toHaveLength(1);
      expect(reasons[0]).toBeInstanceOf(SpoolError);
      expect(isSpoolError(reasons[0], 'SPOOL_TIMEOUT')).toBe(true);
      expect(err.error).toMatchObject({ code: 'SPOOL_TIMEOUT', attempt: 1 });
      expect(err.error.message).toMatch(/100 ms/);
      expect(await spool.getJob(id)).toMatchObject({ status: 'failed', attempts: 1 });
    });

    it('a handler that ignores its timeout still has the attempt counted as failed, and the job is retried', async () => {
      const spool = await h.open();
      const never = h.gate();
      spool.work(
        'q',
        async (_p, ctx) => {
          if (ctx.attempt === 1) await never.promise;
          return 'second';
        },
        { concurrency: 2 },
      );
      const { id } = await spool.enqueue('q', 'n', null, { timeout: 100, maxAttempts: 2, backoff: { type: 'fixed', base: 0, cap: 0 } });
      await expect(spool.waitFor(id, { timeout: 5_000 })).resolves.toBe('second');
      const job = await spool.getJob(id);
      expect(job?.attempts).toBe(2);
      expect(job?.errors.map((e) => e.code)).toEqual(['SPOOL_TIMEOUT']);
    });

    it('concurrency: a worker runs up to `concurrency` jobs at once and no more', async () => {
      const spool = await h.open();
      const release = h.gate();
      let running = 0;
      let most = 0;
      spool.work(
        'q',
        async () => {
          running++;
          most = Math.max(most, running);
          await release.promise;
          running--;
        },
        { concurrency: 3 },
      );
      const handles = await spool.enqueueMany(Array.from({ length: 7 }, (_, i) => ({ queue: 'q', name: 'n', payload: i })));
      // The store shows the claim a moment before the worker has the rows and starts the handlers.
      await eventually(async () => running === 3 && (await spool.counts('q')).q?.active === 3);
      expect((await spool.counts('q')).q?.waiting).toBe(4);
      release.open();
      for (const handle of handles) await spool.waitFor(handle.id, { timeout: 5_000 });
      expect(most).toBe(3);
    });

    it('a worker only takes jobs from its own queue', async () => {
      const spool = await h.open();
      const ran: string[] = [];
      spool.work('mine', (_p, ctx) => {
        ran.push(ctx.job.queue);
      });
      const other = await spool.enqueue('theirs', 'n');
      const mine = await spool.enqueue('mine', 'n');
      await spool.waitFor(mine.id, { timeout: 5_000 });
      expect(ran).toEqual(['mine']);
      expect((await spool.getJob(other.id))?.status).toBe('waiting');
    });

    it('an idle worker picks up a new job at once, without waiting for its 60 s poll', async () => {
      const spool = await h.open({ pollInterval: '60s' });
      spool.work('q', () => 'woken', { pollInterval: '60s' });
      const first = await spool.enqueue('q', 'n');
      await spool.waitFor(first.id, { timeout: 5_000 });
      // Let the worker finish its empty claim and go to sleep for its 60 s poll.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const started = Date.now();
      const second = await spool.enqueue('q', 'n');
      await expect(spool.waitFor(second.id, { timeout: 5_000 })).resolves.toBe('woken');
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it('an idle worker is woken by a job enqueued through another Spool (another connection)', async (ctx) => {
      if (!h.has('cross-connection-wake')) ctx.skip();
      const workerSpool = await h.open({ pollInterval: '60s' });
      workerSpool.work('q', () => 'woken', { pollInterval: '60s' });
      const producer = await h.open({ pollInterval: '60s' });
      const warmUp = await producer.enqueue('q', 'n');
      await producer.waitFor(warmUp.id, { timeout: 10_000 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const job = await producer.enqueue('q', 'n');
      await expect(producer.waitFor(job.id, { timeout: 5_000 })).resolves.toBe('woken');
    });
  });
}
