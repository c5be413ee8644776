/**
 * @module
 * Records each queue's waiting and active counts every 15 s (and once at start), so the
 * dashboard's backlog chart has data. A failed sample is logged, never thrown; the timer does
 * not keep the process alive.
 */
import type { Spool } from '../client/spool.js';
import { coerceError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';

export interface BacklogSampler {
  /** Stops sampling and waits for a sample in flight. Safe to call twice. */
  stop(): Promise<void>;
}

/** @param intervalMs how often to sample. @defaultValue 15 s */
export function startBacklogSampler(spool: Spool, logger: Logger, intervalMs = 15_000): BacklogSampler {
  let inFlight: Promise<void> = Promise.resolve();
  let stopped = false;
  const sample = () => {
    if (stopped || spool.closed) return;
    inFlight = spool.sampleBacklog().then(
      () => {},
      (err: unknown) =>
        logger.warn('Sampling the backlog for the dashboard failed; trying again later.', { error: coerceError(err).message }),
    );
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await inFlight;
    },
  };
}
