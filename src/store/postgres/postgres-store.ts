/**
 * @module
 * PostgreSQL: many processes and machines. Claims use FOR UPDATE SKIP LOCKED on a partial index;
 * batches travel as arrays; statements are prepared once per connection; LISTEN/NOTIFY wakes idle
 * workers at once. Time is the database server's unless a test clock is given.
 */
import type pg from 'pg';
import { type Clock, systemClock } from '../../core/clock.js';
import { InvalidArgumentError } from '../../core/errors.js';
import { type Logger, type PinoLike, toLogger } from '../../core/logger.js';
import type { ClaimedJob, Job, JobStatus, NewJob, Progress } from '../../core/types.js';
import type {
  CancelResult,
  ChangesPart,
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
  TopicsPart,
  LimitsPart,
  StepsPart,
  LogsPart,
  Transaction,
} from '../contract.js';
import { type ClaimedRow, type JobRow, claimOrder, foldCounts, leaseExpiredTexts, rowToClaimed, rowToJob } from '../row.js';
import { isConnectionError, startupError, toStoreError } from './connection-errors.js';
import { type InsertedRow, batchJson, matchInserted } from './insert-batch.js';
import { type Queryable, enqueueKeyed } from './keyed-insert.js';
import { GroupCommit } from '../group-commit.js';
import { createPools, safeUrl } from './pools.js';
import { migrate } from './migrations.js';
import { type QueueRoom, queueRefusal } from '../queue-room.js';
import { type PostgresWorkersPart, deleteFinished, postgresGroups, postgresQueues, postgresStats, postgresWorkers } from './parts.js';
import { Subscribers } from './notification-listener.js';
import { type StatementName, postgresStatements } from './statements.js';
import { type BusStatementName, busStatements } from './bus-statements.js';
import { postgresTopics } from './topics.js';
import { postgresLimits } from './limits.js';
import { postgresSteps } from './steps.js';
import { postgresLogs } from './logs.js';
import { postgresSchedules } from './schedules.js';
import { postgresChanges } from './changes.js';

type AnyStatement = StatementName | BusStatementName;

const idPattern = /^\d{1,19}$/;

/** Statements whose loss in a server crash only makes a job run again (see leasePool). */
const leaseStatements = new Set<AnyStatement>(['claim', 'claimNamed', 'heartbeat', 'progress', 'rescueExpired', 'rescueOrphans']);

export interface PostgresStoreOptions {
  schema?: string;
  /** Any object with debug, info, warn and error taking (message, fields), or a pino logger; default JSON lines on stderr (docs/observability.md). */
  logger?: Logger | PinoLike;
  /** A clock to use instead of the database's (tests). @defaultValue the database server's clock */
  clock?: Clock;
}

