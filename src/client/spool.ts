/**
 * @module
 * The Spool: the library's front door. Enqueue, read, wait for, cancel, retry and delete jobs,
 * start workers and see every process's, publish and subscribe. Options are validated here, once,
 * and resolved to plain values for the store; the store keeps the time (see `store/contract.ts`),
 * so this layer passes durations, not instants.
 */
import type { PublishItem, PublishOptions } from '../bus/event.js';
import type { BreakerPolicy } from '../core/flow.js';
import type { StartFrom, SubscribeOptions } from '../bus/subscription.js';
import { type Clock, systemClock } from '../core/clock.js';
import { defaults as builtIn } from '../core/defaults.js';
import { InvalidArgumentError, JobNotFoundError, SpoolError, isSpoolError } from '../core/errors.js';
import { type Listener, SpoolEmitter, type SpoolEventName, type SpoolEvents } from '../core/events.js';
import { type Logger, toLogger } from '../core/logger.js';
import { assertName } from '../core/names.js';
import { type EnqueueOptions, type WorkOptions, parseOptions } from '../core/options.js';
import { OutageLog } from '../core/outage-log.js';
import { type Job, type NewJob, finalStatuses } from '../core/types.js';
import type {
  BacklogPoint,
  FinalStatus,
  QueueCounts,
  QueueRecord,
  ScheduleRecord,
  Store,
  EventRatePoint,
  StorePart,
  BreakerRecord,
  SubscriptionInfo,
  TopicInfo,
  ThroughputPoint,
  Transaction,
  WorkerRecord,
  StepRecord,
  LogLine,
} from '../store/contract.js';
import { defaultStoreUrl, openStore } from '../store/open-store.js';
import { newJobToJob } from '../store/row.js';
import type { WorkerPort } from '../worker/port.js';
import type { Handlers } from '../worker/types.js';
import { WorkerRegistry } from '../worker/registry.js';
import { type ThreadHandlers, isThreadHandlers, threadPoolHandler } from '../worker/thread-pool.js';
import { Worker } from '../worker/worker.js';
import * as stats from './stats.js';
import * as workerInfo from './workers.js';
import { type JobPage, type ListJobsOptions, type QueueInfo, emptyCounts, listJobs, listQueues } from './list-jobs.js';
import * as bus from './bus.js';
import * as flow from './flow.js';
import type { BreakerOptions, QueueLimits, QueueState } from './flow.js';
import { enqueueWithRoom, waitForRoomOf } from './room.js';
import type { EventHandler, PublishedEvent, RunningSubscription, Subscription } from './bus.js';
import { Maintenance } from './maintenance.js';
import { waitForJob } from './wait-for.js';
import { cancelDescendants } from './cancel-children.js';
import { type QueuePosition, positionOf } from './position.js';
import { ScheduleTicker } from './schedule-ticker.js';
import { type Pipeline, type PipelineOptions, type PipelineStage, startPipeline } from './pipeline.js';
import { type GroupStatus, groupItems, groupStatus, newGroupId } from './groups.js';
import { type ScheduleOptions, runDueSchedules, schedulesOf, toScheduleDefinition } from './schedules.js';
import { type EnqueueItem, toNewJob } from './new-job.js';
import { type SpoolSettings, resolveSettings } from './settings.js';
import { type SpoolOptions, spoolOptionsSchema } from './spool-options.js';
import { installShutdownSignals } from './shutdown-signals.js';
import type { TraceCarrier } from '../telemetry/trace-context.js';
import { Tracing } from '../telemetry/tracing.js';
import { Metrics } from '../telemetry/metrics.js';
import { observeAll } from '../core/telemetry.js';
import { publishBreakerTransition } from './flow.js';
import { stepsOf, workflowFactory } from './workflows.js';
import { type JobLogOptions, jobLogsOf } from './job-logs.js';

