/**
 * Overview: every queue with its jobs per status (each count links to those jobs), Spool's own
 * queues marked internal and listed last, and charts of throughput and backlog over the last
 * hour, refreshed live.
 */
import type { BacklogPoint, JobStatus, QueueSummary, ThroughputPoint } from '../api/types.js';
import { jobStatuses } from '../api/types.js';
import { useSession } from '../auth/session.js';
import { TimeChart } from '../components/time-chart.js';
import { Link } from '../components/link.js';
import { QueueFlags } from '../components/queue-flags.js';
import { Empty, ErrorNotice, Loading } from '../components/states.js';
import { count } from '../lib/format.js';
import { navigate, useLocation, withQuery } from '../lib/router.js';
import { backlogSeries, throughputSeries } from '../lib/series.js';
import { type BreakersData, useBreakers } from '../lib/use-flow.js';
import { usePoll } from '../lib/use-poll.js';

const hour = 3_600_000;
const minute = 60_000;
const colors = { completed: '#16a34a', failed: '#dc2626', waiting: '#64748b', active: '#2563eb' };

export function OverviewPage() {
  const { api } = useSession();
  const { query } = useLocation();
  const chartQueue = query.get('queue');
  const queues = usePoll((signal) => api.get<{ queues: QueueSummary[] }>('/v1/queues', signal), 2_000, 'queues');
  const flow = useBreakers(api);
  const charts = usePoll(
    async (signal) => {
      const [throughput, backlog] = await Promise.all([
        api.get<{ points: ThroughputPoint[] }>('/v1/stats/throughput?window=1h&bucket=1m', signal),
        api.get<{ points: BacklogPoint[] }>('/v1/stats/backlog?window=1h', signal),
      ]);
      return { throughput: throughput.points, backlog: backlog.points, at: Date.now() };
    },
    5_000,
    'charts',
  );

  return (
    <section className="page" aria-labelledby="overview-title">
      <header className="page-head">
        <h1 id="overview-title">Overview</h1>
        <p className="page-sub">Every queue and what its jobs are doing. Updates every 2 seconds.</p>
      </header>
      <QueueTable state={queues} flow={flow.data} />
      <div className="charts-head">
        <h2>Last hour</h2>
        {queues.data && queues.data.queues.length > 0 ? (
          <label className="inline-field">
            Queue{' '}
            <select value={chartQueue ?? ''} onChange={(e) => navigate(withQuery('/', { queue: e.target.value }), { replace: true })}>
              <option value="">all queues</option>
              {queues.data.queues.map((q) => (
                <option key={q.name} value={q.name}>
                  {q.name}
                </option>
              ))}
            </select>
          </label>
        ) : null}
      </div>
      {charts.error && !charts.data ? <ErrorNotice error={charts.error} onRetry={charts.reload} /> : null}
      {charts.loading && !charts.data ? <Loading what="charts" /> : null}
      {charts.data ? <Charts data={charts.data} queue={chartQueue} /> : null}
    </section>
  );
}

function QueueTable({ state, flow }: { state: ReturnType<typeof usePoll<{ queues: QueueSummary[] }>>; flow: BreakersData | null }) {
  if (state.loading && !state.data) return <Loading what="queues" />;
  if (!state.data) return <ErrorNotice error={state.error ?? new Error('No data.')} onRetry={state.reload} />;
  // Spool's own queues (webhook deliveries) after the user's, marked internal.
  const queues = [...state.data.queues].sort((a, b) => Number(a.internal) - Number(b.internal) || a.name.localeCompare(b.name));
  return (
    <>
      {state.error ? <ErrorNotice error={state.error} stale /> : null}
      {queues.length === 0 ? (
        <Empty title="No queues yet">
          Queues appear when the first job is enqueued, for example:
          <pre className="json">
            {`curl -X POST ${window.location.origin}/v1/queues/emails/jobs \\
  -H 'authorization: Bearer <token>' -H 'content-type: application/json' \\
  -d '{"name":"send-welcome","payload":{"to":"ada@example.com"}}'`}
          </pre>
        </Empty>
      ) : (
        <div className="table-wrap">
          <table className="table queues-table">
            <thead>
              <tr>
                <th scope="col">Queue</th>
                {jobStatuses.map((status) => (
                  <th key={status} scope="col" className="num">
                    {status}
                  </th>
                ))}
                <th scope="col" className="num">
                  total
                </th>
              </tr>
            </thead>
            <tbody>
              {queues.map((queue) => (
                <tr
                  key={queue.name}
                  data-queue={queue.name}
                  data-internal={queue.internal ? 'true' : undefined}
                  className={queue.internal ? 'queue-internal' : undefined}
                >
                  <th scope="row" data-label="Queue">
                    <Link to={`/queues/${encodeURIComponent(queue.name)}`}>{queue.name}</Link>
                    {queue.internal ? (
                      <span className="tag-internal" title="Spool's own queue (webhook deliveries); your jobs never go here.">
                        internal
                      </span>
                    ) : null}
                    <QueueFlags queue={queue} flow={flow} />
                  </th>
                  {jobStatuses.map((status) => (
                    <CountCell key={status} queue={queue.name} status={status} value={queue.counts[status]} />
                  ))}
                  <td className="num" data-label="total">
                    {count(queue.total)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function CountCell({ queue, status, value }: { queue: string; status: JobStatus; value: number }) {
  return (
    <td className={`num count-${status}${value > 0 ? ' count-some' : ''}`} data-label={status} data-count={status}>
      {value > 0 ? <Link to={withQuery('/jobs', { queue, status })}>{count(value)}</Link> : '0'}
    </td>
  );
}

function Charts({ data, queue }: { data: { throughput: ThroughputPoint[]; backlog: BacklogPoint[]; at: number }; queue: string | null }) {
  const to = data.at;
  const from = to - hour;
  const throughput = throughputSeries(data.throughput, { from, to, bucketMs: minute, queue });
  const backlog = backlogSeries(data.backlog, queue);
  return (
    <div className="charts">
      <TimeChart
        title="Throughput per minute"
        kind="bars"
        bucketMs={minute}
        unit="jobs per minute"
        from={from}
        to={to}
        lines={[
          { ...throughput.completed, color: colors.completed },
          { ...throughput.failed, color: colors.failed },
        ]}
        emptyText="No job finished in the last hour."
        legend="total"
      />
      <TimeChart
        title="Backlog"
        kind="lines"
        unit="jobs"
        from={from}
        to={to}
        lines={[
          { ...backlog.waiting, color: colors.waiting },
          { ...backlog.active, color: colors.active },
        ]}
        emptyText="Nothing waiting or running. The server samples every 15 seconds."
        legend="latest"
      />
    </div>
  );
}
