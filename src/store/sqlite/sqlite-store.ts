/**
 * @module
 * The embedded default: one SQLite file in WAL mode through better-sqlite3. Statements are
 * synchronous and microseconds long, so a batch is one transaction of prepared statements.
 * Several processes may share the file; writes serialise on SQLite's lock (busy_timeout waits).
 * The SQL itself is in `statements.ts`.
 */
import Database from 'better-sqlite3';
import { type Clock, systemClock } from '../../core/clock.js';
import { InvalidArgumentError, StoreUnavailableError } from '../../core/errors.js';
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
  ListRequest,
  QueueCounts,
  QueuesPart,
  Release,
  StatsPart,
  Store,
  StoreListener,
  TopicsPart,
  LimitsPart,
  SchedulesPart,
  GroupsPart,
  Transaction,
  WorkersPart,
  StepsPart,
  LogsPart,
} from '../contract.js';
import { anyQueue } from '../contract.js';
import { type ClaimedRow, type JobRow, claimOrder, foldCounts, leaseExpiredTexts, rowToClaimed, rowToJob } from '../row.js';
import { ChangeWatcher } from './change-watcher.js';
import { assertFolderExists, toStoreError } from './driver-errors.js';
import { sqliteMigrations } from './migrations.js';
import { leaseLoss, numbered } from './binding.js';
import { claimNamed } from './claim-named.js';
import { prepareInsert } from './insert.js';
import { GroupCommit } from '../group-commit.js';
import { type SqliteAccess, deleteFinished, sqliteGroups, sqliteQueues, sqliteStats, sqliteWorkers } from './parts.js';
import { pruneInSlices } from './prune-slices.js';
import { type SqliteStatementName, sqliteStatements } from './statements.js';
import { sqliteTopics } from './topics.js';
import { sqliteLimits } from './limits.js';
import { sqliteSteps } from './steps.js';
import { sqliteLogs } from './logs.js';
import { sqliteSchedules } from './schedules.js';
import { sqliteChanges } from './changes.js';

type Db = Database.Database;

const idPattern = /^\d{1,19}$/;

export interface SqliteStoreOptions {
  /** Where the time comes from. @defaultValue the system clock */
  clock?: Clock;
  /** How long a write waits for another process's lock (blocking this process) before the store says it is busy. @defaultValue 10 s */
  busyTimeout?: number;
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  readonly stats: StatsPart;
  readonly queues: QueuesPart;
  readonly workers: WorkersPart;
  private readonly access: SqliteAccess;
  readonly topics: TopicsPart;
  readonly limits: LimitsPart;
  readonly steps: StepsPart;
  readonly logs: LogsPart;
  readonly schedules: SchedulesPart;
  readonly changes: ChangesPart;
  readonly groups: GroupsPart;
  private readonly db: Db;
  private readonly clock: Clock;
  private readonly listeners = new Set<StoreListener>();
  private readonly prepared = new Map<string, Database.Statement>();
  private walWatcher: ChangeWatcher | null = null;
  private readonly completeAll: Database.Transaction<(now: number, batch: string) => { id: number }[]>;
  /** Queues this process knows have a row; the first enqueue of any other creates it. */
  private readonly knownQueues = new Set<string>();
  private readonly group = new GroupCommit((jobs) => this.insert(jobs, this.db)); // one at a time: writes are synchronous

  constructor(
    readonly path: string,
    options: SqliteStoreOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    assertFolderExists(path);
    try {
      this.db = new Database(path, { timeout: options.busyTimeout ?? 10_000 });
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
    this.completeAll = this.db.transaction(
      (now: number, batch: string) => this.sql('complete').all(numbered(now, batch)) as { id: number }[],
    );
    const access: SqliteAccess = (this.access = {
      db: this.db,
      sql: (name) => this.sql(name),
      now: () => this.now(),
      guard: (operation) => this.guard(operation),
    });
    this.stats = sqliteStats(access);
    this.queues = sqliteQueues(access, (db, names) => this.ensureQueues(db, names));
    this.limits = sqliteLimits({
      db: this.db,
      prepare: (text) => this.prepare(text),
      now: () => this.now(),
      guard: (operation) => this.guard(operation),
      wake: (queue) => this.wake(queue),
    });
    this.topics = sqliteTopics({
      db: this.db,
      prepare: (text) => this.prepare(text),
      now: () => this.now(),
      guard: (operation) => this.guard(operation),
      wake: (queue) => this.wake(queue),
      ensureQueues: (db, names) => this.ensureQueues(db, names),
    });
    this.workers = sqliteWorkers(access, (queue) => this.wake(queue));
    this.steps = sqliteSteps({
      db: this.db,
      prepare: (text) => this.prepare(text),
      now: () => this.now(),
      guard: (operation) => this.guard(operation),
      wake: (queue) => this.wake(queue),
      ensureQueues: (db, names) => this.ensureQueues(db, names),
    });
    this.logs = sqliteLogs({ db: this.db, prepare: (text) => this.prepare(text), guard: (operation) => this.guard(operation) });
    this.groups = sqliteGroups(access);
    this.schedules = sqliteSchedules({
      prepare: (text) => this.prepare(text),
      now: () => this.now(),
      guard: (operation) => this.guard(operation),
    });
    this.changes = sqliteChanges(access);
  }

  /** The time every statement uses: read here and nowhere else. */
  private now(): number {
    return this.clock.now();
  }

  private sql(name: SqliteStatementName): Database.Statement {
    return this.prepare(sqliteStatements[name]);
  }

  private prepare(text: string): Database.Statement {
    let statement = this.prepared.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.prepared.set(text, statement);
    }
    return statement;
  }

