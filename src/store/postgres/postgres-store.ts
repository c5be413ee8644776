/**
 * @module
 * PostgreSQL: many processes and machines. Claims use FOR UPDATE SKIP LOCKED on a partial index;
 * batches travel as arrays; statements are prepared once per connection; LISTEN/NOTIFY wakes idle
 * workers at once.
 */
import pg from 'pg';
import { InvalidArgumentError } from '../../core/errors.js';
import { type Logger, consoleLogger } from '../../core/logger.js';
import type { BackoffPolicy, ClaimedJob, Job, JobStatus, NewJob, Progress } from '../../core/types.js';
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
import { type ClaimedRow, type JobRow, claimOrder, emptyCounts, leaseExpiredMessage, rowToClaimed, rowToJob } from '../row.js';
import { isConnectionError, toStoreError } from './connection-errors.js';
import { postgresMigrations } from './migrations.js';
import { NotificationListener } from './notification-listener.js';
import { type StatementName, postgresStatements } from './statements.js';

interface Queryable {
  query(config: { text: string; values?: unknown[]; name?: string }): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

const idPattern = /^\d{1,19}$/;

/** Statements whose loss in a server crash only makes a job run again (see leasePool). */
const leaseStatements = new Set<StatementName>(['claim', 'heartbeat']);

interface InsertedRow {
  id: string;
  queue: string;
  idempotency_key: string | null;
}

export class PostgresStore implements Store {
  readonly kind = 'postgres';
  private readonly statements: ReturnType<typeof postgresStatements>;
  private readonly listeners = new Set<StoreListener>();
  private notifications: NotificationListener | null = null;
  private readonly where: string;

  private constructor(
    private readonly pool: pg.Pool,
    /**
     * Claims, heartbeats, progress and lease rescue commit without waiting for the WAL flush. If
     * the server crashes before the flush, the job is simply still waiting (or its lease shorter)
     * and it runs again, exactly as after a worker crash: delivery is at least once either way.
     * Enqueues, completions, failures and everything else stay on durable commits, and a durable
     * commit flushes the WAL written before it, claims included.
     */
    private readonly leasePool: pg.Pool,
    private readonly connectionString: string,
    readonly schema: string,
    private readonly logger: Logger,
  ) {
    this.statements = postgresStatements(schema);
    const url = safeUrl(connectionString);
    this.where = url ? `${url.hostname}:${url.port || 5432}${url.pathname}` : 'the configured address';
  }

  /** Connects and checks the server answers; fails fast with a clear StoreUnavailableError. */
  static async connect(connectionString: string, schema = 'spool', logger: Logger = consoleLogger()): Promise<PostgresStore> {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
      throw new InvalidArgumentError(
        `Invalid PostgreSQL schema ${JSON.stringify(schema)}: use lower-case letters, digits and "_", starting with a letter.`,
      );
    }
    const url = safeUrl(connectionString);
    if (!url) throw new InvalidArgumentError(`Invalid PostgreSQL URL: expected postgres://user:password@host:5432/database.`);
    const max = Number(url.searchParams.get('poolSize') ?? 10);
    url.searchParams.delete('poolSize');
    const settings = { connectionString: url.toString(), connectionTimeoutMillis: 5_000, idleTimeoutMillis: 30_000, types: rawJsonTypes };
    const pool = new pg.Pool({ ...settings, max });
    const leasePool = new pg.Pool({ ...settings, max: Math.max(2, Math.ceil(max / 3)), options: '-c synchronous_commit=off' });
    for (const p of [pool, leasePool]) {
      // An idle connection that dies (server restart) must not crash the process; the pool replaces it.
      p.on('error', (err) => logger.warn(`A PostgreSQL connection was lost (${err.message}); it will be replaced.`));
    }
    const store = new PostgresStore(pool, leasePool, url.toString(), schema, logger);
    try {
      await pool.query('SELECT 1');
    } catch (err) {
      await Promise.all([pool.end().catch(() => {}), leasePool.end().catch(() => {})]);
      throw toStoreError(err, store.where);
    }
    return store;
  }

  private async run<T = JobRow>(name: StatementName, values: unknown[], via?: Queryable): Promise<T[]> {
    try {
      const client = via ?? (leaseStatements.has(name) ? this.leasePool : this.pool);
      // Named statements are prepared once per connection; a caller's connection gets plain ones.
      const result = await client.query(
        via ? { text: this.statements[name], values } : { name: `${this.schema}.${name}`, text: this.statements[name], values },
      );
      return result.rows as T[];
    } catch (err) {
      throw toStoreError(err, this.where);
    }
  }

