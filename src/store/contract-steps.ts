/**
 * @module
 * The store contract's workflow part (`Store.steps`): each job's durable steps, children and
 * suspensions. Every write is fenced by the job's lease token in the statement that writes, so
 * a worker that lost its lease cannot record a step.
 */
import type { JobStatus, NewJob } from '../core/types.js';
import type { Fence } from './contract-common.js';

export type StepKind = 'step' | 'sleep' | 'event' | 'children' | 'version' | 'compensation';

/**
 * - completed: done; its result is stored.
 * - failed: its last attempt threw (`retrying` while the step's own policy tries again).
 * - sleeping / waiting: the run suspended here until `until` (an event or children may end it sooner).
 */
export type StepStatus = 'completed' | 'failed' | 'retrying' | 'sleeping' | 'waiting';

/** An error as a step stores it. */
export interface StepError {
  message: string;
  code?: string;
  name?: string;
}

export interface StepRecord {
  jobId: string;
  name: string;
  /** Its place among the run's steps, from 0; null for markers outside the order (versions, compensations). */
  seq: number | null;
  kind: StepKind;
  status: StepStatus;
  result: unknown;
  error: StepError | null;
  attempts: number;
  startedAt: number;
  finishedAt: number | null;
  /** Until when it sleeps or waits (by the store's clock). */
  until: number | null;
  /** What it waits for or spawned: `{ topic, match }`, `{ children: [...] }`, a compensation's step. */
  detail: unknown;
}

/** A step as a worker records it. */
export interface StepWrite {
  name: string;
  seq: number | null;
  kind: StepKind;
  status: StepStatus;
  /** JSON text, or null. */
  result: string | null;
  error: StepError | null;
  attempts: number;
  /** How long it ran, measured by the worker; the store sets `startedAt` from its own now. */
  durationMs: number;
  /** Milliseconds from the store's now until it wakes; null when it does not wait. */
  untilInMs: number | null;
  /** JSON text, or null. */
  detail: string | null;
  /** For a wait on an event: the topic whose publishes wake the job. */
  waitTopic?: string | null;
  /**
   * The job whose step this is when it is not the fenced job: a compensation job (enqueued when a
   * workflow with compensations is cancelled) records the compensations on the cancelled workflow.
   */
  owner?: string | null;
}

export interface StepWritten {
  /** The store's now when it was written. */
  at: number;
  until: number | null;
}

/** A run that suspends: back to waiting without spending its attempt, freeing slot and lease. */
export interface Suspension extends Fence {
  /** Wake no later than this, from the store's now. */
  delayMs: number;
  /**
   * `children`: wake at once instead if no child is pending any more (checked under the job's
   * row lock, which children finishing take too, so none can be missed); `children-fail-fast`:
   * also when a child has failed.
   */
  wakeOn: 'time' | 'children' | 'children-fail-fast';
}

/** A child as `ctx.all` reads it. */
export interface ChildState {
  id: string;
  status: JobStatus;
  result: unknown;
  /** The last error's message, if any. */
  error: string | null;
}

export interface StepsPart {
  /** A job's stored steps, in the order they were first recorded. */
  list(jobId: string): Promise<StepRecord[]>;
  /** Inserts or replaces the step `name` of the fenced job; null when the token no longer holds. */
  record(fence: Fence, step: StepWrite): Promise<StepWritten | null>;
  /**
   * Enqueues `children` of the fenced job, raises its pending-children counter and records the
   * step listing them, in one transaction; null (and nothing written) when the token no longer holds.
   */
  spawn(fence: Fence, step: StepWrite, children: readonly NewJob[]): Promise<{ at: number; ids: string[] } | null>;
  /** The children's statuses and results, in the order of `ids`. */
  children(ids: readonly string[]): Promise<ChildState[]>;
  /** Suspends runs (see Suspension); returns the ids suspended. */
  suspend(items: readonly Suspension[]): Promise<string[]>;
}
