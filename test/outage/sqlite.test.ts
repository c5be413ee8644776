/**
 * SQLite's outage: another process holds the database file's write lock (`BEGIN EXCLUSIVE`) past
 * the busy timeout, mid-job. As on PostgreSQL: `ctx.progress()` does not throw into the handler,
 * the outcome is recorded once the lock is released, no attempt is spent, and the log has one
 * line when it starts and one when it ends.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Spool, createSpool } from '../../src/index.js';
import { root } from '../cli/run.js';
import { recordingLogger } from '../conformance/harness.js';
import { delay, eventually, gate } from '../helpers/eventually.js';

/** A process that takes the file's write lock and holds it until told to let go on stdin. */
function lockFile(path: string): { child: ChildProcess; locked: Promise<void>; release(): Promise<void> } {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(${JSON.stringify(path)});
    db.exec('BEGIN EXCLUSIVE');
    process.stdout.write('locked\\n');
    process.stdin.once('data', () => { db.exec('COMMIT'); db.close(); process.exit(0); });`;
  const child = spawn(process.execPath, ['-e', script], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  const locked = new Promise<void>((resolve) => child.stdout?.once('data', () => resolve()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    locked,
    release: async () => {
      child.stdin?.write('go\n');
      await exited;
    },
  };
}

describe('sqlite: another process holds the write lock mid-job', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spool-lock-'));
  let spool: Spool | undefined;
  let locker: ReturnType<typeof lockFile> | undefined;

  afterEach(async () => {
    if (locker && locker.child.exitCode === null) locker.child.kill('SIGKILL');
    await spool?.close({ timeout: 5_000 });
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps progress out of the handler, records the outcome once the lock is gone, and spends no attempt', async () => {
    const path = join(dir, 'spool.db');
    const logger = recordingLogger();
    // A short busy timeout: each write waits 100 ms for the lock, then reports the store busy.
    spool = await createSpool({ store: `sqlite:${path}?busyTimeout=100`, logger, shutdownSignals: false, pollInterval: 100 });
    const started = gate();
    const carryOn = gate();
    let progressDuringOutage: unknown = 'not called';
    spool.work('media', {
      async resize(_payload: unknown, ctx) {
        await ctx.progress(10, 'started');
        started.open();
        await carryOn.promise;
        progressDuringOutage = await ctx.progress(50, 'halfway').then(
          () => 'resolved',
          (err: unknown) => err,
        );
        return { resized: true };
      },
    });
    const { id } = await spool.enqueue('media', 'resize', { file: 'cat.png' }, { maxAttempts: 1 });
    await started.promise;

    locker = lockFile(path);
    await locker.locked;
    const linesBefore = logger.lines.length;
    carryOn.open();
    await eventually(() => progressDuringOutage !== 'not called', 5_000);
    expect(progressDuringOutage).toBe('resolved');
    await delay(2_000);
    // Readers never wait in WAL mode: the job is still active, its completion waiting for the lock.
    expect((await spool.getJob(id))?.status).toBe('active');
    const during = logger.lines.slice(linesBefore).filter((l) => l.level === 'warn' || l.level === 'error');
    expect(during, JSON.stringify(during, null, 2)).toHaveLength(1);
    expect(during[0]?.message).toMatch(/; Spool keeps retrying with backoff: The SQLite database ".*" stayed locked by another connection/);

    await locker.release();
    const job = await eventually(async () => {
      const current = await spool?.getJob(id);
      return current?.status === 'completed' ? current : false;
    }, 15_000);
    expect(job).toMatchObject({ status: 'completed', attempts: 1, errors: [], result: { resized: true } });
    const reconnected = logger.lines.filter((l) => /reconnected after/.test(l.message));
    expect(reconnected).toEqual([
      expect.objectContaining({
        level: 'info',
        message: expect.stringMatching(/^The store answers again: reconnected after \d+\.\d s\.$/),
      }),
    ]);
  });
});
