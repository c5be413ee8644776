/**
 * Crash recovery without short leases: a worker process killed mid-job has its jobs taken back as
 * soon as its death shows (PostgreSQL: its session's advisory lock released; SQLite: its pid
 * gone), long before its 30 s lease runs out; a worker that is alive but frozen (SIGSTOP) keeps
 * its jobs. Child processes use the real clock, so these tests do too. The bounds are generous
 * for a loaded machine; the recovery time itself is measured in `npm run bench` (crash-recovery).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Job, systemClock } from '../helpers/api.js';
import { delay, eventually } from '../helpers/eventually.js';
import { WorkerProcess, killAllWorkerProcesses } from '../helpers/processes.js';
import type { Harness } from './harness.js';

const lease = 30_000;

export function recoveryTests(h: Harness): void {
  describe('dead worker recovery', () => {
    afterEach(async () => {
      await killAllWorkerProcesses();
    });

    it('takes back a SIGKILLed worker’s jobs at once, with its 30 s lease still running, and spends their attempt', {
      timeout: 60_000,
    }, async () => {
      const spool = await h.open({ clock: systemClock, pollInterval: 1_000 });
      const doomed = await WorkerProcess.start(h.url, h.schema, 'crash', 'hang', { concurrency: 3, lease });
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push((await spool.enqueue('crash', 'n', i, { maxAttempts: 3 })).id);
      for (const id of ids) await doomed.waitForLine(new RegExp(`^active ${id}$`));
      const rescuer = spool.work('crash', (_p, ctx) => ({ rescuedBy: process.pid, attempt: ctx.attempt }), { lease, concurrency: 3 });
      await eventually(async () => (await spool.workers('crash')).length === 2, 10_000, 50);

      doomed.signal('SIGKILL');
      const killedAt = Date.now();
      expect((await doomed.waitForExit(10_000)).signal).toBe('SIGKILL');
      for (const id of ids) {
        await expect(spool.waitFor(id, { timeout: 15_000 })).resolves.toEqual({ rescuedBy: process.pid, attempt: 2 });
      }
      // Well inside the lease the dead worker held: its death was seen, not waited out.
      expect(Date.now() - killedAt).toBeLessThan(lease / 2);
      for (const id of ids) {
        const job = (await spool.getJob(id)) as Job;
        expect(job).toMatchObject({ status: 'completed', attempts: 2, workerId: rescuer.id });
        expect(job.errors).toEqual([
          expect.objectContaining({
            code: 'SPOOL_WORKER_LOST',
            attempt: 1,
            final: false,
            userMessage: "This is taking longer than expected; we'll keep trying.",
          }),
        ]);
        expect(job.errors[0]?.message).toMatch(/process running this job died/);
      }
      // The dead worker is forgotten by the registry; the rescuer is listed alone.
      expect((await spool.workers('crash')).map((w) => w.id)).toEqual([rescuer.id]);
    });

    it('fails a job whose last attempt died with its worker, as an expired lease would', { timeout: 60_000 }, async () => {
      const spool = await h.open({ clock: systemClock });
      const doomed = await WorkerProcess.start(h.url, h.schema, 'last', 'hang', { lease });
      const { id } = await spool.enqueue('last', 'n', null, { maxAttempts: 1 });
      await doomed.waitForLine(new RegExp(`^active ${id}$`));
      spool.work('last', () => 'never runs', { lease });
      doomed.signal('SIGKILL');
      await doomed.waitForExit(10_000);
      const failed = await eventually(async () => {
        const job = (await spool.getJob(id)) as Job;
        return job.status === 'failed' ? job : false;
      }, 15_000);
      expect(failed).toMatchObject({ attempts: 1, errors: [expect.objectContaining({ code: 'SPOOL_WORKER_LOST', final: true })] });
    });

    it('leaves a frozen but live worker its jobs (SIGSTOP), which it finishes on its own attempt once resumed', {
      timeout: 60_000,
    }, async () => {
      const spool = await h.open({ clock: systemClock });
      const frozen = await WorkerProcess.start(h.url, h.schema, 'frozen', 'record', { sleep: 1_000, lease });
      const { id } = await spool.enqueue('frozen', 'n');
      await frozen.waitForLine(new RegExp(`^active ${id}$`));
      spool.work('frozen', () => ({ robbed: true }), { lease });
      await eventually(async () => (await spool.workers('frozen')).length === 2, 10_000, 50);
      frozen.signal('SIGSTOP');
      try {
        // Six of the rescuer's checks (every 500 ms) see the frozen owner alive.
        await delay(3_000);
        expect(await spool.getJob(id)).toMatchObject({ status: 'active', attempts: 1, errors: [] });
      } finally {
        frozen.signal('SIGCONT');
      }
      await expect(spool.waitFor(id, { timeout: 15_000 })).resolves.toMatchObject({ pid: frozen.pid, attempt: 1 });
      expect(await spool.getJob(id)).toMatchObject({ status: 'completed', attempts: 1, errors: [] });
    });
  });
}
