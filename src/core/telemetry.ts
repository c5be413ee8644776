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
  /** Runs the handler inside the attempt (a span's context); absent when the handler needs no wrapping (metrics). */
  run?<T>(fn: () => Promise<T>): Promise<T>;
  end(end: AttemptEnd): void;
  /** The trace id, for log lines; null when there is none. */
  readonly traceId: string | null;
  /** A child span for a workflow step that runs now (never for one replayed from its stored result). */
  step?(name: string, stepAttempt: number): StepSpan;
  /** Records a moment of the attempt (a sleep begun or over, an event received or waited for). */
  note?(name: string, attributes: Record<string, string | number | boolean>): void;
}

/** What a workflow step's work ended as, in `spool.step.outcome`. */
export type StepOutcome = 'completed' | 'retrying' | 'failed';

/** One run of a workflow step's function: run it inside, then end it with what it ended as. */
export interface StepSpan {
  run<T>(fn: () => Promise<T>): Promise<T>;
  end(outcome: StepOutcome, error?: unknown): void;
}

/** The fields of a job telemetry reads. */
export interface ObservedJob {
  id: string;
  queue: string;
  name: string;
  attempts: number;
  traceparent: string | null;
  tracestate: string | null;
  /** A delivery's payload names its event (`{ id, topic, … }`); read only for deliveries. */
  payload?: unknown;
  /** When it became due and when this attempt started (the store's clock), for pick-up latency. */
  runAt?: number;
  startedAt?: number | null;
}

/** Starts following an attempt; null when nothing is followed (no tracer, no metrics). */
export interface AttemptObserver {
  attempt(job: ObservedJob): AttemptSpan | null;
}

/**
 * Several observers as one: each runs the attempt inside the next (spans outermost). Made for
 * every attempt, so it allocates no arrays or closure chains: with a tracer and metrics both on,
 * the general version cost more per attempt than the metrics themselves.
 */
export function observeAll(observers: readonly (AttemptObserver | null)[]): AttemptObserver | undefined {
  const present = observers.filter((o): o is AttemptObserver => o !== null);
  if (present.length <= 1) return present[0];
  return {
    attempt(job) {
      let combined: AttemptSpan | null = null;
      for (const observer of present) {
        const next = observer.attempt(job);
        if (next) combined = combined ? pair(combined, next) : next;
      }
      return combined;
    },
  };
}

/** `outer` and `inner` as one attempt: the handler runs inside both, ends are told in order. */
function pair(outer: AttemptSpan, inner: AttemptSpan): AttemptSpan {
  const run: AttemptSpan['run'] =
    outer.run && inner.run
      ? <T>(fn: () => Promise<T>) =>
          (outer.run as NonNullable<AttemptSpan['run']>)(() => (inner.run as NonNullable<AttemptSpan['run']>)(fn))
      : (outer.run ?? inner.run);
  const withStep = outer.step ? outer : inner.step ? inner : null;
  const withNote = outer.note ? outer : inner.note ? inner : null;
  return {
    traceId: outer.traceId ?? inner.traceId,
    run,
    ...(withStep?.step ? { step: withStep.step.bind(withStep) } : {}),
    ...(withNote?.note ? { note: withNote.note.bind(withNote) } : {}),
    end: (end) => {
      outer.end(end);
      inner.end(end);
    },
  };
}
