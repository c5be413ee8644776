/**
 * @module
 * The words and types of durable workflows, shared by the worker (which hands `ctx` to a handler)
 * and the workflow runtime (which implements it).
 *
 * Glossary
 * - workflow: a job whose handler runs durable steps. Finished steps are stored, so a resumed run
 *   skips them; sleeping or waiting suspends the job without holding a worker.
 * - step: one named, durable piece of a workflow's work (`ctx.step('charge', fn)`); its result is
 *   stored under the job's lease, and a later run of the same job returns it without running it.
 * - suspend: the outcome of a run that waits (a sleep, an event, children): the job goes back to
 *   `waiting` with its run time at the wake-up, its attempt not spent, its slot and lease freed.
 * - run: one claim of a workflow job; a workflow takes many runs to finish when it suspends.
 */
import type { Duration } from './duration.js';
import { SpoolError } from './errors.js';
import type { EnqueueOptions } from './options.js';
import type { BackoffPolicy, Json } from './types.js';

/** A step's own retry policy: attempts of the step alone, waited out without holding the worker. */
export interface StepRetry {
  /** Attempts of this step, from 1. */
  maxAttempts: number;
  /** Waits between attempts. @defaultValue exponential from 1 s, capped at 5 min */
  backoff?: BackoffPolicy;
}

export interface StepOptions<R = unknown> {
  /**
   * The step's own retry policy. Without it a step's error is the run's error, and the job's
   * policy decides (the step runs again on the job's next attempt).
   */
  retry?: StepRetry;
  /**
   * Undoes the step (a saga): when the workflow fails for good or is cancelled, the compensations
   * of its completed steps run in reverse order, each durable and retried.
   */
  compensate?: (result: R) => unknown | Promise<unknown>;
}

export interface WaitForEventOptions {
  topic: string;
  /** Payload fields that must be equal (top level, compared as JSON). @defaultValue any event */
  match?: Record<string, Json>;
  /** Only events with this name. */
  name?: string;
  /** How long to wait; past it the wait returns null. @defaultValue 7 days */
  timeout?: Duration;
}

/** An event a wait received. */
export interface ReceivedEvent<P = unknown> {
  id: string;
  topic: string;
  name: string | null;
  key: string | null;
  payload: P;
  publishedAt: number;
}

/** A child job spawned by a workflow. */
export interface ChildRef {
  id: string;
  queue: string;
  name: string;
}

/** A final child, as `ctx.all` returns it. */
export interface ChildResult<R = unknown> {
  id: string;
  status: 'completed' | 'failed' | 'cancelled' | 'expired';
  result: R | null;
  /** The last error's message when it did not complete. */
  error: string | null;
}

export interface AllOptions {
  /** Stop waiting at the first child that fails (and throw); else wait for every child. @defaultValue true */
  failFast?: boolean;
}

export interface SpawnItem {
  queue: string;
  name: string;
  payload?: unknown;
  /** As for `spool.enqueue`, except dedupe, debounce and singleton. */
  options?: EnqueueOptions;
}

/** What `ctx` offers a workflow's handler, beside the plain job's context. */
export interface WorkflowMethods {
  /** Runs `fn` once per job: its result is stored, and a later run of the job returns it without running `fn`. */
  step<R>(name: string, fn: () => R | Promise<R>, options?: StepOptions<Awaited<R>>): Promise<Awaited<R>>;
  /** Suspends the job for `duration` without holding a worker slot or a lease; resumes on any worker. */
  sleep(name: string, duration: Duration): Promise<void>;
  /**
   * Suspends until an event on `topic` matches (published by any process, from the workflow's
   * start on), or returns null at the timeout.
   */
  waitForEvent<P = unknown>(name: string, options: WaitForEventOptions): Promise<ReceivedEvent<P> | null>;
  /** Enqueues one child job, durably: a resumed run gets the same child back. */
  spawn(queue: string, name: string, payload?: unknown): Promise<ChildRef>;
  /** Enqueues many children in one transaction with the step that records them. */
  spawnMany(items: readonly SpawnItem[]): Promise<ChildRef[]>;
  /** Suspends until every child is final; returns their results in order. */
  all<R = unknown>(children: readonly ChildRef[], options?: AllOptions): Promise<ChildResult<R>[]>;
  /**
   * Which version of a change this run follows: new runs get `latest` (stored), runs that passed
   * this point before the change existed get 1, so code can branch without breaking them.
   */
  version(change: string, latest: number): Promise<number>;
}

/** How a suspended run wakes besides its time: when its children are done, or fail (fail-fast). */
export type WakeOn = 'time' | 'children' | 'children-fail-fast';

/**
 * Thrown by the workflow runtime to end a run that waits: the worker records a `suspend` outcome.
 * A handler must let it pass (rethrow it from a catch-all).
 */
export class WorkflowSuspended extends SpoolError {
  readonly suspended = true;

  constructor(
    readonly resumeInMs: number,
    readonly wakeOn: WakeOn,
    why: string,
  ) {
    super('SPOOL_SUSPENDED', `The workflow suspends (${why}); this is not an error. A handler that catches every error must rethrow it.`);
  }
}

export function isSuspended(err: unknown): err is WorkflowSuspended {
  return (err as { suspended?: unknown; isSpoolError?: unknown } | null)?.suspended === true;
}
