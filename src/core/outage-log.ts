/**
 * @module
 * Reports a store outage the way an operator wants to read it: the first failure at once, then
 * at most one line per interval however many queues and timers keep failing, and one line when
 * the store answers again ("reconnected after 12.3 s"). One per Spool, shared by every worker.
 */
import { coerceError } from './errors.js';
import type { SpoolEmitter } from './events.js';
import type { Logger } from './logger.js';

export class OutageLog {
  private since: number | null = null;
  private lastReport = 0;
  private suppressed = 0;

  constructor(
    private readonly events: SpoolEmitter,
    private readonly logger: Logger,
    /** At most one line per this many milliseconds while the outage lasts. @defaultValue 30 s */
    private readonly intervalMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  get failing(): boolean {
    return this.since !== null;
  }

  /** A store call failed with a transient error (`context` says what was being done). */
  failed(err: unknown, context: string): void {
    const at = this.now();
    if (this.since === null) {
      this.since = at;
      this.lastReport = at;
      this.suppressed = 0;
      this.events.emit('error', { error: coerceError(err), context: `${context}; Spool keeps retrying with backoff` });
      return;
    }
    if (at - this.lastReport < this.intervalMs) {
      this.suppressed++;
      return;
    }
    this.lastReport = at;
    const seconds = ((at - this.since) / 1000).toFixed(1);
    this.events.emit('error', {
      error: coerceError(err),
      context: `The store has been unavailable for ${seconds} s (${this.suppressed} more failure(s) not logged); ${context}`,
    });
    this.suppressed = 0;
  }

  /** A store call succeeded: ends an outage, if there was one. */
  succeeded(): void {
    if (this.since === null) return;
    const seconds = ((this.now() - this.since) / 1000).toFixed(1);
    this.since = null;
    this.logger.info(`The store answers again: reconnected after ${seconds} s.`);
  }
}
