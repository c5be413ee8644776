import { fill, level } from '../lib/flow.js';

/**
 * How much of a limit is in use, as a small bar: blue, then amber from 80% and red when full for
 * a `depth`, or amber at the cap for a `cap` (see `level`). `label` names it for assistive
 * technology ("Rate use of tenant-a").
 */
export function Meter({ used, limit, label, kind = 'cap' }: { used: number; limit: number; label: string; kind?: 'depth' | 'cap' }) {
  const how = level(used, limit, kind);
  return (
    <span className={`meter meter-${how}`} data-level={how}>
      {/* biome-ignore lint/a11y/useSemanticElements: a native <meter> cannot be styled alike in every browser; this one fills like the progress bars. */}
      <span
        className="meter-track"
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={limit}
        aria-valuenow={Math.min(used, limit)}
        aria-valuetext={`${used} of ${limit}`}
      >
        <span className="meter-fill" style={{ width: `${fill(used, limit)}%` }} />
      </span>
      <span className="meter-text">
        {used} / {limit}
      </span>
    </span>
  );
}
