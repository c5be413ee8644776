/**
 * @module
 * The embedded default: one SQLite file in WAL mode through better-sqlite3. Statements are
 * synchronous and microseconds long, so a batch is one transaction of prepared statements.
 * Several processes may share the file; writes serialise on SQLite's lock (busy_timeout waits).
 */
import Database from 'better-sqlite3';
import { InvalidArgumentError, StoreUnavailableError } from '../../core/errors.js';
import type { ClaimedJob, Job, JobStatus, NewJob, Progress } from '../../core/types.js';
import type {
  ClaimRequest,
  Completion,
  BacklogPoint,
  EnqueueResult,
  Failure,
  FinalStatus,
  FailOutcome,
  Fence,
  ListRequest,
  QueueCounts,
  Store,
  StoreListener,
  ThroughputPoint,
  Transaction,
} from '../contract.js';
import { anyQueue } from '../contract.js';
import {
  type ClaimedRow,
  type JobRow,
  claimOrder,
  claimedColumns,
  emptyCounts,
  leaseExpiredMessage,
  rowToClaimed,
  rowToJob,
} from '../row.js';
import { ChangeWatcher } from './change-watcher.js';
import { sqliteMigrations } from './migrations.js';

type Db = Database.Database;

export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  private readonly db: Db;
  private readonly listeners = new Set<StoreListener>();
  private readonly statements = new Map<string, Database.Statement>();
  private changes: ChangeWatcher | null = null;

  constructor(readonly path: string) {
    try {
      this.db = new Database(path, { timeout: 10_000 });
      this.db.pragma('journal_mode = WAL');
      // NORMAL in WAL mode survives a process crash; only an OS crash can lose the last commits.
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('cache_size = -16384');
    } catch (err) {
      throw new StoreUnavailableError(
        `Could not open the SQLite database at "${path}": ${(err as Error).message}. Check that the folder exists and is writable.`,
        { cause: err },
      );
    }
  }

  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  async migrate(): Promise<void> {
    const run = this.db.transaction(() => {
      const current = this.db.pragma('user_version', { simple: true }) as number;
      if (current > sqliteMigrations.length) {
        throw new StoreUnavailableError(
          `The SQLite database "${this.path}" was migrated by a newer Spool (schema ${current}, this one knows ${sqliteMigrations.length}). Upgrade Spool.`,
        );
      }
      for (let version = current; version < sqliteMigrations.length; version++) {
        this.db.exec(sqliteMigrations[version] as string);
      }
      this.db.pragma(`user_version = ${sqliteMigrations.length}`);
    });
    // IMMEDIATE takes the write lock first, so processes starting together migrate one at a time.
    run.immediate();
  }

  async enqueue(jobs: readonly NewJob[], now: number, tx?: Transaction): Promise<EnqueueResult[]> {
    const db = (tx as Db | undefined) ?? this.db;
    if (tx !== undefined && !(tx instanceof Database)) {
      throw new InvalidArgumentError('On SQLite, `tx` must be the better-sqlite3 Database whose transaction the job should join.');
    }
    const insert = db === this.db ? this.sql(insertSql) : db.prepare(insertSql);
    const existing = db === this.db ? this.sql(existingSql) : db.prepare(existingSql);
    const results: EnqueueResult[] = [];
    const createdFrom = new Map<string, number>();
    const insertAll = db.transaction(() => {
      jobs.forEach((job, index) => {
        const { changes, lastInsertRowid } = insert.run(
          job.queue,
          job.name,
          job.payload,
          job.priority,
          job.maxAttempts,
          JSON.stringify(job.backoff),
          job.timeout,
          job.idempotencyKey,
          job.metadata,
          job.runAt,
          now,
          now,
          job.callbackUrl,
        );
        if (changes > 0) {
          const id = String(lastInsertRowid);
          if (job.idempotencyKey !== null) createdFrom.set(id, index);
          results.push({ id, created: true, createdFrom: index, existing: null });
        } else {
          // The key exists: from an earlier call, or from an earlier input of this one.
          const row = existing.get(job.queue, job.idempotencyKey) as JobRow;
          const id = String(row.id);
          const earlier = createdFrom.get(id);
          results.push({ id, created: false, createdFrom: earlier ?? null, existing: earlier === undefined ? rowToJob(row) : null });
        }
      });
    });
    insertAll.immediate();
    for (const queue of new Set(jobs.map((job) => job.queue))) this.wake(queue);
    return results;
  }

  async claim(request: ClaimRequest): Promise<ClaimedJob[]> {
    return this.claimNow(request);
  }

  private claimNow(request: ClaimRequest): ClaimedJob[] {
    const { queue, names, limit, workerId, token, now, leaseMs } = request;
    // A read first: readers never wait in WAL mode, while an UPDATE takes the write lock even when
    // it matches nothing, and an idle worker's polls would then collide with producers' commits
    // (SQLite's busy handler sleeps a millisecond or more on every collision).
    if (this.sql(anyReadySql).get(queue, now) === undefined) return [];
    const rows = (
      names
        ? this.sql(claimNamedSql).all(numbered(token, now + leaseMs, now, now, workerId, queue, now, JSON.stringify(names), limit))
        : this.sql(claimSql).all(numbered(token, now + leaseMs, now, now, workerId, queue, now, limit))
    ) as ClaimedRow[];
    return rows.map((row) => rowToClaimed(row, request)).sort(claimOrder);
  }

  async complete(items: readonly Completion[], now: number): Promise<string[]> {
    return this.completeNow(items, now);
  }

  private completeNow(items: readonly Completion[], now: number): string[] {
    const statement = this.sql(
      `UPDATE spool_jobs SET status = 'completed', result = ?,
         finished_at = ?, updated_at = ?, lease_token = NULL, lease_expires_at = NULL
       WHERE id = ? AND lease_token = ? AND status = 'active'`,
    );
    return this.eachInTransaction(items, (item) => statement.run(item.result, now, now, item.id, item.token).changes > 0);
  }

  async fail(items: readonly Failure[], now: number): Promise<FailOutcome[]> {
    const statement = this.sql(
      `UPDATE spool_jobs SET
         status = CASE WHEN ?1 IS NOT NULL AND attempts < max_attempts THEN 'waiting' ELSE 'failed' END,
         run_at = CASE WHEN ?1 IS NOT NULL AND attempts < max_attempts THEN ?1 ELSE run_at END,
         finished_at = CASE WHEN ?1 IS NOT NULL AND attempts < max_attempts THEN NULL ELSE ?2 END,
         errors = json_insert(errors, '$[#]', json(?3)),
         updated_at = ?2, lease_token = NULL, lease_expires_at = NULL, worker_id = NULL
       WHERE id = ?4 AND lease_token = ?5 AND status = 'active'
       RETURNING id, status, run_at`,
    );
    const outcomes: FailOutcome[] = [];
    this.db
      .transaction(() => {
        for (const item of items) {
          const row = statement.get(numbered(item.retryAt, now, JSON.stringify(item.error), item.id, item.token)) as
            | { id: number; status: 'waiting' | 'failed'; run_at: number }
            | undefined;
          if (row) outcomes.push({ id: String(row.id), status: row.status, runAt: row.run_at });
        }
      })
      .immediate();
    return outcomes;
  }

  async heartbeat(items: readonly Fence[], now: number, leaseMs: number): Promise<string[]> {
    const statement = this.sql(
      `UPDATE spool_jobs SET lease_expires_at = ?, updated_at = ? WHERE id = ? AND lease_token = ? AND status = 'active'`,
    );
    return this.eachInTransaction(items, (item) => statement.run(now + leaseMs, now, item.id, item.token).changes > 0);
  }

  async release(items: readonly Fence[], now: number): Promise<string[]> {
    const statement = this.sql(
      `UPDATE spool_jobs SET status = 'waiting', attempts = attempts - 1, updated_at = ?, started_at = NULL,
         lease_token = NULL, lease_expires_at = NULL, worker_id = NULL
       WHERE id = ? AND lease_token = ? AND status = 'active' RETURNING queue`,
    );
    const queues = new Set<string>();
    const released = this.eachInTransaction(items, (item) => {
      const row = statement.get(now, item.id, item.token) as { queue: string } | undefined;
      if (row) queues.add(row.queue);
      return row !== undefined;
    });
    for (const queue of queues) this.wake(queue);
    return released;
  }

  async progress(item: Fence, progress: Progress, now: number): Promise<boolean> {
    const result = this.sql(
      `UPDATE spool_jobs SET progress = ?, updated_at = ? WHERE id = ? AND lease_token = ? AND status = 'active'`,
    ).run(JSON.stringify(progress), now, item.id, item.token);
    return result.changes > 0;
  }

  async rescueExpired(now: number): Promise<number> {
    const result = this.sql(
      `UPDATE spool_jobs SET
         status = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'waiting' END,
         finished_at = CASE WHEN attempts >= max_attempts THEN ?1 ELSE NULL END,
         errors = json_insert(errors, '$[#]', json_object('message', ?2, 'code', 'SPOOL_LEASE_EXPIRED', 'name', 'LeaseExpiredError',
                  'attempt', attempts, 'at', ?1, 'final', json(CASE WHEN attempts >= max_attempts THEN 'true' ELSE 'false' END))),
         run_at = ?1, updated_at = ?1, lease_token = NULL, lease_expires_at = NULL, worker_id = NULL
       WHERE status = 'active' AND lease_expires_at < ?1`,
    ).run(numbered(now, leaseExpiredMessage));
    return result.changes;
  }

  async getJob(id: string): Promise<Job | null> {
    if (!/^\d{1,19}$/.test(id)) return null;
    const row = this.sql('SELECT * FROM spool_jobs WHERE id = ?').get(id) as JobRow | undefined;
    return row ? rowToJob(row) : null;
  }

  async listJobs(request: ListRequest): Promise<Job[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (request.queue !== undefined) where.push('queue = ?') && params.push(request.queue);
    if (request.status !== undefined) where.push('status = ?') && params.push(request.status);
    if (request.name !== undefined) where.push('name = ?') && params.push(request.name);
    if (request.after !== undefined) where.push('id < ?') && params.push(request.after);
    const text = `SELECT * FROM spool_jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (this.sql(text).all(...params, request.limit) as JobRow[]).map(rowToJob);
  }

  async counts(queue?: string): Promise<QueueCounts> {
    const rows = (
      queue === undefined
        ? this.sql('SELECT queue, status, count(*) AS n FROM spool_jobs GROUP BY queue, status').all()
        : this.sql('SELECT queue, status, count(*) AS n FROM spool_jobs WHERE queue = ? GROUP BY queue, status').all(queue)
    ) as { queue: string; status: JobStatus; n: number }[];
    const counts: QueueCounts = {};
    for (const row of rows) {
      counts[row.queue] ??= emptyCounts();
      (counts[row.queue] as Record<JobStatus, number>)[row.status] = row.n;
    }
    return counts;
  }

  async cancel(id: string, now: number): Promise<Job | null> {
    if (!/^\d{1,19}$/.test(id)) return null;
    const row = this.sql(
      `UPDATE spool_jobs SET status = 'cancelled', finished_at = ?1, updated_at = ?1, lease_token = NULL, lease_expires_at = NULL
       WHERE id = ?2 AND status IN ('waiting', 'active') RETURNING *`,
    ).get(numbered(now, id)) as JobRow | undefined;
    if (!row) return this.getJob(id);
    for (const listener of this.listeners) listener.onCancel?.(String(row.id));
    return rowToJob(row);
  }

  async retry(id: string, now: number): Promise<{ job: Job; retried: boolean } | null> {
    if (!/^\d{1,19}$/.test(id)) return null;
    const row = this.sql(
      `UPDATE spool_jobs SET status = 'waiting', attempts = 0, run_at = ?1, updated_at = ?1, finished_at = NULL,
         started_at = NULL, result = NULL, progress = NULL
       WHERE id = ?2 AND status IN ('failed', 'cancelled') RETURNING *`,
    ).get(numbered(now, id)) as JobRow | undefined;
    if (!row) return unchanged(await this.getJob(id));
    this.wake(row.queue);
    return { job: rowToJob(row), retried: true };
  }

  async prune(status: FinalStatus, before: number): Promise<number> {
    return this.sql('DELETE FROM spool_jobs WHERE status = ? AND finished_at < ?').run(status, before).changes;
  }

  async retryFailed(queue: string, now: number): Promise<number> {
    const { changes } = this.sql(
      `UPDATE spool_jobs SET status = 'waiting', attempts = 0, run_at = ?1, updated_at = ?1, finished_at = NULL,
         started_at = NULL, result = NULL, progress = NULL
       WHERE queue = ?2 AND status = 'failed'`,
    ).run(numbered(now, queue));
    if (changes > 0) this.wake(queue);
    return changes;
  }

  async purge(queue: string, status: FinalStatus): Promise<number> {
    return this.sql('DELETE FROM spool_jobs WHERE queue = ? AND status = ?').run(queue, status).changes;
  }

  async throughput(since: number, bucketMs: number): Promise<ThroughputPoint[]> {
    const rows = this.sql(
      `SELECT (finished_at / CAST(?1 AS INTEGER)) * CAST(?1 AS INTEGER) AS at, queue,
              sum(status = 'completed') AS completed, sum(status = 'failed') AS failed
       FROM spool_jobs WHERE status IN ('completed', 'failed') AND finished_at >= ?2
       GROUP BY 1, 2 ORDER BY 1, 2`,
    ).all(numbered(bucketMs, since)) as ThroughputPoint[];
    return rows;
  }

  async recordBacklog(at: number, counts: QueueCounts, keepSince: number): Promise<void> {
    const insert = this.sql('INSERT OR REPLACE INTO spool_backlog_samples (at, queue, waiting, active) VALUES (?, ?, ?, ?)');
    const forget = this.sql('DELETE FROM spool_backlog_samples WHERE at < ?');
    this.db
      .transaction(() => {
        for (const [queue, byStatus] of Object.entries(counts)) insert.run(at, queue, byStatus.waiting, byStatus.active);
        forget.run(keepSince);
      })
      .immediate();
  }

  async backlog(since: number): Promise<BacklogPoint[]> {
    return this.sql('SELECT at, queue, waiting, active FROM spool_backlog_samples WHERE at >= ? ORDER BY at, queue').all(
      since,
    ) as BacklogPoint[];
  }

  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    this.changes ??= new ChangeWatcher(this.db, this.path, () => this.wake(anyQueue));
    this.changes.start();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.changes?.stop();
    };
  }

  async ping(): Promise<boolean> {
    try {
      this.sql('SELECT 1').get();
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.changes?.stop();
    if (this.db.open) this.db.close();
  }

  private wake(queue: string): void {
    for (const listener of this.listeners) listener.onWake?.(queue);
  }

  private eachInTransaction<T extends Fence>(items: readonly T[], apply: (item: T) => boolean): string[] {
    const done: string[] = [];
    this.db
      .transaction(() => {
        for (const item of items) if (apply(item)) done.push(item.id);
      })
      .immediate();
    return done;
  }
}

function unchanged(job: Job | null): { job: Job; retried: false } | null {
  return job ? { job, retried: false } : null;
}

/** Binds values to ?1, ?2, …: better-sqlite3 takes numbered parameters only as an object. */
function numbered(...values: unknown[]): Record<number, unknown> {
  const bound: Record<number, unknown> = {};
  values.forEach((value, index) => {
    bound[index + 1] = value;
  });
  return bound;
}

const insertSql = `
  INSERT INTO spool_jobs (queue, name, payload, status, priority, max_attempts, backoff, timeout_ms, idempotency_key, metadata,
                          run_at, created_at, updated_at, callback_url)
  VALUES (?, ?, ?, 'waiting', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (queue, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING`;

const existingSql = 'SELECT * FROM spool_jobs WHERE queue = ? AND idempotency_key = ?';

const anyReadySql = `SELECT 1 FROM spool_jobs WHERE queue = ? AND status = 'waiting' AND run_at <= ? LIMIT 1`;

const claimSet = `UPDATE spool_jobs SET status = 'active', attempts = attempts + 1, lease_token = ?1, lease_expires_at = ?2,
    started_at = ?3, updated_at = ?4, worker_id = ?5`;

const claimSql = `${claimSet}
  WHERE id IN (SELECT id FROM spool_jobs WHERE queue = ?6 AND status = 'waiting' AND run_at <= ?7
               ORDER BY priority DESC, run_at, id LIMIT ?8)
  RETURNING ${claimedColumns}`;

const claimNamedSql = `${claimSet}
  WHERE id IN (SELECT id FROM spool_jobs WHERE queue = ?6 AND status = 'waiting' AND run_at <= ?7
               AND name IN (SELECT value FROM json_each(?8)) ORDER BY priority DESC, run_at, id LIMIT ?9)
  RETURNING ${claimedColumns}`;
