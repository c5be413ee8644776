/**
 * Groups: many jobs enqueued under one id in one transaction, and one report for all of them
 * (counts per status, progress, an ETA from the group's own recent drain), counted on an index.
 */
import { describe, expect, it } from 'vitest';
import { until } from '../helpers/eventually.js';
import { type Harness, T0, caught } from './harness.js';

export function groupTests(h: Harness): void {
  describe('groups', () => {
    it('reports counts per status, progress and an ETA for a group of jobs', async () => {
      const spool = await h.open();
      const items = Array.from({ length: 10 }, (_, n) => ({ queue: 'images', name: n < 4 ? 'quick' : 'slow', payload: { n } }));
      const group = await spool.group(items);
      expect(group.id).toMatch(/^grp_[0-9a-f]{20}$/);
      expect(group.jobs).toHaveLength(10);
      expect(group.jobs[0]?.job.metadata).toEqual({ group: group.id });
      await spool.enqueue('images', 'quick', { outside: true });

      expect(await spool.groupStatus(group.id)).toEqual({
        id: group.id,
        total: 10,
        counts: { waiting: 10, active: 0, completed: 0, failed: 0, cancelled: 0, expired: 0 },
        finished: 0,
        progress: 0,
        done: false,
        eta: null,
      });

      // Four finish now; one of the rest is cancelled: 5 of 10 final, 5 left at 4 per 5 minutes.
      spool.work('images', { quick: async () => 'ok' });
      await until(async () => (await spool.groupStatus(group.id)).counts.completed === 4);
      await spool.cancel(String(group.jobs[9]?.id));
      const status = await spool.groupStatus(group.id);
      expect(status).toMatchObject({ total: 10, finished: 5, progress: 50, done: false });
      expect(status.counts).toMatchObject({ waiting: 5, completed: 4, cancelled: 1 });
      expect(status.eta).toBe(T0 + Math.round((5 * 300_000) / 5));

      for (const handle of group.jobs.slice(4, 9)) await spool.cancel(handle.id);
      expect(await spool.groupStatus(group.id)).toMatchObject({ finished: 10, progress: 100, done: true, eta: null });
    });

    it('stores all of a group or none, and refuses keys and unknown ids with a sentence', async () => {
      const spool = await h.open();
      const bad = await caught(() =>
        spool.group([
          { queue: 'images', name: 'ok' },
          { queue: 'images', name: 'bad', payload: { big: 1n } },
        ]),
      );
      expect(bad.code).toBe('SPOOL_PAYLOAD_NOT_JSON');
      expect((await spool.counts('images')).images?.waiting ?? 0).toBe(0);
      const keyed = await caught(() => spool.group([{ queue: 'images', name: 'x', options: { idempotencyKey: 'k' } }]));
      expect(keyed.message).toBe(
        'jobs[0] of a group sets idempotencyKey: a key may return a job that already exists outside the group. Enqueue it on its own.',
      );
      expect((await caught(() => spool.groupStatus('grp_0000'))).message).toBe(
        'There is no group grp_0000: no job carries it (its jobs may have been pruned).',
      );
      expect((await caught(() => spool.groupStatus('42'))).code).toBe('SPOOL_INVALID_ARGUMENT');
    });
  });
}
