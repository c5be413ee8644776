/**
 * @module
 * PostgreSQL: many processes and machines. Claims use FOR UPDATE SKIP LOCKED on a partial index;
 * batches travel as arrays; statements are prepared once per connection; LISTEN/NOTIFY wakes idle
 * workers at once. Time is the database server's unless a test clock is given.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type pg from 'pg';
import { type Clock, systemClock } from '../../core/clock.js';
import { InvalidArgumentError } from '../../core/errors.js';
import { type Logger, consoleLogger } from '../../core/logger.js';
import type { ClaimedJob, Job, JobStatus, NewJob, Progress } from '../../core/types.js';
import type {
  CancelResult,
  ClaimRequest,
  CompleteOutcome,
  Completion,
  EnqueueResult,
  FailOutcome,
  Failure,
  Fence,
  FinalStatus,
  HeartbeatResult,
  LeaseLoss,
  ListRequest,
  QueueCounts,
  QueuesPart,
  Release,
  StatsPart,
  Store,
  StoreListener,
  Transaction,
  WorkersPart,
} from '../contract.js';
import { userMessages } from '../../core/user-messages.js';
import { type ClaimedRow, type JobRow, claimOrder, emptyCounts, leaseExpiredMessage, rowToClaimed, rowToJob } from '../row.js';
import { isConnectionError, startupError, toStoreError } from './connection-errors.js';
import { openPools, safeUrl } from './pools.js';
import { type InsertedRow, batchJson, matchInserted } from './insert-batch.js';
import { migrate } from './migrations.js';
import { postgresQueues, postgresStats, postgresWorkers } from './parts.js';
import { NotificationListener } from './notification-listener.js';
import { type StatementName, postgresStatements } from './statements.js';

interface Queryable {
  query(config: { text: string; values?: unknown[]; name?: string }): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

const idPattern = /^\d{1,19}$/;

/** Statements whose loss in a server crash only makes a job run again (see leasePool). */
const leaseStatements = new Set<StatementName>(['claim', 'heartbeat', 'progress', 'rescueExpired']);

export interface PostgresStoreOptions {
  schema?: string;
  logger?: Logger;
  /** A clock to use instead of the database's (tests). @defaultValue the database server's clock */
  clock?: Clock;
}

