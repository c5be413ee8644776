/**
 * @module
 * The parent's handle on one worker child process: spawn, wait until ready, `go`, follow its
 * progress, read its peak RSS, `stop`. Every wait is bounded; a child that does not answer is killed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { SystemName, WorkerOptions } from './types.js';
import { now, waitUntil } from './util.js';
import type { ChildMessage, ChildOptions } from './worker-process.js';

const entry = fileURLToPath(new URL('./worker-process.ts', import.meta.url));

export interface WorkerResult {
  /** Handler calls seen by the child. */
  handled: number;
  /** Peak resident set size (VmHWM) in MB. */
  peakRssMb: number;
  latencies: number[];
  /** CPU time the child spent from `go` to `stop`, in µs. */
  cpuUs: number;
}

export class WorkerChild {
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private ready = false;
  private started = false;
  private done: Extract<ChildMessage, { type: 'done' }> | null = null;
  private failure: string | null = null;
  private peakKb = 0;
  /** Latest handler count reported by the child. */
  handled = 0;

  constructor(
    readonly system: SystemName,
    options: WorkerOptions,
    lifetimeMs: number,
  ) {
    const childOptions: ChildOptions = { ...options, lifetimeMs };
    this.child = spawn(process.execPath, ['--import', 'tsx', entry, system, JSON.stringify(childOptions)], {
      stdio: ['pipe', 'pipe', 'inherit'],
      cwd: process.cwd(),
    });
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    this.child.once('error', (err) => {
      this.failure = `could not start the worker process for ${system}: ${err.message}`;
    });
    this.child.once('exit', (code) => {
      if (!this.done && !this.failure) this.failure = `worker process for ${system} exited with code ${code}`;
    });
    createInterface({ input: this.child.stdout as NodeJS.ReadableStream }).on('line', (line) => this.onLine(line));
  }

  private onLine(line: string): void {
    let message: ChildMessage;
    try {
      message = JSON.parse(line) as ChildMessage;
    } catch {
      return; // a library printed to stdout; not ours
    }
    if (message.type === 'ready') this.ready = true;
    else if (message.type === 'started') this.started = true;
    else if (message.type === 'count') {
      this.handled = message.n;
      this.samplePeak();
    } else if (message.type === 'done') this.done = message;
    else if (message.type === 'error') this.failure = message.message;
  }

  /** Reads VmHWM (peak RSS) from /proc while the child lives. */
  private samplePeak(): void {
    try {
      const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
      const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
      this.peakKb = Math.max(this.peakKb, kb);
    } catch {
      // the child is gone; keep the last reading
    }
  }

  private check(): void {
    if (this.failure) throw new Error(this.failure);
  }

  async waitReady(timeoutMs = 30_000): Promise<void> {
    const ok = await waitUntil(() => this.ready || this.failure !== null, timeoutMs);
    this.check();
    if (!ok) throw new Error(`worker process for ${this.system} was not ready within ${timeoutMs} ms`);
  }

  /** Tells the child to start taking jobs; returns the time it was told. */
  go(): number {
    const at = now();
    this.child.stdin?.write('go\n');
    return at;
  }

  async waitStarted(timeoutMs = 15_000): Promise<void> {
    const ok = await waitUntil(() => this.started || this.failure !== null, timeoutMs);
    this.check();
    if (!ok) throw new Error(`worker process for ${this.system} did not start within ${timeoutMs} ms`);
  }

  /** Waits until the child has run `n` handlers; false on timeout. */
  async waitHandled(n: number, timeoutMs: number): Promise<boolean> {
    const ok = await waitUntil(() => this.handled >= n || this.failure !== null, timeoutMs, 5);
    this.check();
    return ok;
  }

  async stop(timeoutMs = 20_000): Promise<WorkerResult> {
    this.samplePeak();
    this.child.stdin?.write('stop\n');
    const ok = await waitUntil(() => this.done !== null || this.failure !== null, timeoutMs);
    if (!ok) this.kill();
    await Promise.race([this.exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    this.check();
    if (!this.done) throw new Error(`worker process for ${this.system} did not stop within ${timeoutMs} ms`);
    const peakKb = Math.max(this.peakKb, this.done.maxRssKb);
    return { handled: this.done.n, peakRssMb: peakKb / 1024, latencies: this.done.latencies, cpuUs: this.done.cpuUs };
  }

  /** Ends this child only (by its own pid). */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
