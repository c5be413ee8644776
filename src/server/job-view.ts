/**
 * @module
 * A job as the HTTP API shows it. Who reads decides what errors show:
 * - everyone who may read jobs gets `userMessage` (the sentence for the person waiting on the
 *   job, also on each attempt's error), codes and times;
 * - operators (admin tokens, the CLI on a store) also get each error's `message`, the
 *   developer's text; stack traces are only at `/v1/jobs/{id}/errors` (admin), as they show file
 *   paths, code, and for a webhook delivery what the network answered.
 */
import { jobUserMessage, recordedUserMessage } from '../core/user-messages.js';
import type { Job, JobErrorRecord, JobStatus, Json, Progress, QueuePosition } from '../core/types.js';

export interface JobErrorView {
  /** The developer's message: operators only. */
  message?: string;
  /** What to tell the person waiting on the job. */
  userMessage: string;
  code?: string;
  attempt: number;
  at: number;
  final?: boolean;
}

export interface JobView {
  id: string;
  queue: string;
  name: string;
  status: JobStatus;
  payload: Json;
  priority: number;
  attempts: number;
  maxAttempts: number;
  timeout: number | null;
  idempotencyKey: string | null;
  orderingKey: string | null;
  concurrencyKey: string | null;
  rateLimitKey: string | null;
  expiresAt: number | null;
  metadata: Record<string, Json>;
  callbackUrl: string | null;
  progress: Progress | null;
  result: Json | null;
  /** What to tell the person waiting, when the job failed or waits to run again after a failure; null otherwise. */
  userMessage: string | null;
  /** The latest error when the job failed for good; null otherwise (see `errors` for earlier attempts). */
  error: JobErrorView | null;
  errors: JobErrorView[];
  /** Set on a waiting job that no running worker handles, saying so; absent otherwise. */
  warning?: string;
  /** On a waiting job: the jobs a claim takes before it and an ETA; absent otherwise. */
  position?: QueuePosition;
  runAt: number;
  createdAt: number;
  updatedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** The worker holding the job while it is active. */
  workerId: string | null;
  /** When the active job's lease runs out unless its worker heartbeats. */
  leaseExpiresAt: number | null;
}

export interface ViewOptions {
  /** True for operators (admin tokens, the CLI on a store): errors keep the developer's message. @defaultValue false */
  operator?: boolean;
}

function errorView(error: JobErrorRecord, operator: boolean): JobErrorView {
  return {
    ...(operator ? { message: error.message } : {}),
    userMessage: recordedUserMessage(error),
    ...(error.code ? { code: error.code } : {}),
    attempt: error.attempt,
    at: error.at,
    ...(error.final ? { final: true } : {}),
  };
}

export function toJobView(job: Job, options: ViewOptions = {}): JobView {
  const operator = options.operator === true;
  const errors = job.errors.map((error) => errorView(error, operator));
  return {
    id: job.id,
    queue: job.queue,
    name: job.name,
    status: job.status,
    payload: job.payload,
    priority: job.priority,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    timeout: job.timeout,
    idempotencyKey: job.idempotencyKey,
    orderingKey: job.orderingKey,
    concurrencyKey: job.concurrencyKey,
    rateLimitKey: job.rateLimitKey,
    expiresAt: job.expiresAt,
    metadata: job.metadata,
    callbackUrl: job.callbackUrl,
    progress: job.progress,
    result: job.result,
    userMessage: jobUserMessage(job),
    error: job.status === 'failed' ? (errors.at(-1) ?? null) : null,
    errors,
    runAt: job.runAt,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    workerId: job.status === 'active' ? job.workerId : null,
    leaseExpiresAt: job.status === 'active' ? job.leaseExpiresAt : null,
  };
}

/** A percentage from 0 to 100 for any progress value, or null without progress. */
export function progressPercent(progress: Progress | null): number | null {
  if (!progress) return null;
  const { value } = progress;
  if (typeof value === 'number') return value;
  return value.total > 0 ? Math.min(100, (value.done / value.total) * 100) : 0;
}
