import type { Logger } from '../core/logger.js';

/**
 * On the first signal, shuts down gracefully and then lets the process end as the signal would
 * have ended it; a second signal while shutting down exits at once.
 */
export function installShutdownSignals(
  signals: NodeJS.Signals[],
  logger: Logger,
  timeoutMs: number,
  shutdown: () => Promise<void>,
): () => void {
  let shuttingDown = false;
  const handler = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      logger.warn(
        `Received ${signal} again; exiting now without waiting for in-flight jobs (their leases will expire and they will run again).`,
      );
      process.exit(130);
    }
    shuttingDown = true;
    logger.info(`Received ${signal}; finishing in-flight jobs (up to ${timeoutMs} ms), then exiting. Send it again to exit at once.`);
    shutdown()
      .catch((err: unknown) => logger.error('Graceful shutdown failed', { error: err }))
      .finally(() => {
        remove();
        // Only re-raise when nobody else listens: then the process ends as the signal intended.
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      });
  };
  const remove = () => {
    for (const signal of signals) process.off(signal, handler);
  };
  for (const signal of signals) process.on(signal, handler);
  return remove;
}
