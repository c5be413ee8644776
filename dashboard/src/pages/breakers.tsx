/**
 * Breakers: every shared circuit breaker with its status (open ones first, with when they let a
 * probe through and why they opened), its policy, and the queues it guards. Updates every 2
 * seconds.
 */
import type { BreakerInfo } from '../api/types.js';
import { useSession } from '../auth/session.js';
import { BreakerPill } from '../components/breaker-pill.js';
import { Link } from '../components/link.js';
import { Empty, ErrorNotice, Loading } from '../components/states.js';
import { type Guard, openUntil, recoveryText, statusMeaning, tripText } from '../lib/flow.js';
import { age } from '../lib/format.js';
import { useBreakers } from '../lib/use-flow.js';

const rank = { open: 0, 'half-open': 1, closed: 2 } as const;

export function BreakersPage() {
  const { api } = useSession();
  const polled = useBreakers(api);
  const data = polled.data;
  return (
    <section className="page breakers-page" aria-labelledby="breakers-page-title">
      <header className="page-head">
        <h1 id="breakers-page-title">Breakers</h1>
        <p className="page-sub">
          Circuit breakers shared by every worker: while one is open, the jobs it guards wait without spending an attempt. Updates every 2
          seconds.
        </p>
      </header>
      {polled.loading && !data ? <Loading what="breakers" /> : null}
      {polled.error ? <ErrorNotice error={polled.error} onRetry={polled.reload} stale={data !== null} /> : null}
      {data ? (
        data.breakers.length === 0 ? (
          <Empty title="No breakers yet">
            Define one in code with <code>spool.defineBreaker('payments', {"{ failures: 5, cooldown: '30s' }"})</code>, under{' '}
            <code>breakers</code> in the config file, or over the API:
            <pre className="json">
              {`curl -X PUT ${window.location.origin}/v1/breakers/payments \\
  -H 'authorization: Bearer <token>' -H 'content-type: application/json' \\
  -d '{"failures":5,"cooldown":"30s"}'`}
            </pre>
            Then guard a queue or some of its jobs with it on the queue's page (Edit limits).
          </Empty>
        ) : (
          <BreakerTable breakers={data.breakers} guards={data.guards} />
        )
      ) : null}
    </section>
  );
}

function BreakerTable({ breakers, guards }: { breakers: BreakerInfo[]; guards: Record<string, Guard[]> }) {
  const now = Date.now();
  const sorted = [...breakers].sort((a, b) => rank[a.status] - rank[b.status] || a.name.localeCompare(b.name));
  return (
    <div className="table-wrap">
      <table className="table breakers-table">
        <thead>
          <tr>
            <th scope="col">Breaker</th>
            <th scope="col">Status</th>
            <th scope="col">Policy</th>
            <th scope="col">Guards</th>
            <th scope="col">Updated</th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((b) => {
            const until = openUntil(b, now);
            return (
              <tr key={b.name} data-breaker={b.name}>
                <th scope="row">{b.name}</th>
                <td data-label="Status" className="wrap">
                  <div className="breaker-head">
                    <BreakerPill status={b.status} />
                    {until ? <span className="breaker-until">{until}</span> : null}
                  </div>
                  {b.reason ? <div className="breaker-reason">Opened: {b.reason}</div> : null}
                  <div className="muted small">{statusMeaning(b.status, b.policy.probes)}</div>
                </td>
                <td data-label="Policy" className="wrap">
                  {tripText(b.policy)}; {recoveryText(b.policy)}
                </td>
                <td data-label="Guards" className="wrap">
                  <GuardList guards={guards[b.name] ?? []} />
                </td>
                <td data-label="Updated" className="muted">
                  {age(b.updatedAt, now)} ago
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function GuardList({ guards }: { guards: Guard[] }) {
  if (guards.length === 0) return <span className="muted">no queue</span>;
  return (
    <ul className="guard-list">
      {guards.map((g) => (
        <li key={g.queue}>
          <Link to={`/queues/${encodeURIComponent(g.queue)}`}>{g.queue}</Link>
          <span className="muted"> {g.jobs === 'all' ? 'every job' : g.jobs.join(', ')}</span>
        </li>
      ))}
    </ul>
  );
}
