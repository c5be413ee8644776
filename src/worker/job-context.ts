import { InvalidArgumentError } from '../core/errors.js';
import { type Logger, childLogger, jobFields } from '../core/logger.js';
import type { ClaimedJob, Progress } from '../core/types.js';
import type { WorkflowMethods } from '../core/workflow.js';
import { sanitizeText } from '../core/validate.js';
import type { JobLogs } from './job-log.js';
import type { JobContext } from './types.js';

/** Checks a progress value: a percentage from 0 to 100, or `{ done, total }` with 0 ≤ done ≤ total. */
export function toProgress(value: Progress['value'], message: string | undefined): Progress {
  const valid =
    typeof value === 'number'
      ? Number.isFinite(value) && value >= 0 && value <= 100
      : typeof value === 'object' &&
        value !== null &&
        Number.isFinite(value.done) &&
        Number.isFinite(value.total) &&
        value.done >= 0 &&
        value.total >= 0;
  if (!valid) {
    throw new InvalidArgumentError(
      `Progress must be a number from 0 to 100 or { done, total } with non-negative numbers; got ${JSON.stringify(value)}.`,
    );
  }
  if (message !== undefined && typeof message !== 'string') throw new InvalidArgumentError('A progress message must be a string.');
  return message === undefined ? { value } : { value, message: sanitizeText(message.slice(0, 1_000)) };
}

/**
 * Builds the `ctx` a handler receives. Its `log` also keeps each line with the job when `jobLogs`
 * is given (see job-log.ts). Progress writes coalesce: while one is in flight only the
 * newest value waits behind it, so a chatty handler costs at most one write at a time.
 */
export function createJobContext(
  job: ClaimedJob,
  signal: () => AbortSignal,
  logger: Logger,
  persist: (progress: Progress) => Promise<void>,
  breaker: JobContext['breaker'] = () => {
    throw new InvalidArgumentError('Circuit breakers need a store with the "limits" part.');
  },
  workflow?: () => WorkflowMethods,
  /** Where the lines of `ctx.log` are kept with the job; absent keeps none. */
  jobLogs?: JobLogs | null,
): JobContext {
  // Made on first use: most handlers are not workflows, and this runs for every job.
  let run: WorkflowMethods | undefined;
  const flow = (): WorkflowMethods => {
    if (!workflow) throw new InvalidArgumentError('Workflow steps need a store with the "steps" part (SQLite and PostgreSQL have it).');
    run ??= workflow();
    return run;
  };
  let inFlight: Promise<void> | null = null;
  let next: Progress | null = null;
  const flush = async (): Promise<void> => {
    while (next) {
      const value = next;
      next = null;
      await persist(value);
    }
  };
  let log: Logger | undefined;
  let kept = false;
  return {
    job,
    attempt: job.attempts,
    get signal() {
      return signal();
    },
    // Built on first use: most handlers never log, and this runs for every job.
    get log() {
      log ??= childLogger(logger, jobFields(job));
      if (jobLogs && !kept) {
        kept = true;
        log = jobLogs.keeping(job, log);
      }
      return log;
    },
    breaker,
    step: (name, fn, options) => flow().step(name, fn, options),
    sleep: (name, duration) => flow().sleep(name, duration),
    waitForEvent: (name, options) => flow().waitForEvent(name, options),
    spawn: (queue, name, payload) => flow().spawn(queue, name, payload),
    spawnMany: (items) => flow().spawnMany(items),
    all: (children, options) => flow().all(children, options),
    version: (change, latest) => flow().version(change, latest),
    progress(value, message) {
      next = toProgress(value, message);
      inFlight ??= flush().finally(() => {
        inFlight = null;
      });
      return inFlight;
    },
  };
}
