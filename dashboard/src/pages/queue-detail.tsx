/**
 * One queue: its jobs per status, whether it is paused, its limits with their live use (running
 * against the concurrency cap, starts in each rate window, waiting against the max depth), the
 * breakers guarding it, running jobs per concurrency key, and its backlog and throughput over the
 * last hour. Admins pause, resume and edit the limits, each behind an explicit button.
 */
import { type ReactNode, useState } from 'react';
import type { BacklogPoint, BreakerInfo, LimitsChange, QueueState, ThroughputPoint } from '../api/types.js';
import { jobStatuses } from '../api/types.js';
import { useSession } from '../auth/session.js';
import { BreakerPill } from '../components/breaker-pill.js';
import { ConfirmDialog, type ConfirmRequest } from '../components/confirm-dialog.js';
import { LimitsForm } from '../components/limits-form.js';
import { Link } from '../components/link.js';
import { Meter } from '../components/meter.js';
import { PauseDialog, type PauseRequest } from '../components/pause-dialog.js';
import { ErrorNotice, Loading } from '../components/states.js';
import { TimeChart } from '../components/time-chart.js';
import { guardedJobs, openUntil, rateKeyLabel, rateText, recoveryText, statusMeaning, tripText } from '../lib/flow.js';
import { count } from '../lib/format.js';
import { withQuery } from '../lib/router.js';
import { backlogSeries, throughputSeries } from '../lib/series.js';
import { usePoll } from '../lib/use-poll.js';

const hour = 3_600_000;
const minute = 60_000;
const colors = { completed: '#16a34a', failed: '#dc2626', waiting: '#64748b', active: '#2563eb', maxDepth: '#d97706' };

interface Loaded {
  state: QueueState;
  /** Every defined breaker, for its policy and the form's pickers. */
  breakers: BreakerInfo[];
}

export function QueuePage({ queue }: { queue: string }) {
  const { api, canAdmin } = useSession();
  const path = `/v1/queues/${encodeURIComponent(queue)}`;
  const polled = usePoll<Loaded>(
    async (signal) => {
      const [state, { breakers }] = await Promise.all([
        api.get<QueueState>(path, signal),
        api.get<{ breakers: BreakerInfo[] }>('/v1/breakers', signal),
      ]);
      return { state, breakers };
    },
    2_000,
    path,
  );
  const [editing, setEditing] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [pauseRequest, setPauseRequest] = useState<PauseRequest | null>(null);
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const data = polled.data;
  const state = data?.state ?? null;

  const pause = async (name: string, refuse: boolean) => {
    await api.post(`${path}/pause`, { refuse });
    setNotice(`Paused ${name} in every process; ${refuse ? 'new jobs are refused' : 'new jobs still wait'}.`);
    polled.reload();
  };
  const askResume = (current: QueueState) =>
    setConfirm({
      title: `Resume ${current.name}?`,
      body: `Workers in every process start claiming its ${count(current.counts.waiting)} waiting job${current.counts.waiting === 1 ? '' : 's'} again at once.`,
      confirmLabel: `Resume ${current.name}`,
      async run() {
        await api.post(`${path}/resume`);
        setNotice(`Resumed ${current.name}.`);
        polled.reload();
      },
    });
  const save = async (change: LimitsChange) => {
    await api.put(`${path}/limits`, change);
    setEditing(false);
    setNotice(`Limits of ${queue} saved.`);
    polled.reload();
  };

  return (
    <section className="page queue-page" aria-labelledby="queue-title">
      <p className="crumbs">
        <Link to="/">← Overview</Link>
      </p>
      <header className="page-head queue-head">
        <div>
          <h1 id="queue-title">{queue}</h1>
          <p className="page-sub">Its jobs, limits and breakers, shared by every process. Updates every 2 seconds.</p>
        </div>
        {canAdmin && state ? (
          <div className="actions">
            {state.paused ? (
              <button type="button" className="button button-primary" onClick={() => askResume(state)}>
                Resume
              </button>
            ) : (
              <button
                type="button"
                className="button button-danger"
                onClick={() => setPauseRequest({ queue, refuse: state.refuseWhenPaused })}
              >
                Pause
              </button>
            )}
            <button type="button" className="button" onClick={() => setEditing(true)} disabled={editing}>
              Edit limits
            </button>
          </div>
        ) : null}
      </header>
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      {polled.loading && !data ? <Loading what={`queue ${queue}`} /> : null}
      {polled.error ? <ErrorNotice error={polled.error} onRetry={polled.reload} stale={data !== null} /> : null}
      {state && data ? (
        <>
          {state.paused ? <PausedBanner state={state} /> : null}
          {editing ? (
            <LimitsForm state={state} breakerNames={data.breakers.map((b) => b.name)} save={save} onClose={() => setEditing(false)} />
          ) : null}
          <CountTiles state={state} />
          <div className="grid-2">
            <LimitsCard state={state} />
            <BreakersCard state={state} breakers={data.breakers} />
          </div>
          <RunningCard state={state} />
          <QueueCharts queue={queue} maxDepth={state.maxDepth} />
        </>
      ) : null}
      <PauseDialog request={pauseRequest} onClose={() => setPauseRequest(null)} pause={pause} />
      <ConfirmDialog request={confirm} onClose={() => setConfirm(null)} />
    </section>
  );
}

