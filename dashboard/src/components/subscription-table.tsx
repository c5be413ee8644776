/**
 * Subscriptions with their backlog (deliveries waiting or running) and lag, how they deliver and
 * what they take, and for admins a "Replay from…" action behind a dialog.
 */
import { useState } from 'react';
import type { EventFilter, ReplayFrom, Subscription } from '../api/types.js';
import { useSession } from '../auth/session.js';
import { subscriptionQueue } from '../lib/deliveries.js';
import { count, duration } from '../lib/format.js';
import { withQuery } from '../lib/router.js';
import { Link } from './link.js';
import { ReplayDialog, type ReplayRequest } from './replay-dialog.js';

/** "names order.placed, order.paid; headers region=eu", or "every event". */
export function filterText(filter: EventFilter | null): string {
  if (!filter) return 'every event';
  const parts: string[] = [];
  if (filter.names?.length) parts.push(`names ${filter.names.join(', ')}`);
  const headers = Object.entries(filter.headers ?? {});
  if (headers.length) parts.push(`headers ${headers.map(([k, v]) => `${k}=${v}`).join(', ')}`);
  return parts.join('; ') || 'every event';
}

export function SubscriptionTable({
  subscriptions,
  showTopic,
  retained,
  onReplayed,
}: {
  subscriptions: Subscription[];
  showTopic: boolean;
  /** Events each topic keeps, for the replay dialog's sentence. */
  retained: Map<string, number>;
  /** After a replay, to refresh the backlog. */
  onReplayed(): void;
}) {
  const { api, canAdmin } = useSession();
  const [request, setRequest] = useState<ReplayRequest | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const replay = async (subscription: Subscription, from: ReplayFrom) => {
    const result = await api.post<{ deliveries: number }>(`/v1/subscriptions/${encodeURIComponent(subscription.name)}/replay`, { from });
    setNotice(
      result.deliveries === 0
        ? `Nothing to replay to ${subscription.name}: no retained event from there on, or each one's delivery is still pending.`
        : `Replayed ${count(result.deliveries)} ${result.deliveries === 1 ? 'event' : 'events'} to ${subscription.name}: ${result.deliveries === 1 ? 'its delivery is' : 'their deliveries are'} in its backlog.`,
    );
    onReplayed();
  };

  return (
    <>
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      <div className="table-wrap">
        <table className="table subs-table">
          <thead>
            <tr>
              <th scope="col">Subscription</th>
              {showTopic ? <th scope="col">Topic</th> : null}
              <th scope="col" className="num">
                Backlog
              </th>
              <th scope="col" className="num">
                Lag
              </th>
              <th scope="col">Delivery</th>
              <th scope="col">Takes</th>
              {canAdmin ? (
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {subscriptions.map((sub) => {
              const jobs = withQuery('/jobs', { queue: subscriptionQueue(sub.name) });
              return (
                <tr key={sub.name} data-subscription={sub.name}>
                  <th scope="row" data-label="Subscription">
                    <Link to={jobs} title={`Its deliveries: jobs of ${subscriptionQueue(sub.name)}`}>
                      {sub.name}
                    </Link>
                  </th>
                  {showTopic ? (
                    <td data-label="Topic">
                      <Link to={`/topics/${encodeURIComponent(sub.topic)}`}>{sub.topic}</Link>
                    </td>
                  ) : null}
                  <td className={`num${sub.backlog > 0 ? ' backlog-some' : ''}`} data-label="Backlog" data-backlog={sub.backlog}>
                    {sub.backlog > 0 ? <Link to={jobs}>{count(sub.backlog)}</Link> : '0'}
                  </td>
                  <td className="num" data-label="Lag" title="How long the oldest waiting delivery has waited">
                    {sub.lagMs > 0 ? duration(sub.lagMs) : '—'}
                  </td>
                  <td data-label="Delivery">
                    {sub.ordered ? 'in order per key' : 'unordered'}, {sub.maxAttempts} {sub.maxAttempts === 1 ? 'attempt' : 'attempts'}
                  </td>
                  <td data-label="Takes" className="wrap">
                    {filterText(sub.filter)}
                  </td>
                  {canAdmin ? (
                    <td className="row-actions">
                      <button
                        type="button"
                        className="button button-small"
                        onClick={() => {
                          setNotice(null);
                          setRequest({ subscription: sub, retained: retained.get(sub.topic) ?? null });
                        }}
                      >
                        Replay from…
                      </button>
                    </td>
                  ) : null}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <ReplayDialog request={request} onClose={() => setRequest(null)} replay={replay} />
    </>
  );
}
