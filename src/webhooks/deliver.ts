/**
 * @module
 * Webhook delivery. When a job with a `callbackUrl` reaches a final state, the store enqueues a
 * `deliver` job on the `spool.webhooks` queue in the same transaction (10 attempts, exponential
 * backoff from 1 s to 10 min, 30 s timeout). This handler reads that job from the store by id
 * and POSTs its outcome to the job's own `callbackUrl`, signed. Nothing else in the delivery's
 * payload is trusted: a forged delivery job can only make Spool report a job's true, final
 * outcome to that job's own URL.
 *
 * A 2xx answer completes the delivery; a connection failure, a timeout, 408, 429 or 5xx throws
 * so it is retried with backoff; any other 4xx, a redirect or an address the policy refuses
 * fails it at once (NonRetryableError), as retrying cannot change the answer.
 *
 * What a connection ran into (refused, reset, which address a name resolved to) would let anyone
 * who can read jobs map the network behind Spool, so the stored error message stays generic and
 * the reason goes in the error's stack, which the HTTP API shows to admins only.
 */
import type { Spool } from '../client/spool.js';
import { NonRetryableError } from '../core/errors.js';
import { type Job, type JobStatus, type Json, finalStatuses } from '../core/types.js';
import { jobUserMessage, recordedUserMessage } from '../core/user-messages.js';
import type { Worker } from '../worker/worker.js';
import { checkCallbackUrl } from '../core/callback-url.js';
import { type ResolvedWebhookOptions, type WebhookOptions, resolveWebhookOptions, webhookDefaults } from './options.js';
import { RefusedAddressError, postWebhook } from './post.js';
import { signStandard } from './standard-signature.js';
import { signSpool, spoolSignatureHeader } from './spool-signature.js';

export type { WebhookOptions } from './options.js';

export const webhookQueue = 'spool.webhooks';

/** The payload the store's trigger enqueues. Only `jobId` is used to find the job; `status` only to skip a superseded delivery. */
export interface WebhookPayload {
  jobId: string;
  url?: string;
  status?: JobStatus;
}

/** What a delivery job returns: sent (with the receiver's status), or finished without sending, and why. */
export type DeliveryResult = { delivered: true; status: number } | { delivered: false; reason: string };

/** The one thing delivery needs from Spool. */
export interface DeliveryPort {
  getJob(id: string): Promise<Job | null>;
}

/** The JSON body of a delivery. */
export interface WebhookBody {
  /** `job.completed`, `job.failed` or `job.cancelled`. */
  type: string;
  id: string;
  queue: string;
  name: string;
  status: JobStatus;
  result: Json | null;
  /** What to tell the person waiting on the job, when it failed; null otherwise. */
  userMessage: string | null;
  /**
   * The error, when the job failed: `message` is the developer's (the receiver holds the secret,
   * so it is the producer's own system), `userMessage` the one to pass on to the person waiting.
   */
  error: { message: string; userMessage: string; code?: string; attempt: number } | null;
  attempts: number;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  metadata: Record<string, Json>;
}

const finalStatusSet: ReadonlySet<JobStatus> = new Set(finalStatuses);

export function webhookBody(job: Job): WebhookBody {
  const last = job.errors.at(-1);
  return {
    type: `job.${job.status}`,
    id: job.id,
    queue: job.queue,
    name: job.name,
    status: job.status,
    result: job.status === 'completed' ? job.result : null,
    userMessage: jobUserMessage(job),
    error:
      job.status === 'failed' && last
        ? {
            message: last.message,
            userMessage: recordedUserMessage({ ...last, final: true }),
            ...(last.code ? { code: last.code } : {}),
            attempt: last.attempt,
          }
        : null,
    attempts: job.attempts,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    metadata: job.metadata,
  };
}

function deliveryHeaders(settings: ResolvedWebhookOptions, deliveryId: string, job: Job, body: string): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'spool-webhooks/1',
    'spool-job-id': job.id,
  };
  if (settings.secrets.length === 0) return headers;
  const timestamp = Math.floor(Date.now() / 1000);
  if (settings.signature !== 'spool') Object.assign(headers, signStandard(settings.secrets, { id: deliveryId, timestamp, body }));
  if (settings.signature !== 'standard') {
    headers['spool-webhook-id'] = deliveryId;
    headers[spoolSignatureHeader.toLowerCase()] = signSpool(settings.secrets, body, timestamp);
  }
  return headers;
}

/** Keeps `detail` out of the message (shown to every reader) and in the stack (shown to admins). */
function withDetail<E extends Error>(error: E, detail: string, cause: unknown): E {
  const [, ...frames] = (error.stack ?? '').split('\n');
  error.stack = [`${error.name}: ${error.message}`, `Reason: ${detail}`, ...frames].join('\n');
  return Object.assign(error, { cause });
}