function PausedBanner({ state }: { state: QueueState }) {
  return (
    <div className="paused-banner" role="note" data-testid="paused-banner">
      <strong>Paused.</strong> No process claims its jobs until it is resumed; {count(state.counts.waiting)} waiting.{' '}
      {state.refuseWhenPaused ? 'New jobs are refused (producers get 503 with Retry-After).' : 'New jobs are still accepted and wait.'}
    </div>
  );
}

function CountTiles({ state }: { state: QueueState }) {
  return (
    <ul className="count-tiles" aria-label={`Jobs of ${state.name} per status`}>
      {jobStatuses.map((status) => (
        <li key={status}>
          <Link
            to={withQuery('/jobs', { queue: state.name, status })}
            className={`tile tile-${status}${state.counts[status] > 0 ? ' tile-some' : ''}`}
            data-count={status}
          >
            <span className="tile-label">{status}</span>
            <strong className="tile-value">{count(state.counts[status])}</strong>
          </Link>
        </li>
      ))}
    </ul>
  );
}

function Row({ term, children, testId }: { term: string; children: ReactNode; testId?: string }) {
  return (
    <div className="limit-row" data-limit={testId}>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function LimitsCard({ state }: { state: QueueState }) {
  const { policy, counts, maxDepth } = state;
  const none = !policy.concurrency && !policy.keyConcurrency && !policy.rateLimit && maxDepth === null;
  return (
    <section className="card" aria-labelledby="limits-title">
      <div className="card-head">
        <h2 id="limits-title">Limits</h2>
        <span className="muted small">across every worker on every machine</span>
      </div>
      {none ? (
        <p className="muted" data-testid="no-limits">
          No limits: its jobs start as fast as workers claim them. Set some with <code>spool limits {state.name} --concurrency 3</code> or
          Edit limits (admins).
        </p>
      ) : null}
      <dl className="limits">
        {policy.concurrency ? (
          <Row term="Concurrency" testId="concurrency">
            <span>at most {policy.concurrency} running at once</span>
            <Meter used={counts.active} limit={policy.concurrency} label="Running against the concurrency cap" />
          </Row>
        ) : null}
        {policy.keyConcurrency ? (
          <Row term="Per key" testId="key-concurrency">
            at most {policy.keyConcurrency} running per concurrency key; keys take turns
          </Row>
        ) : null}
        {policy.rateLimit ? (
          <Row term="Rate limit" testId="rate-limit">
            <span>{rateText(policy.rateLimit)}</span>
            {state.rate.length === 0 ? (
              <span className="muted small">no starts in the current window</span>
            ) : (
              <ul className="meter-list" aria-label="Starts in the current window">
                {[...state.rate]
                  .sort((a, b) => b.used - a.used || a.key.localeCompare(b.key))
                  .map((w) => (
                    <li key={w.key} data-rate-key={w.key}>
                      <span className="meter-key">{rateKeyLabel(w.key)}</span>
                      <Meter used={w.used} limit={w.limit} label={`Rate use of ${rateKeyLabel(w.key)}`} />
                    </li>
                  ))}
              </ul>
            )}
          </Row>
        ) : null}
        {maxDepth !== null ? (
          <Row term="Max depth" testId="max-depth">
            <span>waiting / max; past it, enqueue answers 429</span>
            <Meter used={counts.waiting} limit={maxDepth} label="Waiting against the max depth" kind="depth" />
          </Row>
        ) : null}
      </dl>
    </section>
  );
}

function BreakersCard({ state, breakers }: { state: QueueState; breakers: BreakerInfo[] }) {
  const now = Date.now();
  return (
    <section className="card" aria-labelledby="breakers-title">
      <div className="card-head">
        <h2 id="breakers-title">Circuit breakers</h2>
        <Link to="/breakers" className="small">
          All breakers
        </Link>
      </div>
      {state.breakers.length === 0 ? (
        <p className="muted" data-testid="no-breakers">
          No breaker guards this queue. A breaker stops every process from calling a failing service and lets jobs wait without spending
          attempts.
        </p>
      ) : (
        <ul className="breaker-list">
          {state.breakers.map((b) => {
            const jobs = guardedJobs(state.policy, b.name);
            const policy = breakers.find((info) => info.name === b.name)?.policy ?? null;
            const until = openUntil(b, now);
            return (
              <li key={b.name} className={`breaker breaker-${b.status}`} data-breaker={b.name}>
                <div className="breaker-head">
                  <strong>{b.name}</strong>
                  <BreakerPill status={b.status} />
                  {until ? <span className="breaker-until">{until}</span> : null}
                </div>
                {b.reason ? <p className="breaker-reason">Opened: {b.reason}</p> : null}
                <p className="muted small">
                  Guards {jobs === 'all' ? 'every job' : `jobs named ${jobs.join(', ')}`}. {statusMeaning(b.status, policy?.probes ?? null)}
                </p>
                {policy ? (
                  <p className="muted small">
                    It {tripText(policy)}; {recoveryText(policy)}.
                  </p>
                ) : null}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

function RunningCard({ state }: { state: QueueState }) {
  const keys = Object.entries(state.activeByKey).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const cap = state.policy.keyConcurrency ?? null;
  return (
    <section className="card" aria-labelledby="running-title">
      <div className="card-head">
        <h2 id="running-title">Running per concurrency key</h2>
        <span className="muted small">
          {count(state.counts.active)} running in all{cap ? `; at most ${cap} per key` : ''}
        </span>
      </div>
      {keys.length === 0 ? (
        <p className="muted">No running job has a concurrency key.</p>
      ) : (
        <ul className="meter-list" aria-label="Running jobs per concurrency key">
          {keys.map(([key, n]) => (
            <li key={key} data-active-key={key}>
              <span className="meter-key">{key}</span>
              {cap ? <Meter used={n} limit={cap} label={`Running with key ${key}`} /> : <strong>{count(n)}</strong>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function QueueCharts({ queue, maxDepth }: { queue: string; maxDepth: number | null }) {
  const { api } = useSession();
  const charts = usePoll(
    async (signal) => {
      const [throughput, backlog] = await Promise.all([
        api.get<{ points: ThroughputPoint[] }>('/v1/stats/throughput?window=1h&bucket=1m', signal),
        api.get<{ points: BacklogPoint[] }>('/v1/stats/backlog?window=1h', signal),
      ]);
      return { throughput: throughput.points, backlog: backlog.points, at: Date.now() };
    },
    5_000,
    `charts:${queue}`,
  );
  if (charts.loading && !charts.data) return <Loading what="charts" />;
  if (!charts.data) return <ErrorNotice error={charts.error ?? new Error('No data.')} onRetry={charts.reload} />;
  const to = charts.data.at;
  const from = to - hour;
  const throughput = throughputSeries(charts.data.throughput, { from, to, bucketMs: minute, queue });
  const backlog = backlogSeries(charts.data.backlog, queue);
  // The max depth as a flat line, once there is a backlog to compare it with.
  const depthLine =
    maxDepth === null || backlog.waiting.points.length === 0
      ? []
      : [
          {
            label: 'max depth',
            points: [
              { at: from, value: maxDepth },
              { at: to, value: maxDepth },
            ],
            color: colors.maxDepth,
          },
        ];
  return (
    <>
      <div className="charts-head">
        <h2>Last hour</h2>
      </div>
      {charts.error ? <ErrorNotice error={charts.error} stale /> : null}
      <div className="charts">
        <TimeChart
          title={`Backlog of ${queue}`}
          kind="lines"
          unit="jobs"
          from={from}
          to={to}
          lines={[{ ...backlog.waiting, color: colors.waiting }, { ...backlog.active, color: colors.active }, ...depthLine]}
          emptyText="Nothing waiting or running. The server samples every 15 seconds."
          legend="latest"
        />
        <TimeChart
          title={`Throughput of ${queue} per minute`}
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
      </div>
    </>
  );
}
