import type { Progress } from '../api/types.js';
import { percent, progressLabel } from '../lib/format.js';

/** A bar that fills as the job reports progress; its width moves smoothly between updates. */
export function ProgressBar({
  progress,
  done = false,
  showMessage = false,
}: {
  progress: Progress | null;
  done?: boolean;
  showMessage?: boolean;
}) {
  const value = done ? 100 : (percent(progress) ?? 0);
  const label = done ? 'done' : progress ? progressLabel(progress) : 'starting';
  return (
    <div className="progress">
      <div
        className="progress-track"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(value)}
        aria-valuetext={label}
        aria-label="Progress"
      >
        <div className={`progress-fill${done ? ' progress-done' : ''}`} style={{ width: `${value}%` }} />
      </div>
      <span className="progress-label">{label}</span>
      {showMessage && progress?.message ? <span className="progress-message">{progress.message}</span> : null}
    </div>
  );
}
