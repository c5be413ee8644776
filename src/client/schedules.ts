/**
 * @module
 * Cron schedules: defining them (the cron and time zone checked with croner before anything is
 * stored) and ticking them. A tick enqueues the schedule's job with an idempotency key made of the
 * schedule and the tick's time, then moves the schedule's next tick forward by compare-and-set:
 * however many processes tick at once, each tick makes exactly one job, and a process that dies
 * between the two leaves the tick to the next one, which finds the job already there.
 */
import { Cron } from 'croner';
import { defaults } from '../core/defaults.js';
import { InvalidArgumentError, SpoolError, isTransient } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { assertName } from '../core/names.js';
import { type EnqueueOptions, parseOptions } from '../core/options.js';
import { type ScheduleOptions, scheduleOptionsSchema } from '../core/schedule-options.js';
import type { Json, NewJob } from '../core/types.js';
import { toJson } from '../core/validate.js';
import type { MissedPolicy, ScheduleDefinition, ScheduleRecord, SchedulesPart, Store } from '../store/contract.js';
import { toNewJob } from './new-job.js';
import type { SpoolSettings } from './settings.js';

export type { ScheduleOptions };

/** The cron read in its time zone; throws a sentence naming what is wrong and how to write it. */
export function parseCron(cron: unknown, timezone: string | null, schedule: string): Cron {
  if (typeof cron !== 'string' || cron.trim() === '') {
    throw new InvalidArgumentError(`Schedule ${schedule} needs a cron expression, such as "0 3 * * *" (every day at 03:00).`);
  }
  if (timezone !== null) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    } catch {
      throw new InvalidArgumentError(
        `Unknown time zone ${JSON.stringify(timezone)} for schedule ${schedule}: use an IANA name such as "Europe/Berlin" or "America/New_York", or leave it out for UTC.`,
      );
    }
  }
  try {
    return new Cron(cron, { timezone: timezone ?? 'UTC', paused: true });
  } catch (err) {
    const reason = (err as Error).message.replace(/^CronPattern: /, '');
    throw new InvalidArgumentError(
      `Invalid cron ${JSON.stringify(cron)} for schedule ${schedule}: ${reason}. Use five fields (minute hour day-of-month month day-of-week), or six with seconds first, e.g. "0 3 * * *" for every day at 03:00.`,
    );
  }
}

/** Checks a schedule's definition whole (cron, time zone, names, payload, job options) and returns it as stored. */
export function toScheduleDefinition(name: string, cron: string, input: ScheduleOptions, settings: SpoolSettings): ScheduleDefinition {
  assertName(name, 'schedule');
  const given = (input as { options?: unknown } | undefined)?.options;
  const owned = ['idempotencyKey', 'dedupe', 'debounce', 'singleton', 'delay', 'runAt', 'waitForRoom', 'expiresAt'].filter(
    (key) => typeof given === 'object' && given !== null && key in given,
  );
  if (owned.length > 0) {
    throw new InvalidArgumentError(
      `Schedule ${name}'s job options cannot set ${owned.join(', ')}: each tick's job runs at the tick's time with a key of its own (one job per tick). Use expiresIn to drop a tick's job that did not start in time.`,
    );
  }
  const options = parseOptions(scheduleOptionsSchema, input, `options of schedule ${name}`);
  const timezone = options.timezone ?? null;
  parseCron(cron, timezone, name);
  const jobOptions = (options.options ?? {}) as EnqueueOptions;
  // The job each tick makes, built once now so a bad payload or option is refused before it is stored.
  toNewJob({ queue: options.queue, name: options.name, payload: options.payload, options: jobOptions }, `schedule ${name}'s job`, settings);
  return {
    name,
    cron: cron.trim(),
    timezone,
    queue: options.queue,
    jobName: options.name,
    payload: JSON.parse(toJson(options.payload, 'payload', settings.maxPayloadBytes, 'refuse', `schedule ${name}`)) as Json,
    options: jobOptions as Record<string, Json>,
    missed: (options.missed ?? 'skip') as MissedPolicy,
  };
}

