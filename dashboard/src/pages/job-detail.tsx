/**
 * One job: status and progress (live); while it waits, what for ("retrying in 40 s", "scheduled
 * for 14:05"), its position in its queue with an expected start, and a warning when no running
 * worker handles it; while active, how long it has run,
 * its worker and its lease; what the person waiting is told; payload and result; every attempt's
 * error (the developer's message and stack traces for admins); its own log (what its handler logged,
 * live); a timeline; cancel or retry for admins.
 */
import { useState } from 'react';
import type { JobErrorDetail, JobView } from '../api/types.js';
import { useSession } from '../auth/session.js';
import { DeliveryNote } from '../components/delivery-note.js';
import { JobLog } from '../components/job-log.js';
import { JsonBlock } from '../components/json-block.js';
import { Link } from '../components/link.js';
import { ProgressBar } from '../components/progress-bar.js';
import { Empty, ErrorNotice, Loading } from '../components/states.js';
import { StatusBadge } from '../components/status-badge.js';
import { WorkflowSteps } from '../components/workflow-steps.js';
import { age, clockTime, count, duration, timestamp, waitingFor } from '../lib/format.js';
import { timeline } from '../lib/timeline.js';
import { useJob } from '../lib/use-job.js';
import { useNow } from '../lib/use-now.js';
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
  const now = useNow();
  const { canAdmin, api } = useSession();
  const waiting = waitingFor(job, now);
  const showProgress = job.status === 'active' || job.status === 'completed' || job.progress !== null;
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
        {waiting ? (
          <span className="waiting-for" data-testid="waiting-for" title={timestamp(job.runAt)}>
            {waiting}
          </span>
        ) : null}
        <JobActions job={job} onDone={reload} />
      </header>
      {error ? <ErrorNotice error={error} stale /> : null}
      {job.warning ? (
        <div className="card card-warning" role="note" data-testid="warning">
          <h2>No running worker handles this job</h2>
          <p>{job.warning}.</p>
          <p className="muted small">
            It waits until a worker with a handler for <code>{job.name}</code> starts on queue <code>{job.queue}</code>. See{' '}
            <Link to="/workers">Workers</Link>.
          </p>
        </div>
      ) : null}
      <DeliveryNote job={job} />
      <dl className="facts">
        <Fact label="Queue" value={job.queue} />
        <Fact label="Attempts" value={`${job.attempts} of ${job.maxAttempts}`} />
        <Fact label="Created" value={`${age(job.createdAt, now)} ago`} title={timestamp(job.createdAt)} />
        {job.status === 'waiting' && job.position ? (
          <>
            <Fact
              label="Position"
              value={job.position.ahead === 0 ? 'next in its queue' : `${count(job.position.ahead)} ahead`}
              title="Waiting jobs of its queue that a worker takes first (higher priority, then earlier run time, then older)."
              testId="position"
            />
            <Fact
              label="Expected start"
              value={expectedStart(job.position, now)}
              title={`Its queue finished ${job.position.drainPerMinute} jobs a minute over the last 5 minutes.`}
              testId="eta"
            />
          </>
        ) : null}
        {job.status === 'waiting' && job.runAt > now ? (
          <Fact label="Runs in" value={duration(job.runAt - now, true)} title={timestamp(job.runAt)} />
        ) : null}
        {job.status === 'active' && job.startedAt ? (
          <Fact label="Running for" value={duration(Math.max(0, now - job.startedAt))} title={`Started ${timestamp(job.startedAt)}`} />
        ) : job.startedAt ? (
          <Fact label="Started" value={`${age(job.startedAt, now)} ago`} title={timestamp(job.startedAt)} />
        ) : null}
        {job.status === 'active' && job.workerId ? <Fact label="Worker" value={job.workerId} /> : null}
        {job.status === 'active' && job.leaseExpiresAt ? (
          <Fact
            label="Lease"
            value={
              job.leaseExpiresAt > now
                ? `until ${clockTime(job.leaseExpiresAt, now)} (${duration(job.leaseExpiresAt - now, true)} left)`
                : 'expired'
            }
            title={`The worker heartbeats to extend it; if it stops, the job is taken back after ${timestamp(job.leaseExpiresAt)}.`}
          />
        ) : null}
        {job.finishedAt && job.startedAt ? <Fact label="Ran for" value={duration(job.finishedAt - job.startedAt)} /> : null}
        <Fact label="Priority" value={String(job.priority)} />
      </dl>
      {showProgress ? (
        <div className="card">
          <h2>Progress</h2>
          <ProgressBar progress={job.progress} status={job.status} showMessage />
        </div>
      ) : null}
      {job.status === 'failed' ? (
        <div className="card card-error" role="note">
          <h2>Why it failed</h2>
          {job.error?.message !== undefined ? <p className="error-message">{job.error.message}</p> : null}
          {job.error?.code ? <p className="muted">code {job.error.code}</p> : null}
          <p className="user-message" data-testid="user-message">
            <span className="muted">The person waiting is told: </span>
            {job.userMessage}
          </p>
          {!canAdmin ? <p className="muted small">The developer's message and stack trace are shown to admin tokens.</p> : null}
        </div>
      ) : job.userMessage ? (
        <div className="card" role="note">
          <h2>Retrying</h2>
          <p className="user-message" data-testid="user-message">
            <span className="muted">The person waiting is told: </span>
            {job.userMessage}
          </p>
        </div>
      ) : null}
      <div className="grid-2">
        <div className="card">
          <h2>Payload</h2>
          <JsonBlock value={job.payload} label="Payload" />
        </div>
        <div className="card">
          <h2>Result</h2>
          {job.status === 'completed' ? <JsonBlock value={job.result} label="Result" /> : <p className="muted">{noResult[job.status]}</p>}
        </div>
      </div>
      <WorkflowSteps api={api} id={job.id} />
      <JobLog api={api} id={job.id} status={job.status} />
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

/** Why a job has no result, by its status. */
const noResult: Record<JobView['status'], string> = {
  waiting: 'No result yet: the job has not run to completion.',
  active: 'No result yet: the job is running.',
  completed: '',
  failed: 'No result: the job failed (see why above).',
  cancelled: 'No result: the job was cancelled.',
  expired: 'No result: the job expired before it ran.',
};

/** "in about 2 min", "any moment now", or why there is no estimate. */
function expectedStart(position: NonNullable<JobView['position']>, now: number): string {
  if (position.eta === null) return 'not known yet: its queue finished no jobs in the last 5 min';
  return position.eta > now + 1_000 ? `in about ${duration(position.eta - now, true)}` : 'any moment now';
}

function Fact({ label, value, title, testId }: { label: string; value: string; title?: string; testId?: string }) {
  return (
    <div className="fact" data-testid={testId}>
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
                {error.message !== undefined ? <p className="error-message">{error.message}</p> : null}
                <p className="user-message">
                  <span className="muted">Told: </span>
                  {error.userMessage}
                </p>
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
