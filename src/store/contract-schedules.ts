/**
 * @module
 * The store contract's schedules part (`Store.schedules`): cron schedules as rows. The store keeps
 * them and the time; the ticker (`client/schedules.ts`) reads the cron and decides which ticks to
 * enqueue. A tick's job carries an idempotency key made of the schedule and the tick, and the
 * schedule's next tick moves forward by compare-and-set, so however many processes tick at once,
 * each tick makes one job.
 */
import type { Json } from '../core/types.js';

/** What to do with ticks that passed while no process ran the schedule. */
export type MissedPolicy = 'skip' | { catchUp: number };

/** A schedule as defined: which job to enqueue on which cron. */
export interface ScheduleDefinition {
  name: string;
  cron: string;
  /** An IANA time zone the cron is read in; null for UTC. */
  timezone: string | null;
  queue: string;
  /** The job name each tick enqueues. */
  jobName: string;
  payload: Json;
  /** Enqueue options for each job (priority, maxAttempts, timeout, …), as given. */
  options: Record<string, Json>;
  missed: MissedPolicy;
}

export interface ScheduleRecord extends ScheduleDefinition {
  /** The next tick not yet enqueued; null until a ticker has computed it (after a create or a change of cron or time zone). */
  nextRunAt: number | null;
  /** The latest tick a job was enqueued for. */
  lastRunAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface SchedulesPart {
  /**
   * Creates or replaces a schedule. Its next tick is kept when the cron and the time zone are
   * unchanged (so a restart that declares it again loses no missed tick), else set to be computed.
   */
  upsert(definition: ScheduleDefinition): Promise<ScheduleRecord>;
  get(name: string): Promise<ScheduleRecord | null>;
  /** Every schedule, by name. */
  list(): Promise<ScheduleRecord[]>;
  /** Deletes a schedule; false if there was none. Jobs it enqueued stay. */
  remove(name: string): Promise<boolean>;
  /** Schedules whose next tick is due (or not computed yet), with the store's time they were read at. */
  due(): Promise<{ now: number; schedules: ScheduleRecord[] }>;
  /**
   * Moves a schedule's next tick from `from` to `to` (and its last run to `lastRunAt` when given),
   * only if it is still at `from`: false when another process moved it first.
   */
  advance(name: string, from: number | null, to: number, lastRunAt: number | null): Promise<boolean>;
}
