/**
 * Topics: every topic with its events per minute over the last hour, what it keeps and when it
 * last got an event, and every subscription with its backlog and lag. Refreshed every 5 seconds.
 */
import type { Topic } from '../api/types.js';
import { useSession } from '../auth/session.js';
import { NoSubscriptions, NoTopics } from '../components/bus-empty.js';
import { EventChart } from '../components/event-chart.js';
import { Link } from '../components/link.js';
import { ErrorNotice, Loading } from '../components/states.js';
import { SubscriptionTable } from '../components/subscription-table.js';
import { age, count } from '../lib/format.js';
import { eventTotals, retentionText, topicColors } from '../lib/topic-series.js';
import { type BusData, useBus, useEventRate } from '../lib/use-bus.js';

export function TopicsPage() {
  const { api } = useSession();
  const bus = useBus(api);
  const rate = useEventRate(api);
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
