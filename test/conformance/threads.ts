/**
 * Handlers in worker threads (`work(queue, { module, threads })`): payload in, result out,
 * progress from the thread, cancellation reaching the thread, a runaway thread terminated at its
 * timeout (SPOOL_TIMEOUT), and a thread that throws, exits or crashes failing only its own job.
 * The handler module is test/fixtures/thread-handlers.mjs; each payload says what it does.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Job } from '../helpers/api.js';
import { eventually } from '../helpers/eventually.js';
import { type Harness, caught } from './harness.js';

const module = new URL('../fixtures/thread-handlers.mjs', import.meta.url);

export function threadTests(h: Harness): void {
  describe('handlers in worker threads', () => {
    let dir = '';
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'spool-threads-'));
    });
    afterEach(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it('runs each job in a thread of the pool: payload in, result out, progress from the thread', { timeout: 30_000 }, async () => {
      const spool = await h.open();
      const worker = spool.work('cpu', { module, threads: 2 });
      expect(worker.concurrency).toBe(2);
      const progress: { id: string; value: unknown }[] = [];
      spool.on('progress', (event) => void progress.push({ id: event.job.id, value: event.progress }));
      const handles = await spool.enqueueMany([
        { queue: 'cpu', name: 'hash', payload: { mode: 'hash', ms: 200 } },
        { queue: 'cpu', name: 'hash', payload: { mode: 'hash', ms: 200 } },
      ]);
      const results = (await Promise.all(handles.map((j) => j.wait({ timeout: 20_000 })))) as { threadId: number; rounds: number }[];
      for (const r of results) {
        expect(r.threadId).toBeGreaterThan(0);
        expect(r.rounds).toBeGreaterThan(0);
      }
      // Two jobs at once on two threads, neither of them this one.
      expect(new Set(results.map((r) => r.threadId)).size).toBe(2);

      const p = await spool.enqueue('cpu', 'report', { mode: 'progress' });
      expect(await p.wait({ timeout: 20_000 })).toEqual({ threadId: expect.any(Number), attempt: 1, jobId: p.id });
      expect((await spool.getJob(p.id))?.progress).toEqual({ value: 50, message: 'half way' });
      expect(progress).toContainEqual({ id: p.id, value: { value: 50, message: 'half way' } });
    });

    it('passes a cancel to the thread as ctx.signal', { timeout: 30_000 }, async () => {
      const spool = await h.open();
      spool.work('cpu', { module, threads: 1 });
      const file = join(dir, 'reason');
      const job = await spool.enqueue('cpu', 'wait', { mode: 'wait', file });
      await eventually(() => existsSync(`${file}.started`), 20_000);
      await spool.cancel(job.id);
      await eventually(() => readFileSync(file, 'utf8') === 'SPOOL_CANCELLED', 10_000);
      expect((await spool.getJob(job.id))?.status).toBe('cancelled');
    });

    it('terminates a runaway thread at the job’s timeout (SPOOL_TIMEOUT), and the pool goes on', { timeout: 30_000 }, async () => {
      const spool = await h.open();
      spool.work('cpu', { module, threads: 1 });
      const runaway = await spool.enqueue('cpu', 'spin', { mode: 'spin' }, { timeout: 300, maxAttempts: 1 });
      const failed = await eventually(async () => {
        const job = (await spool.getJob(runaway.id)) as Job;
        return job.status === 'failed' ? job : false;
      }, 20_000);
      expect(failed.errors).toEqual([expect.objectContaining({ code: 'SPOOL_TIMEOUT', final: true })]);
      // The only thread was spinning: the next job runs only because it was terminated and replaced.
      const next = await spool.enqueue('cpu', 'hash', { mode: 'hash', ms: 1 });
      await expect(next.wait({ timeout: 20_000 })).resolves.toMatchObject({ rounds: expect.any(Number) });
    });

    it('keeps what a thread throws: its message, its user message, and that it is not to be retried', { timeout: 30_000 }, async () => {
      const spool = await h.open();
      spool.work('cpu', { module, threads: 1 });
      const job = await spool.enqueue('cpu', 'reject', { mode: 'reject' }, { maxAttempts: 3 });
      const error = await caught(() => job.wait({ timeout: 20_000 }));
      expect(error).toMatchObject({ code: 'SPOOL_JOB_FAILED' });
      const stored = (await spool.getJob(job.id)) as Job;
      expect(stored).toMatchObject({ status: 'failed', attempts: 1 });
      expect(stored.errors).toEqual([
        expect.objectContaining({ message: 'the image is not a PNG', userMessage: 'Please upload a PNG.', final: true }),
      ]);
    });

    it('fails only the job of a thread that exits or crashes; the others complete', { timeout: 30_000 }, async () => {
      const spool = await h.open();
      spool.work('cpu', { module, threads: 2 }, { concurrency: 4 });
      const [exit, crash, ...fine] = await spool.enqueueMany([
        { queue: 'cpu', name: 'exit', payload: { mode: 'exit' }, options: { maxAttempts: 1 } },
        { queue: 'cpu', name: 'crash', payload: { mode: 'crash' }, options: { maxAttempts: 1 } },
        { queue: 'cpu', name: 'hash', payload: { mode: 'hash', ms: 50 } },
        { queue: 'cpu', name: 'hash', payload: { mode: 'hash', ms: 50 } },
      ]);
      for (const ok of fine) await expect(ok.wait({ timeout: 20_000 })).resolves.toMatchObject({ rounds: expect.any(Number) });
      for (const bad of [exit, crash]) {
        const job = await eventually(async () => {
          const j = (await spool.getJob(bad?.id as string)) as Job;
          return j.status === 'failed' ? j : false;
        }, 20_000);
        expect(job.errors).toHaveLength(1);
      }
      expect(((await spool.getJob(exit?.id as string)) as Job).errors[0]?.message).toMatch(/exit|code 3/i);
      expect(((await spool.getJob(crash?.id as string)) as Job).errors[0]?.message).toMatch(/boom outside the handler/);
    });

    it('refuses a module that is not there, and a bad thread count, saying what to give', async () => {
      const spool = await h.open();
      expect(() => spool.work('cpu', { module: './no-such-module.js' })).toThrow(/no file at .*no-such-module\.js\. Give a path relative/);
      expect(() => spool.work('cpu', { module, threads: 0 })).toThrow(/'auto' or a whole number from 1 to 1024, not 0/);
    });
  });
}
