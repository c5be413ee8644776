import type { QueueSummary } from '../api/types.js';
import { openUntil, trippedFor } from '../lib/flow.js';
import type { BreakersData } from '../lib/use-flow.js';

/** Badges beside a queue's name: paused, and each breaker guarding it that is open or half-open. */
export function QueueFlags({ queue, flow }: { queue: QueueSummary; flow: BreakersData | null }) {
  const tripped = flow ? trippedFor(queue.name, flow.guards, flow.breakers) : [];
  if (!queue.paused && tripped.length === 0) return null;
  const now = Date.now();
  return (
    <span className="queue-flags">
      {queue.paused ? (
        <span className="flag flag-paused" data-flag="paused" title="No process claims its jobs until it is resumed.">
          paused
        </span>
      ) : null}
      {tripped.map((b) => (
        <span
          key={b.name}
          className={`flag flag-${b.status}`}
          data-flag={`breaker-${b.status}`}
          title={`Breaker ${b.name} is ${b.status}${b.status === 'open' ? ` ${openUntil(b, now) ?? ''}${b.reason ? `: ${b.reason}` : ''}` : ''}.`}
        >
          {b.name} {b.status}
        </span>
      ))}
    </span>
  );
}