export interface JobHandle<R = unknown> {
  id: string;
  /** False when an idempotency key, a dedupe window, a singleton or a debounce returned an existing job. */
  created: boolean;
  /** True when a debounced enqueue gave the waiting job its payload (and a later run time). */
  replaced: boolean;
  /** The job as stored right after the enqueue. */
  job: Job;
  /** Resolves with the result; rejects with JobFailedError or JobCancelledError. */
  wait(options?: { timeout?: number }): Promise<R>;
}

export type { EnqueueItem, JobPage, ListJobsOptions, QueueInfo, SpoolSettings };

export async function createSpool(options: SpoolOptions = {}): Promise<Spool> {
  return Spool.create(options);
}

export class Spool {
  readonly events: SpoolEmitter;
  /** Bridges to RabbitMQ and NATS JetStream running in this process: `start(name, config)`, `list()`. */
  readonly bridges: bus.Bridges = bus.createBridges(this);
  private readonly localWorkers = new Set<Worker>();
  private readonly outage: OutageLog;
  private readonly maintenance: Maintenance;
  private readonly ticker: ScheduleTicker;
  private readonly registry: WorkerRegistry;
  private closing: Promise<void> | null = null;
  private removeSignals: (() => void) | null = null;

  private constructor(
    readonly store: Store,
    readonly clock: Clock,
    readonly logger: Logger,
    readonly settings: SpoolSettings,
    private readonly shutdownSignals: NodeJS.Signals[] | false,
    /** OpenTelemetry traces; off when `@opentelemetry/api` is not installed or `tracing: false`. */
    readonly tracing: Tracing = Tracing.off,
    /** Prometheus metrics (`createSpool({ metrics: true })`), or null. */
    readonly metrics: Metrics | null = null,
  ) {
    this.events = new SpoolEmitter(logger);
    this.outage = new OutageLog(this.events, logger);
    this.maintenance = new Maintenance(store, settings, this.events, logger, this.outage);
    this.ticker = new ScheduleTicker(store, settings, this.events, logger, this.outage);
    this.registry = new WorkerRegistry(store.workers, this.events, this.outage);
    // Breaker changes become events on the internal topic `spool.breakers`: anything can subscribe
    // to them (alerts, webhooks) in any process, and they stay in the retained log.
    this.events.on('breaker', (transition) => publishBreakerTransition(store, transition, this.events));
  }

  static async create(input: SpoolOptions = {}): Promise<Spool> {
    const options = parseOptions(spoolOptionsSchema, input, 'createSpool options') as SpoolOptions;
    const settings = resolveSettings(options);
    const logger = toLogger(options.logger, 'createSpool logger');
    if (typeof options.store === 'object' && options.clock) {
      throw new InvalidArgumentError(
        'A Store object keeps its own clock: pass the clock to openStore(url, { clock }) instead of to createSpool.',
      );
    }
    const store =
      typeof options.store === 'object'
        ? options.store
        : await openStore(options.store ?? defaultStoreUrl, { schema: options.schema, logger, clock: options.clock });
    try {
      await store.migrate();
    } catch (err) {
      await store.close().catch(() => {});
      throw err;
    }
    const tracing = await Tracing.load(options.tracing ?? true);
    const metrics = options.metrics ? await Metrics.create(store, builtIn.registry.staleAfter) : null;
    const signals = options.shutdownSignals ?? builtIn.shutdownSignals;
    return new Spool(store, options.clock ?? systemClock, logger, settings, signals, tracing, metrics);
  }

  on<E extends SpoolEventName>(name: E, listener: Listener<E>): () => void {
    return this.events.on(name, listener);
  }

  off<E extends SpoolEventName>(name: E, listener: Listener<E>): void {
    this.events.off(name, listener);
  }

