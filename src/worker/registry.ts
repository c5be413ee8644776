/**
 * @module
 * Tells the store which workers run in this process, so every process can see which job names
 * are handled on each queue: one beat per interval for all of a Spool's workers (queue, the
 * names each handles, concurrency, jobs in flight), in one statement. A worker that stops removes
 * its row; one that dies is forgotten once its row is silent for `staleAfter` (and on PostgreSQL
 * its session's lock shows it gone at once). A beat that fails is reported through the outage log.
 */
import { hostname } from 'node:os';
import { defaults } from '../core/defaults.js';
import { isTransient } from '../core/errors.js';
import type { SpoolEmitter } from '../core/events.js';
import type { OutageLog } from '../core/outage-log.js';
import { spoolVersion } from '../core/version.js';
import type { WorkerProcess, WorkersPart } from '../store/contract.js';

/** What the registry reads from a worker on each beat. */
export interface RegisteredWorker {
  readonly id: string;
  readonly queue: string;
  /** The names it claims; undefined when one handler takes every name. */
  readonly names: readonly string[] | undefined;
  readonly concurrency: number;
  readonly activeCount: number;
}

export class WorkerRegistry {
  private readonly workers = new Set<RegisteredWorker>();
  private readonly process: WorkerProcess = { host: hostname(), pid: process.pid, version: spoolVersion };
  private timer: NodeJS.Timeout | null = null;
  private beating: Promise<void> | null = null;
  private beatAgain = false;

  constructor(
    private readonly store: WorkersPart | undefined,
    private readonly events: SpoolEmitter,
    private readonly outage: OutageLog,
    private readonly intervalMs: number = defaults.registry.heartbeatInterval,
    private readonly staleMs: number = defaults.registry.staleAfter,
  ) {}

  /** Registers a started worker at once, and from then on at every beat. */
  add(worker: RegisteredWorker): void {
    if (!this.store) return;
    this.workers.add(worker);
    if (!this.timer) {
      this.timer = setInterval(() => void this.beat(), this.intervalMs);
      this.timer.unref();
    }
    void this.beat();
  }

  /** Removes a stopped worker's row; waits at most `timeoutMs` for the store (its row expires otherwise). */
  async remove(worker: RegisteredWorker, timeoutMs = 1_000): Promise<void> {
    if (!this.store || !this.workers.delete(worker)) return;
    if (this.workers.size === 0) this.stop();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.store.remove([worker.id]).catch(() => {}),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Beats every registered worker now; a beat asked for while one is in flight runs right after it. */
  beat(): Promise<void> {
    if (this.beating) {
      this.beatAgain = true;
      return this.beating;
    }
    this.beating = (async () => {
      do {
        this.beatAgain = false;
        await this.beatOnce();
      } while (this.beatAgain);
    })().finally(() => {
      this.beating = null;
    });
    return this.beating;
  }

  private async beatOnce(): Promise<void> {
    const store = this.store;
    if (!store || this.workers.size === 0) return;
    const beats = [...this.workers].map((w) => ({
      id: w.id,
      queue: w.queue,
      names: w.names === undefined ? null : [...w.names],
      concurrency: w.concurrency,
      inFlight: w.activeCount,
    }));
    try {
      await store.beat(this.process, beats, this.staleMs);
      this.outage.succeeded();
    } catch (err) {
      if (isTransient(err)) this.outage.failed(err, 'Registering the workers of this process failed');
      else this.events.emit('error', { error: err as Error, context: 'Registering the workers of this process failed' });
    }
  }
}