  async migrate(): Promise<void> {
    const client = await this.pool.connect().catch((err: unknown) => {
      throw toStoreError(err, this.where);
    });
    try {
      await client.query('BEGIN');
      // Serialises concurrent starts; taken before CREATE SCHEMA, which itself races.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`spool:migrate:${this.schema}`]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS "${this.schema}".migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const { rows } = await client.query<{ version: number }>(
        `SELECT coalesce(max(version), 0) AS version FROM "${this.schema}".migrations`,
      );
      const current = rows[0]?.version ?? 0;
      if (current > postgresMigrations.length) {
        throw new InvalidArgumentError(
          `Schema "${this.schema}" was migrated by a newer Spool (version ${current}; this one knows ${postgresMigrations.length}). Upgrade Spool.`,
        );
      }
      for (let version = current + 1; version <= postgresMigrations.length; version++) {
        await client.query((postgresMigrations[version - 1] as (s: string) => string)(this.schema));
        await client.query(`INSERT INTO "${this.schema}".migrations (version) VALUES ($1)`, [version]);
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw toStoreError(err, this.where);
    } finally {
      client.release();
    }
  }

  async enqueue(jobs: readonly NewJob[], now: number, tx?: Transaction): Promise<EnqueueResult[]> {
    if (tx !== undefined && typeof (tx as Queryable)?.query !== 'function') {
      throw new InvalidArgumentError('On PostgreSQL, `tx` must be a pg Client or PoolClient inside BEGIN … COMMIT.');
    }
    const via = tx as Queryable | undefined;
    const first = jobs[0] as NewJob;
    if (jobs.length === 1 && first.idempotencyKey === null) {
      const [row] = await this.run<{ id: string }>(
        'insertOne',
        [
          first.queue,
          first.name,
          first.payload,
          first.priority,
          first.maxAttempts,
          JSON.stringify(first.backoff),
          first.timeout,
          first.metadata,
          first.runAt,
          now,
          first.callbackUrl,
        ],
        via,
      );
      this.wakeLocal([first.queue]);
      return [{ id: String(row?.id), created: true, createdFrom: 0, existing: null }];
    }
    const inserted = await this.run<InsertedRow>('insertMany', [batchJson(jobs), now], via);
    if (inserted.length > 0) this.wakeLocal(jobs.map((job) => job.queue));
    return this.matchInserted(jobs, inserted, via);
  }

  /**
   * Lines inserted rows up with the input. Identity values follow insertion order, which follows
   * the input order; a job whose idempotency key already existed gets the existing job instead.
   */
  private async matchInserted(jobs: readonly NewJob[], inserted: InsertedRow[], via?: Queryable): Promise<EnqueueResult[]> {
    inserted.sort((a, b) => Number(a.id) - Number(b.id));
    const keyOf = (queue: string, key: string) => `${queue}\u0000${key}`;
    const createdByKey = new Map<string, string>();
    for (const row of inserted) if (row.idempotency_key !== null) createdByKey.set(keyOf(row.queue, row.idempotency_key), String(row.id));
    const missing = jobs.filter((j) => j.idempotencyKey !== null && !createdByKey.has(keyOf(j.queue, j.idempotencyKey)));
    const existingByKey = new Map<string, Job>();
    if (missing.length > 0) {
      const rows = await this.run('findByKeys', [missing.map((j) => j.queue), missing.map((j) => j.idempotencyKey)], via);
      for (const job of rows.map(rowToJob)) existingByKey.set(keyOf(job.queue, job.idempotencyKey as string), job);
    }
    const firstInputOf = new Map<string, number>();
    let next = 0;
    return jobs.map((input, index): EnqueueResult => {
      if (input.idempotencyKey === null) {
        while (inserted[next] && inserted[next]?.idempotency_key !== null) next++;
        return { id: String(inserted[next++]?.id), created: true, createdFrom: index, existing: null };
      }
      const key = keyOf(input.queue, input.idempotencyKey);
      const existing = existingByKey.get(key);
      if (existing) return { id: existing.id, created: false, createdFrom: null, existing };
      const id = createdByKey.get(key);
      if (id === undefined)
        throw new Error(`Spool could not find the job for idempotency key "${input.idempotencyKey}" after inserting it.`);
      const first = firstInputOf.get(key);
      if (first !== undefined) return { id, created: false, createdFrom: first, existing: null };
      firstInputOf.set(key, index);
      return { id, created: true, createdFrom: index, existing: null };
    });
  }

