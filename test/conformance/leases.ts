/** Leases, fencing, heartbeats, release, lease expiry on the injected clock, graceful shutdown in-process, and retention. */
import { describe, expect, it } from 'vitest';
import { type ClaimedJob, isSpoolError, type Spool } from '../helpers/api.js';
import { aborted, eventually, until } from '../helpers/eventually.js';
import { type Harness, T0, recordEvents } from './harness.js';

function claim(
  spool: Spool,
  token: string,
  options: { queue?: string; limit?: number; leaseMs?: number; names?: string[] } = {},
): Promise<ClaimedJob[]> {
  return spool.store.claim({
    queue: options.queue ?? 'q',
    names: options.names,
    limit: options.limit ?? 10,
    workerId: `worker-${token}`,
    token,
    leaseMs: options.leaseMs ?? 1_000,
  });
}

export function leaseTests(h: Harness): void {
  describe('leases and fencing (store level)', () => {
    it('claim takes a lease with the given token and worker id, and counts an attempt', async () => {
      const spool = await h.open();
      const { id } = await spool.enqueue('q', 'n', { x: 1 });
      const [job, ...rest] = await claim(spool, 'tok-1', { leaseMs: 5_000 });
      expect(rest).toEqual([]);
      expect(job).toMatchObject({
        id,
        token: 'tok-1',
        status: 'active',
        attempts: 1,
        workerId: 'worker-tok-1',
        leaseExpiresAt: T0 + 5_000,
        startedAt: T0,
        payload: { x: 1 },
      });
      expect(await claim(spool, 'tok-2')).toEqual([]);
    });

    it('claim respects the limit, the queue and the job names', async () => {
      const spool = await h.open();
      await spool.enqueueMany([
        { queue: 'q', name: 'a' },
        { queue: 'q', name: 'b' },
        { queue: 'q', name: 'a' },
        { queue: 'other', name: 'a' },
      ]);
      expect(await claim(spool, 't1', { limit: 1 })).toHaveLength(1);
      const named = await claim(spool, 't2', { names: ['b'] });
      expect(named.map((j) => j.name)).toEqual(['b']);
      const rest = await claim(spool, 't3');
      expect(rest.map((j) => [j.queue, j.name])).toEqual([['q', 'a']]);
    });

    it('fencing: after the lease expires and another claim takes the job, the old token can neither complete nor fail it', async () => {
      const spool = await h.open();
      const { id } = await spool.enqueue('q', 'n', null, { maxAttempts: 3 });
      const [first] = await claim(spool, 'old', { leaseMs: 1_000 });
      expect(first?.token).toBe('old');
      h.clock.advance(1_001);
      expect(await spool.store.rescueExpired()).toBe(1);
      const rescued = await spool.getJob(id);
      expect(rescued).toMatchObject({ status: 'waiting', attempts: 1, leaseExpiresAt: null });
      expect(rescued?.errors[0]).toMatchObject({ code: 'SPOOL_LEASE_EXPIRED', attempt: 1 });
      const [second] = await claim(spool, 'new', { leaseMs: 1_000 });
      expect(second).toMatchObject({ id, token: 'new', attempts: 2 });
      const now = h.clock.now();
      expect(await spool.store.complete([{ id, token: 'old', result: '"stale"' }])).toEqual([]);
      expect(await spool.store.fail([{ id, token: 'old', error: { message: 'stale', attempt: 1 }, retryInMs: null }])).toEqual([]);
      expect(await spool.store.heartbeat([{ id, token: 'old' }], 60_000)).toEqual({ kept: [], lost: [{ id, reason: 'taken' }] });
      expect(await spool.store.progress({ id, token: 'old' }, { value: 99 })).toBe(false);
      expect(await spool.store.release([{ id, token: 'old' }])).toEqual([]);
      expect(await spool.getJob(id)).toMatchObject({ status: 'active', result: null, attempts: 2, progress: null });
      expect(await spool.store.complete([{ id, token: 'new', result: '"fresh"' }])).toEqual([{ id, at: now }]);
      expect(await spool.getJob(id)).toMatchObject({ status: 'completed', result: 'fresh', finishedAt: now });
    });

    it('claim leaves alone the jobs it is told to exclude (a worker still has them in hand)', async () => {
      const spool = await h.open();
      const [a, b, c] = await spool.enqueueMany([
        { queue: 'q', name: 'a' },
        { queue: 'q', name: 'b' },
        { queue: 'q', name: 'a' },
      ]);
      const exclude = [a?.id as string, b?.id as string];
      expect(
        (await spool.store.claim({ queue: 'q', limit: 10, workerId: 'w', token: 't1', leaseMs: 1_000, exclude })).map((j) => j.id),
      ).toEqual([c?.id]);
      const named = await spool.store.claim({
        queue: 'q',
        names: ['a', 'b'],
        limit: 10,
        workerId: 'w',
        token: 't2',
        leaseMs: 1_000,
        exclude: [a?.id as string],
      });
      expect(named.map((j) => j.id)).toEqual([b?.id]);
      expect((await claim(spool, 't3')).map((j) => j.id)).toEqual([a?.id]);
    });

    it('a lease that has not expired is not rescued', async () => {
      const spool = await h.open();
      const { id } = await spool.enqueue('q', 'n');
      await claim(spool, 'tok', { leaseMs: 1_000 });
      h.clock.advance(999);
      expect(await spool.store.rescueExpired()).toBe(0);
      expect((await spool.getJob(id))?.status).toBe('active');
    });

    it('a job whose lease expires on its last attempt is failed with a lease-expired error', async () => {
      const spool = await h.open();
      const { id } = await spool.enqueue('q', 'n', null, { maxAttempts: 1 });
      await claim(spool, 'tok', { leaseMs: 1_000 });
      h.clock.advance(5_000);
      expect(await spool.store.rescueExpired()).toBe(1);
      const job = await spool.getJob(id);
      expect(job).toMatchObject({ status: 'failed', attempts: 1, finishedAt: T0 + 5_000 });
      expect(job?.errors).toEqual([expect.objectContaining({ code: 'SPOOL_LEASE_EXPIRED', attempt: 1, final: true })]);
      expect(job?.errors[0]?.message).toMatch(/lease/i);
    });

    it('heartbeat extends the lease; a stale token cannot', async () => {
      const spool = await h.open();
      const { id } = await spool.enqueue('q', 'n');
      await claim(spool, 'tok', { leaseMs: 1_000 });
      h.clock.advance(800);
      expect(await spool.store.heartbeat([{ id, token: 'tok' }], 1_000)).toEqual({ kept: [id], lost: [] });
      expect((await spool.getJob(id))?.leaseExpiresAt).toBe(T0 + 1_800);
      expect(await spool.store.heartbeat([{ id, token: 'other' }], 60_000)).toEqual({ kept: [], lost: [{ id, reason: 'taken' }] });
      h.clock.advance(900); // T0 + 1700: past the first lease, inside the extended one
      expect(await spool.store.rescueExpired()).toBe(0);
      expect((await spool.getJob(id))?.status).toBe('active');
      h.clock.advance(200); // T0 + 1900
      expect(await spool.store.rescueExpired()).toBe(1);
      expect((await spool.getJob(id))?.status).toBe('waiting');
    });

    it('release returns jobs to waiting without spending an attempt', async () => {
      const spool = await h.open();
      const { id } = await spool.enqueue('q', 'n', null, { maxAttempts: 1 });
      await claim(spool, 'tok');
      expect(await spool.store.release([{ id, token: 'wrong' }])).toEqual([]);
      expect(await spool.store.release([{ id, token: 'tok' }])).toEqual([id]);
      expect(await spool.getJob(id)).toMatchObject({ status: 'waiting', attempts: 0, leaseExpiresAt: null, workerId: null, errors: [] });
      const [again] = await claim(spool, 'tok-2');
      expect(again).toMatchObject({ id, attempts: 1 });
    });

    it('parallel claims from several connections never hand out the same job twice', async () => {
      const spools = await Promise.all([h.open(), h.open(), h.open()]);
      const first = spools[0] as Spool;
      await first.enqueueMany(Array.from({ length: 60 }, (_, i) => ({ queue: 'q', name: 'n', payload: i })));
      const batches = await Promise.all(Array.from({ length: 9 }, (_, i) => claim(spools[i % 3] as Spool, `t${i}`, { limit: 10 })));
      const ids = batches.flat().map((j) => j.id);
      expect(ids).toHaveLength(60);
      expect(new Set(ids).size).toBe(60);
    });
  });

  describe('leases (worker level)', () => {
    it('a worker that lost its lease gets SPOOL_LEASE_LOST on its signal and cannot record an outcome', async () => {
      const spool = await h.open();
      const reasons: unknown[] = [];
      const worker = spool.work(
        'q',
        async (_p, ctx) => {
          reasons.push(await aborted(ctx.signal));
          return 'late result from the old lease';
        },
        { lease: 1_000, heartbeatInterval: 300, pollInterval: '60s' },
      );
      const { id } = await spool.enqueue('q', 'n', null, { maxAttempts: 3 });
      await eventually(async () => (await spool.getJob(id))?.status === 'active');
      // Move time past the lease and take the job, until the expiry wins over the worker's heartbeats.
      const taken = await until(async () => {
        h.clock.advance(5_000);
        await spool.store.rescueExpired();
        const [job] = await claim(spool, 'thief', { leaseMs: 600_000 });
        return job;
      });
      expect(taken).toMatchObject({ id, attempts: 2 });
      await eventually(() => reasons.length === 1);
      expect(isSpoolError(reasons[0], 'SPOOL_LEASE_LOST')).toBe(true);
      await worker.close({ timeout: 2_000 });
      expect(await spool.getJob(id)).toMatchObject({ status: 'active', result: null, attempts: 2, workerId: 'worker-thief' });
      expect((await spool.store.complete([{ id, token: 'thief', result: '"mine"' }])).map((c) => c.id)).toEqual([id]);
    });

    it('a worker heartbeats: a job running longer than its lease is not taken back', async () => {
      const spool = await h.open();
      const finish = h.gate();
      spool.work('q', () => finish.promise.then(() => 'kept'), { lease: 1_000, heartbeatInterval: 50 });
      const { id } = await spool.enqueue('q', 'n');
      await eventually(async () => (await spool.getJob(id))?.status === 'active');
      for (let i = 0; i < 5; i++) {
        h.clock.advance(600);
        const before = h.clock.now();
        await eventually(async () => ((await spool.getJob(id))?.leaseExpiresAt ?? 0) >= before + 1_000);
        expect(await spool.store.rescueExpired()).toBe(0);
      }
      finish.open();
      await expect(spool.waitFor(id, { timeout: 5_000 })).resolves.toBe('kept');
      expect((await spool.getJob(id))?.attempts).toBe(1);
    });

    it('a worker takes back jobs whose lease expired (a crashed worker loses nothing)', async () => {
      const spool = await h.open();
      const { id } = await spool.enqueue('q', 'n');
      await claim(spool, 'crashed-worker', { leaseMs: 1_000 });
      h.clock.advance(1_001);
      spool.work('q', (_p, ctx) => `rescued on attempt ${ctx.attempt}`, { lease: 1_000 });
      await expect(spool.waitFor(id, { timeout: 5_000 })).resolves.toBe('rescued on attempt 2');
      const job = await spool.getJob(id);
      expect(job?.errors).toEqual([expect.objectContaining({ code: 'SPOOL_LEASE_EXPIRED', attempt: 1 })]);
    });
  });

  describe('graceful shutdown (in-process)', () => {
    it('close() lets an in-flight job finish within the deadline, then stops claiming', async () => {
      const spool = await h.open();
      const started = h.gate();
      const finish = h.gate();
      const worker = spool.work('q', async () => {
        started.open();
        await finish.promise;
        return 'finished';
      });
      const { id } = await spool.enqueue('q', 'n');
      await started.promise;
      const closing = worker.close({ timeout: 5_000 });
      const later = await spool.enqueue('q', 'n');
      finish.open();
      await closing;
      expect(await spool.getJob(id)).toMatchObject({ status: 'completed', result: 'finished' });
      expect(await spool.getJob(later.id)).toMatchObject({ status: 'waiting', attempts: 0 });
      await worker.close(); // idempotent
    });

    it('close() past the deadline aborts with SPOOL_SHUTDOWN and returns the job without spending an attempt', async () => {
      const spool = await h.open();
      const events = recordEvents(spool);
      const reasons: unknown[] = [];
      const worker = spool.work('q', async (_p, ctx) => {
        reasons.push(await aborted(ctx.signal));
        await new Promise(() => {}); // ignores the abort too
      });
      const { id } = await spool.enqueue('q', 'n', null, { maxAttempts: 1 });
      await eventually(async () => (await spool.getJob(id))?.status === 'active');
      const started = Date.now();
      await worker.close({ timeout: 200 });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(isSpoolError(reasons[0], 'SPOOL_SHUTDOWN')).toBe(true);
      expect(await spool.getJob(id)).toMatchObject({ status: 'waiting', attempts: 0, errors: [], leaseExpiresAt: null });
      expect(events.of('failed', id)).toEqual([]);
      expect(events.of('retrying', id)).toEqual([]);
    });
  });

  describe('retention', () => {
    async function finish(spool: Spool, status: 'completed' | 'failed' | 'cancelled'): Promise<string> {
      const { id } = await spool.enqueue('q', status, null, { maxAttempts: 1 });
      if (status === 'cancelled') {
        await spool.cancel(id);
        return id;
      }
      const [job] = await spool.store.claim({
        queue: 'q',
        names: [status],
        limit: 1,
        workerId: 'w',
        token: `t-${id}`,
        leaseMs: 60_000,
      });
      expect(job?.id).toBe(id);
      if (status === 'completed')
        expect((await spool.store.complete([{ id, token: `t-${id}`, result: 'null' }])).map((c) => c.id)).toEqual([id]);
      else await spool.store.fail([{ id, token: `t-${id}`, error: { message: 'x', attempt: 1 }, retryInMs: null }]);
      expect((await spool.getJob(id))?.status).toBe(status);
      return id;
    }

    it('prune deletes finished jobs older than their retention and keeps newer ones and unfinished ones', async () => {
      const spool = await h.open({ retention: { completed: '1h', failed: '3h', cancelled: '30m' } });
      const oldWaiting = await spool.enqueue('q', 'waiting');
      const oldActive = await spool.enqueue('q', 'active');
      await claim(spool, 'holder', { names: ['active'], leaseMs: 86_400_000 });
      const oldCompleted = await finish(spool, 'completed');
      const oldFailed = await finish(spool, 'failed');
      const oldCancelled = await finish(spool, 'cancelled');
      h.clock.advance(2 * 3_600_000);
      const newCompleted = await finish(spool, 'completed');
      const newCancelled = await finish(spool, 'cancelled');
      expect(await spool.prune()).toBe(2); // the old completed and the old cancelled
      const remaining = (await spool.listJobs()).jobs.map((j) => j.id).sort();
      expect(remaining).toEqual([oldWaiting.id, oldActive.id, oldFailed, newCompleted, newCancelled].sort());
      expect(await spool.getJob(oldCompleted)).toBeNull();
      expect(await spool.getJob(oldCancelled)).toBeNull();
      h.clock.advance(2 * 3_600_000); // 4 h after the first batch
      expect(await spool.prune()).toBe(3); // old failed, new completed (2 h old), new cancelled
      expect((await spool.listJobs()).jobs.map((j) => j.id).sort()).toEqual([oldWaiting.id, oldActive.id].sort());
    });

    it('the default retention keeps completed jobs for a day and failed ones for a week', async () => {
      const spool = await h.open();
      const completed = await finish(spool, 'completed');
      const failed = await finish(spool, 'failed');
      h.clock.advance(86_400_000 - 1);
      expect(await spool.prune()).toBe(0);
      h.clock.advance(2);
      expect(await spool.prune()).toBe(1);
      expect(await spool.getJob(completed)).toBeNull();
      h.clock.advance(6 * 86_400_000);
      expect(await spool.prune()).toBe(1);
      expect(await spool.getJob(failed)).toBeNull();
    });
  });
}
