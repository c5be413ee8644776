/**
 * One job: status and progress (live), payload and result, every attempt's error (stack traces
 * for admins), a timeline of state changes, and cancel or retry for admins.
 */
import { useState } from 'react';
import type { JobErrorDetail, JobView } from '../api/types.js';
import { useSession } from '../auth/session.js';
import { DeliveryNote } from '../components/delivery-note.js';
import { JsonBlock } from '../components/json-block.js';
import { Link } from '../components/link.js';
import { ProgressBar } from '../components/progress-bar.js';
import { Empty, ErrorNotice, Loading } from '../components/states.js';
import { StatusBadge } from '../components/status-badge.js';
import { age, duration, timestamp } from '../lib/format.js';
import { timeline } from '../lib/timeline.js';
import { useJob } from '../lib/use-job.js';
import { usePoll } from '../lib/use-poll.js';

export function JobDetailPage({ id }: { id: string }) {
  const { api } = useSession();
  const job = useJob(api, id);

  if (job.loading && !job.data) return <Loading what={`job ${id}`} />;
  if (!job.data) {
    const notFound = (job.error as { status?: number } | null)?.status === 404;
    return (
      <section className="page">
        <p className="crumbs">
          <Link to="/jobs">← Jobs</Link>
        </p>
        {notFound ? (
          <Empty title={`There is no job ${id}`}>
            It may have been pruned after its retention, or the id is wrong. <Link to="/jobs">Browse the jobs</Link> instead.
          </Empty>
        ) : (
          <ErrorNotice error={job.error ?? new Error('No data.')} onRetry={job.reload} />
        )}
      </section>
    );
  }
  return <JobDetail job={job.data} error={job.error} reload={job.reload} />;
}

function JobDetail({ job, error, reload }: { job: JobView; error: Error | null; reload(): void }) {
  const now = Date.now();
  return (
    <section className="page" aria-labelledby="job-title">
      <p className="crumbs">
        <Link to="/jobs">← Jobs</Link> / <Link to={`/jobs?queue=${encodeURIComponent(job.queue)}`}>{job.queue}</Link>
      </p>
      <header className="page-head job-head">
        <h1 id="job-title">
          <span className="job-id">#{job.id}</span> {job.name}
        </h1>
        <StatusBadge status={job.status} />
        <JobActions job={job} onDone={reload} />
      </header>
      {error ? <ErrorNotice error={error} stale /> : null}
      <DeliveryNote job={job} />
      <dl className="facts">
        <Fact label="Queue" value={job.queue} />
        <Fact label="Attempts" value={`${job.attempts} of ${job.maxAttempts}`} />
        <Fact label="Created" value={`${age(job.createdAt, now)} ago`} title={timestamp(job.createdAt)} />
        {job.status === 'waiting' && job.runAt > now ? (
          <Fact label="Runs in" value={duration(job.runAt - now, true)} title={timestamp(job.runAt)} />
        ) : null}
        {job.startedAt ? <Fact label="Started" value={`${age(job.startedAt, now)} ago`} title={timestamp(job.startedAt)} /> : null}
        {job.finishedAt && job.startedAt ? <Fact label="Ran for" value={duration(job.finishedAt - job.startedAt)} /> : null}
        <Fact label="Priority" value={String(job.priority)} />
      </dl>
      {job.status === 'active' || job.status === 'completed' || job.progress ? (
        <div className="card">
          <h2>Progress</h2>
          <ProgressBar progress={job.progress} done={job.status === 'completed'} showMessage />
        </div>
      ) : null}
      {job.status === 'failed' && job.error ? (
        <div className="card card-error" role="note">
          <h2>Why it failed</h2>
          <p className="error-message">{job.error.message}</p>
          {job.error.code ? <p className="muted">code {job.error.code}</p> : null}
        </div>
      ) : null}
      <div className="grid-2">
        <div className="card">
          <h2>Payload</h2>
          <JsonBlock value={job.payload} label="Payload" />
        </div>
        <div className="card">
          <h2>Result</h2>
          {job.status === 'completed' ? (
            <JsonBlock value={job.result} label="Result" />
          ) : (
            <p className="muted">No result until the job completes.</p>
          )}
        </div>
      </div>
      <Attempts job={job} />
      <div className="card">
        <h2>Timeline</h2>
        <ol className="timeline">
          {timeline(job).map((entry) => (
            <li key={`${entry.kind}-${entry.at}-${entry.text}`} className={`timeline-${entry.kind}`}>
              <time dateTime={new Date(entry.at).toISOString()}>{timestamp(entry.at)}</time>
              <span>{entry.text}</span>
            </li>
          ))}
        </ol>
      </div>
    </section>
  );
}

function Fact({ label, value, title }: { label: string; value: string; title?: string }) {
  return (
    <div className="fact">
      <dt>{label}</dt>
      <dd title={title}>{value}</dd>
    </div>
  );
}

function Attempts({ job }: { job: JobView }) {
  const { api, canAdmin } = useSession();
  const errorCount = job.errors.length;
  const details = usePoll(
    (signal) =>
      canAdmin && errorCount > 0 ? api.get<{ errors: JobErrorDetail[] }>(`/v1/jobs/${job.id}/errors`, signal) : Promise.resolve(null),
    60_000,
    `errors-${job.id}-${errorCount}-${canAdmin}`,
  );
  return (
    <div className="card">
      <h2>Attempts</h2>
      {errorCount === 0 ? (
        <p className="muted">{job.attempts === 0 ? 'Not started yet.' : 'No attempt has failed.'}</p>
      ) : (
        <ol className="attempts">
          {job.errors.map((error, index) => {
            const stack = details.data?.errors[index]?.stack;
            return (
              <li key={`${error.attempt}-${error.at}`} className="attempt">
                <div className="attempt-head">
                  <strong>Attempt {error.attempt}</strong>
                  <span className="muted">{timestamp(error.at)}</span>
                  {error.code ? <code className="code-tag">{error.code}</code> : null}
                  {error.final ? <span className="badge badge-failed">final</span> : null}
                </div>
                <p className="error-message">{error.message}</p>
                {stack ? (
                  <details>
                    <summary>Stack trace</summary>
                    <pre className="stack">{stack}</pre>
                  </details>
                ) : !canAdmin ? (
                  <p className="muted small">Stack traces are shown to admin tokens.</p>
                ) : null}
              </li>
            );
          })}
        </ol>
      )}
    </div>
  );
}

function JobActions({ job, onDone }: { job: JobView; onDone(): void }) {
  const { api, canAdmin } = useSession();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  if (!canAdmin) return null;
  const act = async (action: 'cancel' | 'retry') => {
    setBusy(true);
    setProblem(null);
    try {
      await api.post<JobView>(`/v1/jobs/${job.id}/${action}`);
      onDone();
    } catch (err) {
      setProblem((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const canCancel = job.status === 'waiting' || job.status === 'active';
  const canRetry = job.status === 'failed' || job.status === 'cancelled';
  return (
    <div className="actions">
      {canCancel ? (
        <button type="button" className="button button-danger" disabled={busy} onClick={() => act('cancel')}>
          Cancel job
        </button>
      ) : null}
      {canRetry ? (
        <button type="button" className="button button-primary" disabled={busy} onClick={() => act('retry')}>
          Retry job
        </button>
      ) : null}
      {problem ? (
        <span className="field-error" role="alert">
          {problem}
        </span>
      ) : null}
    </div>
  );
}