  /**
   * Adds a job. With `tx`, the insert joins your transaction and the job exists only if it
   * commits (a `pg` client inside BEGIN, or on SQLite the better-sqlite3 Database inside
   * `db.transaction()`; the insert runs synchronously there).
   */
  enqueue<R = unknown>(
    queue: string,
    name: string,
    payload?: unknown,
    options?: EnqueueOptions & { tx?: Transaction },
  ): Promise<JobHandle<R>> {
    const { tx, ...rest } = options ?? {};
    // No options at all skips their schema (the common single enqueue).
    const own = options === undefined || (tx !== undefined && Object.keys(rest).length === 0) ? undefined : rest;
    return this.enqueueMany<R>([{ queue, name, payload, options: own }], { tx }).then((handles) => handles[0] as JobHandle<R>);
  }

  /**
   * Adds many jobs in one round trip; all or none are stored. Handles follow the input order.
   * `trace` is a W3C trace context to store with them (an HTTP request's headers); by default
   * the active OpenTelemetry context is stored, when `@opentelemetry/api` is installed.
   */
  async enqueueMany<R = unknown>(
    items: readonly EnqueueItem[],
    options: { tx?: Transaction; trace?: TraceCarrier | null } = {},
  ): Promise<JobHandle<R>[]> {
    this.assertOpen();
    if (!Array.isArray(items)) throw new InvalidArgumentError('enqueueMany takes an array of { queue, name, payload, options }.');
    if (items.length === 0) return [];
    const jobs = items.map((item, index) => toNewJob(item, items.length > 1 ? `jobs[${index}]` : 'job', this.settings));
    // No await before the store call: on SQLite the insert must run inside the caller's synchronous transaction.
    const results = await this.tracing.produce(
      'send',
      sameOf(jobs, (j) => j.queue),
      jobs.length,
      options.trace ?? null,
      (carrier) => {
        if (carrier) for (const job of jobs) Object.assign(job, carrier);
        return options.tx === undefined ? enqueueWithRoom(this.store, jobs, waitForRoomOf(items)) : this.store.enqueue(jobs, options.tx);
      },
    );
    this.metrics?.enqueued(results.flatMap((r) => (r.created && r.createdFrom !== null ? [jobs[r.createdFrom] as NewJob] : [])));
    return results.map(({ id, created, createdFrom, createdAt, existing, replaced }) => {
      let job = existing;
      return {
        id,
        created,
        replaced: replaced === true,
        // Built on first read: a bulk enqueue of thousands rarely looks at them.
        get job() {
          job ??= newJobToJob(jobs[createdFrom ?? 0] as NewJob, id, createdAt);
          return job;
        },
        wait: (o) => this.waitFor<R>(id, o),
      };
    });
  }

  async getJob(id: string): Promise<Job | null> {
    this.assertOpen();
    return this.store.getJob(String(id));
  }

  /**
   * Where a waiting job stands in its queue: the jobs a claim takes before it and an ETA from the
   * queue's recent drain rate. Null when the job is not waiting (or the store keeps no queue rows).
   */
  async position(idOrJob: string | Job): Promise<QueuePosition | null> {
    this.assertOpen();
    const job = typeof idOrJob === 'object' && idOrJob !== null ? idOrJob : await this.store.getJob(String(idOrJob));
    if (!job) throw new JobNotFoundError(String(idOrJob));
    return positionOf(this.store, job);
  }

  /**
   * Resolves with the job's result once it completes; rejects with JobFailedError (the stored
   * error on `.error`) or JobCancelledError. Works for jobs run by any process.
   */
  async waitFor<R = unknown>(id: string, options: { timeout?: number } = {}): Promise<R> {
    this.assertOpen();
    return waitForJob<R>(this.store, this.events, String(id), options, () => this.closing !== null);
  }

  /**
   * Cancels a waiting job at once, or aborts an active one through its signal, and with it every
   * unfinished child a workflow spawned. Final jobs are returned unchanged.
   */
  async cancel(id: string): Promise<Job> {
    this.assertOpen();
    const outcome = await this.cancelOne(String(id));
    if (!outcome) throw new JobNotFoundError(String(id));
    if (!finalStatuses.includes(outcome.previous)) await cancelDescendants(this.store, outcome.job.id, (child) => this.cancelOne(child));
    return outcome.job;
  }

