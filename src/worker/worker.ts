/**
 * @module
 * A worker on one queue: claims jobs under a lease, runs their handlers, heartbeats, and records
 * outcomes. It is put together from parts with one purpose each:
 * `claim-loop.ts` (when to claim), `run-job.ts` (one handler, its timeout and stops),
 * `outcome.ts` (what an attempt ended as), `record-outcome.ts` (batched writes and events) and
 * `heartbeats.ts` (extending leases); `registry.ts` tells the store it runs and which names it
 * handles. It gets a narrow port, never the Spool; taking back expired leases and pruning run
 * once per Spool, not here (`client/maintenance.ts`).
 *
 * `prefetch`: claimed jobs held beyond concurrency until a slot frees (graphile-worker's localQueue),
 * leased and heartbeated; a shutdown hands them back unstarted, a crash leaves them to their leases.
 *
 * A worker with a map of handlers claims only the names in it, so a job nobody here handles is
 * never claimed: it waits, and `GET /v1/jobs/{id}` says why. When this worker is idle it looks (at
 * most once a minute) for waiting jobs on its queue whose names no running worker handles, and
 * logs each such name once. Should it ever hold a job it has no handler for (the map changed
 * after it started), the job goes back to the queue without spending an attempt.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { defaults } from '../core/defaults.js';
import { toMs } from '../core/duration.js';
import { InvalidArgumentError, SpoolError, isTransient } from '../core/errors.js';
import { type WorkOptions, parseOptions, workOptionsSchema } from '../core/options.js';
import { childLogger, jobFields } from '../core/logger.js';
import { OutageLog } from '../core/outage-log.js';
import type { ClaimedJob, Progress } from '../core/types.js';
import { type ClaimRequest, anyQueue } from '../store/contract.js';
import { ClaimLoop } from './claim-loop.js';
import { type HandlerTable, handlerTable } from './handlers.js';
import { Heartbeats } from './heartbeats.js';
import { createJobContext } from './job-context.js';
import { JobLogs } from './job-log.js';
import { type Outcome, decideOutcome, noHandlerDelayMs } from './outcome.js';
import { QueueGuard } from './queue-guard.js';
import type { WorkerPort, WorkflowRunPort } from './port.js';
import { OutcomeRecorder } from './record-outcome.js';
import { type RunningJob, newRunningJob, runHandler, signalOf, stopJob } from './run-job.js';
import type { Handlers } from './types.js';
import { attemptEnd } from './attempt-end.js';
import { reportLimits } from './report-limits.js';
import { UnhandledNames } from './unhandled-names.js';

export class Worker {
  readonly id: string;
  readonly queue: string;
  readonly concurrency: number;
  private readonly batchSize: number;
  /** Jobs this worker may hold at once: running plus prefetched. */
  private readonly capacity: number;
  readonly leaseMs: number;
  /** Recorded on each workflow run this worker starts; null when not given. */
  private readonly workflowVersion: number | null;
  private readonly handlers: HandlerTable;
  private readonly running = new Map<string, RunningJob>();
  /** Claimed ahead (prefetch), in claim order, waiting for a slot. */
  private buffered: RunningJob[] = [];
  /** Jobs asked for by claims on their way: room they hold until answered. */
  private reserved = 0;
  /** Jobs whose handler has settled and whose outcome is not written yet. */
  private readonly unwritten = new Map<string, RunningJob>();
  /** When each claim on its way started (by token), on the monotonic clock: the start of its jobs' leases. */
  private readonly claimsStarted = new Map<string, number>();
  private readonly claims: ClaimLoop;
  private readonly recorder: OutcomeRecorder;
  private readonly heartbeats: Heartbeats;
  private readonly guard: QueueGuard;
  private state: 'new' | 'running' | 'closing' | 'closed' = 'new';
  private claimSeq = 0;
  private unsubscribe: (() => void) | null = null;
  private closing: Promise<void> | null = null;
  private readonly closedCallbacks: (() => void)[] = [];
  private drained: (() => void) | null = null;
  private readonly unhandled: UnhandledNames;
  /** Keeps what handlers log with their jobs; null where the store keeps no logs or jobLogLimit is 0. */
  private readonly jobLogs: JobLogs | null;

  constructor(
    private readonly port: WorkerPort,
    queue: string,
    handlers: Handlers,
    input: WorkOptions,
    outage: OutageLog = new OutageLog(port.events, port.logger),
  ) {
    const options = parseOptions(workOptionsSchema, input, `work options for queue "${queue}"`) as WorkOptions;
    this.queue = queue;
    this.concurrency = options.concurrency ?? defaults.work.concurrency;
    this.batchSize = Math.min(options.batchSize ?? this.concurrency, this.concurrency);
    this.capacity = this.concurrency + (options.prefetch ?? 0);
    this.leaseMs = leaseOf(options);
    this.workflowVersion = options.workflowVersion ?? null;
    const heartbeatMs = toMs(options.heartbeatInterval ?? Math.floor(this.leaseMs * defaults.work.heartbeatFraction), 'heartbeatInterval');
    if (heartbeatMs >= this.leaseMs) {
      throw new InvalidArgumentError(
        `heartbeatInterval (${heartbeatMs} ms) must be shorter than the lease (${this.leaseMs} ms), or leases expire between heartbeats.`,
      );
    }
    const pollMs = toMs(options.pollInterval ?? port.settings.pollInterval, 'pollInterval');
    this.id = options.id ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.handlers = handlerTable(queue, handlers);
    this.guard = new QueueGuard(port, queue);
    this.unhandled = new UnhandledNames(port, queue, this.handlers.names, () => this.state === 'running');
    this.claims = new ClaimLoop(
      port,
      queue,
      pollMs,
      (fullOnly) => this.nextClaim(fullOnly),
      (request) => this.guard.claim(request),
      (request, jobs) => this.claimed(request, jobs),
      outage,
      () => this.unhandled.look(),
    );
    this.recorder = new OutcomeRecorder(port, queue, outage);
    const { logs } = port.store;
    this.jobLogs = logs && port.settings.jobLogLimit > 0 ? new JobLogs(logs, port.settings.jobLogLimit, port.clock, port.logger) : null;
    this.heartbeats = new Heartbeats(port, queue, this.leaseMs, heartbeatMs, () => this.held(), stopJob, outage);
  }

  /** Every job this worker holds a lease on and has not finished: running, then prefetched. */
  private held(): RunningJob[] {
    return [...this.running.values(), ...this.buffered];
  }

  /** Jobs this worker holds right now. */
  get activeCount(): number {
    return this.running.size;
  }

  /** The job names this worker claims, or undefined when one handler takes every name. */
  get names(): readonly string[] | undefined {
    return this.handlers.names;
  }

  start(): void {
    if (this.state !== 'new') return;
    this.state = 'running';
    this.unsubscribe = this.port.store.subscribe({
      onWake: (queue) => {
        if (queue === this.queue || queue === anyQueue) this.claims.poke();
      },
      onCancel: (id) => this.stop(id, new SpoolError('SPOOL_CANCELLED', `Job ${id} was cancelled.`)),
      onReconnected: () => this.claims.poke(),
    });
    this.heartbeats.start();
    this.claims.start();
    this.port.registry?.add(this);
  }

  /** Looks for work now instead of at the next poll. */
  poke(): void {
    this.claims.poke();
  }

  /**
   * Stops claiming, waits up to `timeout` for in-flight jobs, then stops the rest with
   * SPOOL_SHUTDOWN and returns them to the queue without spending an attempt. Writes still
   * waiting on an unreachable store are given up after the same timeout. Safe to call twice.
   */
  close(options: { timeout?: number } = {}): Promise<void> {
    this.closing ??= this.shutdown(options.timeout ?? this.port.settings.shutdownTimeout);
    return this.closing;
  }

  onClosed(callback: () => void): void {
    this.closedCallbacks.push(callback);
  }

  private async shutdown(timeoutMs: number): Promise<void> {
    this.state = 'closing';
    this.claims.stop();
    // Prefetched jobs go back at once, as do those of claims still on their way (see claimed).
    this.handBack(this.buffered);
    this.buffered = [];
    // Bounded: a claim stuck on an unreachable store must not hold the shutdown (its jobs keep their leases).
    await Promise.race([this.claims.settled(), new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
    if (this.running.size > 0) {
      await this.whenDrained(timeoutMs);
      for (const id of [...this.running.keys()]) {
        this.stop(
          id,
          new SpoolError('SPOOL_SHUTDOWN', `The worker is shutting down; job ${id} goes back to the queue without spending an attempt.`),
        );
      }
      if (this.running.size > 0) await this.whenDrained(Number.POSITIVE_INFINITY);
    }
    let timer: NodeJS.Timeout | undefined;
    const written = await Promise.race([
      this.recorder.flushed().then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (!written) {
      this.port.logger.warn(
        `Worker on queue "${this.queue}" could not write every outcome within ${timeoutMs} ms (the store is unreachable); those jobs run again when their leases expire.`,
      );
      this.recorder.abandon();
    }
    await this.guard.flushed();
    this.heartbeats.stopTimer();
    this.unsubscribe?.();
    await this.port.registry?.remove(this);
    this.state = 'closed';
    for (const callback of this.closedCallbacks) callback();
  }

  private whenDrained(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = Number.isFinite(timeoutMs) ? setTimeout(resolve, timeoutMs) : undefined;
      this.drained = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /**
   * The claim this worker would make now, or null when it has no free slot, is stopping, or still
   * has outcomes waiting for the store (they are written first; see OutcomeRecorder.stalled).
   */
  private nextClaim(fullOnly: boolean): ClaimRequest | null {
    const free = this.capacity - this.running.size - this.buffered.length - this.reserved;
    if (free <= 0 || this.state !== 'running' || this.recorder.stalled) return null;
    const limit = Math.min(free, this.batchSize);
    if (fullOnly && limit < this.batchSize) return null;
    const startedAt = performance.now();
    const exclude = this.lapsedLeases(startedAt);
    const token = `${this.id}:${++this.claimSeq}`;
    this.reserved += limit;
    this.claimsStarted.set(token, startedAt);
    const { queue, leaseMs, id: workerId } = this;
    return { queue, names: this.handlers.names, limit, workerId, token, leaseMs, ...(exclude ? { exclude } : {}) };
  }

  /** Jobs in hand whose lease may have run out by now (a freeze, a long pause, failed heartbeats). */
  private lapsedLeases(now: number): string[] | undefined {
    let lapsed: string[] | undefined;
    for (const held of [this.running.values(), this.unwritten.values(), this.buffered]) {
      for (const entry of held) if (entry.leaseUntil <= now) (lapsed ??= []).push(entry.job.id);
    }
    return lapsed;
  }

  /** A claim was answered: its jobs wait for slots, or go back at once when the worker is stopping. */
  private claimed(request: ClaimRequest, jobs: ClaimedJob[]): void {
    this.reserved -= request.limit;
    const leaseUntil = (this.claimsStarted.get(request.token) ?? performance.now()) + this.leaseMs;
    this.claimsStarted.delete(request.token);
    const entries = jobs.map((job) => newRunningJob(job, leaseUntil));
    if (this.state !== 'running') this.handBack(entries);
    else {
      for (const entry of entries) this.buffered.push(entry);
      this.startWaiting();
    }
  }

  /** Starts held jobs while slots are free, oldest claim first. */
  private startWaiting(): void {
    if (this.state !== 'running') return;
    let taken = 0;
    const now = performance.now();
    while (this.running.size < this.concurrency && taken < this.buffered.length) {
      const entry = this.buffered[taken++] as RunningJob;
      // Held past its lease (a freeze, failed heartbeats): it may be another worker's by now.
      if (entry.leaseUntil <= now) this.handBack([entry]);
      else {
        this.running.set(entry.job.id, entry);
        void this.execute(entry).finally(() => this.freeSlot(entry.job.id));
      }
    }
    if (taken > 0) this.buffered = taken === this.buffered.length ? [] : this.buffered.slice(taken);
  }

  /** Returns held jobs that never started to the queue, without spending an attempt. */
  private handBack(entries: RunningJob[]): void {
    const shutdown = new SpoolError('SPOOL_SHUTDOWN', 'A prefetched job goes back unstarted (shutdown, or held past its lease).');
    for (const { job, stopReason } of entries) {
      void this.recorder.record(job, decideOutcome({ kind: 'stopped', reason: stopReason ?? shutdown }, job, this.port.settings));
    }
  }

  /**
   * A slot frees as soon as the handler settles, before its outcome is written: the next claim
   * and this completion then travel to the store side by side instead of one after the other.
   */
  private freeSlot(id: string): void {
    if (!this.running.delete(id)) return;
    this.startWaiting();
    if (this.running.size === 0) this.drained?.();
    this.claims.poke();
  }

  private async execute(entry: RunningJob): Promise<void> {
    const { job } = entry;
    const { port } = this;
    let flow: WorkflowRunPort | undefined;
    const startFlow = port.workflow;
    const span = port.observer?.attempt(job) ?? null;
    // Lines the handler logs name the trace they belong to, beside the job's id, queue and attempt.
    const logger = span?.traceId ? childLogger(port.logger, { traceId: span.traceId }) : port.logger;
    const ctx = createJobContext(
      job,
      () => signalOf(entry),
      logger,
      (progress) => this.persistProgress(entry, progress),
      undefined,
      startFlow && (() => (flow ??= startFlow(job, this.workflowVersion, span))),
      this.jobLogs,
    );
    if (port.events.hasListeners('active')) port.events.emit('active', { job });
    const handler = this.handlers.resolve(job.name);
    const run = span?.run ? await span.run(() => runHandler(entry, handler, ctx)) : await runHandler(entry, handler, ctx);
    let outcome = decideOutcome(run, job, { maxPayloadBytes: port.settings.maxPayloadBytes });
    if (flow || job.metadata['spool.compensates'] !== undefined)
      outcome = await this.settleWorkflow(flow ?? startFlow?.(job, this.workflowVersion, span), job, outcome, span?.traceId);
    span?.end(attemptEnd(outcome));
    if (run.kind === 'no-handler' && !this.unhandled.reported.has(job.name)) {
      this.unhandled.reported.add(job.name);
      port.logger.warn(
        `Worker on queue "${this.queue}" claimed job ${job.id} (${job.queue}/${job.name}) but has no handler for "${job.name}" (its handler map changed after it started); the job goes back to the queue without spending an attempt.`,
        jobFields(job, span?.traceId),
      );
    }
    // The slot frees once the outcome's write is queued: the next claim and this write then go
    // to the store side by side.
    // The attempt's lines are stored before its outcome: a retry or a follower sees them all.
    const logged = this.jobLogs?.finish(job.id);
    if (logged) await logged;
    const recording = this.recorder.record(job, outcome, span?.traceId);
    this.unwritten.set(job.id, entry);
    this.freeSlot(job.id);
    await recording.finally(() => this.unwritten.delete(job.id));
    // A guarded claim counts active jobs in the store: the slot freed above was still counted
    // until this write landed, so a cap may have refused a claim that would now pass.
    if (this.guard.guarded) this.claims.poke();
    reportLimits(this.port, this.guard, job, run, outcome);
  }

  /** Lets a workflow's saga have the last word on the outcome; a store that fails meanwhile sends the job back to try again. */
  private async settleWorkflow(
    flow: WorkflowRunPort | undefined,
    job: ClaimedJob,
    outcome: Outcome,
    traceId: string | null | undefined,
  ): Promise<Outcome> {
    if (!flow || outcome.type === 'abandon') return outcome;
    try {
      return await flow.settle(outcome);
    } catch (err) {
      if ((err as { code?: unknown })?.code === 'SPOOL_LEASE_LOST') return { type: 'abandon', why: 'lease-lost' };
      this.port.logger.warn(
        `The saga of job ${job.id} could not run now (${(err as Error).message}); the job goes back to the queue to try again.`,
        jobFields(job, traceId),
      );
      return { type: 'release', delayMs: noHandlerDelayMs, why: 'deferred' };
    }
  }

  /**
   * Progress is a hint, not work: while the store is away it is kept (the latest value wins) and
   * never thrown into the handler, which must not fail a job for the store's outage.
   */
  private async persistProgress(entry: RunningJob, progress: Progress): Promise<void> {
    if (entry.stopReason) return;
    try {
      const stored = await this.port.store.progress(entry.job, progress);
      if (stored) this.port.events.emit('progress', { job: { ...entry.job, progress }, progress });
    } catch (err) {
      if (!isTransient(err)) throw err;
      this.port.logger.debug(
        `Progress of job ${entry.job.id} was not stored (the store is unavailable); the next update carries it.`,
        jobFields(entry.job),
      );
    }
  }

  private stop(id: string, reason: SpoolError): void {
    // A prefetched job is only marked: it ends as stopped, without running, when its turn comes.
    const entry = this.running.get(id) ?? this.buffered.find((held) => held.job.id === id);
    if (entry) stopJob(entry, reason);
  }
}

function leaseOf(options: WorkOptions): number {
  const leaseMs = toMs(options.lease ?? defaults.work.lease, 'lease');
  if (leaseMs < defaults.work.minLease)
    throw new InvalidArgumentError(`lease must be at least ${defaults.work.minLease} ms; got ${leaseMs}.`);
  return leaseMs;
}
