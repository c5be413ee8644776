/**
 * Each job's own log: what a handler logs with `ctx.log` is kept with the job, every attempt's,
 * in order, capped per job with a marker for the lines dropped, and deleted with the job.
 */
import { describe, expect, it } from 'vitest';
import { until } from '../helpers/eventually.js';
import { type Harness, T0, caught, recordingLogger } from './harness.js';

export function jobLogTests(h: Harness): void {
  describe('job logs', () => {
    it("keeps every attempt's lines in order, with level, fields and attempt, and still logs them", async () => {
      const logger = recordingLogger();
      const spool = await h.open({ logger });
      spool.work('media', async (payload: { size: number }, ctx) => {
        ctx.log.debug('starting', { size: payload.size });
        ctx.log.info('resized', { size: payload.size, to: [64, 64] });
        if (ctx.attempt === 1) {
          ctx.log.error('upload failed', { error: new Error('bucket is gone') });
          throw new Error('upload failed');
        }
        ctx.log.warn('slow upload');
        return 'ok';
      });
      const job = await spool.enqueue('media', 'resize', { size: 12 }, { maxAttempts: 2, backoff: { type: 'fixed', base: 0 } });
      expect(await job.wait({ timeout: 10_000 })).toBe('ok');

      const lines = await spool.jobLogs(job.id);
      expect(lines?.map((l) => [l.attempt, l.level, l.message])).toEqual([
        [1, 'debug', 'starting'],
        [1, 'info', 'resized'],
        [1, 'error', 'upload failed'],
        [2, 'debug', 'starting'],
        [2, 'info', 'resized'],
        [2, 'warn', 'slow upload'],
      ]);
      expect(lines?.[1]?.fields).toEqual({ size: 12, to: [64, 64] });
      expect(lines?.[2]?.fields).toEqual({ error: { name: 'Error', message: 'bucket is gone' } });
      expect(lines?.[5]?.fields).toBeNull();
      expect(lines?.every((l) => l.at === T0)).toBe(true);
      const seqs = lines?.map((l) => l.seq) ?? [];
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
      // Paging: after the third line's seq, the rest; limit bounds a page.
      expect((await spool.jobLogs(job.id, { after: seqs[2], limit: 2 }))?.map((l) => l.message)).toEqual(['starting', 'resized']);
      // The Spool's logger still gets every line, with the job's fields bound.
      expect(logger.lines.filter((l) => l.message === 'resized')).toHaveLength(2);
    });

    it('keeps the newest lines past jobLogLimit, after one marker that says how many were dropped', async () => {
      const spool = await h.open({ jobLogLimit: 5 });
      spool.work('chatty', async (_payload, ctx) => {
        for (let i = 1; i <= 12; i++) ctx.log.info(`line ${i}`);
        return null;
      });
      const job = await spool.enqueue('chatty', 'talk', null);
      await job.wait({ timeout: 10_000 });
      const lines = (await spool.jobLogs(job.id)) ?? [];
      expect(lines.map((l) => l.message)).toEqual([
        '7 earlier lines were dropped: a job keeps its newest lines only (jobLogLimit).',
        'line 8',
        'line 9',
        'line 10',
        'line 11',
        'line 12',
      ]);
      expect(lines[0]?.dropped).toBe(7);
      expect(lines[0]?.level).toBe('warn');

      // Across writes too: the store trims each append and folds the marker forward.
      const logs = spool.store.logs;
      if (!logs) throw new Error(`the ${h.kind} store has no logs part`);
      const other = await spool.enqueue('quiet', 'x', null);
      const line = (message: string) => ({ level: 'info' as const, message, fields: null, attempt: 1, at: T0 });
      expect(await logs.append(other.id, [line('a'), line('b'), line('c')], 3)).toBe(3);
      await logs.append(other.id, [line('d'), line('e')], 3);
      expect((await logs.list(other.id, { limit: 10 })).map((l) => l.dropped ?? l.message)).toEqual([2, 'c', 'd', 'e']);
      // A writer that let lines go itself (more than the cap between two writes) hands over the newest `cap`.
      await logs.append(other.id, [line('f'), line('g'), line('h')], 3, 4);
      const kept = await logs.list(other.id, { limit: 10 });
      expect(kept.map((l) => [l.message, l.dropped])).toEqual([
        ['9 earlier lines were dropped: a job keeps its newest lines only (jobLogLimit).', 9],
        ['f', undefined],
        ['g', undefined],
        ['h', undefined],
      ]);
      expect(await logs.lastSeq(other.id)).toBe(kept[3]?.seq);
    });

    it('stores nothing for a handler that never logs, or with jobLogLimit 0, and bounds what it keeps', async () => {
      const spool = await h.open({ jobLogLimit: 0 });
      spool.work('off', async (_payload, ctx) => {
        ctx.log.info('not kept');
      });
      const off = await spool.enqueue('off', 'x', null);
      await off.wait({ timeout: 10_000 });
      expect(await spool.jobLogs(off.id)).toEqual([]);

      const kept = await h.open();
      kept.work('silent', async () => 'quiet');
      kept.work('odd', async (_payload, ctx) => {
        ctx.log.info(`nul\u0000 ${'x'.repeat(5_000)}`, { big: 'y'.repeat(20_000) });
      });
      const silent = await kept.enqueue('silent', 'x', null);
      const odd = await kept.enqueue('odd', 'x', null);
      await Promise.all([silent.wait({ timeout: 10_000 }), odd.wait({ timeout: 10_000 })]);
      expect(await kept.jobLogs(silent.id)).toEqual([]);
      const [line] = (await kept.jobLogs(odd.id)) ?? [];
      expect(line?.message).toHaveLength(2_000);
      expect(line?.message.startsWith('nul\uFFFD ')).toBe(true);
      expect(line?.fields).toEqual({ truncated: true, bytes: 20_010 });
    });

    it('goes with its job: deleted, purged or pruned', async () => {
      const spool = await h.open();
      spool.work(
        'gone',
        async (_payload, ctx) => {
          ctx.log.info('here');
          throw new Error('no');
        },
        { concurrency: 3 },
      );
      const jobs = await Promise.all([1, 2, 3].map((i) => spool.enqueue('gone', 'x', i, { maxAttempts: 1 })));
      await until(async () => (await spool.counts('gone')).gone?.failed === 3);
      const logs = spool.store.logs;
      if (!logs) throw new Error(`the ${h.kind} store has no logs part`);
      const [a, b, c] = jobs.map((j) => j.id) as [string, string, string];
      expect((await logs.list(a, { limit: 10 })).map((l) => l.message)).toEqual(['here']);

      await spool.deleteJob(a);
      expect(await logs.list(a, { limit: 10 })).toEqual([]);
      expect(await spool.jobLogs(a)).toBeNull();
      expect(await logs.append(a, [{ level: 'info', message: 'late', fields: null, attempt: 1, at: T0 }], 10)).toBe(0);
      expect(await logs.list(a, { limit: 10 })).toEqual([]);

      await spool.purge('gone', 'failed');
      expect(await logs.list(b, { limit: 10 })).toEqual([]);

      // Pruned after its retention: a fresh one, then eight days on.
      const d = await spool.enqueue('gone', 'x', 4, { maxAttempts: 1 });
      await until(async () => (await spool.getJob(d.id))?.status === 'failed');
      h.clock.advance(8 * 86_400_000);
      expect(await spool.prune()).toBe(1);
      expect(await logs.list(d.id, { limit: 10 })).toEqual([]);
      expect(await logs.lastSeq(c)).toBe(0);

      const err = await caught(() => spool.jobLogs(d.id, { limit: 0 }));
      expect(err.code).toBe('SPOOL_INVALID_ARGUMENT');
    });
  });
}
