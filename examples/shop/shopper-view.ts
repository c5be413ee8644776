/**
 * @module
 * An order as the shopper sees it: a state, a step of the progress bar and one sentence written
 * for them. Built from the job as Spool's API shows it to a read-only reader (`toJobView`
 * without operator rights: `userMessage`s only), so no developer message or stack trace can reach
 * the page.
 */
import type { Job, QueuePosition } from '../../src/index.js';
import { toJobView } from '../../src/server/index.js';
import { stages } from './order-flow.js';

export type ShopperState = 'queued' | 'processing' | 'retrying' | 'confirmed' | 'failed';

export interface ShopperView {
  jobId: string;
  orderId: string;
  state: ShopperState;
  /** Stages done, out of `stages`. */
  step: number;
  stages: number;
  message: string;
  /**
   * While it waits: the orders a worker takes before this one, and in about how many seconds it
   * should start (null while the queue drains nothing), from Spool's queue position, the
   * `position` of `GET /v1/jobs/{id}`.
   */
  position?: { ahead: number; startsInSeconds: number | null };
  final: boolean;
}

export interface Surroundings {
  /** True while the payment provider's breaker is open. */
  providerDown: boolean;
}

/** The shopper's part of a queue position: how many are ahead, and in about how many seconds it starts. */
export function inLine(position: QueuePosition, now = Date.now()): NonNullable<ShopperView['position']> {
  return {
    ahead: position.ahead,
    startsInSeconds: position.eta === null ? null : Math.max(0, Math.ceil((position.eta - now) / 1_000)),
  };
}

export const messages = {
  queued: 'Your order is in line; it will start in a moment.',
  providerDown: 'The payment provider is having trouble right now. Your order is safe and will go through as soon as it is back.',
  confirmed: 'Order confirmed! A confirmation e-mail is on its way.',
  failed: "Sorry, we couldn't complete your order.",
};

function stepOf(job: Job): number {
  const value = job.progress?.value;
  return typeof value === 'object' && value !== null ? value.done : 0;
}

export function shopperView(job: Job, around: Surroundings, position: QueuePosition | null = null): ShopperView {
  const view = toJobView(job);
  const base = {
    jobId: job.id,
    orderId: String((job.payload as { orderId?: unknown } | null)?.orderId ?? ''),
    stages,
    step: stepOf(job),
  };
  switch (job.status) {
    case 'completed':
      return { ...base, state: 'confirmed', step: stages, message: messages.confirmed, final: true };
    case 'failed':
    case 'cancelled':
    case 'expired':
      return { ...base, state: 'failed', message: view.error?.userMessage ?? view.userMessage ?? messages.failed, final: true };
    case 'active':
      return { ...base, state: 'processing', message: job.progress?.message ?? 'Working on your order', final: false };
    default: {
      // Waiting (or suspended): the breaker's state says more than the last error does.
      const state = job.errors.length > 0 ? 'retrying' : 'queued';
      const where = position ? { position: inLine(position) } : {};
      if (around.providerDown) return { ...base, state, message: messages.providerDown, ...where, final: false };
      if (job.errors.length > 0) return { ...base, state: 'retrying', message: view.userMessage ?? messages.queued, final: false };
      return { ...base, state: 'queued', message: messages.queued, ...where, final: false };
    }
  }
}
