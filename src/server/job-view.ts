/**
 * @module
 * A job as the HTTP API shows it: the stored job without stack traces (admins read those at
 * `/v1/jobs/{id}/errors`; a webhook delivery keeps its network details there), plus `error`, the
 * message a person should read when the job failed.
 */
import type { Job, JobError, JobStatus, Json, Progress } from '../core/types.js';

export interface JobErrorView {
  message: string;
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
  /** The latest error when the job failed for good; null otherwise (see `errors` for earlier attempts). */
  error: JobErrorView | null;
  errors: JobErrorView[];
  runAt: number;
  createdAt: number;
  updatedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

function errorView(error: JobError): JobErrorView {
  return {
    message: error.message,
    ...(error.code ? { code: error.code } : {}),
    attempt: error.attempt,
    at: error.at,
    ...(error.final ? { final: true } : {}),
  };
}

export function toJobView(job: Job): JobView {
  const errors = job.errors.map(errorView);
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
    error: job.status === 'failed' ? (errors.at(-1) ?? null) : null,
    errors,
    runAt: job.runAt,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
  };
}

/** A percentage from 0 to 100 for any progress value, or null without progress. */
export function progressPercent(progress: Progress | null): number | null {
  if (!progress) return null;
  const { value } = progress;
  if (typeof value === 'number') return value;
  return value.total > 0 ? Math.min(100, (value.done / value.total) * 100) : 0;
}
