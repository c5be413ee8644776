/**
 * @module
 * What a worker is handed: a narrow port, never the whole Spool (graphile-worker's workers get
 * `getJob`/`completeJob`/`failJob`, not the pool). The worker claims, runs and records; it knows
 * nothing of enqueueing, listing or the HTTP API.
 */
import type { Clock } from '../core/clock.js';
import type { SpoolEmitter } from '../core/events.js';
import type { Logger } from '../core/logger.js';
import type { ClaimedJob } from '../core/types.js';
import type { WorkflowMethods } from '../core/workflow.js';
import type { AttemptObserver, AttemptSpan } from '../core/telemetry.js';
import type { AdminStore, JobStore, Store } from '../store/contract.js';
import type { Outcome } from './outcome.js';
import type { WorkerRegistry } from './registry.js';

export interface WorkerSettings {
  /** How often an idle worker looks for work no wake-up announced. */
  pollInterval: number;
  /** How long a graceful shutdown waits for in-flight jobs. */
  shutdownTimeout: number;
  /** Largest result, in bytes of JSON. */
  maxPayloadBytes: number;
  /** Lines of `ctx.log` kept with each job; 0 keeps none. */
  jobLogLimit: number;
}

/** One workflow run as the worker sees it: the methods `ctx` offers, and the last word on the outcome. */
export interface WorkflowRunPort extends WorkflowMethods {
  /** The outcome to record: the same, or what the saga makes of it (compensations ran, or one retries later). */
  settle(outcome: Outcome): Promise<Outcome>;
}

export interface WorkerPort {
  /**
   * The hot path, plus reading one job (to tell a cancelled job from a lost lease), the queues'
   * limits, and the worker registry where the store keeps one (to find waiting jobs nobody handles).
   */
  store: JobStore & Pick<AdminStore, 'getJob'> & Pick<Store, 'queues' | 'limits' | 'workers' | 'steps' | 'logs'>;
  /**
   * Starts a workflow run for a job on its first `ctx.step` (or sleep, wait, spawn); absent where
   * the store keeps no steps. `span` is the attempt's, for the spans of the steps that run.
   */
  workflow?: (job: ClaimedJob, version: number | null, span?: AttemptSpan | null) => WorkflowRunPort;
  /** Where workers register, once per Spool; null registers nothing. */
  registry: WorkerRegistry | null;
  /** Only for measuring and stamping in-process times; the store keeps its own for what it stores. */
  clock: Clock;
  logger: Logger;
  events: SpoolEmitter;
  settings: WorkerSettings;
  /** Follows each attempt (a span, metrics); absent follows nothing. */
  observer?: AttemptObserver;
}
