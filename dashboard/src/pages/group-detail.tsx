/**
 * One group: one bar for all of its jobs (finished of total), its jobs counted per status, and
 * when the last one should finish. Updates every 2 seconds until every job is final.
 */
import type { GroupStatus } from '../../../src/core/types.js';
import { useSession } from '../auth/session.js';
import { Link } from '../components/link.js';
import { ProgressBar } from '../components/progress-bar.js';
import { Empty, ErrorNotice, Loading } from '../components/states.js';
import { count, duration, timestamp } from '../lib/format.js';
import { useNow } from '../lib/use-now.js';
import { usePoll } from '../lib/use-poll.js';

const order = ['waiting', 'active', 'completed', 'failed', 'cancelled', 'expired'] as const;

export function GroupPage({ id }: { id: string }) {
  const { api } = useSession();
  const now = useNow();
  const polled = usePoll((signal) => api.get<GroupStatus>(`/v1/groups/${encodeURIComponent(id)}`, signal), 2_000, `group-${id}`);
  const group = polled.data;
  if (polled.loading && !group) return <Loading what={`group ${id}`} />;
  if (!group) {
    const notFound = (polled.error as { status?: number } | null)?.status === 404;
    return (
      <section className="page">
        {notFound ? (
          <Empty title={`There is no group ${id}`}>No job carries it: its jobs may have been pruned after their retention.</Empty>
        ) : (
          <ErrorNotice error={polled.error ?? new Error('No data.')} onRetry={polled.reload} />
        )}
      </section>
    );
  }
  const ended = group.counts.failed > 0 ? 'failed' : group.counts.cancelled + group.counts.expired > 0 ? 'cancelled' : 'completed';
  return (
    <section className="page" aria-labelledby="group-title">
      <header className="page-head">
        <h1 id="group-title">Group {group.id}</h1>
        <p className="page-sub">{group.done ? 'Every job is final.' : 'Updates every 2 seconds.'}</p>
      </header>
      {polled.error ? <ErrorNotice error={polled.error} stale /> : null}
      <div className="card">
        <h2>Progress</h2>
        <ProgressBar
          progress={{ value: { done: group.finished, total: group.total } }}
          status={group.done ? ended : 'active'}
          showMessage
        />
        <p data-testid="group-summary">
          {count(group.finished)} of {count(group.total)} finished ({group.progress}%)
          {group.done
            ? ''
            : group.eta === null
              ? '; no ETA yet: none of its jobs finished in the last 5 min'
              : `; the last should finish ${group.eta > now ? `in about ${duration(group.eta - now, true)}` : 'any moment now'}`}
        </p>
        {group.eta !== null ? <p className="muted small">ETA {timestamp(group.eta)}</p> : null}
      </div>
      <dl className="facts">
        {order.map((status) => (
          <div className="fact" key={status} data-testid={`count-${status}`}>
            <dt>{status}</dt>
            <dd>{count(group.counts[status])}</dd>
          </div>
        ))}
      </dl>
      <p className="muted small">
        Its jobs carry <code>metadata.group</code>; find them on the <Link to="/jobs">Jobs</Link> page.
      </p>
    </section>
  );
}