  private async cancelOne(id: string) {
    const outcome = await this.store.cancel(id);
    // An active job's worker emits 'cancelled' when its handler stops.
    if (outcome?.job.status === 'cancelled' && outcome.previous === 'waiting') this.events.emit('cancelled', { job: outcome.job });
    return outcome;
  }

  /** Runs a failed or cancelled job again with fresh attempts; any other status is SPOOL_INVALID_STATE. */
  async retry(id: string): Promise<Job> {
    this.assertOpen();
    const outcome = await this.store.retry(String(id));
    if (!outcome) throw new JobNotFoundError(String(id));
    if (!outcome.retried) {
      throw new SpoolError(
        'SPOOL_INVALID_STATE',
        `Job ${outcome.job.id} is ${outcome.job.status}; only failed or cancelled jobs can be retried.`,
      );
    }
    return outcome.job;
  }

  /**
   * Enqueues `items` as one group, in one transaction (all or none), and returns its id with a
   * handle per job. `groupStatus(id)` then reports on all of them at once.
   */
  async group<R = unknown>(
    items: readonly EnqueueItem[],
    options: { tx?: Transaction } = {},
  ): Promise<{ id: string; jobs: JobHandle<R>[] }> {
    this.assertOpen();
    const id = newGroupId();
    return { id, jobs: await this.enqueueMany<R>(groupItems(items, id), options) };
  }

  /** A group's jobs per status, overall progress and an ETA; SPOOL_NOT_FOUND when no job carries the id. */
  async groupStatus(id: string): Promise<GroupStatus> {
    this.assertOpen();
    return groupStatus(this.store, String(id));
  }

  /** Jobs newest first, filtered, a page at a time. */
  async listJobs(options: ListJobsOptions = {}): Promise<JobPage> {
    this.assertOpen();
    return listJobs(this.store, options);
  }

  /** Jobs per status for every queue (or one). */
  async counts(queue?: string): Promise<QueueCounts> {
    this.assertOpen();
    if (queue !== undefined) assertName(queue, 'queue');
    return this.store.counts(queue);
  }

  /** Every queue with a row or with jobs, sorted by name, with its jobs per status. */
  async queues(): Promise<QueueInfo[]> {
    this.assertOpen();
    return listQueues(this.store);
  }

  /** Runs every failed job (dead letter) of `queue` again with fresh attempts; returns how many. */
  async retryFailed(queue: string): Promise<number> {
    this.assertOpen();
    return this.store.retryFailed(assertName(queue, 'queue'));
  }

  /** Deletes every job of `queue` in a final status (default: the failed ones); returns how many. */
  async purge(queue: string, status: FinalStatus = 'failed'): Promise<number> {
    this.assertOpen();
    if (!finalStatuses.includes(status)) {
      throw new InvalidArgumentError(
        `Only finished jobs can be purged: use status ${finalStatuses.join(', ')}; got ${JSON.stringify(status)}.`,
      );
    }
    return this.store.purge(assertName(queue, 'queue'), status);
  }

  /** Which optional parts the store has. */
  has(part: StorePart): boolean {
    return this.store[part] !== undefined;
  }

  /** Completed and failed jobs per queue per bucket over the last `windowMs` (default an hour, by the minute). */
  async throughput(options: { windowMs?: number; bucketMs?: number } = {}): Promise<ThroughputPoint[]> {
    this.assertOpen();
    return stats.throughput(this.store, options);
  }

  /** Records waiting and active counts per queue now, keeping a day of samples; returns the counts. Servers call it every 15 s. */
  async sampleBacklog(): Promise<QueueCounts> {
    this.assertOpen();
    return stats.sampleBacklog(this.store);
  }

