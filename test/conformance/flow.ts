/**
 * Flow control on every store: pause and resume across Spools, max depth with a retry-after
 * estimate and waiting for room, concurrency caps across processes, per-key caps with keys taking
 * turns, rate limits across connections on the manual clock, shared circuit breakers that defer
 * without spending attempts, expiry, and the errors bad policies get.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { planClaim } from '../../src/policies/claim-plan.js';
import { QueueFullError, RateLimitedError, type Spool, isSpoolError, systemClock } from '../helpers/api.js';
import { delay, eventually } from '../helpers/eventually.js';
import { WorkerProcess, killAllWorkerProcesses } from '../helpers/processes.js';
import { type Harness, T0, caught, recordEvents } from './harness.js';

export function flowTests(h: Harness): void {
  describe('flow control', () => {
    it('pause stops claims in every Spool within a poll; resume starts them again; paused queues keep accepting', async () => {
      const admin = await h.open();
      const workerSpool = await h.open();
      const ran: string[] = [];
      workerSpool.work('q', (payload: string) => void ran.push(payload));
      await admin.pause('q');
      await delay(2_200); // past the worker's view of the queue (refreshed every 2 s)
      await admin.enqueue('q', 'n', 'while paused');
      await delay(300);
      expect(ran).toEqual([]);
      expect((await admin.queue('q')).paused).toBe(true);
      await admin.resume('q');
      await eventually(() => ran.includes('while paused'), 5_000);
      await admin.pause('q', { refuse: true });
      const refused = await caught(() => admin.enqueue('q', 'n', 'refused'));
      expect(refused).toBeInstanceOf(QueueFullError);
      expect(refused).toMatchObject({ code: 'SPOOL_QUEUE_PAUSED', retryAfterMs: 30_000 });
      expect(refused.message).toMatch(/paused and refuses new jobs/);
    });

    it('maxDepth: past it enqueue answers QueueFullError with a retry-after estimate; waitForRoom waits for room', async () => {
      const spool = await h.open();
      await spool.configureQueue('bounded', { maxDepth: 3 });
      await spool.enqueueMany([1, 2, 3].map((n) => ({ queue: 'bounded', name: 'n', payload: n })));
      const full = await caught(() => spool.enqueue('bounded', 'n', 4));
      expect(full).toBeInstanceOf(QueueFullError);
      expect(full).toMatchObject({ code: 'SPOOL_QUEUE_FULL', queue: 'bounded' });
      expect(full.retryAfterMs).toBeGreaterThanOrEqual(1_000);
      expect(full.message).toMatch(/Queue "bounded" is full: 3 job\(s\) wait and its max depth is 3\. Try again in about \d+ s/);
      const batch = await caught(() =>
        spool.enqueueMany([
          { queue: 'bounded', name: 'n' },
          { queue: 'other', name: 'n' },
        ]),
      );
      expect(batch).toBeInstanceOf(QueueFullError);
      expect((await spool.counts('other')).other).toBeUndefined(); // all or none
      const waiting = spool.enqueue('bounded', 'n', 'patient', { waitForRoom: '10s' });
      await delay(300);
      spool.work('bounded', () => 'done');
      await expect(waiting).resolves.toMatchObject({ created: true });
      const short = await h.open();
      await short.configureQueue('tiny', { maxDepth: 1 });
      await short.enqueue('tiny', 'n');
      const started = Date.now();
      await expect(short.enqueue('tiny', 'n', null, { waitForRoom: 300 })).rejects.toBeInstanceOf(QueueFullError);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    });

    it('a concurrency cap holds across Spools: never more than N running at once', async () => {
      const spools = await Promise.all([h.open(), h.open()]);
      await spools[0]?.configureQueue('capped', { concurrency: 3 });
      let running = 0;
      let most = 0;
      const handler = async () => {
        running++;
        most = Math.max(most, running);
        await delay(15);
        running--;
      };
      for (const spool of spools) spool.work('capped', handler, { concurrency: 10 });
      const jobs = await (spools[0] as Spool).enqueueMany(
        Array.from({ length: 30 }, (_, n) => ({ queue: 'capped', name: 'n', payload: n })),
      );
      await Promise.all(jobs.map((j) => j.wait({ timeout: 20_000 })));
      expect(most).toBe(3);
    });

    it('per-key caps: a key with one job starts before another key drains its backlog', async () => {
      const spool = await h.open();
      await spool.configureQueue('tenants', { keyConcurrency: 1 });
      const order: string[] = [];
      await spool.enqueueMany(
        Array.from({ length: 50 }, (_, n) => ({ queue: 'tenants', name: 'n', payload: `big-${n}`, options: { concurrencyKey: 'big' } })),
      );
      await spool.enqueue('tenants', 'n', 'small-0', { concurrencyKey: 'small' });
      spool.work(
        'tenants',
        async (payload: string) => {
          order.push(payload);
          await delay(2);
        },
        { concurrency: 4 },
      );
      await eventually(() => order.length === 51, 15_000);
      expect(order.indexOf('small-0')).toBeLessThan(5);
      expect(order.filter((p) => p.startsWith('big')).slice(0, 5)).toEqual(['big-0', 'big-1', 'big-2', 'big-3', 'big-4']);
    });

    it('a rate limit of 50/s holds within 5% across two connections over 10 s of the manual clock', async () => {
      const spools = await Promise.all([h.open(), h.open()]);
      await spools[0]?.configureQueue('limited', { rateLimit: { limit: 50, per: '1s' } });
      await (spools[0] as Spool).enqueueMany(Array.from({ length: 1_000 }, (_, n) => ({ queue: 'limited', name: 'n', payload: n })));
      let started = 0;
      let token = 0;
      for (let step = 0; step < 500; step++) {
        for (const spool of spools) {
          const { jobs } = await (spool.store.limits as NonNullable<Spool['store']['limits']>).claimGuarded(
            { queue: 'limited', limit: 10, workerId: 'w', token: `t${token++}`, leaseMs: 60_000, candidates: 40 },
            (snapshot) => planClaim(snapshot, 10),
          );
          started += jobs.length;
        }
        h.clock.advance(20);
      }
      expect(started).toBeGreaterThanOrEqual(475);
      expect(started).toBeLessThanOrEqual(525);
    });

    it('a shared breaker opened through one Spool defers the jobs it guards in another, spending no attempt; one probe, then closed', async () => {
      const producer = await h.open();
      const other = await h.open();
      const events = recordEvents(producer);
      await producer.defineBreaker('partner', { failures: 3, cooldown: '30s', probes: 1 });
      await producer.configureQueue('pay', { breakers: { charge: 'partner' } });
      let partnerUp = false;
      const calls: number[] = [];
      const probe = h.gate();
      producer.work(
        'pay',
        {
          charge: async (n: number) => {
            calls.push(n);
            if (!partnerUp) throw Object.assign(new Error('partner unreachable'), { code: 'ECONNREFUSED' });
            if (n === 100) await probe.promise;
            return 'charged';
          },
          email: async () => 'sent',
        },
        { concurrency: 4 },
      );
      // Three failures in a row (these jobs have one attempt each) open it.
      for (let n = 0; n < 3; n++) await producer.enqueue('pay', 'charge', n, { maxAttempts: 1 });
      await eventually(async () => (await other.breakers())[0]?.state?.status === 'open', 10_000);
      expect(events.of('breaker')).toEqual([
        expect.objectContaining({ breaker: 'partner', from: 'closed', to: 'open', reason: '3 failures in a row' }),
      ]);
      // Enqueued through another Spool while open: deferred to the end of the cool-down, not run, no
      // attempt spent; jobs of other names run as usual.
      const guarded = [];
      for (const n of [100, 101, 102]) guarded.push(await other.enqueue('pay', 'charge', n, { maxAttempts: 10 }));
      const mail = await other.enqueue('pay', 'email', null);
      await expect(other.waitFor(mail.id, { timeout: 5_000 })).resolves.toBe('sent');
      await delay(300);
      expect(calls).toEqual([0, 1, 2]);
      for (const { id } of guarded) expect(await other.getJob(id)).toMatchObject({ status: 'waiting', attempts: 0, runAt: T0 + 30_000 });
      expect((await other.queue('pay')).breakers).toEqual([
        expect.objectContaining({ name: 'partner', status: 'open', until: T0 + 30_000 }),
      ]);
      // After the cool-down exactly one probe runs; while it runs the others wait; its success closes it.
      partnerUp = true;
      h.clock.advance(30_000);
      await eventually(() => calls.length === 4, 10_000);
      await delay(300);
      expect(calls).toEqual([0, 1, 2, 100]);
      probe.open();
      await Promise.all(guarded.map((g) => other.waitFor(g.id, { timeout: 10_000 })));
      expect((await other.breakers())[0]?.state?.status).toBe('closed');
      for (const { id } of guarded) expect((await other.getJob(id))?.attempts).toBe(1);
      expect(events.of('breaker').map((e) => e.to)).toEqual(['open', 'half-open', 'closed']);
      // Each change is also an event on the internal topic spool.breakers, for alerts and webhooks.
      await eventually(async () => (await other.eventLog('spool.breakers')).events.length === 3);
      expect((await other.eventLog('spool.breakers')).events.map((e) => [e.name, e.key])).toEqual([
        ['breaker.open', 'partner'],
        ['breaker.half-open', 'partner'],
        ['breaker.closed', 'partner'],
      ]);
    });

    it('RateLimitedError sends the job back without spending an attempt and shuts its key’s window', async () => {
      const spool = await h.open();
      await spool.configureQueue('api', { rateLimit: { limit: 100, per: '1s', key: 'tenant' } });
      let calls = 0;
      spool.work('api', async (payload: { tenant: string }) => {
        calls++;
        if (payload.tenant === 'a' && calls === 1) throw new RateLimitedError('5');
        return payload.tenant;
      });
      const a = await spool.enqueue('api', 'n', { tenant: 'a' }, { maxAttempts: 1 });
      await eventually(async () => (await spool.getJob(a.id))?.runAt === T0 + 5_000);
      expect(await spool.getJob(a.id)).toMatchObject({ status: 'waiting', attempts: 0 });
      await eventually(async () => (await spool.store.limits?.rateWindows('api'))?.a?.blockedUntil === T0 + 5_000);
      const a2 = await spool.enqueue('api', 'n', { tenant: 'a' });
      const b = await spool.enqueue('api', 'n', { tenant: 'b' });
      await expect(spool.waitFor(b.id, { timeout: 5_000 })).resolves.toBe('b');
      expect((await spool.getJob(a2.id))?.status).toBe('waiting');
      h.clock.advance(5_000);
      await expect(spool.waitFor(a.id, { timeout: 5_000 })).resolves.toBe('a');
      await expect(spool.waitFor(a2.id, { timeout: 5_000 })).resolves.toBe('a');
    });

    it('expiry: a job not started by its expiresAt becomes expired and never runs', async () => {
      const spool = await h.open();
      const events = recordEvents(spool);
      const ran: unknown[] = [];
      const stale = await spool.enqueue('q', 'n', 'stale', { expiresIn: '1m', delay: '2m' });
      const fresh = await spool.enqueue('q', 'n', 'fresh', { expiresAt: T0 + 600_000 });
      expect(stale.job.expiresAt).toBe(T0 + 60_000);
      h.clock.advance(120_000);
      expect(await spool.rescueExpired()).toBe(0);
      spool.work('q', (payload) => void ran.push(payload));
      await expect(spool.waitFor(fresh.id, { timeout: 5_000 })).resolves.toBeNull();
      expect(await spool.getJob(stale.id)).toMatchObject({ status: 'expired', finishedAt: T0 + 120_000 });
      expect(ran).toEqual(['fresh']);
      expect(events.of('expired').map((e) => e.job.id)).toEqual([stale.id]);
      expect((await spool.counts('q')).q?.expired).toBe(1);
      const both = await caught(() => spool.enqueue('q', 'n', null, { expiresIn: '1m', expiresAt: T0 }));
      expect(both.message).toMatch(/either expiresIn or expiresAt/);
    });

    it('dedupe: one job per key within the window, a new one after it', async () => {
      const spool = await h.open();
      const first = await spool.enqueue('q', 'n', 1, { dedupe: { key: 'report:42', ttl: '10m' } });
      const again = await spool.enqueue('q', 'n', 2, { dedupe: { key: 'report:42', ttl: '10m' } });
      expect(again).toMatchObject({ id: first.id, created: false });
      expect(again.job.payload).toBe(1);
      const other = await spool.enqueue('q', 'n', 3, { dedupe: { key: 'report:43', ttl: '10m' } });
      expect(other.created).toBe(true);
      h.clock.advance(600_001);
      const later = await spool.enqueue('q', 'n', 4, { dedupe: { key: 'report:42', ttl: '10m' } });
      expect(later.created).toBe(true);
      expect(later.id).not.toBe(first.id);
    });

    it('singleton: one waiting and one running per key; enqueueing again while one waits returns it', async () => {
      const spool = await h.open();
      const gate = h.gate();
      const started: number[] = [];
      spool.work(
        'q',
        async (n: number) => {
          started.push(n);
          await gate.promise;
        },
        { concurrency: 5 },
      );
      const first = await spool.enqueue('q', 'sync', 1, { singleton: 'tenant-a' });
      await eventually(() => started.length === 1);
      const second = await spool.enqueue('q', 'sync', 2, { singleton: 'tenant-a' });
      const third = await spool.enqueue('q', 'sync', 3, { singleton: 'tenant-a' });
      expect(second.created).toBe(true);
      expect(third).toMatchObject({ id: second.id, created: false });
      await delay(200);
      expect(started).toEqual([1]); // the second waits for the first
      gate.open();
      await spool.waitFor(second.id, { timeout: 5_000 });
      expect(started).toEqual([1, 2]);
      expect((await spool.getJob(first.id))?.status).toBe('completed');
    });

    it('debounce: the waiting job takes the newest payload and runs later, but no later than maxWait', async () => {
      const spool = await h.open();
      const first = await spool.enqueue('q', 'n', { v: 1 }, { debounce: { key: 'k', delay: '10s', maxWait: '25s' } });
      expect(first.job.runAt).toBe(T0 + 10_000);
      h.clock.advance(8_000);
      const second = await spool.enqueue('q', 'n', { v: 2 }, { debounce: { key: 'k', delay: '10s', maxWait: '25s' } });
      expect(second).toMatchObject({ id: first.id, created: false, replaced: true });
      expect(await spool.getJob(first.id)).toMatchObject({ payload: { v: 2 }, runAt: T0 + 18_000 });
      h.clock.advance(10_000);
      await spool.enqueue('q', 'n', { v: 3 }, { debounce: { key: 'k', delay: '10s', maxWait: '25s' } });
      expect(await spool.getJob(first.id)).toMatchObject({ payload: { v: 3 }, runAt: T0 + 25_000 }); // capped by maxWait
      const ran: unknown[] = [];
      spool.work('q', (payload) => void ran.push(payload));
      h.clock.advance(7_000);
      await spool.waitFor(first.id, { timeout: 5_000 });
      expect(ran).toEqual([{ v: 3 }]);
      const mixed = await caught(() => spool.enqueue('q', 'n', null, { singleton: 'x', idempotencyKey: 'y' }));
      expect(mixed.message).toMatch(/only one of idempotencyKey, dedupe, debounce and singleton/);
    });

    it('refuses policies that cannot work, saying what to change', async () => {
      const spool = await h.open();
      const zero = await caught(() => spool.configureQueue('q', { concurrency: 0 }));
      expect(zero.message).toMatch(/concurrency: must be at least 1; remove the limit with null/);
      const window = await caught(() => spool.configureQueue('q', { rateLimit: { limit: 5, per: 0 } }));
      expect(window.message).toMatch(/rateLimit\.per must be longer than 0/);
      const depth = await caught(() => spool.configureQueue('q', { maxDepth: -1 }));
      expect(depth.message).toMatch(/maxDepth: must be at least 1/);
      const unknown = await caught(() => spool.configureQueue('q', { breaker: 'nobody' }));
      expect(unknown.message).toMatch(/names the breaker "nobody", which is not defined; define it first/);
      const badBreaker = await caught(() => spool.defineBreaker('b', { failureRatio: { ratio: 2, minCalls: 5, window: '1m' } }));
      expect(isSpoolError(badBreaker, 'SPOOL_INVALID_ARGUMENT')).toBe(true);
      expect(badBreaker.message).toMatch(/failureRatio\.ratio: must be at most 1/);
      // A cleared limit is gone from the stored policy.
      await spool.configureQueue('q', { concurrency: 2, maxDepth: 10 });
      const cleared = await spool.configureQueue('q', { concurrency: null, maxDepth: null });
      expect(cleared).toMatchObject({ policy: {}, maxDepth: null, guarded: false });
    });
  });

  describe('flow control across worker processes', () => {
    let dir = '';
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'spool-flow-'));
    });
    afterEach(async () => {
      await killAllWorkerProcesses();
      rmSync(dir, { recursive: true, force: true });
    });

    it('a concurrency cap of 3 is never exceeded by two worker processes', { timeout: 60_000 }, async () => {
      const spool = await h.open({ clock: systemClock });
      await spool.configureQueue('mp-capped', { concurrency: 3 });
      const runs = join(dir, 'runs.log');
      // Two slots each: together they could run 4, so the cap binds, and neither can hold all 3
      // (a worker looks again the moment its own completion lands, so with 5 slots one process
      // could keep every turn and the other would never show that the cap is shared).
      await Promise.all([
        WorkerProcess.start(h.url, h.schema, 'mp-capped', 'span', { runs, sleep: 20, concurrency: 2, poll: 20 }),
        WorkerProcess.start(h.url, h.schema, 'mp-capped', 'span', { runs, sleep: 20, concurrency: 2, poll: 20 }),
      ]);
      await spool.enqueueMany(Array.from({ length: 60 }, (_, n) => ({ queue: 'mp-capped', name: 'n', payload: n })));
      await eventually(async () => (await spool.counts('mp-capped'))['mp-capped']?.completed === 60, 40_000, 100);
      const lines = readFileSync(runs, 'utf8').trim().split('\n');
      let running = 0;
      let most = 0;
      for (const line of lines) {
        running += line.startsWith('start') ? 1 : -1;
        most = Math.max(most, running);
      }
      expect(most).toBeLessThanOrEqual(3);
      expect(most).toBeGreaterThanOrEqual(2);
      expect(new Set(lines.filter((l) => l.startsWith('start')).map((l) => l.split(' ')[2])).size).toBe(2);
    });
  });
}
