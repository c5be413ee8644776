/**
 * @module
 * An attempt's outcome in the words spans and metrics share (`spool.job.outcome`, the
 * `outcome` label): what the worker decided, not how the store took it.
 */
import type { AttemptEnd } from '../core/telemetry.js';
import type { Outcome } from './outcome.js';

export function attemptEnd(outcome: Outcome): AttemptEnd {
  switch (outcome.type) {
    case 'complete':
      return { outcome: 'completed' };
    case 'fail':
      return { outcome: 'failed', error: outcome.error };
    case 'retry':
      return { outcome: 'retried', error: outcome.error };
    case 'release':
      return { outcome: outcome.why === 'deferred' ? 'deferred' : 'released' };
    case 'suspend':
      return { outcome: 'suspended' };
    case 'abandon':
      return { outcome: outcome.why === 'cancelled' ? 'cancelled' : 'lease-lost' };
  }
}