  async claim(request: ClaimRequest): Promise<ClaimedJob[]> {
    const { queue, names, limit, workerId, token, now, leaseMs } = request;
    const rows = await this.run<ClaimedRow>('claim', [queue, now, limit, token, now + leaseMs, workerId, names ?? null]);
    return rows.map((row) => rowToClaimed(row, request)).sort(claimOrder);
  }

  async complete(items: readonly Completion[], now: number): Promise<string[]> {
    if (items.length === 0) return [];
    const rows = await this.run<{ id: string }>('complete', [
      items.map((i) => i.id),
      items.map((i) => i.token),
      items.map((i) => i.result),
      now,
    ]);
    return rows.map((row) => String(row.id));
  }

  async fail(items: readonly Failure[], now: number): Promise<FailOutcome[]> {
    if (items.length === 0) return [];
    const rows = await this.run<{ id: string; status: 'waiting' | 'failed'; run_at: string }>('fail', [
      items.map((i) => i.id),
      items.map((i) => i.token),
      items.map((i) => JSON.stringify(i.error)),
      items.map((i) => i.retryAt),
      now,
    ]);
    return rows.map((row) => ({ id: String(row.id), status: row.status, runAt: Number(row.run_at) }));
  }

  async heartbeat(items: readonly Fence[], now: number, leaseMs: number): Promise<string[]> {
    if (items.length === 0) return [];
    const rows = await this.run<{ id: string }>('heartbeat', [items.map((i) => i.id), items.map((i) => i.token), now + leaseMs, now]);
    return rows.map((row) => String(row.id));
  }

  async release(items: readonly Fence[], now: number): Promise<string[]> {
    if (items.length === 0) return [];
    const rows = await this.run<{ id: string }>('release', [items.map((i) => i.id), items.map((i) => i.token), now]);
    return rows.map((row) => String(row.id));
  }

  async progress(item: Fence, progress: Progress, now: number): Promise<boolean> {
    try {
      const result = await this.leasePool.query({
        name: `${this.schema}.progress`,
        text: this.statements.progress,
        values: [item.id, item.token, JSON.stringify(progress), now],
      });
      return (result.rowCount ?? 0) > 0;
    } catch (err) {
      throw toStoreError(err, this.where);
    }
  }

  async rescueExpired(now: number): Promise<number> {
    try {
      const result = await this.leasePool.query({
        name: `${this.schema}.rescueExpired`,
        text: this.statements.rescueExpired,
        values: [now, leaseExpiredMessage],
      });
      return result.rowCount ?? 0;
    } catch (err) {
      throw toStoreError(err, this.where);
    }
  }

  async getJob(id: string): Promise<Job | null> {
    if (!idPattern.test(id)) return null;
    const [row] = await this.run('getJob', [id]);
    return row ? rowToJob(row) : null;
  }

  async listJobs(request: ListRequest): Promise<Job[]> {
    const rows = await this.run('listJobs', [
      request.queue ?? null,
      request.status ?? null,
      request.name ?? null,
      request.after ?? null,
      request.limit,
    ]);
    return rows.map(rowToJob);
  }

  async counts(queue?: string): Promise<QueueCounts> {
    const rows = await this.run<{ queue: string; status: JobStatus; n: number }>('counts', [queue ?? null]);
    const counts: QueueCounts = {};
    for (const row of rows) {
      counts[row.queue] ??= emptyCounts();
      (counts[row.queue] as Record<JobStatus, number>)[row.status] = row.n;
    }
    return counts;
  }

  async cancel(id: string, now: number): Promise<Job | null> {
    if (!idPattern.test(id)) return null;
    const [row] = await this.run('cancel', [id, now]);
    if (!row) return this.getJob(id);
    for (const listener of this.listeners) listener.onCancel?.(String(row.id));
    return rowToJob(row);
  }

  async retry(id: string, now: number): Promise<{ job: Job; retried: boolean } | null> {
    if (!idPattern.test(id)) return null;
    const [row] = await this.run('retry', [id, now]);
    if (!row) {
      const job = await this.getJob(id);
      return job ? { job, retried: false } : null;
    }
    this.wakeLocal([row.queue]);
    return { job: rowToJob(row), retried: true };
  }

  async retryFailed(queue: string, now: number): Promise<number> {
    const [row] = await this.run<{ n: number }>('retryFailed', [queue, now]);
    if (row?.n) this.wakeLocal([queue]);
    return row?.n ?? 0;
  }