export class PostgresStore implements Store {
  readonly kind = 'postgres';
  readonly stats: StatsPart;
  readonly queues: QueuesPart;
  readonly topics: TopicsPart;
  readonly limits: LimitsPart;
  readonly steps: StepsPart;
  readonly logs: LogsPart;
  readonly changes: ChangesPart;
  // Built on first use: the connection's details are set in the constructor.
  readonly schedules = postgresSchedules(() => ({ pool: this.pool, schema: this.schema, where: this.where, now: () => this.now() }));
  readonly groups = postgresGroups({ run: (name, values) => this.run(name, values), now: () => this.now() });
  private readonly statements: Record<AnyStatement, string>;
  private readonly subscribers: Subscribers;
  readonly workers: PostgresWorkersPart;
  private readonly where: string;
  /** Queues this process knows have a row; the first enqueue of any other creates it. */
  private readonly knownQueues = new Set<string>();
  /** Concurrent enqueues share one insert and commit (group-commit.ts); two groups in flight let a
   * commit's flush overlap the next insert (100 callers: 3.9–4.4k jobs/s with one, 4.5–7.5k with two). */
  private readonly group = new GroupCommit((jobs) => this.insert(jobs), 2);

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
    readonly connectionString: string,
    readonly schema: string,
    private readonly logger: Logger,
    private readonly clock: Clock | undefined,
  ) {
    this.statements = { ...postgresStatements(schema), ...busStatements(schema) };
    const url = safeUrl(connectionString);
    this.where = url ? `${url.hostname}:${url.port || 5432}${url.pathname}` : 'the configured address';
    const run = <T>(name: StatementName, values: unknown[]) => this.run<T>(name, values);
    this.workers = postgresWorkers(run, () => this.now(), {
      sessionLock: this.statements.sessionLock,
      sessionKeyed: this.statements.sessionKeyed,
    });
    // The session's lock lives exactly as long as the LISTEN connection: held, the process is alive.
    this.subscribers = new Subscribers(connectionString, schema, logger, this.workers.lockSession);
    this.stats = postgresStats(run, () => this.now());
    this.queues = postgresQueues(
      run,
      (names) => this.ensureQueues(names),
      () => this.now(),
    );
    this.limits = postgresLimits({
      pool,
      leasePool,
      schema,
      where: this.where,
      now: () => this.now(),
      wake: (queues) => this.wakeLocal(queues),
    });
    this.changes = postgresChanges(schema, pool, (err) => toStoreError(err, this.where));
    this.topics = postgresTopics({
      run: (name, values, via) => this.run(name, values, via),
      count: async (name, values) => (await this.exec(name, values)).rowCount ?? 0,
      now: () => this.now(),
      wake: (queues) => this.wakeLocal(queues),
      ensureQueues: (names) => this.ensureQueues(names),
    });
    const enqueue = (jobs: readonly NewJob[], tx: Transaction) => this.enqueue(jobs, tx);
    this.steps = postgresSteps({ pool, schema, where: this.where, now: () => this.now(), wake: (q) => this.wakeLocal(q), enqueue });
    this.logs = postgresLogs({ pool, schema, where: this.where });
  }

  /** Connects and checks the server answers; fails fast saying what to fix or what to check. */
  static async connect(connectionString: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const schema = options.schema ?? 'spool';
    const logger = toLogger(options.logger, 'openStore logger');
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
      throw new InvalidArgumentError(
        `Invalid PostgreSQL schema ${JSON.stringify(schema)}: use lower-case letters, digits and "_", starting with a letter.`,
      );
    }
    const { url, pool, leasePool } = createPools(connectionString, logger);
    const clock = options.clock === systemClock ? undefined : options.clock;
    const store = new PostgresStore(pool, leasePool, url.toString(), schema, logger, clock);
    try {
      await pool.query('SELECT 1');
    } catch (err) {
      await Promise.all([pool.end().catch(() => {}), leasePool.end().catch(() => {})]);
      throw startupError(err, store.where, url);
    }
    return store;
  }

  /** "Now" for a statement: the test clock's, or null for the database's own. */
  private now(): number | null {
    return this.clock ? this.clock.now() : null;
  }

  private async run<T = JobRow>(name: AnyStatement, values: unknown[], via?: Queryable): Promise<T[]> {
    return (await this.exec(name, values, via)).rows as T[];
  }

  private async exec(name: AnyStatement, values: unknown[], via?: Queryable): Promise<{ rows: unknown[]; rowCount: number | null }> {
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
    return tx === undefined ? this.group.submit(jobs) : this.insert(jobs, tx as Queryable);
  }

  private async insert(jobs: readonly NewJob[], via?: Queryable): Promise<EnqueueResult[]> {
    // Outside the caller's transaction on purpose: a queue's row may outlive a rolled-back enqueue.
    await this.ensureQueues(jobs.map((job) => job.queue));
    if (jobs.some((job) => job.keyed !== null)) {
      const results = await enqueueKeyed(
        {
          pool: this.pool,
          statement: (name) => this.statements[name],
          now: () => this.now(),
          refusal: (queue) => this.refusal(queue),
          toStoreError: (err) => toStoreError(err, this.where),
        },
        jobs,
        via,
      );
      this.wakeLocal(jobs.map((job) => job.queue));
      return results;
    }
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
          first.orderingKey,
          first.concurrencyKey,
          first.rateLimitKey,
          first.expiresAt,
          first.expiresIn,
          first.traceparent ?? null,
          first.tracestate ?? null,
        ],
        via,
      );
      if (!row) throw await this.refusal(first.queue);
      this.wakeLocal([first.queue]);
      return [{ id: String(row?.id), created: true, createdFrom: 0, createdAt: Number(row?.created_at), existing: null }];
    }
    const keys = jobs.some((job) => job.idempotencyKey !== null);
    const inserted = await this.run<InsertedRow>(keys ? 'insertMany' : 'insertManyPlain', [batchJson(jobs), now], via);
    const refused = inserted.find((row) => row.refused !== null);
    if (refused) throw await this.refusal(refused.refused as string);
    if (inserted.length > 0) this.wakeLocal(jobs.map((job) => job.queue));
    return matchInserted(jobs, inserted, (queues, keys) => this.run('findByKeys', [queues, keys], via));
  }

  private async refusal(queue: string): Promise<Error> {
    const [room] = await this.run<QueueRoom>('queueRoom', [queue, this.now()]);
    return queueRefusal(queue, room);
  }

  async claim(request: ClaimRequest): Promise<ClaimedJob[]> {
    const { queue, names, limit, workerId, token, leaseMs, exclude } = request;
    const excluded = exclude?.length ? exclude : null;
    const values = [queue, this.now(), limit, token, leaseMs, workerId, names ?? null, excluded];
    const rows = await this.run<ClaimedRow & { started_at: string }>(names ? 'claimNamed' : 'claim', values);
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
    return (await this.exec('rescueExpired', [this.now(), ...leaseExpiredTexts])).rowCount ?? 0;
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
    const rows = await this.run<{ queue: string; status: JobStatus; n: number }>(queue === undefined ? 'counts' : 'countsQueue', [
      queue ?? null,
    ]);
    return foldCounts(rows);
  }

  async cancel(id: string): Promise<CancelResult | null> {
    if (!idPattern.test(id)) return null;
    const [row] = await this.run<JobRow & { previous_status: JobStatus }>('cancel', [id, this.now()]);
    if (!row) {
      const job = await this.getJob(id);
      return job ? { job, previous: job.status } : null;
    }
    this.subscribers.cancelled(String(row.id));
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

  deleteJob(id: string): Promise<{ status: JobStatus; deleted: boolean } | null> {
    return idPattern.test(id) ? deleteFinished((name, values) => this.run(name, values), id) : Promise.resolve(null);
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
    return this.subscribers.add(listener);
  }

  /** Wakes this process's workers at once (NOTIFY reaches other processes on commit). */
  private wakeLocal(queues: readonly string[]): void {
    this.subscribers.wake(queues);
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
    await this.group.idle();
    await this.subscribers.close();
    await Promise.all([this.pool.end().catch(() => {}), this.leasePool.end().catch(() => {})]);
  }
}
