/**
 * @module
 * Claims by a worker with a handler map read the names it handles one by one: jobs of other names
 * are never taken, and the handled ones still come in claim order (priority, then due time, then
 * enqueue order) across names, with batches smaller than what waits.
 */
import { describe, expect, it } from 'vitest';
import type { Harness } from './harness.js';

export function namedClaimTests(h: Harness): void {
  describe('claims by name', () => {
    it('a worker with a handler map takes only its names, in claim order across names, past many jobs of other names', async () => {
      const spool = await h.open();
      await spool.enqueueMany(Array.from({ length: 2_000 }, () => ({ queue: 'q', name: 'nobody' })));
      const handled = await spool.enqueueMany([
        { queue: 'q', name: 'a', payload: 'a1' },
        { queue: 'q', name: 'b', payload: 'b1' },
        { queue: 'q', name: 'a', payload: 'a2' },
        { queue: 'q', name: 'b', payload: 'b-urgent', options: { priority: 5 } },
        { queue: 'q', name: 'a', payload: 'a-later', options: { delay: '1h' } },
        { queue: 'q', name: 'b', payload: 'b2' },
      ]);
      const order: string[] = [];
      const record = (payload: string) => void order.push(payload);
      // Two per claim, fewer than wait: every claim has to pick the best two across both names.
      spool.work('q', { a: record, b: record }, { concurrency: 2, batchSize: 2 });
      for (const handle of handled.filter((_, i) => i !== 4)) await spool.waitFor(handle.id, { timeout: 10_000 });
      expect(order).toEqual(['b-urgent', 'a1', 'b1', 'a2', 'b2']);
      h.clock.advance(3_600_000);
      await spool.waitFor(handled[4]?.id as string, { timeout: 10_000 });
      expect(order.at(-1)).toBe('a-later');
      expect((await spool.counts('q')).q).toMatchObject({ waiting: 2_000, active: 0, completed: 6 });
    });
  });
}
