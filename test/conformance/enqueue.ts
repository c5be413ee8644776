/** Enqueueing: handles, batches, every enqueue option, idempotency keys and reading jobs back. */
import { describe, expect, it } from 'vitest';
import { type NewJob, createSpool, isSpoolError } from '../helpers/api.js';
import { eventually } from '../helpers/eventually.js';
import { type Harness, T0, caught } from './harness.js';

export function enqueueTests(h: Harness): void {
  describe('enqueue', () => {
    it('returns a handle with the id of the stored job, defaults filled in', async () => {
      const spool = await h.open();
      const handle = await spool.enqueue('emails', 'send-welcome', { to: 'ada@example.com' });
      expect(typeof handle.id).toBe('string');
      expect(handle.id.length).toBeGreaterThan(0);
      expect(handle.created).toBe(true);
      expect(handle.job).toMatchObject({
        id: handle.id,
        queue: 'emails',
        name: 'send-welcome',
        payload: { to: 'ada@example.com' },
        status: 'waiting',
        priority: 0,
        attempts: 0,
        maxAttempts: 3,
        backoff: { type: 'exponential', base: 1_000, cap: 300_000 },
        timeout: null,
        idempotencyKey: null,
        metadata: {},
        progress: null,
        result: null,
        errors: [],
        runAt: T0,
        createdAt: T0,
        startedAt: null,
        finishedAt: null,
        leaseExpiresAt: null,
        workerId: null,
      });
      expect(await spool.getJob(handle.id)).toEqual(handle.job);
    });

    it('gives every job its own id', async () => {
      const spool = await h.open();
      const a = await spool.enqueue('q', 'a');
      const b = await spool.enqueue('q', 'a');
      expect(a.id).not.toBe(b.id);
    });

    it('round-trips payloads exactly as JSON would', async () => {
      const spool = await h.open();
      const payload = {
        text: 'héllo ✓ 𝄞 "quoted" \\ \n',
        n: -1.5,
        big: 2 ** 52,
        yes: true,
        none: null,
        list: [1, 'two', { three: [3] }],
        empty: {},
      };
      const cases: [unknown, unknown][] = [
        [payload, payload],
        ['just a string', 'just a string'],
        [42, 42],
        [[], []],
        [undefined, null],
        [{ at: new Date(T0), gone: undefined }, { at: new Date(T0).toISOString() }],
      ];
      for (const [input, expected] of cases) {
        const handle = await spool.enqueue('q', 'n', input);
        expect(handle.job.payload).toEqual(expected);
        expect((await spool.getJob(handle.id))?.payload).toEqual(expected);
      }
    });

    it('getJob returns null for ids that do not exist', async () => {
      const spool = await h.open();
      await spool.enqueue('q', 'n');
      expect(await spool.getJob('999999999')).toBeNull();
      expect(await spool.getJob('not-an-id')).toBeNull();
    });

    it('enqueueMany returns handles in input order and stores every job', async () => {
      const spool = await h.open();
      const items = Array.from({ length: 12 }, (_, i) => ({ queue: i % 2 ? 'odd' : 'even', name: `job-${i}`, payload: { i } }));
      const handles = await spool.enqueueMany(items);
      expect(handles).toHaveLength(12);
      expect(new Set(handles.map((x) => x.id)).size).toBe(12);
      for (const [i, handle] of handles.entries()) {
        expect(handle.created).toBe(true);
        expect(handle.job).toMatchObject({ queue: i % 2 ? 'odd' : 'even', name: `job-${i}`, payload: { i } });
        expect(await spool.getJob(handle.id)).toMatchObject({ name: `job-${i}`, payload: { i } });
      }
      expect(await spool.counts()).toEqual({
        even: { waiting: 6, active: 0, completed: 0, failed: 0, cancelled: 0, expired: 0 },
        odd: { waiting: 6, active: 0, completed: 0, failed: 0, cancelled: 0, expired: 0 },
      });
      expect(await spool.enqueueMany([])).toEqual([]);
    });

    it('enqueueMany stores nothing when one item is bad', async () => {
      const spool = await h.open();
      const good = { queue: 'q', name: 'ok', payload: { fine: true } };
      const badName = await caught(() => spool.enqueueMany([good, good, { queue: 'q', name: 'bad name!' }]));
      expect(isSpoolError(badName, 'SPOOL_INVALID_ARGUMENT')).toBe(true);
      const badPayload = await caught(() => spool.enqueueMany([good, { queue: 'q', name: 'ok', payload: { n: 1n } }, good]));
      expect(isSpoolError(badPayload, 'SPOOL_PAYLOAD_NOT_JSON')).toBe(true);
      const badOption = await caught(() => spool.enqueueMany([good, { ...good, options: { delay: -1 } }]));
      expect(isSpoolError(badOption, 'SPOOL_INVALID_ARGUMENT')).toBe(true);
      expect((await spool.listJobs()).jobs).toEqual([]);
      expect(await spool.counts()).toEqual({});
    });

    it('a batch the store rejects half-way leaves nothing behind (one statement or one transaction)', async () => {
      const spool = await h.open();
      const job: NewJob = {
        queue: 'q',
        name: 'n',
        payload: '{}',
        priority: 0,
        maxAttempts: 3,
        backoff: { type: 'fixed' as const, base: 0, cap: 0 },
        timeout: null,
        idempotencyKey: null,
        orderingKey: null,
        concurrencyKey: null,
        rateLimitKey: null,
        expiresAt: null,
        expiresIn: null,
        keyed: null,
        metadata: '{}',
        callbackUrl: null,
        runAt: null,
        delay: 0,
      };
      // The third row breaks a NOT NULL constraint: the two before it must not survive.
      await expect(spool.store.enqueue([job, job, { ...job, queue: null as unknown as string }])).rejects.toBeTruthy();
      expect((await spool.listJobs()).jobs).toEqual([]);
    });

    it('delay: the job becomes runnable only once the clock reaches now + delay', async () => {
      const spool = await h.open();
      const handle = await spool.enqueue('q', 'n', null, { delay: '5s' });
      expect(handle.job.runAt).toBe(T0 + 5_000);
      const claim = () => spool.store.claim({ queue: 'q', limit: 10, workerId: 'test', token: `t${h.clock.now()}`, leaseMs: 30_000 });
      expect(await claim()).toEqual([]);
      h.clock.advance(4_999);
      expect(await claim()).toEqual([]);
      h.clock.advance(1);
      expect((await claim()).map((j) => j.id)).toEqual([handle.id]);
      const numeric = await spool.enqueue('q', 'n', null, { delay: 250 });
      expect(numeric.job.runAt).toBe(h.clock.now() + 250);
    });

    it('delay: a worker runs a delayed job once the clock passes its run time', async () => {
      const spool = await h.open();
      const ran: string[] = [];
      spool.work('q', (_payload, ctx) => {
        ran.push(ctx.job.id);
        return 'done';
      });
      const later = await spool.enqueue('q', 'n', null, { delay: '1h' });
      const now = await spool.enqueue('q', 'n', null);
      await expect(spool.waitFor(now.id, { timeout: 5_000 })).resolves.toBe('done');
      expect((await spool.getJob(later.id))?.status).toBe('waiting');
      expect(ran).toEqual([now.id]);
      h.clock.advance(3_600_000);
      await expect(spool.waitFor(later.id, { timeout: 5_000 })).resolves.toBe('done');
      expect(ran).toEqual([now.id, later.id]);
    });

    it('runAt accepts a Date, epoch milliseconds and an ISO string', async () => {
      const spool = await h.open();
      const at = T0 + 60_000;
      expect((await spool.enqueue('q', 'n', null, { runAt: new Date(at) })).job.runAt).toBe(at);
      expect((await spool.enqueue('q', 'n', null, { runAt: at + 1 })).job.runAt).toBe(at + 1);
      expect((await spool.enqueue('q', 'n', null, { runAt: new Date(at + 2).toISOString() })).job.runAt).toBe(at + 2);
      const both = await caught(() => spool.enqueue('q', 'n', null, { runAt: at, delay: 5 }));
      expect(isSpoolError(both, 'SPOOL_INVALID_ARGUMENT')).toBe(true);
      expect(both.message).toMatch(/delay/);
      expect(both.message).toMatch(/runAt/);
    });

    it('priority: claims take the highest priority first, then the oldest', async () => {
      const spool = await h.open();
      const [a, b, c, d, e] = await spool.enqueueMany([
        { queue: 'q', name: 'a', options: { priority: 0 } },
        { queue: 'q', name: 'b', options: { priority: 10 } },
        { queue: 'q', name: 'c', options: { priority: -5 } },
        { queue: 'q', name: 'd', options: { priority: 10 } },
        { queue: 'q', name: 'e' },
      ]);
      const claimed = await spool.store.claim({ queue: 'q', limit: 10, workerId: 'w', token: 'tok', leaseMs: 1_000 });
      expect(claimed.map((j) => j.id)).toEqual([b, d, a, e, c].map((x) => x?.id));
    });

    it('priority: a worker with concurrency 1 runs jobs in priority order', async () => {
      const spool = await h.open();
      await spool.enqueue('q', 'low', null, { priority: -1 });
      await spool.enqueue('q', 'mid');
      await spool.enqueue('q', 'high', null, { priority: 5 });
      const order: string[] = [];
      spool.work('q', (_p, ctx) => {
        order.push(ctx.job.name);
      });
      await eventually(() => order.length === 3);
      expect(order).toEqual(['high', 'mid', 'low']);
    });

    it('stores maxAttempts, backoff, timeout and metadata as given', async () => {
      const spool = await h.open();
      const metadata = { tenant: 'acme', tags: ['a', 'b'], nested: { n: 1, ok: true, none: null } };
      const { job } = await spool.enqueue('q', 'n', null, {
        maxAttempts: 7,
        backoff: { type: 'fixed', base: '2s', cap: '10s' },
        timeout: '1m',
        metadata,
      });
      expect(job).toMatchObject({ maxAttempts: 7, backoff: { type: 'fixed', base: 2_000, cap: 10_000 }, timeout: 60_000, metadata });
      expect(await spool.getJob(job.id)).toMatchObject({
        maxAttempts: 7,
        backoff: { type: 'fixed', base: 2_000, cap: 10_000 },
        timeout: 60_000,
        metadata,
      });
    });

    it('createSpool defaults apply to jobs that do not say otherwise', async () => {
      const spool = await h.open({ defaults: { maxAttempts: 5, backoff: { type: 'fixed', base: 100, cap: 100 }, timeout: '10s' } });
      const { job } = await spool.enqueue('q', 'n');
      expect(job).toMatchObject({ maxAttempts: 5, backoff: { type: 'fixed', base: 100, cap: 100 }, timeout: 10_000 });
      const { job: own } = await spool.enqueue('q', 'n', null, { maxAttempts: 2, timeout: null });
      expect(own).toMatchObject({ maxAttempts: 2, timeout: null });
    });

    it('idempotencyKey: enqueueing again returns the existing job, never a second one', async () => {
      const spool = await h.open();
      const first = await spool.enqueue('q', 'n', { v: 1 }, { idempotencyKey: 'order-42' });
      const again = await spool.enqueue('q', 'n', { v: 2 }, { idempotencyKey: 'order-42' });
      expect(first.created).toBe(true);
      expect(again.created).toBe(false);
      expect(again.id).toBe(first.id);
      expect(again.job.payload).toEqual({ v: 1 });
      expect(again.job.idempotencyKey).toBe('order-42');
      const otherQueue = await spool.enqueue('other', 'n', { v: 3 }, { idempotencyKey: 'order-42' });
      expect(otherQueue.created).toBe(true);
      expect(otherQueue.id).not.toBe(first.id);
      expect((await spool.listJobs()).jobs).toHaveLength(2);
    });

    it('idempotencyKey: a key that is already finished still returns the existing job', async () => {
      const spool = await h.open();
      const first = await spool.enqueue('q', 'n', null, { idempotencyKey: 'k' });
      spool.work('q', () => 'ran');
      await spool.waitFor(first.id, { timeout: 5_000 });
      const again = await spool.enqueue('q', 'n', null, { idempotencyKey: 'k' });
      expect(again).toMatchObject({ id: first.id, created: false });
      expect(again.job.status).toBe('completed');
    });

    it('idempotencyKey: a batch that repeats a key stores one job and returns it for both items', async () => {
      const spool = await h.open();
      const existing = await spool.enqueue('q', 'n', { v: 0 }, { idempotencyKey: 'old' });
      const handles = await spool.enqueueMany([
        { queue: 'q', name: 'n', payload: { v: 1 }, options: { idempotencyKey: 'dup' } },
        { queue: 'q', name: 'n', payload: { v: 2 } },
        { queue: 'q', name: 'n', payload: { v: 3 }, options: { idempotencyKey: 'dup' } },
        { queue: 'q', name: 'n', payload: { v: 4 }, options: { idempotencyKey: 'old' } },
      ]);
      expect(handles.map((x) => x.created)).toEqual([true, true, false, false]);
      expect(handles[2]?.id).toBe(handles[0]?.id);
      expect(handles[2]?.job.payload).toEqual({ v: 1 });
      expect(handles[3]?.id).toBe(existing.id);
      expect(handles[1]?.job.payload).toEqual({ v: 2 });
      expect((await spool.listJobs()).jobs).toHaveLength(3);
    });

    it('idempotencyKey: 20 concurrent enqueues with one key, from several Spools, create exactly one job', async () => {
      const spools = await Promise.all([h.open(), h.open(), h.open(), h.open()]);
      const handles = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (spools[i % 4] as (typeof spools)[number]).enqueue('q', 'charge', { attempt: i }, { idempotencyKey: 'payment-7' }),
        ),
      );
      const ids = new Set(handles.map((x) => x.id));
      expect(ids.size).toBe(1);
      expect(handles.filter((x) => x.created)).toHaveLength(1);
      const winner = handles.find((x) => x.created);
      for (const handle of handles) expect(handle.job.payload).toEqual(winner?.job.payload);
      expect(await spools[0]?.counts('q')).toEqual({ q: { waiting: 1, active: 0, completed: 0, failed: 0, cancelled: 0, expired: 0 } });
    });

    it('a second Spool on the same store sees the same jobs', async () => {
      const a = await h.open();
      const handle = await a.enqueue('q', 'n', { from: 'a' });
      const b = await createSpool(h.options());
      try {
        expect((await b.getJob(handle.id))?.payload).toEqual({ from: 'a' });
      } finally {
        await b.close();
      }
    });
  });
}
