import type { JobStatus, Progress } from '../api/types.js';
import { percent, progressLabel } from '../lib/format.js';

/**
 * A bar that fills as the job reports progress; its width moves smoothly between updates. Its
 * colour and label follow the job's status: blue while it runs, green and "done" once completed,
 * red and "failed" (at the progress it had reached) when it failed, amber when cancelled or expired.
 */
export function ProgressBar({
  progress,
  status,
  showMessage = false,
}: {
  progress: Progress | null;
  status: JobStatus;
  showMessage?: boolean;
}) {
  const done = status === 'completed';
  const stopped = status === 'failed' || status === 'cancelled' || status === 'expired';
  const value = done ? 100 : (percent(progress) ?? 0);
  const reached = progress ? progressLabel(progress) : null;
  const label = done
    ? 'done'
    : stopped
      ? `${status}${reached ? ` at ${reached}` : ''}`
      : (reached ?? (status === 'active' ? 'starting' : 'not started'));
  return (
    <div className="progress" data-state={done ? 'done' : stopped ? status : 'running'}>
      <div
        className="progress-track"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(value)}
        aria-valuetext={label}
        aria-label="Progress"
      >
        <div className={`progress-fill progress-${done ? 'done' : stopped ? status : 'running'}`} style={{ width: `${value}%` }} />
      </div>
      <span className="progress-label">{label}</span>
      {showMessage && progress?.message ? <span className="progress-message">{progress.message}</span> : null}
    </div>
  );
}
