/**
 * @module
 * A claim by a worker with a handler map: the next jobs of each name it handles, read name by
 * name on spool_jobs_ready_named and merged in claim order, so waiting jobs of names nobody here
 * handles are never read (200,000 of them made every claim take over 300 ms when one index scan
 * in claim order had to step over them). Read first outside a transaction (nothing ready: no
 * write lock taken), then again under the write lock, where the ids are taken.
 */
import type Database from 'better-sqlite3';
import type { ClaimedJob } from '../../core/types.js';
import type { ClaimRequest } from '../contract.js';
import { type ClaimedRow, claimOrder, rowToClaimed } from '../row.js';
import { numbered } from './binding.js';
import type { SqliteStatementName } from './statements.js';

interface ClaimAccess {
  db: Database.Database;
  sql(name: SqliteStatementName): Database.Statement;
}

type ReadyRow = { id: number; priority: number; run_at: number };

export function claimNamed(
  access: ClaimAccess,
  names: readonly string[],
  request: ClaimRequest,
  exclude: string | null,
  now: number,
): ClaimedJob[] {
  const { queue, limit, workerId, token, leaseMs } = request;
  const ready = access.sql('readyNamed');
  const pick = (): number[] => {
    const rows: ReadyRow[] = [];
    for (const name of names) for (const row of ready.all(numbered(name, limit, now, exclude, queue)) as ReadyRow[]) rows.push(row);
    if (names.length > 1) rows.sort((a, b) => b.priority - a.priority || a.run_at - b.run_at || a.id - b.id);
    return rows.slice(0, limit).map((row) => row.id);
  };
  if (pick().length === 0) return [];
  const take = access.db.transaction((): ClaimedRow[] => {
    const ids = pick();
    if (ids.length === 0) return [];
    return access.sql('claimIds').all(numbered(token, now + leaseMs, now, workerId, JSON.stringify(ids))) as ClaimedRow[];
  });
  return take
    .immediate()
    .map((row) => rowToClaimed(row, request, now))
    .sort(claimOrder);
}
