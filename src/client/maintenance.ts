/**
 * @module
 * The duties a Spool runs once, however many workers it has: taking back the jobs of workers whose
 * process died (every half second, from the registry: a session lock or a pid gone), taking back
 * jobs on expired leases (their worker hung, or died unseen) and deleting finished jobs past their
 * retention. Started with
 * the first worker; a failure is reported (an outage once, then throttled) and tried again later.
 */
import { defaults } from '../core/defaults.js';
import { isTransient } from '../core/errors.js';
import type { SpoolEmitter } from '../core/events.js';
import type { Logger } from '../core/logger.js';
import type { OutageLog } from '../core/outage-log.js';
import type { Store } from '../store/contract.js';

export interface MaintenanceSettings {
  retention: { completed: number; failed: number; cancelled: number; events: number };
}

export class Maintenance {
  private rescueTimer: NodeJS.Timeout | null = null;
  private pruneTimer: NodeJS.Timeout | null = null;
  private orphanTimer: NodeJS.Timeout | null = null;
  private orphanCheck: Promise<number> | null = null;
  private rescueMs: number = defaults.maintenance.rescueInterval;

  constructor(
    private readonly store: Store,
    private readonly settings: MaintenanceSettings,
    private readonly events: SpoolEmitter,
    private readonly logger: Logger,
    private readonly outage: OutageLog,
  ) {}

  /**
   * Starts the timers, or tightens the rescue interval for a worker with a shorter lease: leases
   * are looked for at least every half lease, so a dead worker's jobs wait at most 1.5 leases.
   */
  start(leaseMs: number): void {
    const wanted = Math.min(Math.floor(leaseMs / 2), defaults.maintenance.rescueInterval);
    if (!this.rescueTimer || wanted < this.rescueMs) {
      this.rescueMs = wanted;
      if (this.rescueTimer) clearInterval(this.rescueTimer);
      void this.rescue();
      this.rescueTimer = setInterval(() => void this.rescue(), this.rescueMs);
      this.rescueTimer.unref();
    }
    if (!this.orphanTimer && this.store.workers) {
      this.orphanTimer = setInterval(() => void this.rescueOrphans(), defaults.maintenance.orphanInterval);
      this.orphanTimer.unref();
    }
    if (!this.pruneTimer) {
      this.pruneTimer = setInterval(
        () => void this.prune().catch((err: unknown) => this.report(err, 'Pruning finished jobs failed')),
        defaults.maintenance.pruneInterval,
      );
      this.pruneTimer.unref();
    }
  }

  stop(): void {
    if (this.rescueTimer) clearInterval(this.rescueTimer);
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    if (this.orphanTimer) clearInterval(this.orphanTimer);
    this.orphanTimer = null;
    this.rescueTimer = null;
    this.pruneTimer = null;
  }

  /** Takes back jobs whose lease expired, and expires jobs that did not start in time; returns how many were taken back. */
  async rescue(): Promise<number> {
    try {
      const expired = (await this.store.limits?.expire()) ?? [];
      for (const job of expired) this.events.emit('expired', { job });
      const rescued = await this.store.rescueExpired();
      this.outage.succeeded();
      if (rescued > 0) this.logger.warn(`Took back ${rescued} job(s) on expired leases; they run again.`);
      return rescued;
    } catch (err) {
      this.report(err, `Taking back jobs on expired leases failed; trying again in ${this.rescueMs} ms`);
      return 0;
    }
  }

  /**
   * Takes back the jobs of workers whose process died, at once (see WorkersPart.rescueOrphans);
   * a check still running is joined, not doubled. Returns how many jobs were taken back.
   */
  rescueOrphans(): Promise<number> {
    const workers = this.store.workers;
    if (!workers) return Promise.resolve(0);
    this.orphanCheck ??= workers
      .rescueOrphans()
      .then((rescued) => {
        // Not proof the store is back: on SQLite the check may only read, which works while another
        // process holds the write lock, and would end an outage report that still lasts.
        if (rescued > 0) this.outage.succeeded();
        if (rescued > 0) this.logger.warn(`Took back ${rescued} job(s) of a worker whose process died; they run again.`);
        return rescued;
      })
      .catch((err: unknown) => {
        this.report(err, 'Looking for the jobs of dead workers failed');
        return 0;
      })
      .finally(() => {
        this.orphanCheck = null;
      });
    return this.orphanCheck;
  }

  /** Deletes finished jobs and published events older than their retention; returns how many. */
  async prune(): Promise<number> {
    const { completed, failed, cancelled, events } = this.settings.retention;
    const removed = await Promise.all([
      this.store.prune('completed', completed),
      this.store.prune('failed', failed),
      this.store.prune('cancelled', cancelled),
      this.store.topics?.pruneEvents(events) ?? 0,
    ]);
    return removed.reduce((a, b) => a + b, 0);
  }

  private report(err: unknown, context: string): void {
    if (isTransient(err)) this.outage.failed(err, context);
    else this.events.emit('error', { error: err as Error, context });
  }
}