function networkReason(err: unknown): string {
  const error = err as Error & { code?: string; errors?: unknown[] };
  // Trying several addresses (happy eyeballs) fails with an AggregateError whose message is empty.
  const inner = Array.isArray(error.errors) ? error.errors.map((e) => (e as Error).message).join('; ') : '';
  const message = [error.message, inner].filter(Boolean).join(': ') || String(err);
  return error.code && !message.includes(error.code) ? `${message} (${error.code})` : message;
}

/** The `deliver` handler for the `spool.webhooks` queue. Throws InvalidArgumentError at once for a bad secret or allow-list. */
export function createWebhookHandler(jobs: DeliveryPort, options: WebhookOptions) {
  const settings = resolveWebhookOptions(options);
  return async function deliver(payload: WebhookPayload, ctx: { signal: AbortSignal; job: { id: string } }): Promise<DeliveryResult> {
    const jobId = (payload as Partial<WebhookPayload> | null)?.jobId;
    if (typeof jobId !== 'string' || jobId === '') {
      throw new NonRetryableError(`Webhook delivery ${ctx.job.id} has no jobId in its payload; nothing to deliver.`);
    }
    if (settings.secrets.length === 0 && !settings.allowUnsigned) {
      throw new NonRetryableError(
        'No webhook secret is configured, so Spool will not send unsigned webhooks. Set SPOOL_WEBHOOK_SECRET (or webhooks.secret in spool.config.ts) and retry this job.',
      );
    }
    const job = await jobs.getJob(jobId);
    if (!job) return { delivered: false, reason: `Job ${jobId} does not exist (any more); there is no outcome to report.` };
    if (!finalStatusSet.has(job.status)) {
      return {
        delivered: false,
        reason: `Job ${jobId} is ${job.status}, not finished: it was retried since this delivery was scheduled. Its next final state schedules a new delivery.`,
      };
    }
    if (payload.status !== undefined && payload.status !== job.status) {
      return { delivered: false, reason: `Job ${jobId} is now ${job.status}, not ${payload.status}; a newer delivery reports that.` };
    }
    if (!job.callbackUrl) return { delivered: false, reason: `Job ${jobId} has no callbackUrl.` };
    const urlProblem = checkCallbackUrl(job.callbackUrl);
    if (urlProblem) throw new NonRetryableError(`The callbackUrl of job ${jobId} ${urlProblem}. Not retried.`);
    const url = job.callbackUrl;

    const body = JSON.stringify(webhookBody(job));
    let response: Awaited<ReturnType<typeof postWebhook>>;
    try {
      response = await postWebhook(new URL(url), deliveryHeaders(settings, ctx.job.id, job, body), body, {
        policy: settings.policy,
        lookup: settings.lookup,
        signal: ctx.signal,
      });
    } catch (err) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      if (err instanceof RefusedAddressError) {
        const refused = new NonRetryableError(
          `Did not deliver to ${url}: it leads to an address webhooks may not reach by default (loopback, private, link-local or another special-purpose range). If it is an internal receiver you trust, add its host to webhooks.allowHosts. Not retried.`,
        );
        throw withDetail(refused, err.message, err);
      }
      const failed = Object.assign(
        new Error(
          `Could not deliver to ${url}: the connection failed; retrying with backoff. Admins see the reason in GET /v1/jobs/${ctx.job.id}/errors.`,
        ),
        { code: 'WEBHOOK_CONNECTION_FAILED' },
      );
      throw withDetail(failed, networkReason(err), err);
    }
    if (response.status >= 200 && response.status < 300) return { delivered: true, status: response.status };
    const what = `${url} answered ${response.status} ${response.statusText}`.trim();
    if (response.status === 408 || response.status === 429 || response.status >= 500) {
      throw Object.assign(new Error(`${what}; retrying with backoff.`), { code: `HTTP_${response.status}` });
    }
    throw new NonRetryableError(
      response.status >= 300 && response.status < 400
        ? `${what} (a redirect, not followed); point callbackUrl at the final URL. Not retried.`
        : `${what}; a 4xx other than 408 or 429 is not retried. Fix the receiver, then retry this delivery job.`,
    );
  };
}

/** Starts the worker that delivers webhooks on the `spool.webhooks` queue. */
export function startWebhookWorker(spool: Spool, options: WebhookOptions): Worker {
  const deliver = createWebhookHandler(spool, options);
  return spool.work(webhookQueue, { deliver: deliver as never }, { concurrency: options.concurrency ?? webhookDefaults.concurrency });
}
