/**
 * A waiting job's position in its queue and its ETA: the jobs a claim takes before it (priority,
 * then run time, then age, as the claim orders them) and the queue's recent drain rate.
 */
import { describe, expect, it } from 'vitest';
import { until } from '../helpers/eventually.js';
import { type Harness, T0, caught } from './harness.js';

export function positionTests(h: Harness): void {
  describe('queue position and ETA', () => {
    it('counts the jobs a claim takes first and estimates the start from the recent drain rate', async () => {
      const spool = await h.open();
      const [a1, a2, a3] = await spool.enqueueMany(['a1', 'a2', 'a3'].map((payload) => ({ queue: 'orders', name: 'ship', payload })));
      const urgent = await spool.enqueue('orders', 'ship', 'urgent', { priority: 5 });
      const later = await spool.enqueue('orders', 'ship', 'later', { delay: 10_000 });
      await spool.enqueue('elsewhere', 'ship', 'not counted');

      const ahead = async (handle: { id: string } | undefined) => (await spool.position(String(handle?.id)))?.ahead;
      expect(await ahead(urgent)).toBe(0);
      expect([await ahead(a1), await ahead(a2), await ahead(a3), await ahead(later)]).toEqual([1, 2, 3, 4]);
      // Nothing finished yet: no honest ETA.
      expect(await spool.position(String(a2?.id))).toEqual({ ahead: 2, drainPerMinute: 0, eta: null });

      // Ten jobs of the queue finish now (a worker that runs only their name): 10 in 5 minutes, 2 a minute.
      await spool.enqueueMany(
        Array.from({ length: 10 }, (_, i) => ({ queue: 'orders', name: 'quick', payload: i, options: { priority: 9 } })),
      );
      spool.work('orders', { quick: async () => 'ok' }, { concurrency: 5 });
      await until(async () => (await spool.counts('orders')).orders?.completed === 10);
      expect(await spool.position(String(a2?.id))).toEqual({ ahead: 2, drainPerMinute: 2, eta: T0 + 60_000 });
      // A job due later starts no earlier than its run time.
      expect(await spool.position(String(later.id))).toEqual({ ahead: 4, drainPerMinute: 2, eta: T0 + 120_000 });
      expect((await spool.position(String(urgent.id)))?.eta).toBe(T0);
      // Paused, the queue starts nothing, however fast it drained before.
      await spool.pause('orders');
      expect(await spool.position(String(a2?.id))).toEqual({ ahead: 2, drainPerMinute: 2, eta: null });
      await spool.resume('orders');

      // The drain is recent only: six minutes on, nothing finished in the window.
      h.clock.advance(6 * 60_000);
      expect(await spool.position(String(a1?.id))).toEqual({ ahead: 1, drainPerMinute: 0, eta: null });
    });

    it('has no position for a job that is not waiting, and names a job that does not exist', async () => {
      const spool = await h.open();
      const job = await spool.enqueue('orders', 'ship', {});
      await spool.cancel(job.id);
      expect(await spool.position(job.id)).toBeNull();
      const err = await caught(() => spool.position('987654321'));
      expect(err.code).toBe('SPOOL_JOB_NOT_FOUND');
    });
  });
}
