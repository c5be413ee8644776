/**
 * @module
 * The timer that ticks cron schedules, once per Spool that runs workers (and so in `spool serve`):
 * every second it enqueues the due ticks (see `schedules.ts`). Every process may tick; a tick
 * still makes one job. An outage is reported like maintenance's and the next look tries again.
 */
import { defaults } from '../core/defaults.js';
import { isTransient } from '../core/errors.js';
import type { SpoolEmitter } from '../core/events.js';
import type { Logger } from '../core/logger.js';
import type { OutageLog } from '../core/outage-log.js';
import type { Store } from '../store/contract.js';
import { runDueSchedules } from './schedules.js';
import type { SpoolSettings } from './settings.js';

export class ScheduleTicker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;

  constructor(
    private readonly store: Store,
    private readonly settings: SpoolSettings,
    private readonly events: SpoolEmitter,
    private readonly logger: Logger,
    private readonly outage: OutageLog,
  ) {}

  start(): void {
    if (this.timer || !this.store.schedules) return;
    this.timer = setInterval(() => void this.tick(), defaults.schedules.pollInterval);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Enqueues every due tick now; returns how many jobs were created. One look at a time per Spool. */
  tick(): Promise<number> {
    this.running ??= runDueSchedules(this.store, this.settings, this.logger)
      .catch((err: unknown) => {
        if (isTransient(err)) this.outage.failed(err, 'Ticking cron schedules failed; trying again in a second');
        else this.events.emit('error', { error: err as Error, context: 'Ticking cron schedules failed' });
        return 0;
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }
}
