import type { BreakerStatus } from '../api/types.js';

/** A breaker's status: closed green, half-open amber, open red. */
export function BreakerPill({ status }: { status: BreakerStatus }) {
  return (
    <span className={`pill pill-${status}`} data-breaker-status={status}>
      {status}
    </span>
  );
}
