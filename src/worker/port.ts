/**
 * @module
 * What a worker is handed: a narrow port, never the whole Spool (graphile-worker's workers get
 * `getJob`/`completeJob`/`failJob`, not the pool). The worker claims, runs and records; it knows
 * nothing of enqueueing, listing or the HTTP API.
 */
import type { Clock } from '../core/clock.js';
import type { SpoolEmitter } from '../core/events.js';
import type { Logger } from '../core/logger.js';
import type { AttemptObserver } from '../core/telemetry.js';
import type { AdminStore, JobStore, Store } from '../store/contract.js';
import type { WorkerRegistry } from './registry.js';

export interface WorkerSettings {
  /** How often an idle worker looks for work no wake-up announced. */
  pollInterval: number;
  /** How long a graceful shutdown waits for in-flight jobs. */
  shutdownTimeout: number;
  /** Largest result, in bytes of JSON. */
  maxPayloadBytes: number;
}

export interface WorkerPort {
  /**
   * The hot path, plus reading one job (to tell a cancelled job from a lost lease), the queues'
   * limits, and the worker registry where the store keeps one (to find waiting jobs nobody handles).
   */
  store: JobStore & Pick<AdminStore, 'getJob'> & Pick<Store, 'queues' | 'limits' | 'workers'>;
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
