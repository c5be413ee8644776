/**
 * A workflow job's steps as a timeline: each step's name, kind, status, duration and attempts, its
 * result or error; a sleeping or waiting step says until when (and what it waits for); spawned
 * children link to their jobs; compensations and the saga's outcome show after the steps they undo.
 * Refreshed every 2 s; a plain job (no steps) shows nothing.
 */
import type { StepView } from '../api/types.js';
import type { Api } from '../api/client.js';
import { duration, timestamp } from '../lib/format.js';
import { usePoll } from '../lib/use-poll.js';
import { JsonBlock } from './json-block.js';
import { Link } from './link.js';

export function WorkflowSteps({ api, id }: { api: Api; id: string }) {
  const steps = usePoll(
    (signal) => api.get<{ steps: StepView[] }>(`/v1/jobs/${encodeURIComponent(id)}/steps`, signal),
    2_000,
    `steps-${id}`,
  );
  const list = steps.data?.steps ?? [];
  if (list.length === 0) return null;
  return (
    <div className="card" data-testid="workflow-steps">
      <h2>Workflow steps</h2>
      <ol className="timeline steps">
        {list.map((step) => (
          <li key={step.name} className={`timeline-${dot(step.status)}`} data-step={step.name}>
            <div className="step-head">
              <strong className="step-name">{label(step)}</strong>
              <span className="muted small">{step.kind}</span>
              <span className={`badge badge-${badge(step.status)}`}>{step.status}</span>
              {step.durationMs !== null ? <span className="muted small">{duration(step.durationMs)}</span> : null}
              <span className="muted small">
                {step.attempts} attempt{step.attempts === 1 ? '' : 's'}
              </span>
            </div>
            <StepBody step={step} />
          </li>
        ))}
      </ol>
    </div>
  );
}

function StepBody({ step }: { step: StepView }) {
  const detail = (step.detail ?? {}) as { topic?: string; match?: unknown; children?: string[]; reason?: string; outcome?: string };
  const waiting = step.status === 'sleeping' || step.status === 'waiting' || step.status === 'retrying';
  return (
    <div className="step-body">
      {waiting && step.until !== null ? (
        <p className="step-until" data-testid="step-until">
          {step.status === 'retrying' ? 'Runs again' : step.status === 'sleeping' ? 'Sleeps' : 'Waits'} until{' '}
          <time dateTime={new Date(step.until).toISOString()}>{timestamp(step.until)}</time>
          {detail.topic ? ` for an event on "${detail.topic}" matching ${JSON.stringify(detail.match ?? {})}` : ''}
        </p>
      ) : null}
      {detail.children && detail.children.length > 0 ? (
        <p className="step-children">
          {detail.children.length} child job{detail.children.length === 1 ? '' : 's'}:{' '}
          {detail.children.slice(0, 10).map((child, i) => (
            <span key={child}>
              {i > 0 ? ', ' : ''}
              <Link to={`/jobs/${child}`}>#{child}</Link>
            </span>
          ))}
          {detail.children.length > 10 ? ` and ${detail.children.length - 10} more` : ''}
        </p>
      ) : null}
      {step.name === '$saga' ? (
        <p className="step-saga">
          After the workflow {detail.reason === 'cancelled' ? 'was cancelled' : 'failed'}: {detail.outcome ?? 'compensating…'}
        </p>
      ) : null}
      {step.error ? <p className="error-message">{step.error.message}</p> : null}
      {step.status === 'completed' && step.kind === 'step' && step.result !== null ? (
        <JsonBlock value={step.result} label={`Result of ${step.name}`} />
      ) : null}
    </div>
  );
}

function label(step: StepView): string {
  if (step.name === '$saga') return 'Saga';
  if (step.name.startsWith('compensate:')) return `Undo ${step.name.slice('compensate:'.length)}`;
  return step.name;
}

function dot(status: StepView['status']): string {
  return status === 'completed' ? 'completed' : status === 'failed' ? 'failed' : status === 'retrying' ? 'attempt-failed' : 'started';
}

function badge(status: StepView['status']): string {
  return status === 'completed' ? 'completed' : status === 'failed' ? 'failed' : status === 'retrying' ? 'cancelled' : 'waiting';
}
