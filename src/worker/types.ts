import type { Logger } from '../core/logger.js';
import type { Job, Progress } from '../core/types.js';
import type { WorkflowMethods } from '../core/workflow.js';

/**
 * What a handler gets besides its payload. The workflow methods (`step`, `sleep`, `waitForEvent`,
 * `spawn`, `all`, `version`) make any handler a durable workflow; see docs/workflows.md.
 */
export interface JobContext<P = unknown> extends WorkflowMethods {
  /** The job as claimed (status active). */
  job: Job<P & import('../core/types.js').Json>;
  /** This attempt's number, from 1. */
  attempt: number;
  /** Fired on timeout, cancellation, lost lease and shutdown; `signal.reason` says which. Pass it to fetch and friends. */
  signal: AbortSignal;
  /** Stores progress (0..100, or `{ done, total }`) with an optional message, and tells listeners. */
  progress(value: Progress['value'], message?: string): Promise<void>;
  /** A logger with the job's id, queue and attempt on every line. */
  log: Logger;
  /**
   * A shared circuit breaker for a call inside the handler: `await ctx.breaker('payments').run(() => charge())`.
   * While it is open the call throws and the job waits for it without spending an attempt;
   * timeouts, network errors and errors marked `transient` count as its failures.
   */
  breaker(name: string): { run<T>(fn: () => T | Promise<T>): Promise<T> };
}

/** The user's function for one kind of job. Its return value (JSON) is stored as the result. */
export type Handler<P = any, R = unknown> = (payload: P, ctx: JobContext<P>) => R | Promise<R>;

/** One handler for every job in the queue, or a map from job name to handler. */
export type Handlers = Handler | Record<string, Handler>;
