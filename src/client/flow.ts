/**
 * @module
 * Flow control as the Spool offers it: a queue's limits (concurrency across every process and
 * per key, rate limits per queue or per key, max depth, breakers), pause and resume, shared
 * circuit breakers, and each queue's live state. The store keeps it all, so every worker on every
 * machine obeys the same limits; the decisions are the pure policies' in `policies/`.
 */
import { z } from 'zod';
import { type Duration, durationSchema, toMs } from '../core/duration.js';
import { InvalidArgumentError, SpoolError } from '../core/errors.js';
import type { BreakerPolicy, BreakerState, QueuePolicy, RateWindowState } from '../core/flow.js';
import { assertName, nameRule, namePattern } from '../core/names.js';
import { parseOptions } from '../core/options.js';
import type { JobStatus } from '../core/types.js';
import type { BreakerRecord, LimitsPart, QueueRecord, Store } from '../store/contract.js';

/** A queue's limits as code and the config file give them. */
export interface QueueLimits {
  /** At most this many of its jobs run at once, across every process. @defaultValue no limit */
  concurrency?: number | null;
  /** At most this many jobs with the same `concurrencyKey` run at once; keys take turns. @defaultValue no limit */
  keyConcurrency?: number | null;
  /**
   * At most `limit` starts in any window of `per`, counted per queue, or per value of the payload
   * path `key` (a job's `rateLimitKey` wins). Jobs over the limit wait; they are not failed.
   */
  rateLimit?: { limit: number; per: Duration; key?: string } | null;
  /** Most waiting jobs; past it, enqueue answers QueueFullError (HTTP 429 with Retry-After). @defaultValue no limit */
  maxDepth?: number | null;
  /** The circuit breaker guarding every job of the queue (define it with `defineBreaker`). */
  breaker?: string | null;
  /** Breakers guarding jobs by name: `{ charge: 'stripe' }`. */
  breakers?: Record<string, string>;
  /** While paused, refuse new jobs too (QueueFullError, HTTP 503) instead of keeping them. @defaultValue false */
  refuseWhenPaused?: boolean;
}

const name = z.string().regex(namePattern, nameRule);

export const queueLimitsSchema = z
  .object({
    concurrency: z.number().int().min(1, 'must be at least 1; remove the limit with null').max(100_000).nullable().optional(),
    keyConcurrency: z.number().int().min(1, 'must be at least 1; remove the limit with null').max(100_000).nullable().optional(),
    rateLimit: z
      .object({
        limit: z.number().int().min(1, 'must be at least 1 start per window').max(10_000_000),
        per: durationSchema,
        key: z
          .string()
          .regex(/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/, 'must be a payload path such as "tenantId" or "tenant.id"')
          .optional(),
      })
      .strict()
      .nullable()
      .optional(),
    maxDepth: z.number().int().min(1, 'must be at least 1; remove the limit with null').max(1_000_000_000).nullable().optional(),
    breaker: name.nullable().optional(),
    breakers: z.record(name, name).optional(),
    refuseWhenPaused: z.boolean().optional(),
  })
  .strict();

/** A breaker's policy as code and the config file give it. */
export interface BreakerOptions {
  /** Open after this many failures in a row. @defaultValue 5 (unless only `failureRatio` is given) */
  failures?: number;
  /** Or open when at least `minCalls` calls over `window` were made and `ratio` (0..1) of them failed. */
  failureRatio?: { ratio: number; minCalls: number; window: Duration };
  /** How long it stays open before letting probes through. @defaultValue 30s */
  cooldown?: Duration;
  /** Jobs let through while half-open. @defaultValue 1 */
  probes?: number;
}

export const breakerOptionsSchema = z
  .object({
    failures: z.number().int().min(1).max(100_000).optional(),
    failureRatio: z
      .object({ ratio: z.number().gt(0).max(1), minCalls: z.number().int().min(1).max(1_000_000), window: durationSchema })
      .strict()
      .optional(),
    cooldown: durationSchema.optional(),
    probes: z.number().int().min(1).max(10_000).optional(),
  })
  .strict();

