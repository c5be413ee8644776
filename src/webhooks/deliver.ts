/**
 * @module
 * Webhook delivery. When a job with a `callbackUrl` reaches a final state, the store enqueues a
 * `deliver` job on the `spool.webhooks` queue in the same transaction (payload
 * `{ jobId, url, status }`, 10 attempts, exponential backoff from 1 s to 10 min, 30 s timeout).
 * This handler POSTs the outcome there, signed. A 2xx answer completes the delivery; a network
 * error, a timeout, 408, 429 or 5xx throws so it is retried with backoff; any other 4xx or a
 * redirect fails it at once (NonRetryableError), as retrying cannot change the answer.
 */
import type { Spool } from '../client/spool.js';
import { NonRetryableError } from '../core/errors.js';
import type { Job, JobStatus, Json } from '../core/types.js';
import type { Worker } from '../worker/worker.js';
import { signWebhook, signatureHeader } from './signature.js';

export const webhookQueue = 'spool.webhooks';

export interface WebhookPayload {
  jobId: string;
  url: string;
  status: JobStatus;
}

/** The JSON body of a delivery. */
export interface WebhookBody {
  /** `job.completed`, `job.failed` or `job.cancelled`. */
  type: string;
  id: string;
  queue: string | null;
  name: string | null;
  status: JobStatus;
  result: Json | null;
  /** The error a person should read, when the job failed. */
  error: { message: string; code?: string; attempt: number } | null;
  attempts: number | null;
  createdAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  metadata: Record<string, Json>;
}

export interface WebhookOptions {
  /** The HMAC secret; without it deliveries are refused unless `allowUnsigned`. */
  secret: string | null;
  /** Send without a signature when there is no secret (the insecure dev mode only). @defaultValue false */
  allowUnsigned?: boolean;
  /** Deliveries in flight at once. @defaultValue 4 */
  concurrency?: number;
  fetch?: typeof fetch;
}

export function webhookBody(payload: WebhookPayload, job: Job | null): WebhookBody {
  const last = job?.errors.at(-1);
  const status = payload.status;
  return {
    type: `job.${status}`,
    id: payload.jobId,
    queue: job?.queue ?? null,
    name: job?.name ?? null,
    status,
    result: status === 'completed' ? (job?.result ?? null) : null,
    error: status === 'failed' && last ? { message: last.message, ...(last.code ? { code: last.code } : {}), attempt: last.attempt } : null,
    attempts: job?.attempts ?? null,
    createdAt: job?.createdAt ?? null,
    startedAt: job?.startedAt ?? null,
    finishedAt: job?.finishedAt ?? null,
    metadata: job?.metadata ?? {},
  };
}

/** The `deliver` handler for the `spool.webhooks` queue. */
export function createWebhookHandler(spool: Spool, options: WebhookOptions) {
  const send = options.fetch ?? fetch;
  return async function deliver(payload: WebhookPayload, ctx: { signal: AbortSignal; job: { id: string } }): Promise<{ status: number }> {
    if (!payload || typeof payload.url !== 'string' || typeof payload.jobId !== 'string') {
      throw new NonRetryableError(`Webhook delivery ${ctx.job.id} has no jobId and url in its payload; nothing to deliver.`);
    }
    if (!options.secret && !options.allowUnsigned) {
      throw new NonRetryableError(
        'No webhook secret is configured, so Spool will not send unsigned webhooks. Set SPOOL_WEBHOOK_SECRET (or webhooks.secret in spool.config.ts) and retry this job.',
      );
    }
    // The job may have been retried since; the payload's status is the outcome being reported.
    const job = await spool.getJob(payload.jobId);
    const body = JSON.stringify(webhookBody(payload, job));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'spool-webhooks/1',
      'spool-webhook-id': ctx.job.id,
      'spool-job-id': payload.jobId,
    };
    if (options.secret) headers[signatureHeader.toLowerCase()] = signWebhook(options.secret, body);
    let response: Response;
    try {
      response = await send(payload.url, { method: 'POST', headers, body, redirect: 'manual', signal: ctx.signal });
    } catch (err) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      throw new Error(
        `Could not reach ${payload.url}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    await response.body?.cancel().catch(() => {});
    if (response.ok) return { status: response.status };
    const what = `${payload.url} answered ${response.status} ${response.statusText}`.trim();
    if (response.status === 408 || response.status === 429 || response.status >= 500) {
      throw Object.assign(new Error(`${what}; retrying with backoff.`), { code: `HTTP_${response.status}` });
    }
    throw new NonRetryableError(
      response.status >= 300 && response.status < 400
        ? `${what} (a redirect); point callbackUrl at the final URL. Not retried.`
        : `${what}; a 4xx other than 408 or 429 is not retried. Fix the receiver, then retry this delivery job.`,
    );
  };
}

/** Starts the worker that delivers webhooks on the `spool.webhooks` queue. */
export function startWebhookWorker(spool: Spool, options: WebhookOptions): Worker {
  return spool.work(webhookQueue, { deliver: createWebhookHandler(spool, options) as never }, { concurrency: options.concurrency ?? 4 });
}
