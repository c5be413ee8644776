/**
 * Flow control for people: a breaker's status and policy in words, how full a limit is, which
 * breakers guard which queues, and the limits form (its draft from a queue's state, and the
 * change to send). Pure functions (unit-tested); the server stays the judge of every value.
 */
import type { BreakerPolicy, BreakerView, LimitsChange, QueuePolicy, QueueState } from '../api/types.js';

/** A duration to read: "850 ms", "40 s", "5 min", "2 h", "3 d" (one decimal at most). */
export function durationText(ms: number): string {
  const round = (n: number) => String(Math.round(n * 10) / 10);
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${round(ms / 1_000)} s`;
  if (ms < 3_600_000) return `${round(ms / 60_000)} min`;
  if (ms < 86_400_000) return `${round(ms / 3_600_000)} h`;
  return `${round(ms / 86_400_000)} d`;
}

/** A duration as the API takes it back: "1m", "30s", "1500ms", "2h", "7d" (the largest whole unit). */
export function durationInput(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** "14:05" today, "Nov 27, 14:05" another day, in local time. */
export function clock(at: number, now: number): string {
  const d = new Date(at);
  const hm = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  if (new Date(now).toDateString() === d.toDateString()) return hm;
  return `${d.toLocaleDateString('en-US', { month: 'short', day: 'numeric' })}, ${hm}`;
}

/** "in 40 s", "in 10 min", "in 2.5 h": whole seconds under a minute, whole minutes (rounded up) under an hour. */
export function inTime(at: number, now: number): string {
  const ms = Math.max(0, at - now);
  if (ms < 60_000) return `in ${Math.ceil(ms / 1_000)} s`;
  if (ms < 3_600_000) return `in ${Math.ceil(ms / 60_000)} min`;
  return `in ${durationText(ms)}`;
}

/** What an open breaker waits for: "until 14:05 (in 40 s)", or that the next claim probes it. */
export function openUntil(breaker: Pick<BreakerView, 'status' | 'until'>, now: number): string | null {
  if (breaker.status !== 'open' || breaker.until === null) return null;
  if (breaker.until <= now) return 'cool-down over: the next job it guards probes it';
  return `until ${clock(breaker.until, now)} (${inTime(breaker.until, now)})`;
}

/** What the status means for the jobs it guards. */
export function statusMeaning(status: BreakerView['status'], probes: number | null = null): string {
  if (status === 'open') return 'Jobs it guards wait without spending an attempt.';
  if (status === 'half-open')
    return probes === null
      ? 'A few probe jobs go through; a success closes it.'
      : `${probes} probe job${probes === 1 ? '' : 's'} go through; a success closes it.`;
  return 'Jobs go through; failures are counted.';
}

/** "opens after 5 failures in a row or when 50% of at least 10 calls over 1 min fail". */
export function tripText(policy: BreakerPolicy): string {
  const parts: string[] = [];
  if (policy.consecutiveFailures !== null)
    parts.push(`after ${policy.consecutiveFailures} failure${policy.consecutiveFailures === 1 ? '' : 's'} in a row`);
  if (policy.failureRatio) {
    const { ratio, minCalls, windowMs } = policy.failureRatio;
    parts.push(
      `when ${Math.round(ratio * 100)}% of at least ${minCalls} call${minCalls === 1 ? '' : 's'} over ${durationText(windowMs)} fail`,
    );
  }
  return parts.length > 0 ? `opens ${parts.join(' or ')}` : 'never opens on its own';
}

/** "cool-down 30 s, 1 probe". */
export function recoveryText(policy: BreakerPolicy): string {
  return `cool-down ${durationText(policy.cooldownMs)}, ${policy.probes} probe${policy.probes === 1 ? '' : 's'}`;
}

export type Level = 'ok' | 'near' | 'full';

/**
 * How full a limit is. A `depth` (waiting against the max depth, past which enqueue is refused)
 * is `near` from 80% and `full` at the max; a `cap` (running or starting against a concurrency
 * cap or rate limit, where work simply waits its turn) is `near` only at the cap.
 */
export function level(used: number, limit: number, kind: 'depth' | 'cap' = 'depth'): Level {
  if (kind === 'cap') return limit <= 0 || used >= limit ? 'near' : 'ok';
  if (limit <= 0 || used >= limit) return 'full';
  return used / limit >= 0.8 ? 'near' : 'ok';
}

/** 0..100, for a bar's width. */
export function fill(used: number, limit: number): number {
  return limit <= 0 ? 100 : Math.max(0, Math.min(100, (used / limit) * 100));
}

/** A rate window's key for people: '' is the queue's own window. */
export function rateKeyLabel(key: string): string {
  return key === '' ? 'whole queue' : key;
}

/** "100 starts per 1 min", with "per value of tenant" when counted per key. */
export function rateText(rate: NonNullable<QueuePolicy['rateLimit']>): string {
  return `${rate.limit} start${rate.limit === 1 ? '' : 's'} per ${durationText(rate.perMs)}${rate.keyPath ? `, per value of ${rate.keyPath}` : ''}`;
}

/** The job names a breaker guards in this policy, or 'all' when it guards the whole queue. */
export function guardedJobs(policy: QueuePolicy, breaker: string): 'all' | string[] {
  if (policy.breaker === breaker) return 'all';
  return Object.entries(policy.breakers ?? {})
    .filter(([, name]) => name === breaker)
    .map(([job]) => job)
    .sort();
}

export interface Guard {
  queue: string;
  jobs: 'all' | string[];
}

/** For each breaker, the queues it guards (and which of their jobs), from the queues' policies. */
export function guardsOf(queues: readonly Pick<QueueState, 'name' | 'policy'>[]): Record<string, Guard[]> {
  const guards: Record<string, Guard[]> = {};
  for (const { name, policy } of queues) {
    const named = new Set([policy.breaker, ...Object.values(policy.breakers ?? {})].filter((b): b is string => Boolean(b)));
    for (const breaker of named) (guards[breaker] ??= []).push({ queue: name, jobs: guardedJobs(policy, breaker) });
  }
  return guards;
}

/** The breakers guarding a queue that are not closed, worst first. */
export function trippedFor(queue: string, guards: Record<string, Guard[]>, breakers: readonly BreakerView[]): BreakerView[] {
  const rank = { open: 0, 'half-open': 1, closed: 2 } as const;
  return breakers
    .filter((b) => b.status !== 'closed' && guards[b.name]?.some((g) => g.queue === queue))
    .sort((a, b) => rank[a.status] - rank[b.status] || a.name.localeCompare(b.name));
}

// The limits form: every field as the person typed it.

export interface LimitsDraft {
  concurrency: string;
  keyConcurrency: string;
  rateLimit: string;
  ratePer: string;
  rateKey: string;
  maxDepth: string;
  /** The breaker guarding every job, or '' for none. */
  breaker: string;
  /** Breakers by job name, in the order shown; rows with an empty job name are left out. */
  breakers: { job: string; breaker: string }[];
  refuseWhenPaused: boolean;
}

const text = (n: number | null | undefined) => (n === null || n === undefined ? '' : String(n));

export function draftOf(state: Pick<QueueState, 'policy' | 'maxDepth' | 'refuseWhenPaused'>): LimitsDraft {
  const { policy } = state;
  return {
    concurrency: text(policy.concurrency),
    keyConcurrency: text(policy.keyConcurrency),
    rateLimit: text(policy.rateLimit?.limit),
    ratePer: policy.rateLimit ? durationInput(policy.rateLimit.perMs) : '',
    rateKey: policy.rateLimit?.keyPath ?? '',
    maxDepth: text(state.maxDepth),
    breaker: policy.breaker ?? '',
    breakers: Object.entries(policy.breakers ?? {})
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([job, breaker]) => ({ job, breaker })),
    refuseWhenPaused: state.refuseWhenPaused,
  };
}

/** A whole number as typed, null when empty; the server judges its range (0 included) and says why. */
function whole(value: string, label: string): number | null {
  const trimmed = value.trim();
  if (trimmed === '') return null;
  if (!/^-?\d{1,12}$/.test(trimmed)) throw new Error(`${label} must be a whole number, or empty for no limit; got "${trimmed}".`);
  return Number(trimmed);
}

function breakerMap(rows: LimitsDraft['breakers']): Record<string, string> {
  const map: Record<string, string> = {};
  for (const { job, breaker } of rows) {
    const name = job.trim();
    if (name === '') continue;
    if (name in map) throw new Error(`The job name "${name}" has two breakers; keep one row for it.`);
    if (breaker === '') throw new Error(`Pick a breaker for the job name "${name}", or remove its row.`);
    map[name] = breaker;
  }
  return map;
}

const sameMap = (a: Record<string, string>, b: Record<string, string>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

/**
 * The body for `PUT /v1/queues/{queue}/limits`: only the fields that differ from `initial` (the
 * draft the form opened with), empty fields as null (no limit). Throws an Error that says what to
 * fix when a field cannot be read at all; an empty object means nothing changed.
 */
export function changeOf(draft: LimitsDraft, initial: LimitsDraft): LimitsChange {
  const change: LimitsChange = {};
  if (draft.concurrency.trim() !== initial.concurrency) change.concurrency = whole(draft.concurrency, 'Concurrency');
  if (draft.keyConcurrency.trim() !== initial.keyConcurrency) change.keyConcurrency = whole(draft.keyConcurrency, 'Per-key concurrency');
  if (draft.maxDepth.trim() !== initial.maxDepth) change.maxDepth = whole(draft.maxDepth, 'Max depth');
  const rate = [draft.rateLimit.trim(), draft.ratePer.trim(), draft.rateKey.trim()] as const;
  if (rate[0] !== initial.rateLimit || rate[1] !== initial.ratePer || rate[2] !== initial.rateKey) {
    const limit = whole(rate[0], 'The rate limit');
    if (limit === null && rate[1] === '' && rate[2] === '') change.rateLimit = null;
    else if (limit === null)
      throw new Error('Give the rate limit its starts per window, such as 100, or clear its three fields to remove it.');
    else if (rate[1] === '') throw new Error('Give the rate limit its window, such as 1m or 30s.');
    else change.rateLimit = { limit, per: rate[1], ...(rate[2] ? { key: rate[2] } : {}) };
  }
  if (draft.breaker !== initial.breaker) change.breaker = draft.breaker === '' ? null : draft.breaker;
  const breakers = breakerMap(draft.breakers);
  if (!sameMap(breakers, breakerMap(initial.breakers))) change.breakers = breakers;
  if (draft.refuseWhenPaused !== initial.refuseWhenPaused) change.refuseWhenPaused = draft.refuseWhenPaused;
  return change;
}