/** A queue's live flow-control state, for `GET /v1/queues/{queue}` and the dashboard. */
export interface QueueState {
  name: string;
  counts: Record<JobStatus, number>;
  paused: boolean;
  refuseWhenPaused: boolean;
  maxDepth: number | null;
  policy: QueuePolicy;
  /** The breakers guarding it, with their state. */
  breakers: { name: string; status: string; until: number | null; reason: string | null }[];
  /** Starts in each rate window now (by key; '' is the queue's own), against the limit. */
  rate: { key: string; used: number; limit: number }[];
  /** Running jobs per concurrency key. */
  activeByKey: Record<string, number>;
}

export function limitsOf(store: Store): LimitsPart & Required<Pick<Store, 'queues'>>['queues'] {
  if (!store.limits || !store.queues) {
    throw new SpoolError('SPOOL_INVALID_STATE', `This ${store.kind} store has no flow control (it lacks the "limits" part).`);
  }
  return { ...store.limits, ...store.queues };
}

/** Sets a queue's limits (only the fields given change); refuses an unknown breaker. */
export async function configureQueue(store: Store, queue: string, input: QueueLimits): Promise<QueueRecord> {
  assertName(queue, 'queue');
  const limits = parseOptions(queueLimitsSchema, input, `limits of queue "${queue}"`) as QueueLimits;
  const parts = limitsOf(store);
  const before = (await parts.get(queue))?.policy ?? {};
  const policy: QueuePolicy = { ...before };
  if (limits.concurrency !== undefined) policy.concurrency = limits.concurrency;
  if (limits.keyConcurrency !== undefined) policy.keyConcurrency = limits.keyConcurrency;
  if (limits.rateLimit !== undefined) {
    policy.rateLimit =
      limits.rateLimit === null
        ? null
        : {
            limit: limits.rateLimit.limit,
            perMs: positiveMs(limits.rateLimit.per, 'rateLimit.per'),
            keyPath: limits.rateLimit.key ?? null,
          };
  }
  if (limits.breaker !== undefined) policy.breaker = limits.breaker;
  if (limits.breakers !== undefined) policy.breakers = limits.breakers;
  const named = [policy.breaker, ...Object.values(policy.breakers ?? {})].filter((n): n is string => Boolean(n));
  if (named.length > 0) {
    const known = new Set((await parts.listBreakers()).map((b) => b.name));
    const unknown = named.filter((n) => !known.has(n));
    if (unknown.length > 0) {
      throw new InvalidArgumentError(
        `Queue "${queue}" names the breaker${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}, which ${unknown.length > 1 ? 'are' : 'is'} not defined; define ${unknown.length > 1 ? 'them' : 'it'} first with spool.defineBreaker(name, { failures, cooldown }).`,
      );
    }
  }
  return parts.setQueue(queue, {
    policy: prune(policy),
    ...(limits.maxDepth !== undefined ? { maxDepth: limits.maxDepth } : {}),
    ...(limits.refuseWhenPaused !== undefined ? { refuseWhenPaused: limits.refuseWhenPaused } : {}),
  });
}

export async function pauseQueue(store: Store, queue: string, options: { refuse?: boolean } = {}): Promise<QueueRecord> {
  assertName(queue, 'queue');
  return limitsOf(store).setQueue(queue, { paused: true, ...(options.refuse === undefined ? {} : { refuseWhenPaused: options.refuse }) });
}

export async function resumeQueue(store: Store, queue: string): Promise<QueueRecord> {
  assertName(queue, 'queue');
  return limitsOf(store).setQueue(queue, { paused: false });
}