  async purge(queue: string, status: FinalStatus): Promise<number> {
    try {
      const result = await this.pool.query({ name: `${this.schema}.purge`, text: this.statements.purge, values: [queue, status] });
      return result.rowCount ?? 0;
    } catch (err) {
      throw toStoreError(err, this.where);
    }
  }

  async throughput(since: number, bucketMs: number): Promise<ThroughputPoint[]> {
    const rows = await this.run<{ at: string; queue: string; completed: number; failed: number }>('throughput', [bucketMs, since]);
    return rows.map((row) => ({ ...row, at: Number(row.at) }));
  }

  async recordBacklog(at: number, counts: QueueCounts, keepSince: number): Promise<void> {
    const queues = Object.keys(counts);
    await this.run('recordBacklog', [
      at,
      queues,
      queues.map((q) => counts[q]?.waiting ?? 0),
      queues.map((q) => counts[q]?.active ?? 0),
      keepSince,
    ]);
  }

  async backlog(since: number): Promise<BacklogPoint[]> {
    const rows = await this.run<{ at: string; queue: string; waiting: number; active: number }>('backlog', [since]);
    return rows.map((row) => ({ ...row, at: Number(row.at) }));
  }

  async prune(status: FinalStatus, before: number): Promise<number> {
    let total = 0;
    for (;;) {
      try {
        const result = await this.pool.query({ name: `${this.schema}.prune`, text: this.statements.prune, values: [status, before] });
        total += result.rowCount ?? 0;
        if ((result.rowCount ?? 0) < 10_000) return total;
      } catch (err) {
        throw toStoreError(err, this.where);
      }
    }
  }

  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    if (!this.notifications) {
      const wake = `${this.schema}_wake`;
      const cancel = `${this.schema}_cancel`;
      this.notifications = new NotificationListener(
        this.connectionString,
        [wake, cancel],
        (channel, payload) => {
          for (const l of this.listeners) {
            if (channel === wake) l.onWake?.(payload);
            else if (channel === cancel) l.onCancel?.(payload);
          }
        },
        () => {
          for (const l of this.listeners) l.onReconnected?.();
        },
        this.logger,
      );
      this.notifications.start();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.notifications) {
        void this.notifications.stop();
        this.notifications = null;
      }
    };
  }

  /**
   * Wakes this process's workers at once. NOTIFY does too, on commit, and reaches other processes;
   * this covers the moments before the LISTEN connection is up.
   */
  private wakeLocal(queues: readonly string[]): void {
    if (this.listeners.size === 0) return;
    for (const queue of new Set(queues)) for (const listener of this.listeners) listener.onWake?.(queue);
  }

  async ping(): Promise<boolean> {
    try {
      await this.pool.query('SELECT 1');
      return true;
    } catch (err) {
      if (isConnectionError(err)) return false;
      throw err;
    }
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.notifications?.stop();
    this.notifications = null;
    await Promise.all([this.pool.end().catch(() => {}), this.leasePool.end().catch(() => {})]);
  }
}

/**
 * The batch as one JSON array, assembled around the payload and metadata text the client already
 * serialised and checked, so nothing is escaped or parsed twice. A JSON null payload arrives as
 * SQL NULL from json_to_recordset; the statement turns it back into JSON null.
 */
function batchJson(jobs: readonly NewJob[]): string {
  const backoffs = new Map<BackoffPolicy, string>();
  const parts = jobs.map((j) => {
    let backoff = backoffs.get(j.backoff);
    if (backoff === undefined) {
      backoff = JSON.stringify(j.backoff);
      backoffs.set(j.backoff, backoff);
    }
    const key = j.idempotencyKey === null ? 'null' : JSON.stringify(j.idempotencyKey);
    const callback = j.callbackUrl === null ? 'null' : JSON.stringify(j.callbackUrl);
    return `{"q":${JSON.stringify(j.queue)},"n":${JSON.stringify(j.name)},"p":${j.payload},"pr":${j.priority},"ma":${j.maxAttempts},"b":${backoff},"t":${j.timeout ?? 'null'},"k":${key},"m":${j.metadata},"r":${j.runAt},"c":${callback}}`;
  });
  return `[${parts.join(',')}]`;
}

/** JSON arrives as text and bigints as numbers: rowToJob parses JSON the same way for both stores. */
const rawJsonTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.JSON || oid === pg.types.builtins.JSONB) return (value: string) => value;
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

function safeUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}
