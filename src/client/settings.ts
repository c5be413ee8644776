/**
 * @module
 * The settings every part of a Spool reads, resolved once from its options against the defaults.
 */
import { defaults as builtIn } from '../core/defaults.js';
import { toMs } from '../core/duration.js';
import { type JobDefaults, resolveBackoff, resolveTimeout } from '../core/options.js';
import type { SpoolOptions } from './spool-options.js';

export { builtIn };

/** Settings every part of a Spool reads, resolved from SpoolOptions. */
export interface SpoolSettings {
  maxPayloadBytes: number;
  defaults: JobDefaults;
  retention: { completed: number; failed: number; cancelled: number; events: number };
  pollInterval: number;
  shutdownTimeout: number;
  /** Lines of `ctx.log` kept with each job; 0 keeps none. */
  jobLogLimit: number;
}

export function resolveSettings(options: SpoolOptions): SpoolSettings {
  const d = options.defaults ?? {};
  return {
    maxPayloadBytes: options.maxPayloadBytes ?? builtIn.maxPayloadBytes,
    defaults: {
      maxAttempts: d.maxAttempts ?? builtIn.job.maxAttempts,
      backoff: resolveBackoff(d.backoff, builtIn.job.backoff, 'defaults.backoff'),
      timeout: resolveTimeout(d.timeout, builtIn.job.timeout, 'defaults.timeout'),
    },
    retention: {
      completed:
        options.retention?.completed === undefined ? builtIn.retention.completed : toMs(options.retention.completed, 'retention.completed'),
      failed: options.retention?.failed === undefined ? builtIn.retention.failed : toMs(options.retention.failed, 'retention.failed'),
      cancelled:
        options.retention?.cancelled === undefined ? builtIn.retention.cancelled : toMs(options.retention.cancelled, 'retention.cancelled'),
      events: options.retention?.events === undefined ? builtIn.retention.events : toMs(options.retention.events, 'retention.events'),
    },
    pollInterval: options.pollInterval === undefined ? builtIn.pollInterval : toMs(options.pollInterval, 'pollInterval'),
    shutdownTimeout: options.shutdownTimeout === undefined ? builtIn.shutdownTimeout : toMs(options.shutdownTimeout, 'shutdownTimeout'),
    jobLogLimit: options.jobLogLimit ?? builtIn.jobLogLimit,
  };
}
