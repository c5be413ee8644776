/**
 * Schedules: every cron schedule with its cron and time zone, the job each tick enqueues, what
 * happens to ticks missed while no process ran, and its next and last tick. Admins delete one
 * after a confirmation. Updates every 5 seconds.
 */
import { useState } from 'react';
import type { ScheduleRecord } from '../api/types.js';
import { useSession } from '../auth/session.js';
import { ConfirmDialog, type ConfirmRequest } from '../components/confirm-dialog.js';
import { Link } from '../components/link.js';
import { Empty, ErrorNotice, Loading } from '../components/states.js';
import { age, duration, timestamp } from '../lib/format.js';
import { useNow } from '../lib/use-now.js';
import { usePoll } from '../lib/use-poll.js';

export function SchedulesPage() {
  const { api, canAdmin } = useSession();
  const polled = usePoll((signal) => api.get<{ schedules: ScheduleRecord[] }>('/v1/schedules', signal), 5_000, 'schedules');
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const now = useNow();
  const data = polled.data;
  const remove = (name: string) =>
    setConfirm({
      title: `Delete schedule ${name}?`,
      body: 'No more jobs are enqueued for its ticks. The jobs it already enqueued stay.',
      confirmLabel: 'Delete schedule',
      danger: true,
      run: async () => {
        await api.del(`/v1/schedules/${encodeURIComponent(name)}`);
        polled.reload();
      },
    });
  return (
    <section className="page schedules-page" aria-labelledby="schedules-page-title">
      <header className="page-head">
        <h1 id="schedules-page-title">Schedules</h1>
        <p className="page-sub">Cron schedules: each tick enqueues one job, exactly once across every process. Updates every 5 seconds.</p>
      </header>
      {polled.loading && !data ? <Loading what="schedules" /> : null}
      {polled.error ? <ErrorNotice error={polled.error} onRetry={polled.reload} stale={data !== null} /> : null}
      {data ? (
        data.schedules.length === 0 ? (
          <Empty title="No schedules yet">
            Add one in code with <code>{"spool.schedule('nightly-report', '0 3 * * *', { queue: 'reports', name: 'render' })"}</code>, under{' '}
            <code>schedules</code> in the config file, or on the command line:
            <pre className="json">spool schedules set nightly-report '0 3 * * *' --queue reports --job render</pre>
          </Empty>
        ) : (
          <div className="table-wrap">
            <table className="table schedules-table">
              <thead>
                <tr>
                  <th scope="col">Schedule</th>
                  <th scope="col">Cron</th>
                  <th scope="col">Job</th>
                  <th scope="col">Missed ticks</th>
                  <th scope="col">Next tick</th>
                  <th scope="col">Last tick</th>
                  {canAdmin ? <th scope="col">Actions</th> : null}
                </tr>
              </thead>
              <tbody>
                {data.schedules.map((s) => (
                  <tr key={s.name} data-schedule={s.name}>
                    <th scope="row">{s.name}</th>
                    <td data-label="Cron">
                      <code>{s.cron}</code> <span className="muted">{s.timezone ?? 'UTC'}</span>
                    </td>
                    <td data-label="Job">
                      <Link to={`/jobs?queue=${encodeURIComponent(s.queue)}`}>{s.queue}</Link>/{s.jobName}
                    </td>
                    <td data-label="Missed ticks">{s.missed === 'skip' ? 'skipped' : `latest ${s.missed.catchUp} caught up`}</td>
                    <td data-label="Next tick" title={s.nextRunAt === null ? undefined : timestamp(s.nextRunAt)}>
                      {s.nextRunAt === null
                        ? 'not computed yet'
                        : s.nextRunAt > now
                          ? `in ${duration(s.nextRunAt - now, true)}`
                          : 'due now'}
                    </td>
                    <td data-label="Last tick" title={s.lastRunAt === null ? undefined : timestamp(s.lastRunAt)}>
                      {s.lastRunAt === null ? <span className="muted">never</span> : `${age(s.lastRunAt, now)} ago`}
                    </td>
                    {canAdmin ? (
                      <td data-label="Actions">
                        <button type="button" className="button button-danger" onClick={() => remove(s.name)}>
                          Delete
                        </button>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      ) : null}
      <ConfirmDialog request={confirm} onClose={() => setConfirm(null)} />
    </section>
  );
}