  /** Runs a synchronous store operation, turning "busy" and I/O errors into StoreUnavailableError. */
  private async guard<T>(operation: () => T): Promise<T> {
    try {
      return operation();
    } catch (err) {
      throw toStoreError(err, this.path);
    }
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
    return this.guard(() => run.immediate());
  }

  private ensureQueues(db: Db, names: readonly string[]): void {
    const unknown = names.filter((name) => !this.knownQueues.has(name));
    if (unknown.length === 0) return;
    const insert = db === this.db ? this.sql('ensureQueue') : db.prepare(sqliteStatements.ensureQueue);
    const now = this.now();
    for (const name of new Set(unknown)) insert.run(numbered(name, now));
    for (const name of unknown) this.knownQueues.add(name);
  }

  async enqueue(jobs: readonly NewJob[], tx?: Transaction): Promise<EnqueueResult[]> {
    if (tx !== undefined && !(tx instanceof Database)) {
      throw new InvalidArgumentError('On SQLite, `tx` must be the better-sqlite3 Database whose transaction the job should join.');
    }
    // Inside the caller's transaction the insert runs now, synchronously; on its own, with others.
    return tx === undefined ? this.group.submit(jobs) : this.insert(jobs, tx as Db);
  }

  private async insert(jobs: readonly NewJob[], db: Db): Promise<EnqueueResult[]> {
    const now = this.now();
    const { results, insertAll } = prepareInsert(db, db === this.db ? (name) => this.sql(name) : null, jobs, now, () =>
      this.ensureQueues(
        db,
        jobs.map((job) => job.queue),
      ),
    );
    // Inside the caller's transaction better-sqlite3 makes this a savepoint; on its own, IMMEDIATE.
    await this.guard(() => (db === this.db ? insertAll.immediate() : insertAll()));
    for (const queue of new Set(jobs.map((job) => job.queue))) this.wake(queue);
    return results;
  }

  async claim(request: ClaimRequest): Promise<ClaimedJob[]> {
    const { queue, names, limit, workerId, token, leaseMs } = request;
    const exclude = request.exclude?.length ? JSON.stringify(request.exclude.map(Number)) : null;
    const now = this.now();
    return this.guard(() => {
      // A read first: readers never wait in WAL mode, while an UPDATE takes the write lock even when
      // it matches nothing, and an idle worker's polls would then collide with producers' commits
      // (SQLite's busy handler sleeps a millisecond or more on every collision).
      if (names) return claimNamed({ db: this.db, sql: (name) => this.sql(name) }, names, request, exclude, now);
      if (this.sql('anyReady').get(queue, now) === undefined) return [];
      const rows = this.sql('claim').all(numbered(token, now + leaseMs, now, workerId, queue, limit, exclude)) as ClaimedRow[];
      return rows.map((row) => rowToClaimed(row, request, now)).sort(claimOrder);
    });
  }

  async complete(items: readonly Completion[]): Promise<CompleteOutcome[]> {
    if (items.length === 0) return [];
    const now = this.now();
    const batch = JSON.stringify(items.map((item) => [item.id, item.token, item.result]));
    const rows = await this.guard(() => this.completeAll.immediate(now, batch));
    const done = new Set(rows.map((row) => String(row.id)));
    // In the order given, each id once (a repeated id completes once, as row by row).
    return items.filter((item) => done.delete(item.id)).map((item) => ({ id: item.id, at: now }));
  }

  async fail(items: readonly Failure[]): Promise<FailOutcome[]> {
    const statement = this.sql('fail');
    const now = this.now();
    const outcomes: FailOutcome[] = [];
    const failAll = this.db.transaction(() => {
      for (const item of items) {
        const row = statement.get(numbered(item.retryInMs, now, JSON.stringify(item.error), item.id, item.token)) as
          | { id: number; status: 'waiting' | 'failed'; run_at: number }
          | undefined;
        if (row) outcomes.push({ id: String(row.id), status: row.status, runAt: row.run_at, at: now });
      }
    });
    await this.guard(() => failAll.immediate());
    return outcomes;
  }

  async heartbeat(items: readonly Fence[], leaseMs: number): Promise<HeartbeatResult> {
    const extend = this.sql('heartbeat');
    const state = this.sql('leaseState');
    const now = this.now();
    const result: HeartbeatResult = { kept: [], lost: [] };
    const beat = this.db.transaction(() => {
      for (const item of items) {
        if (extend.run(numbered(now + leaseMs, now, item.id, item.token)).changes > 0) {
          result.kept.push(item.id);
          continue;
        }
        const row = state.get(item.id) as { status: JobStatus; lease_token: string | null } | undefined;
        result.lost.push({ id: item.id, reason: leaseLoss(row, item.token) });
      }
    });
    await this.guard(() => beat.immediate());
    return result;
  }

