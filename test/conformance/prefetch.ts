/**
 * @module
 * `prefetch`: a worker holds up to that many claimed jobs beyond its concurrency, never more; a
 * shutdown hands them back unstarted at once (not stranded until their leases expire); a cancel
 * reaches a held job before it starts; and with two workers prefetching, every job still runs
 * exactly once.
 */
import { describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import type { Harness } from './harness.js';

export function prefetchTests(h: Harness): void {
  describe('prefetch', () => {
    it('holds at most concurrency + prefetch jobs, and a shutdown hands the prefetched ones back unstarted, attempts unspent', async () => {
      const spool = await h.open();
      const release = h.gate();
      const started: number[] = [];
      const worker = spool.work(
        'q',
        async (payload: number) => {
          started.push(payload);
          await release.promise;
        },
        { concurrency: 2, prefetch: 3, batchSize: 2 },
      );
      const handles = await spool.enqueueMany(Array.from({ length: 10 }, (_, i) => ({ queue: 'q', name: 'n', payload: i })));
      // 2 running and 3 held: 5 active in the store, the other 5 waiting.
      await eventually(async () => started.length === 2 && (await spool.counts('q')).q?.active === 5);
      // Claims keep coming as slots free, so the bound is checked while nothing frees.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await spool.counts('q')).q).toMatchObject({ active: 5, waiting: 5 });
      expect(started).toHaveLength(2);

      const closing = worker.close({ timeout: 5_000 });
      release.open();
      await closing;
      expect(started).toHaveLength(2);
      const jobs = await Promise.all(handles.map((handle) => spool.getJob(handle.id)));
      const ranFirst = new Set(started);
      expect(jobs.filter((job) => job?.status === 'completed').map((job) => job?.payload)).toEqual(started.sort((a, b) => a - b));
      // Handed back, not left to the lease: no attempt spent, no lease, runnable now.
      const handedBack = jobs.filter((job) => !ranFirst.has(job?.payload as number));
      expect(handedBack).toHaveLength(8);
      for (const job of handedBack) expect(job).toMatchObject({ status: 'waiting', attempts: 0, leaseExpiresAt: null, workerId: null });

      // Another worker takes them at once, without any lease expiring (the clock does not move).
      const ran: number[] = [];
      spool.work('q', (payload: number) => void ran.push(payload), { concurrency: 4, prefetch: 4 });
      for (const job of handedBack) await spool.waitFor(job?.id as string, { timeout: 5_000 });
      expect(ran.sort((a, b) => a - b)).toEqual(handedBack.map((job) => job?.payload as number).sort((a, b) => a - b));
    });

    it('a job cancelled while it is held never starts', async () => {
      const spool = await h.open();
      const release = h.gate();
      const started: string[] = [];
      spool.work(
        'q',
        async (_payload, ctx) => {
          started.push(ctx.job.id);
          await release.promise;
        },
        { concurrency: 1, prefetch: 2 },
      );
      const handles = await spool.enqueueMany(Array.from({ length: 3 }, () => ({ queue: 'q', name: 'n' })));
      await eventually(async () => started.length === 1 && (await spool.counts('q')).q?.active === 3);
      // Claims of one job each overlap, so which job started first is not fixed: cancel a held one.
      const held = handles.find((handle) => !started.includes(handle.id))?.id as string;
      await spool.cancel(held);
      release.open();
      const others = handles.filter((handle) => handle.id !== held);
      for (const handle of others) await spool.waitFor(handle.id, { timeout: 5_000 });
      expect(started.sort()).toEqual(others.map((handle) => handle.id).sort());
      expect((await spool.getJob(held))?.status).toBe('cancelled');
    });

    it('two workers prefetching: 300 jobs each run exactly once, and both do work', async () => {
      const ran = new Map<number, number>();
      const byWorker = [0, 0];
      const handler = (which: number) => async (payload: number) => {
        ran.set(payload, (ran.get(payload) ?? 0) + 1);
        byWorker[which] = (byWorker[which] ?? 0) + 1;
        await new Promise((resolve) => setTimeout(resolve, 1));
      };
      const a = await h.open();
      const b = await h.open();
      a.work('q', handler(0), { concurrency: 5, prefetch: 10, batchSize: 5 });
      b.work('q', handler(1), { concurrency: 5, prefetch: 10, batchSize: 5 });
      const handles = await a.enqueueMany(Array.from({ length: 300 }, (_, i) => ({ queue: 'q', name: 'n', payload: i })));
      for (const handle of handles) await a.waitFor(handle.id, { timeout: 20_000 });
      expect(ran.size).toBe(300);
      expect([...ran.values()].every((times) => times === 1)).toBe(true);
      expect(byWorker[0]).toBeGreaterThan(0);
      expect(byWorker[1]).toBeGreaterThan(0);
      expect((await a.counts('q')).q).toMatchObject({ completed: 300, active: 0, waiting: 0 });
    });

    it('rejects a negative prefetch, naming the option', async () => {
      const spool = await h.open();
      expect(() => spool.work('q', () => {}, { prefetch: -1 })).toThrow(/prefetch/);
    });
  });
}
