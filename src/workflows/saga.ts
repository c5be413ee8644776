/**
 * @module
 * Saga compensation: when a workflow fails for good, or is cancelled, the compensations of its
 * completed steps run in reverse order, each recorded as a step of its own (`compensate:<step>`),
 * retried with backoff without holding a worker, and the saga's outcome is stored on the job
 * (`$saga`). A run that finds the saga begun replays the handler only as far as its stored steps
 * go (to learn the compensations, which are code), then carries on with them.
 */
import { coerceError } from '../core/errors.js';
import type { BackoffPolicy, ClaimedJob } from '../core/types.js';
import { WorkflowSuspended } from '../core/workflow.js';
import { backoffDelay } from '../policies/backoff.js';
import type { StepRecord, StepWrite, StepWritten } from '../store/contract.js';
import type { AttemptError, Outcome } from '../worker/outcome.js';

export const sagaStep = '$saga';
/** How each compensation is retried: it must finish, so it gets more room than a step. */
export const compensationRetry = { maxAttempts: 10, backoff: { type: 'exponential', base: 1_000, cap: 300_000 } as BackoffPolicy };

export interface Compensation {
  step: string;
  result: unknown;
  fn: (result: any) => unknown;
}

export interface SagaAccess {
  job: ClaimedJob;
  /** The workflow whose saga this is: the job itself, or the cancelled job a compensation job serves. */
  owner: string;
  /** The store's time at this run's claim. */
  now: number;
  stored(): Promise<Map<string, StepRecord>>;
  write(step: StepWrite): Promise<StepWritten>;
  /** Compensations of completed steps, in the order the steps ran. */
  compensations: readonly Compensation[];
  /** True for the job enqueued to compensate a cancelled workflow. */
  compensationJob: boolean;
}

/** Thrown in a replay at the first call past the stored steps: the compensations known so far are all there are. */
export class ReplayEnded extends Error {
  constructor() {
    super('The saga replay reached the end of the stored steps.');
  }
}

interface SagaDetail {
  reason: 'failed' | 'cancelled';
  error?: AttemptError;
  outcome?: 'compensated' | 'compensation failed';
}

/** The outcome to record instead of `outcome` once compensations have run (or a suspension while one retries). */
export async function settleSaga(saga: SagaAccess, outcome: Outcome): Promise<Outcome> {
  const stored = await saga.stored();
  const begun = stored.get(sagaStep);
  if (saga.compensationJob) {
    if (!begun)
      return { type: 'fail', error: plainError(`Job ${saga.job.id} compensates job ${saga.owner}, which has no saga to run.`, saga) };
    if (begun.status !== 'waiting') return finalOutcome(saga, begun.detail as SagaDetail);
  } else {
    // A saga that already ran (the job was retried by hand since): this run's outcome stands.
    if (begun && begun.status !== 'waiting') return outcome;
    if (!begun && (outcome.type !== 'fail' || saga.compensations.length === 0)) return outcome;
  }
  const detail: SagaDetail = (begun?.detail as SagaDetail | undefined) ?? {
    reason: 'failed',
    ...(outcome.type === 'fail' ? { error: outcome.error } : {}),
  };
  const base = {
    name: sagaStep,
    seq: null,
    kind: 'compensation' as const,
    result: null,
    error: null,
    attempts: 0,
    durationMs: 0,
    untilInMs: null,
    owner: saga.owner,
  };
  if (!begun) await saga.write({ ...base, status: 'waiting', detail: JSON.stringify(detail) });
  try {
    let failed = false;
    for (const compensation of [...saga.compensations].reverse()) {
      if (!(await compensate(saga, stored, compensation))) failed = true;
    }
    const done: SagaDetail = { ...detail, outcome: failed ? 'compensation failed' : 'compensated' };
    await saga.write({ ...base, status: failed ? 'failed' : 'completed', attempts: 1, detail: JSON.stringify(done) });
    return finalOutcome(saga, done);
  } catch (err) {
    if (err instanceof WorkflowSuspended) return { type: 'suspend', delayMs: err.resumeInMs, wakeOn: 'time' };
    throw err;
  }
}

/** Runs one compensation unless it already ran; false when it failed for good. */
async function compensate(saga: SagaAccess, stored: Map<string, StepRecord>, c: Compensation): Promise<boolean> {
  const name = `compensate:${c.step}`;
  const own = stored.get(name);
  if (own?.status === 'completed') return true;
  if (own?.status === 'failed') return false;
  if (own?.status === 'retrying' && own.until !== null && saga.now < own.until) {
    throw new WorkflowSuspended(own.until - saga.now, 'time', `compensation of "${c.step}" retries`);
  }
  const base = {
    name,
    seq: null,
    kind: 'compensation' as const,
    result: null,
    detail: JSON.stringify({ step: c.step }),
    untilInMs: null,
    owner: saga.owner,
  };
  const attempts = (own?.attempts ?? 0) + 1;
  const started = performance.now();
  try {
    await c.fn(c.result);
  } catch (thrown) {
    const error = coerceError(thrown);
    const stepError = { message: String(error.message).slice(0, 10_000), name: error.name };
    const durationMs = performance.now() - started;
    if (attempts < compensationRetry.maxAttempts) {
      const delay = backoffDelay(compensationRetry.backoff, attempts);
      await saga.write({ ...base, status: 'retrying', error: stepError, attempts, durationMs, untilInMs: delay });
      throw new WorkflowSuspended(delay, 'time', `compensation of "${c.step}" failed attempt ${attempts} and runs again`);
    }
    await saga.write({ ...base, status: 'failed', error: stepError, attempts, durationMs });
    return false;
  }
  await saga.write({ ...base, status: 'completed', error: null, attempts, durationMs: performance.now() - started });
  return true;
}

function finalOutcome(saga: SagaAccess, detail: SagaDetail): Outcome {
  if (saga.compensationJob) {
    const result = { compensated: saga.owner, outcome: detail.outcome ?? 'compensated' };
    return { type: 'complete', result, resultJson: JSON.stringify(result) };
  }
  const error = detail.error ?? plainError('The workflow failed.', saga);
  const note =
    detail.outcome === 'compensation failed'
      ? ' Its saga ran, and a compensation failed for good.'
      : ' Its saga ran: every compensation completed.';
  return {
    type: 'fail',
    error: { ...error, message: `${error.message.replace(/[.\s]*$/, '.')}${note}`, attempt: saga.job.attempts, final: true },
  };
}

function plainError(message: string, saga: SagaAccess): AttemptError {
  return { message, name: 'Error', attempt: saga.job.attempts, final: true, userMessage: message };
}

export function isReplayEnded(err: unknown): boolean {
  return err instanceof ReplayEnded;
}
