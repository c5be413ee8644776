/**
 * The event bus as the Topics screens poll it: topics and subscriptions together (a screen needs
 * both to say anything), and events per minute over the last hour.
 */
import type { Api } from '../api/client.js';
import type { EventRatePoint, Subscription, Topic } from '../api/types.js';
import { type Polled, usePoll } from './use-poll.js';

export interface BusData {
  topics: Topic[];
  subscriptions: Subscription[];
}

/** Topics and subscriptions, every 5 seconds. */
export function useBus(api: Api): Polled<BusData> {
  return usePoll(
    async (signal) => {
      const [topics, subscriptions] = await Promise.all([
        api.get<{ topics: Topic[] }>('/v1/topics', signal),
        api.get<{ subscriptions: Subscription[] }>('/v1/subscriptions', signal),
      ]);
      return { topics: topics.topics, subscriptions: subscriptions.subscriptions };
    },
    5_000,
    'bus',
  );
}

/** Events per minute over the last hour, with the time they were read. */
export function useEventRate(api: Api): Polled<{ points: EventRatePoint[]; at: number }> {
  return usePoll(
    async (signal) => {
      const rate = await api.get<{ points: EventRatePoint[] }>('/v1/stats/events?window=1h&bucket=1m', signal);
      return { points: rate.points, at: Date.now() };
    },
    10_000,
    'event-rate',
  );
}
