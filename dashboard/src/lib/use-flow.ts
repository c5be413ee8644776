/**
 * The shared circuit breakers, polled every 2 seconds, with the queues each one guards. Which
 * queue a breaker guards is in the queue's policy (`GET /v1/queues/{queue}`), which changes
 * rarely: it is read only when there is a breaker at all, and then again every 15 seconds.
 */
import { useRef } from 'react';
import type { Api } from '../api/client.js';
import type { BreakerInfo, QueueState, QueueSummary } from '../api/types.js';
import { type Guard, guardsOf } from './flow.js';
import { type Polled, usePoll } from './use-poll.js';

export interface BreakersData {
  breakers: BreakerInfo[];
  /** Breaker name → the queues it guards. */
  guards: Record<string, Guard[]>;
}

const guardsMaxAgeMs = 15_000;
/** Queues whose policy is read; past it a breaker's guard list may miss some. */
const maxQueues = 50;

export function useBreakers(api: Api, intervalMs = 2_000): Polled<BreakersData> {
  const cache = useRef<{ at: number; guards: Record<string, Guard[]> } | null>(null);
  return usePoll(
    async (signal) => {
      const { breakers } = await api.get<{ breakers: BreakerInfo[] }>('/v1/breakers', signal);
      if (breakers.length === 0) return { breakers, guards: {} };
      if (!cache.current || Date.now() - cache.current.at > guardsMaxAgeMs) {
        const { queues } = await api.get<{ queues: QueueSummary[] }>('/v1/queues', signal);
        const states = await Promise.all(
          queues.slice(0, maxQueues).map((q) => api.get<QueueState>(`/v1/queues/${encodeURIComponent(q.name)}`, signal)),
        );
        cache.current = { at: Date.now(), guards: guardsOf(states) };
      }
      return { breakers, guards: cache.current.guards };
    },
    intervalMs,
    'breakers',
  );
}
