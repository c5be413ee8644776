/**
 * @module
 * A circuit breaker as a small pure state machine, shaped like cockatiel's: closed (calls go
 * through; failures are counted), open (nothing goes through until a cool-down ends), half-open
 * (a limited number of probes go through; a success closes it, a failure opens it again).
 * `decide(state, input, now, policy) → { state, decision }`; the state is plain JSON, so the store
 * keeps it and every worker on every machine sees the same breaker.
 */
import type { BreakerPolicy, BreakerState, BreakerStatus } from '../core/flow.js';

export type { BreakerPolicy, BreakerState, BreakerStatus };

export type BreakerInput =
  /** Outcomes of guarded work, oldest first: true for a success, false for a failure that counts. */
  | { type: 'outcomes'; results: readonly boolean[] }
  /** A worker wants to start `want` guarded jobs. */
  | { type: 'claim'; want: number };

export interface BreakerDecision {
  /** For a claim: how many may start now. */
  granted: number;
  /** When guarded work may try again, while none may go through; else null. */
  retryAt: number | null;
  /** Set when this input moved the breaker to another status. */
  transition: { from: BreakerStatus; to: BreakerStatus; reason: string } | null;
}

export function closedState(now: number): BreakerState {
  return { status: 'closed', failures: 0, window: { start: now, calls: 0, failures: 0 } };
}

export function decide(
  current: BreakerState | null,
  input: BreakerInput,
  now: number,
  policy: BreakerPolicy,
): { state: BreakerState; decision: BreakerDecision } {
  let state = current ?? closedState(now);
  let transition: BreakerDecision['transition'] = null;
  const move = (next: BreakerState, reason: string) => {
    if (next.status !== state.status) transition = { from: transition?.from ?? state.status, to: next.status, reason };
    state = next;
  };
  // A cool-down that has ended lets probes through, whatever the input.
  if (state.status === 'open' && now >= state.until) move({ status: 'half-open', since: now, probesStarted: 0 }, 'the cool-down ended');

  if (input.type === 'claim') {
    const want = Math.max(0, input.want);
    if (state.status === 'closed') return { state, decision: { granted: want, retryAt: null, transition } };
    if (state.status === 'open') return { state, decision: { granted: 0, retryAt: state.until, transition } };
    const granted = Math.min(want, Math.max(0, policy.probes - state.probesStarted));
    state = { ...state, probesStarted: state.probesStarted + granted };
    // Probes are out: wait for their outcome, checking again after a cool-down in case they never report.
    return { state, decision: { granted, retryAt: granted < want ? now + policy.cooldownMs : null, transition } };
  }

  for (const success of input.results) {
    if (state.status === 'open') continue; // stragglers from before it opened do not count
    if (state.status === 'half-open') {
      if (success) move(closedState(now), 'a probe succeeded');
      else move(opened(now, policy, 'a probe failed'), 'a probe failed');
      continue;
    }
    const window = rollWindow(state.window, now, policy);
    const next = {
      status: 'closed' as const,
      failures: success ? 0 : state.failures + 1,
      window: { start: window.start, calls: window.calls + 1, failures: window.failures + (success ? 0 : 1) },
    };
    const reason = tripReason(next, policy);
    if (reason) move(opened(now, policy, reason), reason);
    else state = next;
  }
  return {
    state,
    decision: { granted: 0, retryAt: state.status === 'open' ? state.until : null, transition },
  };
}

function opened(now: number, policy: BreakerPolicy, reason: string): BreakerState {
  return { status: 'open', openedAt: now, until: now + policy.cooldownMs, reason };
}

function rollWindow(window: { start: number; calls: number; failures: number }, now: number, policy: BreakerPolicy) {
  const length = policy.failureRatio?.windowMs ?? Number.POSITIVE_INFINITY;
  return now - window.start >= length ? { start: now, calls: 0, failures: 0 } : window;
}

function tripReason(state: Extract<BreakerState, { status: 'closed' }>, policy: BreakerPolicy): string | null {
  if (policy.consecutiveFailures !== null && state.failures >= policy.consecutiveFailures) {
    return `${state.failures} failures in a row`;
  }
  const ratio = policy.failureRatio;
  if (ratio && state.window.calls >= ratio.minCalls && state.window.failures / state.window.calls >= ratio.ratio) {
    return `${state.window.failures} of the last ${state.window.calls} calls failed`;
  }
  return null;
}

/** When a job guarded by this breaker may next be tried: now when closed, else the end of the cool-down. */
export function nextTryAt(state: BreakerState | null, now: number, policy: BreakerPolicy): number {
  if (!state || state.status === 'closed') return now;
  if (state.status === 'open') return state.until;
  return state.probesStarted < policy.probes ? now : now + policy.cooldownMs;
}
