/**
 * Jobs: filter by queue, status and name, find one by id, page with cursors. Rows refresh
 * every 1.5 s, so active jobs' progress bars move live; a waiting job says what it waits for
 * ("retrying in 40 s", "scheduled for 14:05"). Filters live in the URL (the token never does).
 */
import { type FormEvent, useState } from 'react';
import type { JobPage, JobView, QueueSummary } from '../api/types.js';
import { jobStatuses } from '../api/types.js';
import { useSession } from '../auth/session.js';
import { Link } from '../components/link.js';
import { ProgressBar } from '../components/progress-bar.js';
import { Empty, ErrorNotice, Loading } from '../components/states.js';
import { StatusBadge } from '../components/status-badge.js';
import { age, errorText, timestamp, waitingFor } from '../lib/format.js';
import { navigate, useLocation, withQuery } from '../lib/router.js';
import { usePoll } from '../lib/use-poll.js';

export function JobsPage() {
  const { api } = useSession();
  const { query } = useLocation();
  const filters = { queue: query.get('queue') ?? '', status: query.get('status') ?? '', name: query.get('name') ?? '' };
  const cursor = query.get('cursor');
  /** Cursors of the pages before this one, for "Newer"; kept in the URL so reloads keep the place. */
  const trail = (query.get('trail') ?? '').split('.').filter(Boolean);
  const listPath = withQuery('/v1/jobs', { ...filters, cursor, limit: '25' });
  const page = usePoll((signal) => api.get<JobPage>(listPath, signal), 1_500, listPath);
  const queues = usePoll((signal) => api.get<{ queues: QueueSummary[] }>('/v1/queues', signal), 10_000, 'queue-names');

  const go = (next: Partial<typeof filters>) => navigate(withQuery('/jobs', { ...filters, ...next }), { replace: true });
  const older = (nextCursor: string) =>
    navigate(withQuery('/jobs', { ...filters, cursor: nextCursor, trail: [...trail, cursor ?? '-'].join('.') }));
  const newer = () => {
    const previous = trail.at(-1);
    navigate(withQuery('/jobs', { ...filters, cursor: previous === '-' ? null : previous, trail: trail.slice(0, -1).join('.') }));
  };
  const filtered = Boolean(filters.queue || filters.status || filters.name);

  return (
    <section className="page" aria-labelledby="jobs-title">
      <header className="page-head">
        <h1 id="jobs-title">Jobs</h1>
        <p className="page-sub">Newest first. Active jobs update live.</p>
      </header>
      <div className="filters">
        <label className="field">
          <span>Queue</span>
          <select value={filters.queue} onChange={(e) => go({ queue: e.target.value })} aria-label="Queue">
            <option value="">all queues</option>
            {(queues.data?.queues ?? []).map((q) => (
              <option key={q.name} value={q.name}>
                {q.name}
              </option>
            ))}
            {filters.queue && !queues.data?.queues.some((q) => q.name === filters.queue) ? (
              <option value={filters.queue}>{filters.queue}</option>
            ) : null}
          </select>
        </label>
        <label className="field">
          <span>Status</span>
          <select value={filters.status} onChange={(e) => go({ status: e.target.value })} aria-label="Status">
            <option value="">any status</option>
            {jobStatuses.map((status) => (
              <option key={status} value={status}>
                {status}
              </option>
            ))}
          </select>
        </label>
        <NameFilter key={filters.name} value={filters.name} onChange={(name) => go({ name })} />
        <FindById />
      </div>
      {page.loading && !page.data ? <Loading what="jobs" /> : null}
      {page.error ? <ErrorNotice error={page.error} onRetry={page.reload} stale={page.data !== null} /> : null}
      {page.data ? (
        page.data.jobs.length === 0 ? (
          filtered ? (
            <Empty title="No jobs match these filters">
              <button type="button" className="button button-small" onClick={() => navigate('/jobs', { replace: true })}>
                Clear the filters
              </button>
            </Empty>
          ) : (
            <Empty title={cursor ? 'No more jobs' : 'No jobs yet'}>
              {cursor
                ? 'This page is past the last job.'
                : 'Enqueue one with POST /v1/queues/{queue}/jobs, `spool enqueue`, or spool.enqueue() in your code; it shows up here at once.'}
            </Empty>
          )
        ) : (
          <JobTable jobs={page.data.jobs} />
        )
      ) : null}
      <nav className="pager" aria-label="Pages">
        <button type="button" className="button" onClick={newer} disabled={trail.length === 0}>
          ← Newer
        </button>
        <button
          type="button"
          className="button"
          onClick={() => page.data?.nextCursor && older(page.data.nextCursor)}
          disabled={!page.data?.nextCursor}
        >
          Older →
        </button>
      </nav>
    </section>
  );
}

function NameFilter({ value, onChange }: { value: string; onChange(name: string): void }) {
  const [text, setText] = useState(value);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onChange(text.trim());
  };
  return (
    <form className="field" onSubmit={submit} aria-label="Filter by job name">
      <label htmlFor="name-filter">Job name</label>
      <span className="field-row">
        <input
          id="name-filter"
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder="send-welcome"
          onBlur={() => text.trim() !== value && onChange(text.trim())}
        />
      </span>
    </form>
  );
}

function FindById() {
  const [id, setId] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const trimmed = id.trim();
    if (!/^\d{1,19}$/.test(trimmed)) {
      setProblem('Job ids are digits, such as 42.');
      return;
    }
    setProblem(null);
    navigate(`/jobs/${trimmed}`);
  };
  return (
    <form className="field" onSubmit={submit} aria-label="Find a job by id">
      <label htmlFor="find-id">Find by id</label>
      <span className="field-row">
        <input
          id="find-id"
          inputMode="numeric"
          value={id}
          onChange={(e) => setId(e.target.value)}
          placeholder="42"
          aria-invalid={problem !== null}
        />
        <button type="submit" className="button">
          Open
        </button>
      </span>
      {problem ? <span className="field-error">{problem}</span> : null}
    </form>
  );
}

function JobTable({ jobs }: { jobs: JobView[] }) {
  const now = Date.now();
  return (
    <div className="table-wrap">
      <table className="table jobs-table">
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">Queue</th>
            <th scope="col">Status</th>
            <th scope="col">Progress</th>
            <th scope="col" className="num">
              Attempts
            </th>
            <th scope="col" className="num">
              Age
            </th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((job) => (
            <tr key={job.id} data-job-id={job.id} data-status={job.status}>
              <th scope="row" data-label="Job">
                <Link to={`/jobs/${job.id}`}>
                  <span className="job-id">#{job.id}</span> {job.name}
                </Link>
              </th>
              <td data-label="Queue">{job.queue}</td>
              <td data-label="Status">
                <StatusBadge status={job.status} />
              </td>
              <td data-label="Progress" className="progress-cell">
                {job.status === 'active' || job.status === 'completed' ? (
                  <ProgressBar progress={job.progress} status={job.status} />
                ) : job.status === 'failed' && job.error ? (
                  <span className="error-line" title={errorText(job.error)}>
                    {errorText(job.error)}
                  </span>
                ) : waitingFor(job, now) ? (
                  <span className="waiting-for" title={timestamp(job.runAt)}>
                    {waitingFor(job, now)}
                  </span>
                ) : (
                  <span className="muted">—</span>
                )}
              </td>
              <td className="num" data-label="Attempts">
                {job.attempts}/{job.maxAttempts}
              </td>
              <td className="num" data-label="Age" title={new Date(job.createdAt).toISOString()}>
                {age(job.createdAt, now)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
