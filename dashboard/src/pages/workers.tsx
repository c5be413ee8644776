/**
 * Workers: every running worker of every process, from the store's registry (`GET /v1/workers`),
 * so an operator sees who is working: host, pid, queue, the job names each handles, concurrency,
 * jobs in flight, last heartbeat and Spool version. Refreshed every 5 s.
 */
import type { WorkerRecord } from '../api/types.js';
import { useSession } from '../auth/session.js';
import { Empty, ErrorNotice, Loading } from '../components/states.js';
import { age, timestamp } from '../lib/format.js';
import { useNow } from '../lib/use-now.js';
import { usePoll } from '../lib/use-poll.js';

export function WorkersPage() {
  const { api } = useSession();
  const workers = usePoll((signal) => api.get<{ workers: WorkerRecord[] }>('/v1/workers', signal), 5_000, 'workers');
  const now = useNow(5_000);
  return (
    <section className="page" aria-labelledby="workers-title">
      <header className="page-head">
        <h1 id="workers-title">Workers</h1>
        <p className="page-sub">
          Every worker running on this store, in every process. Each beats every 5 seconds; one silent for 30 s is gone.
        </p>
      </header>
      {workers.loading && !workers.data ? <Loading what="workers" /> : null}
      {workers.error ? <ErrorNotice error={workers.error} onRetry={workers.reload} stale={workers.data !== null} /> : null}
      {workers.data && workers.data.workers.length === 0 ? (
        <Empty title="No worker is running">
          Jobs wait until one starts: run <code>spool worker</code> (or <code>spool serve</code>) with a config that names the queue, or
          call <code>spool.work(queue, handlers)</code> in your code.
        </Empty>
      ) : null}
      {workers.data && workers.data.workers.length > 0 ? (
        <div className="table-wrap">
          <table className="table workers-table">
            <thead>
              <tr>
                <th scope="col">Queue</th>
                <th scope="col">Handles</th>
                <th scope="col">Host</th>
                <th scope="col" className="num">
                  PID
                </th>
                <th scope="col" className="num">
                  Concurrency
                </th>
                <th scope="col" className="num">
                  In flight
                </th>
                <th scope="col">Last heartbeat</th>
                <th scope="col">Version</th>
              </tr>
            </thead>
            <tbody>
              {workers.data.workers.map((w) => (
                <tr key={w.id} data-worker={w.id} data-queue={w.queue}>
                  <th scope="row" data-label="Queue">
                    {w.queue}
                  </th>
                  <td data-label="Handles">{w.names === null ? <span className="muted">every name</span> : w.names.join(', ')}</td>
                  <td data-label="Host">{w.host}</td>
                  <td className="num" data-label="PID">
                    {w.pid}
                  </td>
                  <td className="num" data-label="Concurrency">
                    {w.concurrency}
                  </td>
                  <td className="num" data-label="In flight">
                    {w.inFlight}
                  </td>
                  <td data-label="Last heartbeat" title={timestamp(w.heartbeatAt)}>
                    {age(w.heartbeatAt, Math.max(now, w.heartbeatAt))} ago
                    {w.sessionAlive === false ? (
                      <span className="badge badge-failed" title="Its process lost its database session: it crashed or was killed.">
                        gone
                      </span>
                    ) : null}
                  </td>
                  <td data-label="Version">{w.version}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