export function schedulesOf(store: Store): SchedulesPart {
  if (!store.schedules)
    throw new SpoolError('SPOOL_INVALID_STATE', `This ${store.kind} store keeps no schedules (it lacks the "schedules" part).`);
  return store.schedules;
}

/** The idempotency key of a schedule's tick: one job per schedule and tick, in every process. */
export function tickKey(schedule: string, tick: number): string {
  return `spool:schedule:${schedule}:${new Date(tick).toISOString()}`;
}

/**
 * The ticks to enqueue now, oldest first: the latest due tick if it is on time (at most `graceMs`
 * late), and of the missed ones none (`skip`) or the latest N (`{ catchUp: N }`).
 */
export function ticksToEnqueue(cron: Cron, from: number, now: number, missed: MissedPolicy, graceMs: number): number[] {
  const catchUp = missed === 'skip' ? 0 : missed.catchUp;
  // Most recent first; croner's reference is exclusive, so +1 ms counts a tick at exactly `now`.
  const due = cron
    .previousRuns(catchUp + 1, new Date(now + 1))
    .map((d) => d.getTime())
    .filter((t) => t >= from);
  const [latest, ...older] = due;
  if (latest === undefined) return [];
  const onTime = now - latest <= graceMs;
  const missedTicks = (onTime ? older : due).slice(0, catchUp);
  return [...missedTicks.reverse(), ...(onTime ? [latest] : [])];
}

/** The latest representable time: a cron with no next run parks its schedule there. */
const never = 253_402_300_799_999;

/**
 * Enqueues the due ticks of every schedule and moves each schedule on; returns how many jobs were
 * created. A schedule that fails (its queue full, say) is reported and tried again on the next
 * tick; the others go on.
 */
export async function runDueSchedules(store: Store, settings: SpoolSettings, logger: Logger): Promise<number> {
  const schedules = store.schedules;
  if (!schedules) return 0;
  const { now, schedules: due } = await schedules.due();
  let created = 0;
  for (const schedule of due) {
    try {
      created += await tick(store, schedules, schedule, now, settings);
    } catch (err) {
      if (isTransient(err)) throw err;
      logger.warn(`Schedule ${schedule.name} could not enqueue its tick; trying again on the next look.`, {
        error: (err as Error).message,
      });
    }
  }
  return created;
}

async function tick(store: Store, schedules: SchedulesPart, s: ScheduleRecord, now: number, settings: SpoolSettings): Promise<number> {
  const cron = parseCron(s.cron, s.timezone, s.name);
  const next = cron.nextRun(new Date(now))?.getTime() ?? never;
  if (s.nextRunAt === null) {
    await schedules.advance(s.name, null, next, null);
    return 0;
  }
  const ticks = ticksToEnqueue(cron, s.nextRunAt, now, s.missed, defaults.schedules.grace);
  let created = 0;
  if (ticks.length > 0) {
    const jobs: NewJob[] = ticks.map((at) => jobFor(s, at, settings));
    created = (await store.enqueue(jobs)).filter((r) => r.created).length;
  }
  await schedules.advance(s.name, s.nextRunAt, next, ticks.at(-1) ?? null);
  return created;
}

function jobFor(s: ScheduleRecord, at: number, settings: SpoolSettings): NewJob {
  const options = s.options as EnqueueOptions;
  return toNewJob(
    {
      queue: s.queue,
      name: s.jobName,
      payload: s.payload,
      options: {
        ...options,
        idempotencyKey: tickKey(s.name, at),
        runAt: at,
        metadata: { ...(options.metadata ?? {}), schedule: s.name, scheduledFor: new Date(at).toISOString() },
      },
    },
    `schedule ${s.name}'s job`,
    settings,
  );
}