  /** Backlog samples over the last `windowMs` (default an hour), oldest first. */
  async backlog(options: { windowMs?: number } = {}): Promise<BacklogPoint[]> {
    this.assertOpen();
    return stats.backlog(this.store, options);
  }

  /**
   * Publishes an event on `topic`: it is stored, and one delivery job per matching subscription is
   * created in the same transaction (with `tx`, the caller's own). Resolves once it committed.
   */
  publish(topic: string, payload?: unknown, options?: PublishOptions): Promise<PublishedEvent> {
    this.assertOpen();
    return bus.publish(this, topic, payload, options);
  }

  /** Publishes many events in one round trip; all or none are stored. Results follow the input order. `trace` as for enqueueMany. */
  publishMany(items: readonly PublishItem[], options: { tx?: Transaction; trace?: TraceCarrier | null } = {}): Promise<PublishedEvent[]> {
    this.assertOpen();
    return bus.publishMany(this, items, options.tx, options.trace ?? null);
  }

  /**
   * Declares a durable subscription named `name` on `topic` (stored: events published while no
   * subscriber runs are delivered later) and runs `handler` for each delivery in this process.
   */
  subscribe<P = any>(topic: string, name: string, handler: EventHandler<P>, options?: SubscribeOptions): Promise<RunningSubscription> {
    this.assertOpen();
    return bus.subscribe(this, topic, name, handler, options);
  }

  /** Declares (or updates) a subscription without running its handler here, e.g. from a producer. */
  declareSubscription(topic: string, name: string, options?: SubscribeOptions): Promise<Subscription> {
    this.assertOpen();
    return bus.declareSubscription(this, topic, name, options);
  }

  /** Delivers the retained events from `from` on again; returns how many deliveries were created. */
  replay(subscription: string, from: StartFrom): Promise<number> {
    this.assertOpen();
    return bus.replay(this, subscription, from);
  }

  /** Every topic with its retained events and subscriptions counted. */
  topics(): Promise<TopicInfo[]> {
    this.assertOpen();
    return bus.listTopics(this);
  }

  /** Events published per topic per bucket over the last `windowMs` (default an hour, by the minute). */
  eventRate(options: { windowMs?: number; bucketMs?: number } = {}): Promise<EventRatePoint[]> {
    this.assertOpen();
    return bus.eventRate(this, options.windowMs ?? builtIn.stats.windowMs, options.bucketMs ?? builtIn.stats.bucketMs);
  }

  /** Every subscription with its backlog and lag. */
  subscriptions(): Promise<SubscriptionInfo[]> {
    this.assertOpen();
    return bus.listSubscriptions(this);
  }

  /** A topic's retained events, oldest first, a page at a time. */
  eventLog(topic: string, options?: { after?: string; limit?: number }): Promise<bus.EventPage> {
    this.assertOpen();
    return bus.listEvents(this, topic, options);
  }

  /**
   * Sets a queue's limits, shared by every worker on every machine: `concurrency`,
   * `keyConcurrency`, `rateLimit`, `maxDepth`, `breaker`/`breakers`. Only the fields given change;
   * null removes a limit.
   */
  configureQueue(queue: string, limits: QueueLimits): Promise<QueueRecord> {
    this.assertOpen();
    return flow.configureQueue(this.store, queue, limits);
  }

  /** Stops claims on `queue` in every process (jobs still wait; with `refuse`, new ones are refused too). */
  pause(queue: string, options?: { refuse?: boolean }): Promise<QueueRecord> {
    this.assertOpen();
    return flow.pauseQueue(this.store, queue, options);
  }

  resume(queue: string): Promise<QueueRecord> {
    this.assertOpen();
    return flow.resumeQueue(this.store, queue);
  }

  /** Creates or updates a circuit breaker shared by every worker; queues and job names name it in their limits. */
  defineBreaker(name: string, options: BreakerOptions = {}): Promise<BreakerPolicy> {
    this.assertOpen();
    return flow.defineBreaker(this.store, name, options);
  }

