/**
 * @module
 * The one seam every benchmarked system implements: a parent side (set-up, enqueue, counts) and a
 * worker side that runs inside `worker-process.ts`, a child process of its own.
 */

/** A job payload. `t` is the enqueue time (epoch ms, sub-ms precision) for the latency workload. */
export interface BenchPayload {
  t?: number;
}

/** Parent side: owns the store, enqueues, and reads how much work is left. */
export interface SystemAdapter {
  /** Drops and recreates this system's database (or Redis DB index, or SQLite file) and installs its schema. */
  setup(): Promise<void>;
  /** Enqueues all of `payloads` in one bulk call of the library. */
  enqueueBatch(payloads: BenchPayload[]): Promise<void>;
  /** Enqueues one job, the way a request handler would. */
  enqueueOne(payload: BenchPayload): Promise<void>;
  /** Jobs not yet finished (waiting, delayed, retrying or active). */
  countUnfinished(): Promise<number>;
  /** Closes the parent's connections. Safe to call twice. */
  teardown(): Promise<void>;
}

export interface WorkerOptions {
  /** Jobs in flight at once, or the system's nearest equivalent. */
  concurrency: number;
  /** Jobs claimed per round trip, where the system has such a knob. */
  batchSize?: number;
  /** Jobs claimed ahead beyond concurrency, where the system has such a knob (Spool's prefetch). */
  prefetch?: number;
  /** Parallel claim loops (raw SQL only). */
  loops?: number;
}

/** Worker side: connects in `prepare`, takes jobs only after `start`. */
export interface WorkerAdapter {
  prepare(): Promise<void>;
  /** Starts taking jobs; `onStart` runs at the top of every handler call. */
  start(onStart: (payload: BenchPayload) => void): Promise<void>;
  stop(): Promise<void>;
}

/** What every system module exports. */
export interface SystemModule {
  /** Names the settings used, for the report. */
  settings(options: WorkerOptions): string;
  createAdapter(): SystemAdapter;
  createWorker(options: WorkerOptions): WorkerAdapter;
}

export type SystemName = 'spool-sqlite' | 'spool-postgres' | 'bullmq' | 'pg-boss' | 'graphile-worker' | 'raw-sql';
