/**
 * Topics: every topic with its events per minute over the last hour, what it keeps and when it
 * last got an event, and every subscription with its backlog and lag. Refreshed every 5 seconds.
 */
import type { EventRatePoint, Subscription, Topic } from '../api/types.js';
import { useSession } from '../auth/session.js';
import { Link } from '../components/link.js';
import { Empty, ErrorNotice, Loading } from '../components/states.js';
import { SubscriptionTable } from '../components/subscription-table.js';
import { TimeChart } from '../components/time-chart.js';
import { age, count, duration } from '../lib/format.js';
import { eventSeries, eventTotals, topicColors } from '../lib/topic-series.js';
import { type Polled, usePoll } from '../lib/use-poll.js';

export const hourMs = 3_600_000;
export const minuteMs = 60_000;

export interface BusData {
  topics: Topic[];
  subscriptions: Subscription[];
}

/** Topics and subscriptions, polled together: the page needs both to say anything. */
export function useBus(): Polled<BusData> {
  const { api } = useSession();
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
export function useEventRate(): Polled<{ points: EventRatePoint[]; at: number }> {
  const { api } = useSession();
  return usePoll(
    async (signal) => {
      const rate = await api.get<{ points: EventRatePoint[] }>('/v1/stats/events?window=1h&bucket=1m', signal);
      return { points: rate.points, at: Date.now() };
    },
    10_000,
    'event-rate',
  );
}

export function retentionText(topic: Topic): string {
  return topic.retentionMs === null ? 'server default' : duration(topic.retentionMs);
}

export function TopicsPage() {
  const bus = useBus();
  const rate = useEventRate();
  return (
    <section className="page topics-page" aria-labelledby="topics-title">
      <header className="page-head">
        <h1 id="topics-title">Topics</h1>
        <p className="page-sub">Events published per topic, and the subscriptions that take them. Updates every 5 seconds.</p>
      </header>
      {bus.loading && !bus.data ? <Loading what="topics" /> : null}
      {bus.error ? <ErrorNotice error={bus.error} onRetry={bus.reload} stale={bus.data !== null} /> : null}
      {bus.data ? <Bus data={bus.data} rate={rate} reload={bus.reload} /> : null}
    </section>
  );
}

function Bus({ data, rate, reload }: { data: BusData; rate: ReturnType<typeof useEventRate>; reload(): void }) {
  const { topics, subscriptions } = data;
  if (topics.length === 0 && subscriptions.length === 0) return <NoTopics />;
  const totals = rate.data ? eventTotals(rate.data.points) : null;
  const retained = new Map(topics.map((t) => [t.name, t.events]));
  const colors = topicColors(topics.map((t) => t.name));
  return (
    <>
      {topics.length === 0 ? <NoTopics /> : <TopicTable topics={topics} totals={totals} colors={colors} />}
      {topics.length > 0 ? <EventChart topics={topics.map((t) => t.name)} colors={colors} rate={rate} /> : null}
      <h2 className="section-title">Subscriptions</h2>
      {subscriptions.length === 0 ? (
        <NoSubscriptions />
      ) : (
        <SubscriptionTable subscriptions={subscriptions} showTopic retained={retained} onReplayed={reload} />
      )}
    </>
  );
}

export function NoTopics() {
  return (
    <Empty title="No topics yet">
      A topic appears with its first event or subscription. Publish an event with <code>{`spool publish orders '{"orderId":42}'`}</code> or{' '}
      <code>POST /v1/topics/{'{topic}'}/events</code>, for example:
      <pre className="json">
        {`curl -X POST ${window.location.origin}/v1/topics/orders/events \\
  -H 'authorization: Bearer <token>' -H 'content-type: application/json' \\
  -d '{"name":"order.placed","key":"order-42","payload":{"orderId":42}}'`}
      </pre>
    </Empty>
  );
}

export function NoSubscriptions({ topic }: { topic?: string }) {
  return (
    <Empty title={topic ? `Nothing subscribes to ${topic} yet` : 'No subscriptions yet'}>
      Declare one in code with <code>{`spool.subscribe('${topic ?? 'orders'}', 'billing', handler)`}</code> or under{' '}
      <code>subscriptions</code> in the config file; each event then becomes one delivery job per subscription.
    </Empty>
  );
}

function TopicTable({ topics, totals, colors }: { topics: Topic[]; totals: Map<string, number> | null; colors: Map<string, string> }) {
  const now = Date.now();
  return (
    <div className="table-wrap">
      <table className="table topics-table">
        <thead>
          <tr>
            <th scope="col">Topic</th>
            <th scope="col" className="num">
              Last hour
            </th>
            <th scope="col" className="num">
              Retained
            </th>
            <th scope="col" className="num">
              Last published
            </th>
            <th scope="col" className="num">
              Retention
            </th>
            <th scope="col" className="num">
              Subscriptions
            </th>
          </tr>
        </thead>
        <tbody>
          {topics.map((topic) => (
            <tr key={topic.name} data-topic={topic.name}>
              <th scope="row" data-label="Topic">
                <span className="legend-swatch" style={{ background: colors.get(topic.name) }} aria-hidden="true" />{' '}
                <Link to={`/topics/${encodeURIComponent(topic.name)}`}>{topic.name}</Link>
              </th>
              <td className="num" data-label="Last hour" data-rate={topic.name}>
                {totals ? count(totals.get(topic.name) ?? 0) : '…'}
              </td>
              <td className="num" data-label="Retained" data-retained={topic.name}>
                {count(topic.events)}
              </td>
              <td className="num" data-label="Last published">
                {topic.lastPublishedAt === null ? '—' : `${age(topic.lastPublishedAt, now)} ago`}
              </td>
              <td className="num" data-label="Retention">
                {retentionText(topic)}
              </td>
              <td className="num" data-label="Subscriptions">
                {count(topic.subscriptions)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function EventChart({
  topics,
  colors,
  rate,
  title = 'Events per minute',
}: {
  topics: string[];
  colors: Map<string, string>;
  rate: ReturnType<typeof useEventRate>;
  title?: string;
}) {
  if (rate.loading && !rate.data) return <Loading what="the chart" />;
  if (!rate.data) return <ErrorNotice error={rate.error ?? new Error('No data.')} onRetry={rate.reload} />;
  const to = rate.data.at;
  const from = to - hourMs;
  const series = eventSeries(rate.data.points, { from, to, bucketMs: minuteMs, topics });
  return (
    <div className="charts charts-one">
      <TimeChart
        title={title}
        kind="bars"
        bucketMs={minuteMs}
        unit="events per minute"
        from={from}
        to={to}
        lines={series.map((s) => ({ ...s, color: colors.get(s.label) ?? '#2563eb' }))}
        emptyText="No event published in the last hour."
        legend="total"
      />
    </div>
  );
}