  breakers(): Promise<BreakerRecord[]> {
    this.assertOpen();
    return flow.listBreakers(this.store);
  }

  /** A queue's counts, limits and their live state (breakers, rate windows, running per key, paused). */
  async queue(queue: string): Promise<QueueState> {
    this.assertOpen();
    const counts = (await this.store.counts(assertName(queue, 'queue')))[queue] ?? emptyCounts();
    return flow.queueState(this.store, queue, counts);
  }

  /**
   * Creates or replaces the cron schedule `name`: each tick of `cron` (read in `timezone`, UTC by
   * default) enqueues one job `options.name` on `options.queue`, exactly once across every process.
   * Ticks missed while no process ran are skipped, or the latest N caught up (`missed: { catchUp: N }`).
   * Spools that run workers (and `spool serve`) tick schedules every second.
   */
  async schedule(name: string, cron: string, options: ScheduleOptions): Promise<ScheduleRecord> {
    this.assertOpen();
    const schedules = schedulesOf(this.store);
    const definition = toScheduleDefinition(name, cron, options, this.settings);
    await schedules.upsert(definition);
    // Computes its first tick at once (by the store's clock), so listings show it.
    await runDueSchedules(this.store, this.settings, this.logger);
    return (await schedules.get(name)) ?? schedules.upsert(definition);
  }

  /** Every cron schedule, by name, with its next and last tick. */
  async schedules(): Promise<ScheduleRecord[]> {
    this.assertOpen();
    return schedulesOf(this.store).list();
  }

  async getSchedule(name: string): Promise<ScheduleRecord | null> {
    this.assertOpen();
    return schedulesOf(this.store).get(assertName(name, 'schedule'));
  }

  /** Deletes a cron schedule; the jobs it enqueued stay. SPOOL_NOT_FOUND when there is none. */
  async unschedule(name: string): Promise<void> {
    this.assertOpen();
    if (!(await schedulesOf(this.store).remove(assertName(name, 'schedule')))) {
      throw new SpoolError(
        'SPOOL_NOT_FOUND',
        `There is no schedule named ${name}; list the schedules with spool.schedules(), \`spool schedules\` or GET /v1/schedules.`,
      );
    }
  }

  /** Enqueues the due ticks of every schedule now instead of at the next second; returns how many jobs were created. */
  async runDueSchedules(): Promise<number> {
    this.assertOpen();
    return runDueSchedules(this.store, this.settings, this.logger);
  }

  /**
   * Runs a pipeline of stages in this process: each stage is a queue with a handler, and what a
   * stage returns becomes the next stage's job. At most `maxInFlight` items wait between two
   * stages; a fast stage waits for room in the next rather than flooding it.
   */
  pipeline(name: string, stages: readonly PipelineStage[], options?: PipelineOptions): Promise<Pipeline> {
    this.assertOpen();
    return startPipeline(this, name, stages, options);
  }

  /** A workflow job's steps, in the order they were first recorded (empty for a plain job); null if no such job. */
  async steps(id: string): Promise<StepRecord[] | null> {
    this.assertOpen();
    if (!(await this.store.getJob(String(id)))) return null;
    return stepsOf(this.store, String(id));
  }

  /**
   * What the job's handler logged with `ctx.log`, every attempt's, oldest first: level, message,
   * fields, attempt, time and `seq`. Pass the last `seq` seen as `after` to page on or follow a
   * running job. Null if no such job. See docs/observability.md.
   */
  async jobLogs(id: string, options?: JobLogOptions): Promise<LogLine[] | null> {
    this.assertOpen();
    return jobLogsOf(this.store, String(id), options);
  }

