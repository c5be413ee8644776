/**
 * @module
 * What a worker tells telemetry (traces, metrics) about each attempt: the seam between
 * `worker/` and `telemetry/`, which sit side by side and never import each other.
 */

/** What an attempt ended as, in the words spans (`spool.job.outcome`) and metrics (`outcome`) share. */
export type AttemptOutcome = 'completed' | 'failed' | 'retried' | 'deferred' | 'released' | 'suspended' | 'cancelled' | 'lease-lost';

export interface AttemptEnd {
  outcome: AttemptOutcome;
  /** The error the attempt ended with, if any. */
  error?: { message: string; code?: string; name?: string } | null;
}

/** One attempt as telemetry follows it: run the handler inside it, then end it with the outcome. */
export interface AttemptSpan {
  run<T>(fn: () => Promise<T>): Promise<T>;
  end(end: AttemptEnd): void;
  /** The trace id, for log lines; null when there is none. */
  readonly traceId: string | null;
}

/** The fields of a job telemetry reads. */
export interface ObservedJob {
  id: string;
  queue: string;
  name: string;
  attempts: number;
  traceparent: string | null;
  tracestate: string | null;
}

/** Starts following an attempt; null when nothing is followed (no tracer, no metrics). */
export interface AttemptObserver {
  attempt(job: ObservedJob): AttemptSpan | null;
}
