/**
 * @module
 * Types every part of the store contract shares: a claim request, a queue's row, and the
 * caller's transaction.
 */
import type { QueuePolicy } from '../core/flow.js';

/** A fenced write: it applies only while `token` still holds the job's lease. */
export interface Fence {
  id: string;
  token: string;
}

export interface ClaimRequest {
  queue: string;
  /** Only jobs with these names; undefined for any. */
  names?: readonly string[];
  limit: number;
  workerId: string;
  /** The fencing token written on every claimed job. */
  token: string;
  leaseMs: number;
  /**
   * Jobs not to claim: ones this worker still has in hand after their lease may have run out. If
   * such a job was taken back, its outcome can still be recorded under the old token; claiming it
   * again would replace that token and run it twice. Usually absent.
   */
  exclude?: readonly string[];
}

/** A queue's own row: created on first use, where its policies and their live state live. */
export interface QueueRecord {
  name: string;
  createdAt: number;
  /** True while claims are stopped across every process. */
  paused: boolean;
  /** While paused, refuse new jobs too (else they are accepted and wait). */
  refuseWhenPaused: boolean;
  /** Most waiting jobs it accepts; null for no limit. */
  maxDepth: number | null;
  policy: QueuePolicy;
  /** True when its claims go through the guarded path (it has a policy that needs it). */
  guarded: boolean;
}

/**
 * Something that runs SQL in the caller's own transaction, so a job is enqueued only if that
 * transaction commits (the outbox pattern). A `pg` Client or PoolClient inside BEGIN fits for
 * PostgreSQL; a better-sqlite3 Database inside `db.transaction()` fits for SQLite.
 */
export type Transaction = unknown;
