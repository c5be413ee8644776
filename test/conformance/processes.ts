/**
 * Several worker processes on one store: each job runs once while its lease holds, a SIGKILLed
 * worker loses nothing, and SIGTERM/SIGINT shut down gracefully. Child processes use the real
 * clock, so these tests use it too, with short leases.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Job, systemClock } from '../helpers/api.js';
import { delay, eventually } from '../helpers/eventually.js';
import { type Exit, WorkerProcess, killAllWorkerProcesses } from '../helpers/processes.js';
import type { Harness } from './harness.js';

/** "Exits 0-ish": a clean exit, or the signal Spool re-raises after its graceful shutdown. */
function exitedGracefully(exit: Exit, signal: NodeJS.Signals): boolean {
  return exit.code === 0 || exit.signal === signal;
}

export function processTests(h: Harness): void {
  describe('worker processes', () => {
    let dir = '';
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'spool-runs-'));
    });
    afterEach(async () => {
      await killAllWorkerProcesses();
      rmSync(dir, { recursive: true, force: true });
    });

    it('an idle worker process stays alive until it is told to stop', { timeout: 30_000 }, async () => {
      const spool = await h.open({ clock: systemClock });
      const worker = await WorkerProcess.start(h.url, h.schema, 'idle', 'record', { keepAlive: 'no' });
      await delay(1_500);
      expect(worker.hasExited, `the process exited on its own: ${JSON.stringify(await Promise.race([worker.exited, null]))}`).toBe(false);
      const { id } = await spool.enqueue('idle', 'n');
      await expect(spool.waitFor(id, { timeout: 10_000 })).resolves.toMatchObject({ pid: worker.pid });
      worker.signal('SIGTERM');
      expect(exitedGracefully(await worker.waitForExit(15_000), 'SIGTERM')).toBe(true);
    });

    it('two worker processes complete 200 jobs, each run exactly once, and both do work', { timeout: 90_000 }, async () => {
      const spool = await h.open({ clock: systemClock });
      const runs = join(dir, 'runs.log');
      const options = { runs, sleep: 5, concurrency: 4, poll: 20 };
      const [a, b] = await Promise.all([
        WorkerProcess.start(h.url, h.schema, 'mp', 'record', options),
        WorkerProcess.start(h.url, h.schema, 'mp', 'record', options),
      ]);
      const handles = await spool.enqueueMany(Array.from({ length: 200 }, (_, i) => ({ queue: 'mp', name: 'n', payload: i })));
      await eventually(async () => (await spool.counts('mp')).mp?.completed === 200, 60_000, 100);

      const lines = readFileSync(runs, 'utf8').trim().split('\n');
      const ranIn = new Map<string, string[]>();
      for (const line of lines) {
        const [jobId, pid] = line.split(' ') as [string, string];
        ranIn.set(jobId, [...(ranIn.get(jobId) ?? []), pid]);
      }
      expect(lines).toHaveLength(200);
      expect(ranIn.size).toBe(200);
      const pids = new Set<number>();
      for (const handle of handles) {
        const job = (await spool.getJob(handle.id)) as Job<number, { pid: number; jobId: string; attempt: number }>;
        expect(job.status).toBe('completed');
        expect(job.attempts).toBe(1);
        expect(job.errors).toEqual([]);
        expect(job.result?.jobId).toBe(handle.id);
        expect(ranIn.get(handle.id)).toEqual([String(job.result?.pid)]);
        pids.add(job.result?.pid as number);
      }
      expect([...pids].sort()).toEqual([a.pid, b.pid].sort());

      a.signal('SIGTERM');
      b.signal('SIGTERM');
      expect(exitedGracefully(await a.waitForExit(15_000), 'SIGTERM')).toBe(true);
      expect(exitedGracefully(await b.waitForExit(15_000), 'SIGTERM')).toBe(true);
    });

    it('a worker process killed with SIGKILL mid-job loses nothing: another worker completes the job', { timeout: 60_000 }, async () => {
      const spool = await h.open({ clock: systemClock, pollInterval: 100 });
      const doomed = await WorkerProcess.start(h.url, h.schema, 'crash', 'hang', { lease: 1_500, heartbeat: 300 });
      const { id } = await spool.enqueue('crash', 'n', null, { maxAttempts: 3 });
      await doomed.waitForLine(new RegExp(`^active ${id}$`));
      expect(await spool.getJob(id)).toMatchObject({ status: 'active', attempts: 1 });
      doomed.signal('SIGKILL');
      expect((await doomed.waitForExit(10_000)).signal).toBe('SIGKILL');
      expect((await spool.getJob(id))?.status).toBe('active');

      spool.work('crash', (_p, ctx) => ({ rescuedBy: process.pid, attempt: ctx.attempt }), { lease: 1_000 });
      await expect(spool.waitFor(id, { timeout: 20_000 })).resolves.toEqual({ rescuedBy: process.pid, attempt: 2 });
      const job = (await spool.getJob(id)) as Job;
      expect(job).toMatchObject({ status: 'completed', attempts: 2 });
      // Taken back by whichever came first with so short a lease: its death seen (recovery.ts), or its lease run out.
      expect(job.errors).toHaveLength(1);
      expect(job.errors[0]).toMatchObject({ attempt: 1 });
      expect(job.errors[0]?.code).toMatch(/^SPOOL_(WORKER_LOST|LEASE_EXPIRED)$/);
    });

    it('SIGTERM lets an in-flight job finish within the deadline, claims nothing more, and exits', { timeout: 60_000 }, async () => {
      const spool = await h.open({ clock: systemClock });
      const worker = await WorkerProcess.start(h.url, h.schema, 'term', 'record', { sleep: 1_500, shutdownTimeout: 15_000 });
      const first = await spool.enqueue('term', 'n');
      const second = await spool.enqueue('term', 'n');
      await worker.waitForLine(new RegExp(`^active ${first.id}$`));
      worker.signal('SIGTERM');
      const exit = await worker.waitForExit(20_000);
      expect(exitedGracefully(exit, 'SIGTERM'), `exit ${JSON.stringify(exit)}; stderr: ${worker.stderr}`).toBe(true);
      expect(await spool.getJob(first.id)).toMatchObject({
        status: 'completed',
        attempts: 1,
        result: { pid: worker.pid, jobId: first.id },
      });
      expect(await spool.getJob(second.id)).toMatchObject({ status: 'waiting', attempts: 0 });
      expect(worker.lines).not.toContain(`active ${second.id}`);
    });

    it('SIGINT shuts down gracefully too', { timeout: 60_000 }, async () => {
      const spool = await h.open({ clock: systemClock });
      const worker = await WorkerProcess.start(h.url, h.schema, 'int', 'record', { sleep: 800, shutdownTimeout: 15_000 });
      const { id } = await spool.enqueue('int', 'n');
      await worker.waitForLine(new RegExp(`^active ${id}$`));
      worker.signal('SIGINT');
      const exit = await worker.waitForExit(20_000);
      expect(exitedGracefully(exit, 'SIGINT'), `exit ${JSON.stringify(exit)}; stderr: ${worker.stderr}`).toBe(true);
      expect(await spool.getJob(id)).toMatchObject({ status: 'completed', attempts: 1 });
    });

    it('SIGTERM with a handler that ignores the deadline returns the job to waiting without spending an attempt', {
      timeout: 60_000,
    }, async () => {
      const spool = await h.open({ clock: systemClock });
      const worker = await WorkerProcess.start(h.url, h.schema, 'stuck', 'stubborn', { shutdownTimeout: 500 });
      const { id } = await spool.enqueue('stuck', 'n', null, { maxAttempts: 1 });
      await worker.waitForLine(new RegExp(`^active ${id}$`));
      expect((await spool.getJob(id))?.attempts).toBe(1);
      worker.signal('SIGTERM');
      const exit = await worker.waitForExit(15_000);
      expect(exitedGracefully(exit, 'SIGTERM'), `exit ${JSON.stringify(exit)}; stderr: ${worker.stderr}`).toBe(true);
      expect(await spool.getJob(id)).toMatchObject({ status: 'waiting', attempts: 0, errors: [], leaseExpiresAt: null, workerId: null });
      // The job is whole: another worker runs it to completion on its one and only attempt.
      spool.work('stuck', (_p, ctx) => `attempt ${ctx.attempt}`);
      await expect(spool.waitFor(id, { timeout: 10_000 })).resolves.toBe('attempt 1');
    });
  });
}
