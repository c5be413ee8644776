/**
 * The SQLite store's view of whether a worker's process still runs: a live pid with its own start
 * time is alive; a pid whose recorded start time differs (the kernel reused it) is gone; an exited
 * (reaped) child is gone; a killed child its parent has not reaped yet (a zombie) is gone too.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ownProcessStart, processGone } from '../../src/store/sqlite/process-liveness.js';

const procfs = existsSync('/proc/self/stat');

describe('process liveness', () => {
  it('knows its own process alive, with the start time it records', () => {
    expect(processGone(process.pid, ownProcessStart())).toBe(false);
    if (procfs) expect(ownProcessStart()).toEqual(expect.any(Number));
  });

  it.runIf(procfs)('takes a pid now held by a process that started at another time for gone (pid reuse)', () => {
    const start = ownProcessStart() as number;
    expect(processGone(process.pid, start + 1)).toBe(true);
  });

  it('takes a killed child for gone, before and after it is reaped', async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    await new Promise((resolve) => child.once('spawn', resolve));
    const pid = child.pid as number;
    expect(processGone(pid, null)).toBe(false);
    // Until Node reaps it, the killed child is a zombie; either way it counts as gone.
    child.kill('SIGKILL');
    const deadline = Date.now() + 5_000;
    while (!processGone(pid, null) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(processGone(pid, null)).toBe(true);
    await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once('exit', resolve)));
    expect(processGone(pid, null)).toBe(true);
  });
});
