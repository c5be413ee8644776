/**
 * @module
 * Running one handler: its context, its timeout, and stopping it from outside (a cancel, a lost
 * lease, a shutdown). Whichever comes first ends the run: the handler settles, or the job is
 * stopped, so a handler that ignores its signal cannot hold the slot past a timeout or a cancel.
 */
import { SpoolError } from '../core/errors.js';
import type { ClaimedJob } from '../core/types.js';
import type { RunResult } from './outcome.js';
import type { Handler, JobContext } from './types.js';

/** A job this worker holds, from its claim until its outcome is queued for writing. */
export interface RunningJob {
  job: ClaimedJob;
  /** Made on first use of `ctx.signal`: most handlers never read it, and this runs for every job. */
  controller: AbortController | null;
  /** Why the job was stopped (timeout, cancel, lost lease, shutdown), once it was. */
  stopReason: SpoolError | null;
  /** Ends the wait for the handler when the job is stopped. */
  settle: ((result: RunResult) => void) | null;
  /** True once the handler has returned and its outcome is being written: no more heartbeats. */
  finishing: boolean;
  /**
   * Until when this worker knows the lease holds, on its own monotonic clock (performance.now()):
   * the claim's start plus the lease, moved on by each heartbeat the store accepted. Past it, the
   * job may have been taken back, so this worker does not claim it again while it has it in hand.
   */
  leaseUntil: number;
}

export function newRunningJob(job: ClaimedJob, leaseUntil: number): RunningJob {
  return { job, controller: null, stopReason: null, settle: null, finishing: false, leaseUntil };
}

/** The job's signal, made on first use (already aborted if the job was stopped before). */
export function signalOf(entry: RunningJob): AbortSignal {
  if (!entry.controller) {
    entry.controller = new AbortController();
    if (entry.stopReason) entry.controller.abort(entry.stopReason);
  }
  return entry.controller.signal;
}

/** Stops a running job: aborts its signal and ends the wait for its handler. Only the first reason counts. */
export function stopJob(entry: RunningJob, reason: SpoolError): void {
  if (entry.finishing || entry.stopReason) return;
  entry.stopReason = reason;
  entry.controller?.abort(reason);
  entry.settle?.({ kind: 'stopped', reason });
}

/** Runs `handler` for the job until it settles or is stopped; a timeout stops it with SPOOL_TIMEOUT. */
export async function runHandler(entry: RunningJob, handler: Handler | undefined, ctx: JobContext): Promise<RunResult> {
  const { job } = entry;
  // Stopped while it waited for a slot (prefetched, then cancelled or its lease lost): never started.
  if (entry.stopReason) {
    entry.finishing = true;
    return { kind: 'stopped', reason: entry.stopReason };
  }
  let timer: NodeJS.Timeout | undefined;
  if (job.timeout !== null) {
    timer = setTimeout(
      () =>
        stopJob(
          entry,
          new SpoolError('SPOOL_TIMEOUT', `Job ${job.id} (${job.queue}/${job.name}) ran longer than its timeout of ${job.timeout} ms.`),
        ),
      job.timeout,
    );
  }
  const result = await new Promise<RunResult>((settle) => {
    entry.settle = settle;
    if (!handler) return settle({ kind: 'no-handler' });
    try {
      const returned = handler(job.payload, ctx);
      if (isThenable(returned)) {
        returned.then(
          (value) => settle({ kind: 'returned', value }),
          (error: unknown) => settle({ kind: 'threw', error }),
        );
      } else settle({ kind: 'returned', value: returned });
    } catch (error) {
      settle({ kind: 'threw', error });
    }
  });
  entry.settle = null;
  clearTimeout(timer);
  entry.finishing = true;
  // A stop that lost the race to the handler still decides: a cancelled job stays cancelled.
  return entry.stopReason ? { kind: 'stopped', reason: entry.stopReason } : result;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}