  async release(items: readonly Release[]): Promise<string[]> {
    const statement = this.sql('release');
    const now = this.now();
    const queues = new Set<string>();
    const released = await this.eachInTransaction(items, (item) => {
      const row = statement.get(numbered(now, now + (item.delayMs ?? 0), item.id, item.token)) as { queue: string } | undefined;
      if (row) queues.add(row.queue);
      return row !== undefined;
    });
    for (const queue of queues) this.wake(queue);
    return released;
  }

  async progress(item: Fence, progress: Progress): Promise<boolean> {
    return this.guard(() => this.sql('progress').run(JSON.stringify(progress), this.now(), item.id, item.token).changes > 0);
  }

  async rescueExpired(): Promise<number> {
    return this.guard(() => this.sql('rescueExpired').run(numbered(this.now(), ...leaseExpiredTexts)).changes);
  }

  async getJob(id: string): Promise<Job | null> {
    if (!idPattern.test(id)) return null;
    return this.guard(() => {
      const row = this.sql('getJob').get(id) as JobRow | undefined;
      return row ? rowToJob(row) : null;
    });
  }

  async listJobs(request: ListRequest): Promise<Job[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (request.queue !== undefined) where.push('queue = ?') && params.push(request.queue);
    if (request.status !== undefined) where.push('status = ?') && params.push(request.status);
    if (request.name !== undefined) where.push('name = ?') && params.push(request.name);
    if (request.after !== undefined) where.push('id < ?') && params.push(request.after);
    const text = `SELECT * FROM spool_jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return this.guard(() => (this.prepare(text).all(...params, request.limit) as JobRow[]).map(rowToJob));
  }

  async counts(queue?: string): Promise<QueueCounts> {
    type CountRow = { queue: string; status: JobStatus; n: number };
    return foldCounts(
      await this.guard(() => (queue === undefined ? this.sql('countsAll').all() : this.sql('countsOne').all(queue)) as CountRow[]),
    );
  }

  async cancel(id: string): Promise<CancelResult | null> {
    if (!idPattern.test(id)) return null;
    const now = this.now();
    const cancelOne = this.db.transaction((): CancelResult | null => {
      const before = this.sql('statusOf').get(id) as { status: JobStatus } | undefined;
      if (!before) return null;
      const row = this.sql('cancel').get(numbered(now, id)) as JobRow | undefined;
      if (row) return { job: rowToJob(row), previous: before.status };
      const job = rowToJob(this.sql('getJob').get(id) as JobRow);
      return { job, previous: job.status };
    });
    const result = await this.guard(() => cancelOne.immediate());
    if (result && result.previous !== result.job.status) for (const listener of this.listeners) listener.onCancel?.(result.job.id);
    return result;
  }

  async retry(id: string): Promise<{ job: Job; retried: boolean } | null> {
    if (!idPattern.test(id)) return null;
    const row = await this.guard(() => this.sql('retry').get(numbered(this.now(), id)) as JobRow | undefined);
    if (!row) {
      const job = await this.getJob(id);
      return job ? { job, retried: false } : null;
    }
    this.wake(row.queue);
    return { job: rowToJob(row), retried: true };
  }

  async prune(status: FinalStatus, olderThanMs: number): Promise<number> {
    const before = this.now() - olderThanMs;
    return pruneInSlices((size) => this.guard(() => this.sql('prune').run(numbered(status, before, size)).changes));
  }

  async retryFailed(queue: string): Promise<number> {
    const { changes } = await this.guard(() => this.sql('retryFailed').run(numbered(this.now(), queue)));
    if (changes > 0) this.wake(queue);
    return changes;
  }

  async purge(queue: string, status: FinalStatus): Promise<number> {
    return this.guard(() => this.sql('purge').run(queue, status).changes);
  }

  deleteJob(id: string): Promise<{ status: JobStatus; deleted: boolean } | null> {
    return idPattern.test(id) ? deleteFinished(this.access, id) : Promise.resolve(null);
  }

  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    this.walWatcher ??= new ChangeWatcher(this.db, this.path, () => this.wake(anyQueue));
    this.walWatcher.start();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.walWatcher?.stop();
    };
  }

  async ping(): Promise<boolean> {
    try {
      this.prepare('SELECT 1').get();
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.group.idle();
    this.listeners.clear();
    this.walWatcher?.stop();
    if (this.db.open) this.db.close();
  }

  private wake(queue: string): void {
    for (const listener of this.listeners) listener.onWake?.(queue);
  }

  private eachInTransaction<T extends Fence>(items: readonly T[], apply: (item: T) => boolean): Promise<string[]> {
    const done: string[] = [];
    const applyAll = this.db.transaction(() => {
      for (const item of items) if (apply(item)) done.push(item.id);
    });
    return this.guard(() => {
      applyAll.immediate();
      return done;
    });
  }
}