export class PostgresStore implements Store {
  readonly kind = 'postgres';
  readonly stats: StatsPart;
  readonly queues: QueuesPart;
  readonly workers: WorkersPart;
  /**
   * This store's session: its id, which the workers it registers carry, and the key of the
   * advisory lock its LISTEN connection holds while it lives (see WorkersPart).
   */
  private readonly session = { id: `pg-${process.pid}-${randomBytes(4).toString('hex')}`, key: randomInt(1, 2 ** 31 - 1) };
  private readonly statements: ReturnType<typeof postgresStatements>;
  private readonly listeners = new Set<StoreListener>();
  private notifications: NotificationListener | null = null;
  private readonly where: string;
  /** Queues this process knows have a row; the first enqueue of any other creates it. */
  private readonly knownQueues = new Set<string>();

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
    private readonly clock: Clock | undefined,
  ) {
    this.statements = postgresStatements(schema);
    const url = safeUrl(connectionString);
    this.where = url ? `${url.hostname}:${url.port || 5432}${url.pathname}` : 'the configured address';
    const run = <T>(name: StatementName, values: unknown[]) => this.run<T>(name, values);
    this.stats = postgresStats(run, () => this.now());
    this.queues = postgresQueues(run, (names) => this.ensureQueues(names));
    this.workers = postgresWorkers(run, () => this.now(), this.session);
  }

  /**
   * Connects and checks the server answers; fails fast with a sentence that says what to fix
   * (SPOOL_STORE_MISCONFIGURED) or what to check (SPOOL_STORE_UNAVAILABLE).
   */
  static async connect(connectionString: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const schema = options.schema ?? 'spool';
    const logger = options.logger ?? consoleLogger();
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
      throw new InvalidArgumentError(
        `Invalid PostgreSQL schema ${JSON.stringify(schema)}: use lower-case letters, digits and "_", starting with a letter.`,
      );
    }
    const url = safeUrl(connectionString);
    if (!url) throw new InvalidArgumentError(`Invalid PostgreSQL URL: expected postgres://user:password@host:5432/database.`);
    const { pool, leasePool, url: clean } = openPools(url, logger);
    const clock = options.clock === systemClock ? undefined : options.clock;
    const store = new PostgresStore(pool, leasePool, clean.toString(), schema, logger, clock);
    try {
      await pool.query('SELECT 1');
    } catch (err) {
      await Promise.all([pool.end().catch(() => {}), leasePool.end().catch(() => {})]);
      throw startupError(err, store.where, clean);
    }
    return store;
  }

  /** "Now" for a statement: the test clock's, or null for the database's own. */
  private now(): number | null {
    return this.clock ? this.clock.now() : null;
  }

  private async run<T = JobRow>(name: StatementName, values: unknown[], via?: Queryable): Promise<T[]> {
    return (await this.exec(name, values, via)).rows as T[];
  }

  private async exec(name: StatementName, values: unknown[], via?: Queryable): Promise<{ rows: unknown[]; rowCount: number | null }> {
    try {
      const client = via ?? (leaseStatements.has(name) ? this.leasePool : this.pool);
      // Named statements are prepared once per connection; a caller's connection gets plain ones.
      return await client.query(
        via ? { text: this.statements[name], values } : { name: `${this.schema}.${name}`, text: this.statements[name], values },
      );
    } catch (err) {
      throw toStoreError(err, this.where);
    }
  }

  async migrate(): Promise<void> {
    return migrate(this.pool, this.schema, this.where);
  }

  private async ensureQueues(names: readonly string[]): Promise<void> {
    const unknown = [...new Set(names)].filter((name) => !this.knownQueues.has(name));
    if (unknown.length === 0) return;
    await this.exec('ensureQueues', [unknown, this.now()]);
    for (const name of unknown) this.knownQueues.add(name);
  }

  async enqueue(jobs: readonly NewJob[], tx?: Transaction): Promise<EnqueueResult[]> {
    if (tx !== undefined && typeof (tx as Queryable)?.query !== 'function') {
      throw new InvalidArgumentError('On PostgreSQL, `tx` must be a pg Client or PoolClient inside BEGIN … COMMIT.');
    }
    const via = tx as Queryable | undefined;
    // Outside the caller's transaction on purpose: a queue's row may outlive a rolled-back enqueue.
    await this.ensureQueues(jobs.map((job) => job.queue));
    const now = this.now();
    const first = jobs[0] as NewJob;
    if (jobs.length === 1 && first.idempotencyKey === null) {
      const [row] = await this.run<{ id: string; created_at: string }>(
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
          first.delay,
        ],
        via,
      );
      this.wakeLocal([first.queue]);
      return [{ id: String(row?.id), created: true, createdFrom: 0, createdAt: Number(row?.created_at), existing: null }];
    }
    const inserted = await this.run<InsertedRow>('insertMany', [batchJson(jobs), now], via);
    if (inserted.length > 0) this.wakeLocal(jobs.map((job) => job.queue));
    return matchInserted(jobs, inserted, (queues, keys) => this.run('findByKeys', [queues, keys], via));
  }

  async claim(request: ClaimRequest): Promise<ClaimedJob[]> {
    const { queue, names, limit, workerId, token, leaseMs } = request;
    const rows = await this.run<ClaimedRow & { started_at: string }>('claim', [
      queue,
      this.now(),
      limit,
      token,
      leaseMs,
      workerId,
      names ?? null,
    ]);
    return rows.map((row) => rowToClaimed(row, request, Number(row.started_at))).sort(claimOrder);
  }

  async complete(items: readonly Completion[]): Promise<CompleteOutcome[]> {
    if (items.length === 0) return [];
    const rows = await this.run<{ id: string; finished_at: string }>('complete', [
      items.map((i) => i.id),
      items.map((i) => i.token),
      items.map((i) => i.result),
      this.now(),
    ]);
    return rows.map((row) => ({ id: String(row.id), at: Number(row.finished_at) }));
  }

  async fail(items: readonly Failure[]): Promise<FailOutcome[]> {
    if (items.length === 0) return [];
    const rows = await this.run<{ id: string; status: 'waiting' | 'failed'; run_at: string; updated_at: string }>('fail', [
      items.map((i) => i.id),
      items.map((i) => i.token),
      items.map((i) => JSON.stringify(i.error)),
      items.map((i) => i.retryInMs),
      this.now(),
    ]);
    return rows.map((row) => ({ id: String(row.id), status: row.status, runAt: Number(row.run_at), at: Number(row.updated_at) }));
  }

  async heartbeat(items: readonly Fence[], leaseMs: number): Promise<HeartbeatResult> {
    if (items.length === 0) return { kept: [], lost: [] };
    const rows = await this.run<{ id: string; reason: LeaseLoss }>('heartbeat', [
      items.map((i) => i.id),
      items.map((i) => i.token),
      leaseMs,
      this.now(),
    ]);
    const lost = rows.map((row) => ({ id: String(row.id), reason: row.reason }));
    const lostIds = new Set(lost.map((l) => l.id));
    return { kept: items.filter((i) => !lostIds.has(i.id)).map((i) => i.id), lost };
  }

  async release(items: readonly Release[]): Promise<string[]> {
    if (items.length === 0) return [];
    const rows = await this.run<{ id: string }>('release', [
      items.map((i) => i.id),
      items.map((i) => i.token),
      items.map((i) => i.delayMs ?? 0),
      this.now(),
    ]);
    return rows.map((row) => String(row.id));
  }

  async progress(item: Fence, progress: Progress): Promise<boolean> {
    const result = await this.exec('progress', [item.id, item.token, JSON.stringify(progress), this.now()]);
    return (result.rowCount ?? 0) > 0;
  }

  async rescueExpired(): Promise<number> {
    return (await this.exec('rescueExpired', [this.now(), leaseExpiredMessage, userMessages.failed, userMessages.slow])).rowCount ?? 0;
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

  async cancel(id: string): Promise<CancelResult | null> {
    if (!idPattern.test(id)) return null;
    const [row] = await this.run<JobRow & { previous_status: JobStatus }>('cancel', [id, this.now()]);
    if (!row) {
      const job = await this.getJob(id);
      return job ? { job, previous: job.status } : null;
    }
    for (const listener of this.listeners) listener.onCancel?.(String(row.id));
    return { job: rowToJob(row), previous: row.previous_status };
  }

  async retry(id: string): Promise<{ job: Job; retried: boolean } | null> {
    if (!idPattern.test(id)) return null;
    const [row] = await this.run('retry', [id, this.now()]);
    if (!row) {
      const job = await this.getJob(id);
      return job ? { job, retried: false } : null;
    }
    this.wakeLocal([row.queue]);
    return { job: rowToJob(row), retried: true };
  }

  async retryFailed(queue: string): Promise<number> {
    const [row] = await this.run<{ n: number }>('retryFailed', [queue, this.now()]);
    if (row?.n) this.wakeLocal([queue]);
    return row?.n ?? 0;
  }

  async purge(queue: string, status: FinalStatus): Promise<number> {
    return (await this.exec('purge', [queue, status])).rowCount ?? 0;
  }

  async deleteJob(id: string): Promise<{ status: JobStatus; deleted: boolean } | null> {
    if (!idPattern.test(id)) return null;
    const [row] = await this.run<{ status: JobStatus }>('deleteFinished', [id]);
    if (row) return { status: row.status, deleted: true };
    const [current] = await this.run<{ status: JobStatus }>('statusOf', [id]);
    return current ? { status: current.status, deleted: false } : null;
  }

  async prune(status: FinalStatus, olderThanMs: number): Promise<number> {
    let total = 0;
    for (;;) {
      const removed = (await this.exec('prune', [status, olderThanMs, this.now()])).rowCount ?? 0;
      total += removed;
      if (removed < 10_000) return total;
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
        // The session's lock lives exactly as long as this connection: held, the process is alive.
        (client) => client.query(this.statements.sessionLock, [this.session.key]).then(() => {}),
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
