/**
 * @module
 * Small helpers of the SQLite store: binding numbered parameters, and reading why a lease was lost.
 */
import type { JobStatus } from '../../core/types.js';
import type { LeaseLoss } from '../contract.js';

/** What became of a lease a heartbeat could not extend, from the row as it is now. */
export function leaseLoss(row: { status: JobStatus; lease_token: string | null } | undefined, token: string): LeaseLoss {
  if (!row) return 'gone';
  if (row.status === 'cancelled') return 'cancelled';
  if (row.lease_token !== token && (row.status === 'completed' || row.status === 'failed')) return 'finished';
  if (row.lease_token === token) return 'expired';
  return 'taken';
}

/** Binds values to ?1, ?2, …: better-sqlite3 takes numbered parameters only as an object. */
export function numbered(...values: unknown[]): Record<number, unknown> {
  const bound: Record<number, unknown> = {};
  values.forEach((value, index) => {
    bound[index + 1] = value;
  });
  return bound;
}