export async function defineBreaker(store: Store, breaker: string, input: BreakerOptions): Promise<BreakerPolicy> {
  assertName(breaker, 'breaker');
  const options = parseOptions(breakerOptionsSchema, input, `breaker "${breaker}"`) as BreakerOptions;
  const policy: BreakerPolicy = {
    consecutiveFailures: options.failures ?? (options.failureRatio ? null : 5),
    failureRatio: options.failureRatio
      ? {
          ratio: options.failureRatio.ratio,
          minCalls: options.failureRatio.minCalls,
          windowMs: positiveMs(options.failureRatio.window, 'failureRatio.window'),
        }
      : null,
    cooldownMs: positiveMs(options.cooldown ?? '30s', 'cooldown'),
    probes: options.probes ?? 1,
  };
  await limitsOf(store).defineBreaker(breaker, policy);
  return policy;
}

export function listBreakers(store: Store): Promise<BreakerRecord[]> {
  return limitsOf(store).listBreakers();
}

/** A queue's policies with their live state. */
export async function queueState(store: Store, queue: string, counts: Record<JobStatus, number>): Promise<QueueState> {
  assertName(queue, 'queue');
  const parts = limitsOf(store);
  const [record, breakers, windows, activeByKey] = await Promise.all([
    parts.get(queue),
    parts.listBreakers(),
    parts.rateWindows(queue),
    parts.activeByKey(queue),
  ]);
  const policy = record?.policy ?? {};
  const guarding = new Set([policy.breaker, ...Object.values(policy.breakers ?? {})].filter(Boolean));
  const now = Date.now();
  return {
    name: queue,
    counts,
    paused: record?.paused ?? false,
    refuseWhenPaused: record?.refuseWhenPaused ?? false,
    maxDepth: record?.maxDepth ?? null,
    policy,
    breakers: breakers.filter((b) => guarding.has(b.name)).map((b) => breakerView(b)),
    rate: policy.rateLimit
      ? Object.entries(windows).flatMap(([key, state]) =>
          state ? [{ key, used: used(state, now, policy.rateLimit?.perMs ?? 1), limit: policy.rateLimit?.limit ?? 0 }] : [],
        )
      : [],
    activeByKey,
  };
}

export function breakerView(b: BreakerRecord): QueueState['breakers'][number] {
  const state = b.state as BreakerState | null;
  return {
    name: b.name,
    status: state?.status ?? 'closed',
    until: state?.status === 'open' ? state.until : null,
    reason: state?.status === 'open' ? state.reason : null,
  };
}

function used(state: RateWindowState, now: number, perMs: number): number {
  const start = Math.floor(now / perMs) * perMs;
  if (start - state.windowStart >= 2 * perMs) return 0;
  const count = start === state.windowStart ? state.count : 0;
  const previous = start === state.windowStart ? state.previous : state.count;
  return Math.round(previous * (1 - (now - start) / perMs) + count);
}

function positiveMs(value: Duration, what: string): number {
  const ms = toMs(value, what);
  if (ms < 1) throw new InvalidArgumentError(`${what} must be longer than 0; a window of 0 cannot hold any start.`);
  return ms;
}

/** Drops cleared limits, so the stored policy shows only what applies. */
function prune(policy: QueuePolicy): QueuePolicy {
  return Object.fromEntries(
    Object.entries(policy).filter(
      ([, value]) => value !== null && value !== undefined && !(typeof value === 'object' && Object.keys(value).length === 0),
    ),
  ) as QueuePolicy;
}

/** The internal topic breaker changes are published on. */
export const breakerTopic = 'spool.breakers';

/** Publishes a breaker's change on `spool.breakers` (named `breaker.<status>`, keyed by the breaker); a failure is reported, never thrown. */
export async function publishBreakerTransition(
  store: Store,
  transition: { breaker: string; from: string; to: string; reason: string; at: number },
  events: import('../core/events.js').SpoolEmitter,
): Promise<void> {
  try {
    await store.topics?.publish([
      {
        topic: breakerTopic,
        id: `${transition.breaker}:${transition.at}:${transition.to}`,
        name: `breaker.${transition.to}`,
        key: transition.breaker,
        headers: JSON.stringify({ breaker: transition.breaker }),
        payload: JSON.stringify(transition),
      },
    ]);
  } catch (err) {
    events.emit('error', {
      error: err as Error,
      context: `Publishing the change of breaker "${transition.breaker}" on ${breakerTopic} failed`,
    });
  }
}
