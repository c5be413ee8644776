/**
 * A page of a topic's retained log: each event with its name, key, headers and payload, and its
 * delivery jobs (found on demand, on each subscription's queue). One event can be highlighted:
 * the one a delivery job's page linked to.
 */
import { useEffect, useRef, useState } from 'react';
import type { BusEvent, JobView, Subscription } from '../api/types.js';
import { useSession } from '../auth/session.js';
import { type FoundDeliveries, findDeliveries, subscriptionQueue, takes } from '../lib/deliveries.js';
import { age, timestamp } from '../lib/format.js';
import { withQuery } from '../lib/router.js';
import { usePoll } from '../lib/use-poll.js';
import { JsonBlock } from './json-block.js';
import { Link } from './link.js';
import { ErrorNotice } from './states.js';
import { StatusBadge } from './status-badge.js';

export function EventLog({
  events,
  subscriptions,
  highlight,
}: {
  events: BusEvent[];
  subscriptions: Subscription[];
  highlight: string | null;
}) {
  return (
    <ol className="event-log" aria-label="Events, oldest first">
      {events.map((event) => (
        <EventItem key={event.seq} event={event} subscriptions={subscriptions} highlighted={event.seq === highlight} />
      ))}
    </ol>
  );
}

function EventItem({ event, subscriptions, highlighted }: { event: BusEvent; subscriptions: Subscription[]; highlighted: boolean }) {
  const ref = useRef<HTMLLIElement>(null);
  useEffect(() => {
    if (highlighted) ref.current?.scrollIntoView({ block: 'center' });
  }, [highlighted]);
  const headers = Object.entries(event.headers);
  return (
    <li
      ref={ref}
      className={`event${highlighted ? ' event-highlight' : ''}`}
      data-seq={event.seq}
      aria-current={highlighted ? 'true' : undefined}
      aria-label={`Event ${event.seq}`}
    >
      <div className="event-head">
        <span className="event-seq">#{event.seq}</span>
        <strong className="event-name">{event.name ?? <span className="muted">no name</span>}</strong>
        {event.key ? (
          <span className="chip" title="Key: events with the same key reach an ordered subscription one at a time, in order">
            key <code>{event.key}</code>
          </span>
        ) : null}
        <time className="event-time muted" dateTime={new Date(event.publishedAt).toISOString()} title={timestamp(event.publishedAt)}>
          {age(event.publishedAt, Date.now())} ago
        </time>
      </div>
      <div className="event-meta">
        <span className="muted small">
          id <code className="event-id">{event.id}</code>
        </span>
        {headers.map(([name, value]) => (
          <span key={name} className="chip">
            {name}: <code>{value}</code>
          </span>
        ))}
      </div>
      <div className="event-parts">
        <details className="event-part" open={highlighted}>
          <summary>Payload</summary>
          <JsonBlock value={event.payload} label={`Payload of event ${event.seq}`} />
        </details>
        <Deliveries event={event} subscriptions={subscriptions} initiallyOpen={highlighted} />
      </div>
    </li>
  );
}

function Deliveries({ event, subscriptions, initiallyOpen }: { event: BusEvent; subscriptions: Subscription[]; initiallyOpen: boolean }) {
  const [open, setOpen] = useState(initiallyOpen);
  const targets = subscriptions.filter((sub) => takes(sub.filter, event));
  return (
    <details className="event-part" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>
        Deliveries{' '}
        <span className="muted">
          ({targets.length} of {subscriptions.length} {subscriptions.length === 1 ? 'subscription' : 'subscriptions'} take it)
        </span>
      </summary>
      {open ? <DeliveryList event={event} subscriptions={subscriptions} targets={targets} /> : null}
    </details>
  );
}

/** Mounted while its section is open: looks the deliveries up, and again every 5 seconds. */
function DeliveryList({ event, subscriptions, targets }: { event: BusEvent; subscriptions: Subscription[]; targets: Subscription[] }) {
  const { api } = useSession();
  const found = usePoll(
    async (signal) => {
      const results = await Promise.all(targets.map((sub) => findDeliveries(api, sub.name, event, { signal })));
      return new Map(targets.map((sub, index) => [sub.name, results[index] as FoundDeliveries]));
    },
    5_000,
    `deliveries-${event.seq}-${targets.map((s) => s.name).join(',')}`,
  );
  const skipped = subscriptions.filter((sub) => !targets.includes(sub));
  return (
    <div className="deliveries">
      {found.error ? <ErrorNotice error={found.error} onRetry={found.reload} stale={found.data !== null} /> : null}
      {targets.length === 0 ? <p className="muted small">No subscription of this topic takes this event.</p> : null}
      <ul className="delivery-list">
        {targets.map((sub) => (
          <DeliveryRow key={sub.name} sub={sub} event={event} result={found.data?.get(sub.name) ?? null} />
        ))}
        {skipped.map((sub) => (
          <li key={sub.name} className="muted small">
            {sub.name}: its filter leaves this event out
          </li>
        ))}
      </ul>
    </div>
  );
}

function DeliveryRow({ sub, event, result }: { sub: Subscription; event: BusEvent; result: FoundDeliveries | null }) {
  const all = withQuery('/jobs', { queue: subscriptionQueue(sub.name) });
  return (
    <li data-delivery-to={sub.name}>
      <span className="delivery-sub">{sub.name}</span>
      {result === null ? (
        <span className="muted small">looking…</span>
      ) : result.jobs.length > 0 ? (
        result.jobs.map((job: JobView) => (
          <span key={job.id} className="delivery-job">
            <Link to={`/jobs/${job.id}`}>#{job.id}</Link> <StatusBadge status={job.status} />
          </span>
        ))
      ) : (
        <span className="muted small">
          {!result.complete
            ? 'not among its latest deliveries'
            : sub.createdAt > event.publishedAt
              ? 'none: it subscribed after this event'
              : 'none found (pruned after its retention?)'}
        </span>
      )}
      <Link to={all} className="small">
        all its deliveries
      </Link>
    </li>
  );
}
