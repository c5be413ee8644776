/**
 * Durable workflows on every store: steps stored under the lease and replayed, not rerun; a step's
 * own retry policy; duplicate names; sleeps that hold no worker slot and end when the clock moves;
 * runs whose code changed; versions; and a workflow process SIGKILLed between two steps that
 * resumes in another process with each finished step run once.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Job, NonRetryableError, openStore, systemClock } from '../helpers/api.js';
import { eventually } from '../helpers/eventually.js';
import { WorkerProcess, killAllWorkerProcesses } from '../helpers/processes.js';
import { spool as cli } from '../cli/run.js';
import type { Harness } from './harness.js';

export function workflowTests(h: Harness): void {
  describe('workflows: durable steps and sleep', () => {
    it('a retried run returns stored steps without running them again, and the steps are listed with their results', async () => {
      const spool = await h.open();
      const ran: string[] = [];
      spool.work('orders', async (payload: { orderId: number }, ctx) => {
        const charge = await ctx.step('charge', () => {
          ran.push('charge');
          return { chargeId: `ch-${payload.orderId}` };
        });
        const reserved = await ctx.step('reserve', () => {
          ran.push('reserve');
          if (ctx.attempt === 1) throw new Error('stock service down');
          return 3;
        });
        await ctx.step('confirm', () => {
          ran.push('confirm');
        });
        return { charge, reserved };
      });
      const { id } = await spool.enqueue('orders', 'place', { orderId: 7 }, { backoff: { type: 'fixed', base: 1_000 } });
      await eventually(async () => {
        const job = await spool.getJob(id);
        return job?.status === 'waiting' && job.attempts === 1;
      });
      h.clock.advance(1_000);
      await expect(spool.waitFor(id, { timeout: 5_000 })).resolves.toEqual({ charge: { chargeId: 'ch-7' }, reserved: 3 });
      expect(ran).toEqual(['charge', 'reserve', 'reserve', 'confirm']);
      const steps = await spool.steps(id);
      expect(steps?.map((s) => [s.name, s.seq, s.kind, s.status, s.attempts])).toEqual([
        ['charge', 0, 'step', 'completed', 1],
        ['reserve', 1, 'step', 'completed', 2],
        ['confirm', 2, 'step', 'completed', 1],
      ]);
      expect(steps?.[0]).toMatchObject({ jobId: id, result: { chargeId: 'ch-7' }, error: null, until: null });
      expect(steps?.[2]?.result).toBeNull();
      expect(await spool.steps('999999')).toBeNull();
    });

    it('a step name used twice in one run fails the job with a message naming it', async () => {
      const spool = await h.open();
      spool.work('dup', async (_p, ctx) => {
        await ctx.step('send', () => 1);
        await ctx.step('send', () => 2);
      });
      const { id } = await spool.enqueue('dup', 'n', null, { maxAttempts: 3 });
      await eventually(async () => (await spool.getJob(id))?.status === 'failed');
      const job = (await spool.getJob(id)) as Job;
      expect(job.attempts).toBe(1);
      expect(job.errors[0]?.message).toMatch(/Step name "send" is used twice in one run of job \d+/);
      expect(job.errors[0]?.message).toMatch(/"send-2"/);
    });

    it("a step's own retry policy retries it without spending the job's attempts or holding the worker", async () => {
      const spool = await h.open();
      let calls = 0;
      spool.work('flaky', async (_p, ctx) =>
        ctx.step(
          'call',
          () => {
            calls++;
            if (calls < 3) throw new Error(`flaky ${calls}`);
            return 'ok';
          },
          { retry: { maxAttempts: 4, backoff: { type: 'fixed', base: 60_000, cap: 60_000 } } },
        ),
      );
      const { id } = await spool.enqueue('flaky', 'n', null, { maxAttempts: 1 });
      for (const attempt of [1, 2]) {
        await eventually(async () => (await spool.steps(id))?.[0]?.attempts === attempt && (await spool.getJob(id))?.status === 'waiting');
        const step = (await spool.steps(id))?.[0];
        expect(step).toMatchObject({ status: 'retrying', error: { message: `flaky ${attempt}` }, until: h.clock.now() + 60_000 });
        expect(await spool.getJob(id)).toMatchObject({ status: 'waiting', attempts: 0, runAt: h.clock.now() + 60_000 });
        h.clock.advance(60_000);
      }
      await expect(spool.waitFor(id, { timeout: 5_000 })).resolves.toBe('ok');
      expect(await spool.getJob(id)).toMatchObject({ attempts: 1, errors: [] });
      expect((await spool.steps(id))?.[0]).toMatchObject({ status: 'completed', attempts: 3, error: null });
    });

    it('a step that spends its own attempts fails the job for good, naming the step', async () => {
      const spool = await h.open();
      spool.work('doomed', async (_p, ctx) =>
        ctx.step(
          'call',
          () => {
            throw new Error('always');
          },
          { retry: { maxAttempts: 1 } },
        ),
      );
      const { id } = await spool.enqueue('doomed', 'n', null, { maxAttempts: 5 });
      await eventually(async () => (await spool.getJob(id))?.status === 'failed');
      expect((await spool.getJob(id))?.errors[0]?.message).toMatch(/Step "call" of job \d+ failed all 1 of its attempts; the last: always/);
      expect((await spool.steps(id))?.[0]).toMatchObject({ status: 'failed', attempts: 1, error: { message: 'always' } });
    });

    it('sleep suspends the job without holding a worker slot, and it resumes once the clock passes its time', async () => {
      const spool = await h.open();
      const ran: string[] = [];
      spool.work(
        'review',
        async (_p, ctx) => {
          if (ctx.job.name === 'plain') return 'plain done';
          await ctx.step('submit', () => ran.push('submit'));
          await ctx.sleep('wait-for-review', '3d');
          await ctx.step('publish', () => ran.push('publish'));
          return 'published';
        },
        { concurrency: 1 },
      );
      const { id } = await spool.enqueue('review', 'flow');
      await eventually(async () => {
        const job = await spool.getJob(id);
        return job?.status === 'waiting' && job.runAt > h.clock.now();
      });
      expect(await spool.getJob(id)).toMatchObject({
        status: 'waiting',
        attempts: 0,
        runAt: h.clock.now() + 3 * 86_400_000,
        workerId: null,
      });
      expect((await spool.steps(id))?.[1]).toMatchObject({
        name: 'wait-for-review',
        kind: 'sleep',
        status: 'sleeping',
        until: h.clock.now() + 3 * 86_400_000,
      });
      // The one slot is free: another job runs while the workflow sleeps.
      const plain = await spool.enqueue('review', 'plain');
      await expect(spool.waitFor(plain.id, { timeout: 5_000 })).resolves.toBe('plain done');
      h.clock.advance(3 * 86_400_000 - 1);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await spool.getJob(id))?.status).toBe('waiting');
      h.clock.advance(1);
      await expect(spool.waitFor(id, { timeout: 5_000 })).resolves.toBe('published');
      expect(ran).toEqual(['submit', 'publish']);
      expect((await spool.steps(id))?.map((s) => [s.name, s.status])).toEqual([
        ['submit', 'completed'],
        ['wait-for-review', 'completed'],
        ['publish', 'completed'],
      ]);
      expect(await spool.getJob(id)).toMatchObject({ attempts: 1, errors: [] });
    });

    it('a run whose steps were renamed under it fails naming the mismatch; ctx.version keeps old runs on the old branch', async () => {
      const spool = await h.open();
      const first = spool.work(
        'v',
        async (_p, ctx) => {
          await ctx.step('a', () => 1);
          await ctx.sleep('nap', '1h');
          return 'old';
        },
        { workflowVersion: 1 },
      );
      const renamed = await spool.enqueue('v', 'renamed');
      const versioned = await spool.enqueue('v', 'versioned');
      await eventually(async () => (await spool.steps(renamed.id))?.length === 3 && (await spool.steps(versioned.id))?.length === 3);
      expect((await spool.steps(renamed.id))?.[0]).toMatchObject({ name: '$workflow', kind: 'version', result: 1 });
      await first.close();
      spool.work(
        'v',
        async (_p, ctx) => {
          if (ctx.job.name === 'renamed') {
            await ctx.step('a', () => 1);
            await ctx.step('b', () => 2);
            return 'new';
          }
          await ctx.step('a', () => 1);
          const fraud = await ctx.version('add-fraud-check', 2);
          if (fraud >= 2) await ctx.step('fraud-check', () => 'checked');
          await ctx.sleep('nap', '1h');
          return `version ${fraud}`;
        },
        { workflowVersion: 2 },
      );
      const fresh = await spool.enqueue('v', 'versioned');
      h.clock.advance(3_600_000);
      await eventually(async () => (await spool.getJob(renamed.id))?.status === 'failed');
      expect((await spool.getJob(renamed.id))?.errors[0]).toMatchObject({ code: 'SPOOL_WORKFLOW_MISMATCH' });
      expect((await spool.getJob(renamed.id))?.errors[0]?.message).toMatch(
        /step 2 was "nap" \(sleep\) when the run began, and the code now calls "b" \(step\) there.* The run began under workflow version 1; this worker runs version 2\.$/,
      );
      await expect(spool.waitFor(versioned.id, { timeout: 5_000 })).resolves.toBe('version 1');
      await eventually(async () => (await spool.getJob(fresh.id))?.status === 'waiting' && (await spool.steps(fresh.id))?.length === 5);
      h.clock.advance(3_600_000);
      await expect(spool.waitFor(fresh.id, { timeout: 5_000 })).resolves.toBe('version 2');
      expect((await spool.steps(fresh.id))?.map((s) => s.name)).toEqual([
        '$workflow',
        'a',
        'version:add-fraud-check',
        'fraud-check',
        'nap',
      ]);
    });

    it('a worker that lost its lease cannot record a step', async () => {
      const spool = await h.open();
      const { id } = await spool.enqueue('fenced', 'n');
      const store = await openStore(h.url, { ...(h.schema ? { schema: h.schema } : {}), clock: h.clock });
      try {
        const [claimed] = await store.claim({ queue: 'fenced', limit: 1, workerId: 'w', token: 'right', leaseMs: 30_000 });
        expect(claimed?.id).toBe(id);
        const step = {
          name: 's',
          seq: 0,
          kind: 'step' as const,
          status: 'completed' as const,
          result: '1',
          error: null,
          attempts: 1,
          durationMs: 5,
          untilInMs: null,
          detail: null,
        };
        expect(await store.steps?.record({ id, token: 'stale' }, step)).toBeNull();
        expect(await store.steps?.list(id)).toEqual([]);
        expect(await store.steps?.record({ id, token: 'right' }, step)).toEqual({ at: h.clock.now(), until: null });
        expect(await store.steps?.list(id)).toMatchObject([
          { name: 's', result: 1, startedAt: h.clock.now() - 5, finishedAt: h.clock.now() },
        ]);
      } finally {
        await store.close();
      }
    });
  });

  describe('workflows: events and children', () => {
    it('waitForEvent suspends until a matching event, ignores others, and keeps an event published before the wait began', async () => {
      const spool = await h.open();
      const before = h.gate();
      spool.work(
        'pay',
        async (payload: { orderId: number }, ctx) => {
          await ctx.step('start', () => before.promise);
          const paid = await ctx.waitForEvent<{ orderId: number; amount: number }>('payment', {
            topic: 'payments',
            match: { orderId: payload.orderId },
            timeout: '1h',
          });
          return paid && { amount: paid.payload.amount, id: paid.id };
        },
        { concurrency: 2 },
      );
      const early = await spool.enqueue('pay', 'early', { orderId: 1 });
      const late = await spool.enqueue('pay', 'late', { orderId: 2 });
      await eventually(async () => (await spool.getJob(late.id))?.status === 'active');
      // Published after both started but before either waits: the early one must still get it.
      await spool.publish('payments', { orderId: 1, amount: 10 }, { id: 'pay-1' });
      before.open();
      await expect(spool.waitFor(early.id, { timeout: 5_000 })).resolves.toEqual({ amount: 10, id: 'pay-1' });
      await eventually(async () => {
        const job = await spool.getJob(late.id);
        return job?.status === 'waiting' && job.runAt === h.clock.now() + 3_600_000;
      });
      expect((await spool.steps(late.id))?.[1]).toMatchObject({
        kind: 'event',
        status: 'waiting',
        detail: { topic: 'payments', match: { orderId: 2 } },
      });
      await spool.publish('payments', { orderId: 3, amount: 30 });
      await spool.publish('other', { orderId: 2, amount: 99 });
      // The publish on its topic wakes the run; the event does not match, so it suspends again.
      await new Promise((resolve) => setTimeout(resolve, 150));
      await eventually(async () => (await spool.getJob(late.id))?.status === 'waiting');
      expect((await spool.steps(late.id))?.[1]).toMatchObject({ status: 'waiting', attempts: 0 });
      await spool.publish('payments', { orderId: 2, amount: 20 }, { id: 'pay-2' });
      await expect(spool.waitFor(late.id, { timeout: 5_000 })).resolves.toEqual({ amount: 20, id: 'pay-2' });
      expect(await spool.getJob(late.id)).toMatchObject({ attempts: 1, errors: [] });
    });

    it('waitForEvent returns null once its timeout passes', async () => {
      const spool = await h.open();
      spool.work('pay', async (_p, ctx) => {
        const paid = await ctx.waitForEvent('payment', { topic: 'payments', match: { orderId: 5 }, timeout: '1h' });
        return { paid };
      });
      const { id } = await spool.enqueue('pay', 'n');
      await eventually(async () => (await spool.getJob(id))?.runAt === h.clock.now() + 3_600_000);
      h.clock.advance(3_600_000);
      await expect(spool.waitFor(id, { timeout: 5_000 })).resolves.toEqual({ paid: null });
      expect((await spool.steps(id))?.[0]).toMatchObject({ name: 'payment', status: 'completed', result: null });
    });

    it('waitForEvent takes an event published by another process', { timeout: 60_000 }, async () => {
      const spool = await h.open({ clock: systemClock, pollInterval: 100 });
      spool.work('pay', async (_p, ctx) => (await ctx.waitForEvent('payment', { topic: 'payments', match: { orderId: 9 } }))?.payload);
      const { id } = await spool.enqueue('pay', 'n');
      await eventually(async () => (await spool.steps(id))?.[0]?.status === 'waiting' && (await spool.getJob(id))?.status === 'waiting');
      const published = await cli([
        'publish',
        'payments',
        '{"orderId":9,"ok":true}',
        '--store',
        h.url,
        ...(h.schema ? ['--schema', h.schema] : []),
      ]);
      expect(published.code, published.stderr).toBe(0);
      await expect(spool.waitFor(id, { timeout: 20_000 })).resolves.toEqual({ orderId: 9, ok: true });
    });

    it('spawnMany and all: children in one transaction with their step, results in order, fail-fast or collect-all', async () => {
      const spool = await h.open();
      spool.work('kids', (payload: { n: number }) => {
        if (payload.n < 0) throw new Error(`negative ${payload.n}`);
        return payload.n * 2;
      });
      let spawned = 0;
      spool.work('parents', async (payload: { ns: number[]; failFast: boolean }, ctx) => {
        const children = await ctx.spawnMany(
          payload.ns.map((n) => ({ queue: 'kids', name: 'double', payload: { n }, options: { maxAttempts: 1 } })),
        );
        spawned++;
        const results = await ctx.all<number>(children, { failFast: payload.failFast });
        return results.map((r) => r.result ?? r.error);
      });
      const ok = await spool.enqueue('parents', 'p', { ns: [1, 2, 3], failFast: true });
      await expect(spool.waitFor(ok.id, { timeout: 5_000 })).resolves.toEqual([2, 4, 6]);
      const steps = (await spool.steps(ok.id)) ?? [];
      expect(steps.map((s) => [s.name, s.kind, s.status])).toEqual([
        ['spawn-1', 'children', 'completed'],
        ['all-2', 'children', 'completed'],
      ]);
      expect((steps[0]?.detail as { children?: string[] } | undefined)?.children).toHaveLength(3);

      const collected = await spool.enqueue('parents', 'p', { ns: [1, -1], failFast: false });
      await expect(spool.waitFor(collected.id, { timeout: 5_000 })).resolves.toEqual([2, 'negative -1']);
      const fast = await spool.enqueue('parents', 'p', { ns: [-2, 5], failFast: true }, { maxAttempts: 3 });
      await eventually(async () => (await spool.getJob(fast.id))?.status === 'failed');
      const error = (await spool.getJob(fast.id))?.errors[0];
      expect(error).toMatchObject({ code: 'SPOOL_CHILD_FAILED', final: true });
      expect(error?.message).toMatch(/Child job \d+ ended failed: negative -2\. ctx\.all fails fast/);
      expect(spawned).toBeGreaterThanOrEqual(3);
    });

    it('cancelling a parent cancels its unfinished children and grandchildren, waiting or active, and leaves finished ones', async () => {
      const spool = await h.open();
      const aborted: string[] = [];
      spool.work('slow-kids', (payload: { n: number }, ctx) => {
        if (payload.n === 0) return 'quick';
        return new Promise((_resolve, reject) => {
          ctx.signal.addEventListener('abort', () => {
            aborted.push(String(ctx.job.id));
            reject(new Error('aborted'));
          });
        });
      });
      spool.work('middle', async (_p, ctx) => {
        const [grandchild] = await ctx.spawnMany([{ queue: 'idle-kids', name: 'never', payload: {} }]);
        return ctx.all(grandchild ? [grandchild] : []);
      });
      spool.work('parents', async (_p, ctx) => {
        const children = await ctx.spawnMany([
          { queue: 'slow-kids', name: 'done', payload: { n: 0 } },
          { queue: 'slow-kids', name: 'hang', payload: { n: 1 } },
          { queue: 'middle', name: 'mid', payload: {} },
        ]);
        return ctx.all(children);
      });
      const { id } = await spool.enqueue('parents', 'p', {});
      let ids: string[] = [];
      await eventually(async () => {
        const steps = (await spool.steps(id)) ?? [];
        ids = ((steps[0]?.detail as { children?: string[] } | undefined)?.children ?? []).map(String);
        if (ids.length !== 3) return false;
        const [done, hang, mid] = await Promise.all(ids.map((c) => spool.getJob(c)));
        const midSteps = (await spool.steps(ids[2] as string)) ?? [];
        return done?.status === 'completed' && hang?.status === 'active' && mid?.status === 'waiting' && midSteps.length === 2;
      });
      const midSteps = (await spool.steps(ids[2] as string)) ?? [];
      const grandchild = String((midSteps[0]?.detail as { children?: string[] } | undefined)?.children?.[0]);

      await spool.cancel(id);
      await eventually(async () => {
        const statuses = await Promise.all([id, ...ids, grandchild].map(async (c) => (await spool.getJob(c))?.status));
        return statuses.join(',') === 'cancelled,completed,cancelled,cancelled,cancelled';
      });
      expect(aborted).toEqual([ids[1]]);
    });
  });

  describe('workflows: saga compensation', () => {
    it('a workflow that fails for good runs its compensations in reverse, each durable and retried, and says so on the job', async () => {
      const spool = await h.open();
      const undone: string[] = [];
      let refundCalls = 0;
      spool.work('orders', async (_p, ctx) => {
        await ctx.step('reserve', () => ({ reservation: 'r-1' }), { compensate: (r) => void undone.push(`release ${r.reservation}`) });
        await ctx.step('no-undo', () => 'x');
        await ctx.step('charge', () => ({ charge: 'ch-1' }), {
          compensate: (r) => {
            refundCalls++;
            if (refundCalls === 1) throw new Error('refund service down');
            undone.push(`refund ${r.charge}`);
          },
        });
        await ctx.step('ship', () => {
          throw new NonRetryableError('no courier');
        });
      });
      const { id } = await spool.enqueue('orders', 'place', null, { maxAttempts: 1 });
      await eventually(async () => (await spool.steps(id))?.find((s) => s.name === 'compensate:charge')?.status === 'retrying', 15_000);
      expect(undone).toEqual([]);
      const retrying = (await spool.steps(id))?.find((s) => s.name === 'compensate:charge');
      expect(retrying).toMatchObject({ kind: 'compensation', attempts: 1, error: { message: 'refund service down' } });
      await eventually(async () => (await spool.getJob(id))?.status === 'waiting', 15_000);
      h.clock.advance((retrying?.until ?? 0) - h.clock.now());
      await eventually(async () => (await spool.getJob(id))?.status === 'failed', 15_000);
      expect(undone).toEqual(['refund ch-1', 'release r-1']);
      const job = (await spool.getJob(id)) as Job;
      expect(job.errors.at(-1)?.message).toBe('no courier. Its saga ran: every compensation completed.');
      expect((await spool.steps(id))?.map((s) => [s.name, s.kind, s.status])).toEqual([
        ['reserve', 'step', 'completed'],
        ['no-undo', 'step', 'completed'],
        ['charge', 'step', 'completed'],
        ['ship', 'step', 'failed'],
        ['$saga', 'compensation', 'completed'],
        ['compensate:charge', 'compensation', 'completed'],
        ['compensate:reserve', 'compensation', 'completed'],
      ]);
      expect((await spool.steps(id))?.find((s) => s.name === '$saga')?.detail).toMatchObject({ reason: 'failed', outcome: 'compensated' });
    });

    it('a workflow retried by hand after its saga ran keeps the outcome of its new run', async () => {
      const spool = await h.open();
      let fixed = false;
      let undone = 0;
      spool.work('orders', async (_p, ctx) => {
        await ctx.step('a', () => 1, { compensate: () => void undone++ });
        return ctx.step('b', () => {
          if (!fixed) throw new NonRetryableError('not yet');
          return 'fixed';
        });
      });
      const { id } = await spool.enqueue('orders', 'n', null, { maxAttempts: 1 });
      await eventually(async () => (await spool.getJob(id))?.status === 'failed');
      expect(undone).toBe(1);
      fixed = true;
      await spool.retry(id);
      await expect(spool.waitFor(id, { timeout: 5_000 })).resolves.toBe('fixed');
      expect(undone).toBe(1);
    });

    it('a cancelled workflow has its compensations run by a compensation job, in reverse, once', async () => {
      const spool = await h.open();
      const undone: string[] = [];
      spool.work('trips', async (_p, ctx) => {
        await ctx.step('book-flight', () => 'F1', { compensate: (f) => void undone.push(`cancel flight ${f}`) });
        await ctx.step('book-hotel', () => 'H1', { compensate: (hotel) => void undone.push(`cancel hotel ${hotel}`) });
        await ctx.sleep('until-departure', '7d');
        await ctx.step('check-in', () => 'done');
      });
      const { id } = await spool.enqueue('trips', 'trip');
      await eventually(async () => (await spool.getJob(id))?.status === 'waiting' && (await spool.steps(id))?.length === 3);
      await spool.cancel(id);
      await eventually(async () => (await spool.steps(id))?.find((s) => s.name === '$saga')?.status === 'completed');
      expect(undone).toEqual(['cancel hotel H1', 'cancel flight F1']);
      expect((await spool.getJob(id))?.status).toBe('cancelled');
      const saga = (await spool.steps(id))?.find((s) => s.name === '$saga');
      expect(saga?.detail).toMatchObject({ reason: 'cancelled', outcome: 'compensated' });
      const compensator = await eventually(async () => {
        const found = (await spool.listJobs({ queue: 'trips' })).jobs.find((j) => j.id !== id);
        return found?.status === 'completed' && found;
      });
      expect(compensator).toMatchObject({
        status: 'completed',
        metadata: { 'spool.compensates': id },
        result: { compensated: id, outcome: 'compensated' },
      });
      expect((await spool.steps(compensator?.id ?? ''))?.length).toBe(0);
    });
  });

  describe('workflows: processes', () => {
    let dir = '';
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'spool-wf-'));
    });
    afterEach(async () => {
      await killAllWorkerProcesses();
      rmSync(dir, { recursive: true, force: true });
    });

    it('a workflow process SIGKILLed between two steps resumes in another process, and each finished step ran once', {
      timeout: 60_000,
    }, async () => {
      const spool = await h.open({ clock: systemClock, pollInterval: 100 });
      const runs = join(dir, 'effects.log');
      const doomed = await WorkerProcess.start(h.url, h.schema, 'wf', 'workflow', { runs, lease: 1_500, heartbeat: 300, hangAt: 'two' });
      const { id } = await spool.enqueue('wf', 'n', null, { maxAttempts: 3 });
      await eventually(() => readFileSync(runs, 'utf8').includes('start two'), 20_000, 20);
      doomed.signal('SIGKILL');
      expect((await doomed.waitForExit(10_000)).signal).toBe('SIGKILL');
      const rescuer = await WorkerProcess.start(h.url, h.schema, 'wf', 'workflow', { runs, lease: 1_500, heartbeat: 300 });
      const result = (await spool.waitFor(id, { timeout: 30_000 })) as { pid: number; one: string };
      expect(result.pid).toBe(rescuer.pid);
      expect(result.one).toBe(`one by ${doomed.pid}`);
      const effects = readFileSync(runs, 'utf8').trim().split('\n');
      expect(effects.filter((line) => line.startsWith('done one'))).toEqual([`done one ${doomed.pid}`]);
      expect(effects.filter((line) => line.startsWith('done two'))).toEqual([`done two ${rescuer.pid}`]);
      expect(effects.filter((line) => line.startsWith('done three'))).toEqual([`done three ${rescuer.pid}`]);
      expect((await spool.steps(id))?.map((s) => [s.name, s.status])).toEqual([
        ['one', 'completed'],
        ['two', 'completed'],
        ['three', 'completed'],
      ]);
    });

    it('200 children finishing at once across 2 worker processes resume the parent exactly once, with every result', {
      timeout: 120_000,
    }, async () => {
      const spool = await h.open({ clock: systemClock, pollInterval: 50 });
      const options = { concurrency: 8, poll: 20, quiet: 'yes' };
      const [a, b] = await Promise.all([
        WorkerProcess.start(h.url, h.schema, 'kids', 'record', options),
        WorkerProcess.start(h.url, h.schema, 'kids', 'record', options),
      ]);
      let runs = 0;
      let resumed = 0;
      spool.work('parents', async (_p, ctx) => {
        runs++;
        const children = await ctx.spawnMany(Array.from({ length: 200 }, (_, i) => ({ queue: 'kids', name: 'child', payload: i })));
        const results = await ctx.all<{ pid: number; jobId: string }>(children);
        resumed++;
        return {
          count: results.length,
          ids: results.map((r) => r.result?.jobId),
          pids: [...new Set(results.map((r) => r.result?.pid))].sort(),
        };
      });
      const { id } = await spool.enqueue('parents', 'fan-out');
      const result = (await spool.waitFor(id, { timeout: 90_000 })) as { count: number; ids: string[]; pids: number[] };
      const children = ((await spool.steps(id))?.[0]?.detail as { children?: string[] } | undefined)?.children;
      expect(result.count).toBe(200);
      expect(result.ids).toEqual(children);
      expect(result.pids).toEqual([a.pid, b.pid].sort());
      expect(resumed).toBe(1);
      expect(runs).toBe(2);
      expect(await spool.getJob(id)).toMatchObject({ status: 'completed', attempts: 1, errors: [] });
    });
  });
}
