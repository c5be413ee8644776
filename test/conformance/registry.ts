/**
 * The worker registry: workers say in the store which names they handle, per queue, with a
 * heartbeat; a waiting job nobody handles is flagged and logged once; a worker never claims a
 * name it has no handler for, and a job it holds without a handler goes back without spending an
 * attempt. Also deleting one finished job (a dead letter).
 */
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { openStore, systemClock } from '../helpers/api.js';
import { delay, eventually } from '../helpers/eventually.js';
import { WorkerProcess, killAllWorkerProcesses } from '../helpers/processes.js';
import { type Harness, T0, caught, recordingLogger } from './harness.js';

const version = '0.1.0-test';
const proc = { host: 'web-1', pid: 4127, version };

export function registryTests(h: Harness): void {
  describe('worker registry', () => {
    it('keeps one row per worker with its queue, names, concurrency and jobs in flight, and forgets silent rows', async () => {
      const store = await openStore(h.url, { schema: h.schema, clock: h.clock });
      try {
        await store.migrate();
        const workers = store.workers;
        if (!workers) throw new Error('this store has no worker registry');
        await workers.beat(
          proc,
          [
            { id: 'w-media', queue: 'media', names: ['resize-image', 'thumbnail'], concurrency: 4, inFlight: 2 },
            { id: 'w-any', queue: 'emails', names: null, concurrency: 1, inFlight: 0 },
          ],
          30_000,
        );
        expect(await workers.list(30_000)).toEqual([
          {
            id: 'w-any',
            session: workers.session,
            host: 'web-1',
            pid: 4127,
            version,
            queue: 'emails',
            names: null,
            concurrency: 1,
            inFlight: 0,
            startedAt: T0,
            heartbeatAt: T0,
            // No LISTEN connection holds this session's lock (nothing subscribed): its liveness is not claimed.
            sessionAlive: null,
          },
          expect.objectContaining({ id: 'w-media', queue: 'media', names: ['resize-image', 'thumbnail'], concurrency: 4, inFlight: 2 }),
        ]);
        expect((await workers.list(30_000, 'media')).map((w) => w.id)).toEqual(['w-media']);

        // A later beat moves the heartbeat and the in-flight count, not the start.
        h.clock.advance(20_000);
        await workers.beat(proc, [{ id: 'w-media', queue: 'media', names: ['resize-image'], concurrency: 4, inFlight: 3 }], 30_000);
        expect(await workers.list(30_000, 'media')).toEqual([
          expect.objectContaining({ id: 'w-media', names: ['resize-image'], inFlight: 3, startedAt: T0, heartbeatAt: T0 + 20_000 }),
        ]);
        // Silent for longer than staleMs: not listed, and the next beat forgets the row.
        h.clock.advance(15_000);
        expect((await workers.list(30_000)).map((w) => w.id)).toEqual(['w-media']);
        await workers.beat(proc, [{ id: 'w-media', queue: 'media', names: ['resize-image'], concurrency: 4, inFlight: 0 }], 30_000);
        expect((await workers.list(Number.MAX_SAFE_INTEGER)).map((w) => w.id)).toEqual(['w-media']);
        await workers.remove(['w-media']);
        expect(await workers.list(Number.MAX_SAFE_INTEGER)).toEqual([]);
      } finally {
        await store.close();
      }
    });

    it('a running worker registers itself, and a closed one is gone from the list', async () => {
      const spool = await h.open();
      const worker = spool.work('media', { 'resize-image': () => 1, thumbnail: () => 2 }, { concurrency: 3 });
      const [row] = await eventually(async () => {
        const rows = await spool.workers();
        return rows.length === 1 ? rows : false;
      });
      expect(row).toMatchObject({
        id: worker.id,
        host: hostname(),
        pid: process.pid,
        queue: 'media',
        names: ['resize-image', 'thumbnail'],
        concurrency: 3,
        inFlight: 0,
      });
      expect(row?.version).toMatch(/^\d+\.\d+\.\d+/);
      await worker.close();
      expect(await spool.workers()).toEqual([]);
    });

    it('a waiting job nobody handles gets a warning, is never claimed, and the worker logs it once', async () => {
      const logger = recordingLogger();
      const spool = await h.open({ logger });
      const typo = await spool.enqueue('media', 'resize-imgae', { file: 'cat.png' });
      expect(await spool.warningFor(typo.job)).toBe('no worker handles media/resize-imgae; no worker is running on queue media');
      spool.work('media', { 'resize-image': () => 'resized', thumbnail: () => 'thumb' });
      spool.work('emails', () => 'sent');
      const fine = await spool.enqueue('media', 'resize-image');
      await expect(fine.wait({ timeout: 5_000 })).resolves.toBe('resized');

      const job = await spool.getJob(typo.id);
      expect(job).toMatchObject({ status: 'waiting', attempts: 0, errors: [] });
      expect(await spool.warningFor(job as NonNullable<typeof job>)).toBe(
        'no worker handles media/resize-imgae; running workers handle: resize-image, thumbnail (did you mean "resize-image"?)',
      );
      const logged = await eventually(() => {
        const lines = logger.lines.filter((l) => l.message.includes('resize-imgae'));
        return lines.length > 0 ? lines : false;
      });
      expect(logged).toEqual([
        {
          level: 'warn',
          message:
            'Queue "media" has waiting jobs named "resize-imgae" that no running worker handles (did you mean "resize-image"?); this worker handles resize-image, thumbnail. They wait until a worker with a handler for "resize-imgae" starts.',
          fields: { queue: 'media', name: 'resize-imgae' },
        },
      ]);
      // Once: more idle claims and more such jobs log nothing new.
      await spool.enqueue('media', 'resize-imgae');
      await delay(200);
      expect(logger.lines.filter((l) => l.message.includes('resize-imgae'))).toHaveLength(1);

      // A worker that takes every name handles it: no warning.
      spool.work('media', () => 'anything');
      await expect(typo.wait({ timeout: 5_000 })).resolves.toBe('anything');
      const other = await spool.enqueue('media', 'whatever', null, { delay: '1h' });
      expect(await spool.warningFor(other.job)).toBeNull();
    });

    it('a job a worker holds without a handler goes back to the queue without spending an attempt', async () => {
      const logger = recordingLogger();
      const spool = await h.open({ logger });
      const handlers: Record<string, () => string> = { kept: () => 'kept', dropped: () => 'dropped' };
      spool.work('q', handlers);
      // The map changes after the worker started: it still claims "dropped", and has no handler for it.
      delete handlers.dropped;
      const { id } = await spool.enqueue('q', 'dropped', null, { maxAttempts: 1 });
      await eventually(() => logger.lines.some((l) => l.message.includes(`claimed job ${id}`)));
      const job = await eventually(async () => {
        const current = await spool.getJob(id);
        return current?.status === 'waiting' && current.startedAt === null ? current : false;
      });
      // maxAttempts 1, yet not failed: the attempt was given back, and the job waits 5 s before anyone may claim it again.
      expect(job).toMatchObject({ status: 'waiting', attempts: 0, errors: [], runAt: T0 + 5_000 });
      expect(logger.lines.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
        `Worker on queue "q" claimed job ${id} (q/dropped) but has no handler for "dropped" (its handler map changed after it started); the job goes back to the queue without spending an attempt.`,
      ]);
    });

    it('deletes one finished job, and refuses a waiting one', async () => {
      const spool = await h.open();
      spool.work('q', { ok: () => 'done' });
      const done = await spool.enqueue('q', 'ok');
      await done.wait({ timeout: 5_000 });
      await spool.deleteJob(done.id);
      expect(await spool.getJob(done.id)).toBeNull();
      const waiting = await spool.enqueue('q', 'later', null, { delay: '1h' });
      const refused = await caught(() => spool.deleteJob(waiting.id));
      expect(refused).toMatchObject({
        code: 'SPOOL_INVALID_STATE',
        message: `Job ${waiting.id} is waiting; only finished jobs (completed, failed, cancelled or expired) can be deleted. Cancel it first.`,
      });
      expect((await caught(() => spool.deleteJob('987654321'))).code).toBe('SPOOL_JOB_NOT_FOUND');
    });

    it('shows a killed worker process as gone at once where the store has sessions', { timeout: 30_000 }, async (ctx) => {
      if (!h.has('server')) ctx.skip();
      try {
        const spool = await h.open({ clock: systemClock });
        const worker = await WorkerProcess.start(h.url, h.schema, 'remote', 'record');
        const alive = await eventually(async () => {
          const rows = await spool.workers('remote');
          return rows[0]?.sessionAlive === true ? rows[0] : false;
        }, 10_000);
        expect(alive).toMatchObject({ pid: worker.pid, queue: 'remote', names: null });
        worker.signal('SIGKILL');
        await worker.exited;
        // Its row is still fresh (it beat less than 30 s ago), but its session is gone.
        const dead = await eventually(async () => {
          const rows = await spool.workers('remote');
          return rows[0]?.sessionAlive === false ? rows[0] : false;
        }, 5_000);
        expect(dead.pid).toBe(worker.pid);
      } finally {
        await killAllWorkerProcesses();
      }
    });
  });
}
