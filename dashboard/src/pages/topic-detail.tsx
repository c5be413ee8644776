/**
 * One topic: what it keeps, its events per minute, its subscriptions (replay for admins), and its
 * retained log, oldest first, a page at a time. `?event=<seq>` opens the page that starts at
 * that event and highlights it (a delivery job's page links here).
 */
import type { EventPage, Subscription, Topic } from '../api/types.js';
import { useSession } from '../auth/session.js';
import { NoSubscriptions } from '../components/bus-empty.js';
import { EventChart } from '../components/event-chart.js';
import { EventLog } from '../components/event-log.js';
import { Link } from '../components/link.js';
import { Empty, ErrorNotice, Loading } from '../components/states.js';
import { SubscriptionTable } from '../components/subscription-table.js';
import { cursorAt } from '../lib/deliveries.js';
import { age, count, timestamp } from '../lib/format.js';
import { navigate, useLocation, withQuery } from '../lib/router.js';
import { retentionText, topicColors } from '../lib/topic-series.js';
import { useBus, useEventRate } from '../lib/use-bus.js';
import { usePoll } from '../lib/use-poll.js';

const pageSize = 20;

export function TopicPage({ topic }: { topic: string }) {
  const { api } = useSession();
  const { query } = useLocation();
  const bus = useBus(api);
  const rate = useEventRate(api);
  const highlight = query.get('event');
  const validHighlight = highlight !== null && /^\d{1,19}$/.test(highlight) ? highlight : null;
  const after = query.get('after') ?? (validHighlight ? cursorAt(validHighlight) : null);
  /** The `after` of each earlier page, for "Older"; kept in the URL so a reload keeps the place. */
  const trail = (query.get('trail') ?? '').split('.').filter(Boolean);
  const here = `/topics/${encodeURIComponent(topic)}`;
  const logPath = withQuery(`/v1/topics/${encodeURIComponent(topic)}/events`, { after, limit: String(pageSize) });
  const log = usePoll((signal) => api.get<EventPage>(logPath, signal), 5_000, logPath);

  const info = bus.data?.topics.find((t) => t.name === topic) ?? null;
  const subscriptions = bus.data?.subscriptions.filter((s) => s.topic === topic) ?? [];
  const unknown = bus.data !== null && info === null && log.data !== null && log.data.events.length === 0;

  const newer = (next: string) => navigate(withQuery(here, { after: next, trail: [...trail, after ?? '-'].join('.') }));
  const older = () => {
    const previous = trail.at(-1);
    navigate(withQuery(here, { after: previous === '-' ? null : previous, trail: trail.slice(0, -1).join('.') }));
  };

  return (
    <section className="page topic-page" aria-labelledby="topic-title">
      <p className="crumbs">
        <Link to="/topics">← Topics</Link>
      </p>
      <header className="page-head">
        <h1 id="topic-title">{topic}</h1>
        <p className="page-sub">A topic: its events and the subscriptions that take them. Updates every 5 seconds.</p>
      </header>
      {bus.loading && !bus.data ? <Loading what={`topic ${topic}`} /> : null}
      {bus.error ? <ErrorNotice error={bus.error} onRetry={bus.reload} stale={bus.data !== null} /> : null}
      {unknown ? (
        <Empty title={`There is no topic ${topic}`}>
          A topic appears with its first event; this one has none, or its name is wrong. See <Link to="/topics">every topic</Link>.
        </Empty>
      ) : (
        <>
          {info ? <Facts topic={info} /> : null}
          <EventChart
            topics={[topic]}
            colors={topicColors(bus.data?.topics.map((t) => t.name) ?? [topic])}
            rate={rate}
            title={`Events per minute on ${topic}`}
          />
          {bus.data ? <Subscriptions topic={topic} subscriptions={subscriptions} info={info} reload={bus.reload} /> : null}
          <div className="card-head log-head">
            <h2>Retained events</h2>
            <span className="muted small">oldest first, {pageSize} a page</span>
          </div>
          {log.loading && !log.data ? <Loading what="events" /> : null}
          {log.error ? <ErrorNotice error={log.error} onRetry={log.reload} stale={log.data !== null} /> : null}
          {log.data ? (
            log.data.events.length === 0 ? (
              <Empty title={after ? 'No newer events' : 'No events retained'}>
                {after
                  ? 'This page is past the newest event; events published from now on show up here.'
                  : 'Every event of this topic is older than its retention and was pruned.'}
              </Empty>
            ) : (
              <EventLog events={log.data.events} subscriptions={subscriptions} highlight={validHighlight} />
            )
          ) : null}
          <nav className="pager" aria-label="Pages of events">
            <span className="pager-group">
              <button type="button" className="button" onClick={older} disabled={trail.length === 0}>
                ← Older
              </button>
              {after && trail.length === 0 ? (
                <button type="button" className="button" onClick={() => navigate(here)}>
                  Oldest
                </button>
              ) : null}
            </span>
            <button type="button" className="button" onClick={() => log.data?.next && newer(log.data.next)} disabled={!log.data?.next}>
              Newer →
            </button>
          </nav>
        </>
      )}
    </section>
  );
}

function Facts({ topic }: { topic: Topic }) {
  const now = Date.now();
  return (
    <dl className="facts">
      <Fact label="Retained" value={`${count(topic.events)} ${topic.events === 1 ? 'event' : 'events'}`} test="retained" />
      <Fact
        label="Last published"
        value={topic.lastPublishedAt === null ? '—' : `${age(topic.lastPublishedAt, now)} ago`}
        title={topic.lastPublishedAt === null ? undefined : timestamp(topic.lastPublishedAt)}
      />
      <Fact label="Retention" value={retentionText(topic)} />
      <Fact label="Created" value={`${age(topic.createdAt, now)} ago`} title={timestamp(topic.createdAt)} />
    </dl>
  );
}

function Fact({ label, value, title, test }: { label: string; value: string; title?: string | undefined; test?: string }) {
  return (
    <div className="fact" data-fact={test}>
      <dt>{label}</dt>
      <dd title={title}>{value}</dd>
    </div>
  );
}

function Subscriptions({
  topic,
  subscriptions,
  info,
  reload,
}: {
  topic: string;
  subscriptions: Subscription[];
  info: Topic | null;
  reload(): void;
}) {
  return (
    <>
      <h2 className="section-title">Subscriptions</h2>
      {subscriptions.length === 0 ? (
        <NoSubscriptions topic={topic} />
      ) : (
        <SubscriptionTable
          subscriptions={subscriptions}
          showTopic={false}
          retained={new Map(info ? [[topic, info.events]] : [])}
          onReplayed={reload}
        />
      )}
    </>
  );
}
