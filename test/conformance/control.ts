/** Control and reading: cancel, retry by hand, listing with cursors, counts, progress and lifecycle events. */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { JobCancelledError, type Job, type JobErrorRecord, type Progress, type SpoolEvents, isSpoolError } from '../helpers/api.js';
import { aborted, eventually, until } from '../helpers/eventually.js';
import { type Harness, T0, caught, recordEvents, recordingLogger } from './harness.js';

/**
 * Cancellation reaches a worker by a notice (in-process, or LISTEN on PostgreSQL) or, failing
 * that, at its next heartbeat; a 1 s heartbeat keeps these tests about outcomes, not latency.
 */
const quickHeartbeat = { lease: 3_000, heartbeatInterval: 1_000 };

export function controlTests(h: Harness): void {
  describe('cancel', () => {
    it('cancelling a waiting job removes it at once: it never runs, and waitFor rejects', async () => {
      const spool = await h.open();
      const events = recordEvents(spool);
      const doomed = await spool.enqueue('q', 'n', { doomed: true });
      const cancelled = await spool.cancel(doomed.id);
      expect(cancelled).toMatchObject({ id: doomed.id, status: 'cancelled', finishedAt: T0 });
      expect(events.of('cancelled', doomed.id)).toHaveLength(1);
      const ran: unknown[] = [];
      spool.work('q', (payload) => {
        ran.push(payload);
      });
      const sentinel = await spool.enqueue('q', 'n', { sentinel: true });
      await spool.waitFor(sentinel.id, { timeout: 5_000 });
      expect(ran).toEqual([{ sentinel: true }]);
      expect((await spool.getJob(doomed.id))?.status).toBe('cancelled');
      const err = await caught(() => spool.waitFor(doomed.id));
      expect(err).toBeInstanceOf(JobCancelledError);
      expect(err.code).toBe('SPOOL_JOB_CANCELLED');
    });

    it('cancelling an active job aborts its signal with SPOOL_CANCELLED; the late result does not overwrite it', async () => {
      const spool = await h.open();
      const events = recordEvents(spool);
      const reasons: unknown[] = [];
      const worker = spool.work(
        'q',
        async (_p, ctx) => {
          reasons.push(await aborted(ctx.signal));
          return 'finished anyway';
        },
        quickHeartbeat,
      );
      const { id } = await spool.enqueue('q', 'n');
      await eventually(async () => (await spool.getJob(id))?.status === 'active');
      const cancelled = await spool.cancel(id);
      expect(cancelled.status).toBe('cancelled');
      await eventually(() => reasons.length === 1);
      expect(isSpoolError(reasons[0], 'SPOOL_CANCELLED')).toBe(true);
      await worker.close({ timeout: 2_000 });
      const job = await spool.getJob(id);
      expect(job).toMatchObject({ status: 'cancelled', result: null, leaseExpiresAt: null });
      expect(events.of('completed', id)).toEqual([]);
      expect(await caught(() => spool.waitFor(id))).toBeInstanceOf(JobCancelledError);
    });

    it('a cancelled active job that throws afterwards stays cancelled, not failed or retried', async () => {
      const spool = await h.open();
      const events = recordEvents(spool);
      const worker = spool.work(
        'q',
        async (_p, ctx) => {
          throw await aborted(ctx.signal);
        },
        quickHeartbeat,
      );
      const { id } = await spool.enqueue('q', 'n', null, { maxAttempts: 5, backoff: { type: 'fixed', base: 0, cap: 0 } });
      await eventually(async () => (await spool.getJob(id))?.status === 'active');
      await spool.cancel(id);
      await worker.close({ timeout: 2_000 });
      const job = await spool.getJob(id);
      expect(job).toMatchObject({ status: 'cancelled', attempts: 1 });
      expect(events.of('retrying', id)).toEqual([]);
      expect(events.of('failed', id)).toEqual([]);
    });

    it('emits one cancelled event per cancellation, even for an active job', async () => {
      const spool = await h.open();
      const events = recordEvents(spool);
      const worker = spool.work(
        'q',
        async (_p, ctx) => {
          await aborted(ctx.signal);
        },
        quickHeartbeat,
      );
      const { id } = await spool.enqueue('q', 'n');
      await eventually(async () => (await spool.getJob(id))?.status === 'active');
      await spool.cancel(id);
      await worker.close({ timeout: 2_000 });
      const cancelledEvents = events.of('cancelled', id);
      expect(cancelledEvents.length).toBe(1);
      expect(cancelledEvents[0].job.status).toBe('cancelled');
    });

    it('a job cancelled through another Spool (another connection) is aborted in the worker', async (ctx) => {
      if (!h.has('cross-connection-cancel')) ctx.skip();
      const workerSpool = await h.open();
      const reasons: unknown[] = [];
      workerSpool.work(
        'q',
        async (_p, c) => {
          reasons.push(await aborted(c.signal));
        },
        quickHeartbeat,
      );
      const other = await h.open();
      const { id } = await other.enqueue('q', 'n');
      await eventually(async () => (await other.getJob(id))?.status === 'active');
      await other.cancel(id);
      await eventually(() => reasons.length === 1);
      expect(isSpoolError(reasons[0], 'SPOOL_CANCELLED')).toBe(true);
      expect((await other.getJob(id))?.status).toBe('cancelled');
    });

    it('the store tells subscribers in this process about new jobs and cancels made right after they subscribed', async () => {
      const spool = await h.open();
      const woken: string[] = [];
      const cancelled: string[] = [];
      const stop = spool.store.subscribe({ onWake: (queue) => woken.push(queue), onCancel: (id) => cancelled.push(id) });
      try {
        const { id } = await spool.enqueue('notify-me', 'n');
        await spool.cancel(id);
        await eventually(() => woken.includes('notify-me'), 3_000);
        await eventually(() => cancelled.includes(id), 3_000);
      } finally {
        stop();
      }
    });

    it('cancelling a finished job returns it unchanged; an unknown id is SPOOL_JOB_NOT_FOUND', async () => {
      const spool = await h.open();
      spool.work('q', () => 'done');
      const { id } = await spool.enqueue('q', 'n');
      await spool.waitFor(id, { timeout: 5_000 });
      const job = await spool.cancel(id);
      expect(job).toMatchObject({ status: 'completed', result: 'done' });
      expect(isSpoolError(await caught(() => spool.cancel('999999999')), 'SPOOL_JOB_NOT_FOUND')).toBe(true);
    });
  });

  describe('retry by hand', () => {
    it('a failed job (a dead letter) can be retried by hand with fresh attempts', async () => {
      const spool = await h.open();
      let broken = true;
      spool.work('q', () => {
        if (broken) throw new Error('dependency down');
        return 'recovered';
      });
      const { id } = await spool.enqueue('q', 'n', null, { maxAttempts: 2, backoff: { type: 'fixed', base: 0, cap: 0 } });
      await caught(() => spool.waitFor(id, { timeout: 5_000 }));
      expect(await spool.getJob(id)).toMatchObject({ status: 'failed', attempts: 2 });
      broken = false;
      h.clock.advance(1_000);
      const retried = await spool.retry(id);
      expect(retried).toMatchObject({ id, status: 'waiting', attempts: 0, runAt: T0 + 1_000, finishedAt: null });
      await expect(spool.waitFor(id, { timeout: 5_000 })).resolves.toBe('recovered');
      const job = await spool.getJob(id);
      expect(job).toMatchObject({ status: 'completed', attempts: 1, result: 'recovered' });
      expect(job?.errors.map((e) => e.message)).toEqual(['dependency down', 'dependency down']);
    });

    it('a cancelled job can be retried; a completed or waiting one cannot, and is left as it is', async () => {
      const spool = await h.open();
      const cancelled = await spool.enqueue('q', 'n');
      await spool.cancel(cancelled.id);
      expect(await spool.retry(cancelled.id)).toMatchObject({ status: 'waiting', attempts: 0, finishedAt: null });
      const completed = await spool.enqueue('q', 'done');
      await spool.store.claim({ queue: 'q', names: ['done'], limit: 1, workerId: 'w', token: 'tok', leaseMs: 1_000 });
      expect(await spool.store.complete([{ id: completed.id, token: 'tok', result: '1' }])).toEqual([{ id: completed.id, at: T0 }]);
      const err = await caught(() => spool.retry(completed.id));
      expect(isSpoolError(err, 'SPOOL_INVALID_STATE')).toBe(true);
      expect(err.message).toContain('completed');
      expect(await spool.getJob(completed.id)).toMatchObject({ status: 'completed', result: 1 });
      const waiting = await spool.enqueue('q', 'n');
      // The status is checked in the same statement that retries: never a second copy or a reset.
      expect(isSpoolError(await caught(() => spool.retry(waiting.id)), 'SPOOL_INVALID_STATE')).toBe(true);
      expect(await spool.getJob(waiting.id)).toMatchObject({ status: 'waiting', attempts: 0 });
      expect(await spool.counts('q')).toMatchObject({ q: { waiting: 2, completed: 1 } });
      expect(isSpoolError(await caught(() => spool.retry('999999999')), 'SPOOL_JOB_NOT_FOUND')).toBe(true);
    });
  });

  describe('listing and counts', () => {
    it('pages through jobs with a cursor, newest first, with no duplicates and no gaps', async () => {
      const spool = await h.open();
      const handles = await spool.enqueueMany(Array.from({ length: 23 }, (_, i) => ({ queue: 'q', name: 'n', payload: i })));
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await spool.listJobs({ queue: 'q', limit: 5, cursor });
        seen.push(...page.jobs.map((j) => j.id));
        cursor = page.nextCursor ?? undefined;
        pages++;
        if (pages === 2) await spool.enqueue('q', 'n', 'added while paging'); // must not shift later pages
      } while (cursor);
      expect(pages).toBe(5);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual(handles.map((x) => x.id).reverse());
      const last = await spool.listJobs({ queue: 'q', limit: 24 });
      expect(last.nextCursor).toBeNull();
      expect(last.jobs).toHaveLength(24);
    });

    it('filters by queue, status and name', async () => {
      const spool = await h.open();
      const [a1, a2, b1] = await spool.enqueueMany([
        { queue: 'a', name: 'x' },
        { queue: 'a', name: 'y' },
        { queue: 'b', name: 'x' },
      ]);
      await spool.cancel(a2?.id as string);
      const ids = (jobs: Job[]) => jobs.map((j) => j.id).sort();
      expect(ids((await spool.listJobs({ queue: 'a' })).jobs)).toEqual([a1?.id, a2?.id].sort());
      expect(ids((await spool.listJobs({ status: 'waiting' })).jobs)).toEqual([a1?.id, b1?.id].sort());
      expect(ids((await spool.listJobs({ name: 'x' })).jobs)).toEqual([a1?.id, b1?.id].sort());
      expect(ids((await spool.listJobs({ queue: 'a', status: 'cancelled' })).jobs)).toEqual([a2?.id]);
      expect((await spool.listJobs({ queue: 'b', status: 'cancelled' })).jobs).toEqual([]);
      const filteredPages: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await spool.listJobs({ name: 'x', limit: 1, cursor });
        filteredPages.push(...page.jobs.map((j) => j.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(filteredPages.sort()).toEqual([a1?.id, b1?.id].sort());
    });

    it('counts jobs per queue and status', async () => {
      const spool = await h.open();
      const handles = await spool.enqueueMany([
        { queue: 'a', name: 'ok' },
        { queue: 'a', name: 'ok' },
        { queue: 'a', name: 'bad', options: { maxAttempts: 1 } },
        { queue: 'a', name: 'hold' },
        { queue: 'b', name: 'ok' },
        { queue: 'b', name: 'ok', options: { delay: '1h' } },
      ]);
      await spool.cancel(handles[1]?.id as string);
      const hold = h.gate();
      spool.work('a', {
        ok: () => 'fine',
        bad: () => {
          throw new Error('no');
        },
        hold: () => hold.promise,
      });
      await eventually(async () => {
        const counts = await spool.counts();
        return counts.a?.completed === 1 && counts.a?.failed === 1 && counts.a?.active === 1;
      });
      expect(await spool.counts()).toEqual({
        a: { waiting: 0, active: 1, completed: 1, failed: 1, cancelled: 1, expired: 0 },
        b: { waiting: 2, active: 0, completed: 0, failed: 0, cancelled: 0, expired: 0 },
      });
      expect(await spool.counts('b')).toEqual({ b: { waiting: 2, active: 0, completed: 0, failed: 0, cancelled: 0, expired: 0 } });
    });
  });

  describe('progress and events', () => {
    it('ctx.progress stores progress with the job and emits progress events', async () => {
      const spool = await h.open();
      const events = recordEvents(spool);
      const step = h.gate();
      const done = h.gate();
      spool.work('q', async (_p, ctx) => {
        await ctx.progress(40, 'downloading');
        step.open();
        await done.promise;
        await ctx.progress({ done: 3, total: 4 }, 'resizing');
        return 'ok';
      });
      const { id } = await spool.enqueue('q', 'n');
      await step.promise;
      expect((await spool.getJob(id))?.progress).toEqual({ value: 40, message: 'downloading' });
      done.open();
      await spool.waitFor(id, { timeout: 5_000 });
      const progress = events.of('progress', id);
      expect(progress.map((e) => e.progress)).toEqual([
        { value: 40, message: 'downloading' },
        { value: { done: 3, total: 4 }, message: 'resizing' },
      ]);
      expect(progress[0].job.id).toBe(id);
      expect((await spool.getJob(id))?.progress).toEqual({ value: { done: 3, total: 4 }, message: 'resizing' });
    });

    it('ctx.progress refuses values outside 0..100', async () => {
      const spool = await h.open();
      const errors: unknown[] = [];
      spool.work('q', async (_p, ctx) => {
        try {
          await ctx.progress(150);
        } catch (err) {
          errors.push(err);
        }
      });
      const { id } = await spool.enqueue('q', 'n');
      await spool.waitFor(id, { timeout: 5_000 });
      expect(isSpoolError(errors[0], 'SPOOL_INVALID_ARGUMENT')).toBe(true);
    });

    it('emits active, completed, retrying and failed with typed payloads', async () => {
      // The event map is typed: checked by tsc (npm test), and each listener receives its own payload type.
      expectTypeOf<SpoolEvents['active']>().toExtend<{ job: Job }>();
      expectTypeOf<SpoolEvents['progress']>().toExtend<{ job: Job; progress: Progress }>();
      expectTypeOf<SpoolEvents['completed']>().toExtend<{ job: Job; result: unknown }>();
      expectTypeOf<SpoolEvents['failed']>().toExtend<{ job: Job; error: JobErrorRecord }>();
      expectTypeOf<SpoolEvents['retrying']>().toExtend<{ job: Job; error: JobErrorRecord; runAt: number }>();
      expectTypeOf<SpoolEvents['cancelled']>().toExtend<{ job: Job }>();
      const spool = await h.open();
      spool.on('retrying', (event) => {
        expectTypeOf(event.runAt).toEqualTypeOf<number>();
        expectTypeOf(event.error).toEqualTypeOf<JobErrorRecord>();
      });
      const events = recordEvents(spool);
      spool.work('q', {
        good: () => ({ answer: 42 }),
        bad: (_p, ctx) => {
          throw Object.assign(new Error(`bad ${ctx.attempt}`), { code: 'E_BAD' });
        },
      });
      const good = await spool.enqueue('q', 'good');
      const bad = await spool.enqueue('q', 'bad', null, { maxAttempts: 2, backoff: { type: 'fixed', base: 0, cap: 0 } });
      await spool.waitFor(good.id, { timeout: 5_000 });
      await caught(() => spool.waitFor(bad.id, { timeout: 5_000 }));
      await eventually(() => events.of('failed', bad.id).length === 1);

      const [active] = events.of('active', good.id);
      expect(active.job).toMatchObject({ id: good.id, status: 'active', attempts: 1, queue: 'q', name: 'good' });
      const [completed] = events.of('completed', good.id);
      expect(completed.result).toEqual({ answer: 42 });
      expect(completed.job).toMatchObject({ id: good.id, status: 'completed', result: { answer: 42 } });
      expect(events.of('active', bad.id)).toHaveLength(2);
      const [retrying] = events.of('retrying', bad.id);
      expect(retrying.error).toMatchObject({ message: 'bad 1', code: 'E_BAD', attempt: 1 });
      expect(retrying.runAt).toBe(T0);
      expect(retrying.job).toMatchObject({ id: bad.id, status: 'waiting' });
      const [failed] = events.of('failed', bad.id);
      expect(failed.error).toMatchObject({ message: 'bad 2', code: 'E_BAD', attempt: 2, final: true });
      expect(failed.job).toMatchObject({ id: bad.id, status: 'failed', attempts: 2 });
      expect(failed.job.errors).toHaveLength(2);
      // Order per job: active before its outcome.
      const names = events.events.filter((e) => e.event.job?.id === good.id).map((e) => e.name);
      expect(names).toEqual(['active', 'completed']);
    });

    it('a listener that throws (or rejects) never stops the worker', async () => {
      const logger = recordingLogger();
      const spool = await h.open({ logger });
      spool.on('active', () => {
        throw new Error('listener bug');
      });
      spool.on('completed', async () => {
        throw new Error('async listener bug');
      });
      const completed: string[] = [];
      spool.on('completed', ({ job }) => {
        completed.push(job.id);
      });
      spool.work('q', (n: number) => n + 1);
      const handles = await spool.enqueueMany(Array.from({ length: 3 }, (_, i) => ({ queue: 'q', name: 'n', payload: i })));
      for (const [i, handle] of handles.entries()) await expect(spool.waitFor(handle.id, { timeout: 5_000 })).resolves.toBe(i + 1);
      await eventually(() => completed.length === 3);
      await until(() => logger.lines.find((l) => /listener/i.test(l.message) && l.level === 'warn'));
      const late = await spool.enqueue('q', 'n', 10);
      await expect(spool.waitFor(late.id, { timeout: 5_000 })).resolves.toBe(11);
    });

    it('on() returns a function that removes the listener', async () => {
      const spool = await h.open();
      const seen: string[] = [];
      const stop = spool.on('completed', ({ job }) => {
        seen.push(job.id);
      });
      spool.work('q', () => 1);
      const a = await spool.enqueue('q', 'n');
      await spool.waitFor(a.id, { timeout: 5_000 });
      await eventually(() => seen.length === 1);
      stop();
      const b = await spool.enqueue('q', 'n');
      await spool.waitFor(b.id, { timeout: 5_000 });
      expect(seen).toEqual([a.id]);
    });
  });
}