  /**
   * Starts a worker on `queue`; it runs until `close()` (or the Spool's) or a shutdown signal.
   * Handlers are one function for every job, a map from job name to function, or `{ module, threads }`:
   * a module whose handler runs in a pool of worker threads (CPU-bound work; see docs/worker-threads.md),
   * with `concurrency` defaulting to the number of threads.
   */
  work(queue: string, handlers: Handlers | ThreadHandlers, options: WorkOptions = {}): Worker {
    this.assertOpen();
    assertName(queue, 'queue');
    const port: WorkerPort = {
      store: this.store,
      clock: this.clock,
      logger: this.logger,
      events: this.events,
      settings: this.settings,
      registry: this.registry,
      workflow: workflowFactory(this.store, this.settings),
      observer: observeAll([this.tracing.enabled ? this.tracing : null, this.metrics]),
    };
    const pool = isThreadHandlers(handlers) ? threadPoolHandler(queue, handlers) : null;
    const worker = pool
      ? new Worker(port, queue, pool.handler, { ...options, concurrency: options.concurrency ?? pool.threads }, this.outage)
      : new Worker(port, queue, handlers as Handlers, options, this.outage);
    this.localWorkers.add(worker);
    worker.onClosed(() => {
      this.localWorkers.delete(worker);
      void pool?.close();
    });
    void this.store.queues?.ensure([queue]).catch(() => {});
    this.startBackgroundDuties(worker);
    worker.start();
    return worker;
  }

  /**
   * The running workers of every process, from the store's registry (host, pid, queue, the names
   * each handles, concurrency, jobs in flight, last heartbeat, version); only `queue`'s when given.
   */
  async workers(queue?: string): Promise<WorkerRecord[]> {
    this.assertOpen();
    return workerInfo.listWorkers(this.store, queue);
  }

  /** Why nobody will run `job` (waiting, and no running worker handles its name), or null. */
  async warningFor(job: Job): Promise<string | null> {
    this.assertOpen();
    return workerInfo.warningFor(this.store, job);
  }

  /** Deletes one finished job (a dead letter, say); a waiting or active one is SPOOL_INVALID_STATE. */
  async deleteJob(id: string): Promise<void> {
    this.assertOpen();
    return workerInfo.deleteJob(this.store, String(id));
  }

  /** Deletes finished jobs older than their retention; returns how many. Workers' Spools do it every minute. */
  async prune(): Promise<number> {
    this.assertOpen();
    return this.maintenance.prune();
  }

  /** Takes back jobs whose lease expired now, instead of at the next sweep; returns how many. */
  async rescueExpired(): Promise<number> {
    this.assertOpen();
    return this.maintenance.rescue();
  }

  /** Stops every worker gracefully (up to `timeout`, default shutdownTimeout), then the store. Safe to call twice. */
  close(options: { timeout?: number } = {}): Promise<void> {
    this.closing ??= (async () => {
      this.maintenance.stop();
      this.ticker.stop();
      this.removeSignals?.();
      await this.bridges.close();
      await Promise.all([...this.localWorkers].map((worker) => worker.close(options)));
      this.registry.stop();
      await this.store.close();
    })();
    return this.closing;
  }

  get closed(): boolean {
    return this.closing !== null;
  }

  private startBackgroundDuties(worker: Worker): void {
    this.maintenance.start(worker.leaseMs);
    this.ticker.start();
    if (!this.removeSignals && this.shutdownSignals) {
      this.removeSignals = installShutdownSignals(this.shutdownSignals, this.logger, this.settings.shutdownTimeout, () => this.close());
    }
  }

  private assertOpen(): void {
    if (this.closing) throw new SpoolError('SPOOL_CLOSED', 'This Spool is closed; create a new one with createSpool().');
  }
}

export { isSpoolError };
export type { SpoolEvents };

/** The value every item shares (a span's destination), or null when they differ. */
function sameOf<T>(items: readonly T[], key: (item: T) => string): string | null {
  const first = key(items[0] as T);
  for (const item of items) if (key(item) !== first) return null;
  return first;
}
