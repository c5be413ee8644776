/**
 * Group commit: enqueues in flight together are written as one insert and one commit, and each
 * caller still gets its own id, its own job and its own error.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { QueueFullError } from '../helpers/api.js';
import type { Harness } from './harness.js';

export function groupCommitTests(h: Harness): void {
  describe('group commit', () => {
    it('concurrent enqueues each get their own id and job, in one commit', async () => {
      const spool = await h.open();
      const handles = await Promise.all(Array.from({ length: 50 }, (_, n) => spool.enqueue('q', 'n', { n })));
      expect(new Set(handles.map((handle) => handle.id)).size).toBe(50);
      handles.forEach((handle, n) => {
        expect(handle.created).toBe(true);
        expect(handle.job).toMatchObject({ id: handle.id, payload: { n }, status: 'waiting' });
      });
      for (const handle of handles) expect((await spool.getJob(handle.id))?.payload).toEqual(handle.job.payload);
      if (h.has('server')) {
        // Rows written by one transaction share its id (xmin): one commit for all 50.
        const client = new pg.Client({ connectionString: h.url });
        await client.connect();
        try {
          const { rows } = await client.query(`SELECT count(DISTINCT xmin::text)::int AS n FROM "${h.schema}".jobs`);
          expect(rows[0].n).toBe(1);
        } finally {
          await client.end();
        }
      }
    });

    it('a caller whose queue refuses fails alone; the others in the same batch are stored', async () => {
      const spool = await h.open();
      await spool.configureQueue('small', { maxDepth: 2 });
      await spool.pause('closed', { refuse: true });
      const calls = [
        spool.enqueue('big', 'n', 1),
        spool.enqueue('small', 'n', 1),
        spool.enqueue('closed', 'n', 1),
        spool.enqueue('small', 'n', 2),
        spool.enqueue('big', 'n', 2),
        spool.enqueue('small', 'n', 3),
        spool.enqueueMany([
          { queue: 'big', name: 'n', payload: 3 },
          { queue: 'small', name: 'n', payload: 4 },
        ]),
        spool.enqueue('big', 'bad name!', 4),
        spool.enqueue('big', 'n', 5),
      ];
      const settled = await Promise.allSettled(calls);
      const status = settled.map((s) => s.status);
      expect(status).toEqual([
        'fulfilled',
        'fulfilled',
        'rejected',
        'fulfilled',
        'fulfilled',
        'rejected',
        'rejected',
        'rejected',
        'fulfilled',
      ]);
      const reason = (i: number) => (settled[i] as PromiseRejectedResult).reason;
      expect(reason(2)).toMatchObject({ code: 'SPOOL_QUEUE_PAUSED' });
      expect(reason(5)).toBeInstanceOf(QueueFullError);
      expect(reason(5)).toMatchObject({ queue: 'small' });
      // enqueueMany stays all or none: its job for "big" is not stored either.
      expect(reason(6)).toBeInstanceOf(QueueFullError);
      expect(reason(7)).toMatchObject({ code: 'SPOOL_INVALID_ARGUMENT' });
      const counts = await spool.counts();
      expect(counts.big?.waiting).toBe(3);
      expect(counts.small?.waiting).toBe(2);
      expect(counts.closed?.waiting ?? 0).toBe(0);
      const big = await spool.listJobs({ queue: 'big' });
      expect(big.jobs.map((job) => job.payload).sort()).toEqual([1, 2, 5]);
    });

    it('idempotency keys repeated inside one batch store one job and return it to every caller', async () => {
      const spool = await h.open();
      const earlier = await spool.enqueue('q', 'n', 'earlier', { idempotencyKey: 'old' });
      const [a1, plain1, a2, old, b1, plain2, a3, b2] = await Promise.all([
        spool.enqueue('q', 'n', 'a1', { idempotencyKey: 'a' }),
        spool.enqueue('q', 'n', 'plain1'),
        spool.enqueue('q', 'n', 'a2', { idempotencyKey: 'a' }),
        spool.enqueue('q', 'n', 'again', { idempotencyKey: 'old' }),
        spool.enqueue('q', 'n', 'b1', { idempotencyKey: 'b' }),
        spool.enqueue('q', 'n', 'plain2'),
        spool.enqueue('q', 'n', 'a3', { idempotencyKey: 'a' }),
        spool.enqueue('other', 'n', 'b-elsewhere', { idempotencyKey: 'b' }),
      ]);
      expect(a1?.created).toBe(true);
      for (const again of [a2, a3]) {
        expect(again?.id).toBe(a1?.id);
        expect(again?.created).toBe(false);
        // The job as stored: the first caller's payload, not the repeat's.
        expect(again?.job).toMatchObject({ id: a1?.id, payload: 'a1', idempotencyKey: 'a' });
      }
      expect(old).toMatchObject({ id: earlier.id, created: false });
      expect(old?.job.payload).toBe('earlier');
      expect(b1?.created).toBe(true);
      expect(b2?.created).toBe(true); // keys are per queue
      expect(b2?.id).not.toBe(b1?.id);
      const ids = [a1, plain1, old, b1, plain2, b2].map((handle) => handle?.id);
      expect(new Set(ids).size).toBe(6);
      expect(plain1?.job.payload).toBe('plain1');
      expect(plain2?.job.payload).toBe('plain2');
      expect((await spool.counts()).q?.waiting).toBe(5);
    });

    it('keyed enqueues and ordering keys keep their meaning when they arrive together', async () => {
      const spool = await h.open();
      const singles = await Promise.all([1, 2, 3].map((n) => spool.enqueue('q', 'n', n, { singleton: 'one' })));
      expect(new Set(singles.map((handle) => handle.id)).size).toBe(1);
      expect(singles.filter((handle) => handle.created)).toHaveLength(1);
      const deduped = await Promise.all([1, 2].map((n) => spool.enqueue('q', 'n', n, { dedupe: { key: 'd', ttl: '1m' } })));
      expect(deduped[1]?.id).toBe(deduped[0]?.id);
      const ordered = await Promise.all(Array.from({ length: 10 }, (_, n) => spool.enqueue('o', 'n', n, { orderingKey: 'k' })));
      const ids = ordered.map((handle) => BigInt(handle.id));
      expect([...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(ids);
    });
  });
}
