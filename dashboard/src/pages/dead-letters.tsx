/**
 * Dead letters: the failed jobs of each queue and why they failed; for admins, retrying or
 * deleting one job, or all of a queue's failed jobs at once (deletions and bulk actions behind a
 * confirmation).
 */
import { useState } from 'react';
import type { JobPage, JobView, QueueSummary } from '../api/types.js';
import { useSession } from '../auth/session.js';
import { type ConfirmRequest, ConfirmDialog } from '../components/confirm-dialog.js';
import { Link } from '../components/link.js';
import { Empty, ErrorNotice, Loading } from '../components/states.js';
import { age, count, errorText } from '../lib/format.js';
import { navigate, useLocation, withQuery } from '../lib/router.js';
import { usePoll } from '../lib/use-poll.js';

export function DeadLettersPage() {
  const { api } = useSession();
  const { query } = useLocation();
  const queues = usePoll((signal) => api.get<{ queues: QueueSummary[] }>('/v1/queues', signal), 3_000, 'dead-letter-queues');
  const withFailed = (queues.data?.queues ?? []).filter((q) => q.counts.failed > 0);
  const selected = query.get('queue') ?? withFailed[0]?.name ?? null;

  return (
    <section className="page" aria-labelledby="dead-title">
      <header className="page-head">
        <h1 id="dead-title">Dead letters</h1>
        <p className="page-sub">Jobs that failed for good: their attempts ran out, or the handler threw NonRetryableError.</p>
      </header>
      {queues.loading && !queues.data ? <Loading what="queues" /> : null}
      {queues.error ? <ErrorNotice error={queues.error} onRetry={queues.reload} stale={queues.data !== null} /> : null}
      {queues.data && withFailed.length === 0 && !query.get('queue') ? (
        <Empty title="No failed jobs">
          Nothing to look at here. Jobs land here when their last attempt fails; watch live work on the <Link to="/jobs">Jobs</Link> page.
        </Empty>
      ) : null}
      {queues.data && (withFailed.length > 0 || query.get('queue')) ? (
        <>
          <div className="tabs" role="tablist" aria-label="Queues with failed jobs">
            {withFailed.map((q) => (
              <button
                key={q.name}
                type="button"
                role="tab"
                aria-selected={q.name === selected}
                className="tab"
                onClick={() => navigate(withQuery('/dead-letters', { queue: q.name }), { replace: true })}
              >
                {q.name} <span className="tab-count">{count(q.counts.failed)}</span>
              </button>
            ))}
          </div>
          {selected ? (
            <QueueDeadLetters
              key={selected}
              queue={selected}
              failed={queues.data.queues.find((q) => q.name === selected)?.counts.failed ?? 0}
              onChanged={queues.reload}
            />
          ) : null}
        </>
      ) : null}
    </section>
  );
}

function QueueDeadLetters({ queue, failed, onChanged }: { queue: string; failed: number; onChanged(): void }) {
  const { api, canAdmin } = useSession();
  const path = withQuery('/v1/jobs', { queue, status: 'failed', limit: '50' });
  const page = usePoll((signal) => api.get<JobPage>(path, signal), 3_000, path);
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const now = Date.now();

  const [problem, setProblem] = useState<string | null>(null);
  const after = (text: string) => {
    setProblem(null);
    setNotice(text);
    page.reload();
    onChanged();
  };
  const retryAll = () =>
    setConfirm({
      title: `Retry ${count(failed)} failed job${failed === 1 ? '' : 's'} of ${queue}?`,
      body: 'Each goes back to waiting with fresh attempts and runs again.',
      confirmLabel: `Retry ${count(failed)}`,
      run: async () => {
        const { count: n } = await api.post<{ count: number }>(`/v1/queues/${encodeURIComponent(queue)}/dead-letters/retry`);
        after(`${count(n)} job${n === 1 ? '' : 's'} of ${queue} went back to waiting.`);
      },
    });
  const purgeAll = () =>
    setConfirm({
      title: `Delete ${count(failed)} failed job${failed === 1 ? '' : 's'} of ${queue}?`,
      body: 'They are removed for good, with their payloads and errors. This cannot be undone.',
      confirmLabel: `Delete ${count(failed)}`,
      danger: true,
      run: async () => {
        const { count: n } = await api.del<{ count: number }>(`/v1/queues/${encodeURIComponent(queue)}/dead-letters`);
        after(`${count(n)} failed job${n === 1 ? '' : 's'} of ${queue} deleted.`);
      },
    });

  const retryOne = async (job: JobView) => {
    try {
      await api.post<JobView>(`/v1/jobs/${job.id}/retry`);
      after(`Job #${job.id} went back to waiting.`);
    } catch (err) {
      setNotice(null);
      setProblem((err as Error).message);
    }
  };
  const deleteOne = (job: JobView) =>
    setConfirm({
      title: `Delete failed job #${job.id} (${job.name})?`,
      body: 'It is removed for good, with its payload and errors. This cannot be undone.',
      confirmLabel: 'Delete job',
      danger: true,
      run: async () => {
        await api.del<{ deleted: true }>(`/v1/jobs/${job.id}`);
        after(`Job #${job.id} deleted.`);
      },
    });

  return (
    <div className="card" role="tabpanel" aria-label={`Failed jobs of ${queue}`}>
      <div className="card-head">
        <h2>
          {queue}: {count(failed)} failed
        </h2>
        {canAdmin && failed > 0 ? (
          <div className="actions">
            <button type="button" className="button button-primary" onClick={retryAll}>
              Retry all
            </button>
            <button type="button" className="button button-danger" onClick={purgeAll}>
              Delete all
            </button>
          </div>
        ) : null}
      </div>
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      {problem ? (
        <p className="field-error" role="alert">
          {problem}
        </p>
      ) : null}
      {page.loading && !page.data ? <Loading what="failed jobs" /> : null}
      {page.error ? <ErrorNotice error={page.error} onRetry={page.reload} stale={page.data !== null} /> : null}
      {page.data && page.data.jobs.length === 0 ? <Empty title={`No failed jobs in ${queue}`}>All clear.</Empty> : null}
      {page.data && page.data.jobs.length > 0 ? (
        <ul className="dead-list">
          {page.data.jobs.map((job) => (
            <li key={job.id} data-job-id={job.id}>
              <Link to={`/jobs/${job.id}`}>
                <span className="job-id">#{job.id}</span> {job.name}
              </Link>
              <span className="muted">
                {' '}
                · failed {job.finishedAt ? `${age(job.finishedAt, now)} ago` : ''} after {job.attempts} attempt
                {job.attempts === 1 ? '' : 's'}
              </span>
              <p className="error-message">{lastError(job)}</p>
              {canAdmin ? (
                <div className="dead-actions">
                  <button type="button" className="button button-small" onClick={() => retryOne(job)}>
                    Retry
                  </button>
                  <button type="button" className="button button-small button-danger" onClick={() => deleteOne(job)}>
                    Delete
                  </button>
                </div>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
      {page.data?.nextCursor ? (
        <p>
          <Link to={withQuery('/jobs', { queue, status: 'failed' })}>See all failed jobs of {queue} →</Link>
        </p>
      ) : null}
      <ConfirmDialog request={confirm} onClose={() => setConfirm(null)} />
    </div>
  );
}

/** Why a dead letter failed, in the words this token may read. */
function lastError(job: JobView): string {
  const error = job.error ?? job.errors.at(-1);
  return error ? errorText(error) : 'No error was recorded.';
}
