/**
 * @module
 * The client commands straight on a store (`--store sqlite:./spool.db` or `postgres://…`), for
 * when no server runs or for operators on the database host.
 */
import { type Spool, createSpool } from '../client/spool.js';
import { JobNotFoundError } from '../core/errors.js';
import { consoleLogger } from '../core/logger.js';
import type { EnqueueOptions } from '../core/options.js';
import type { JobStatus } from '../core/types.js';
import { type JobView, toJobView } from '../server/job-view.js';
import { CliError, exitCodes } from './exit-codes.js';
import type { EventRecord, LogLine as LogLineView, ScheduleRecord, TopicInfo, WorkerRecord } from '../store/contract.js';
import type { ScheduleOptions } from '../client/schedules.js';
import type { GroupStatus } from '../client/groups.js';
import { type QueueLimits, breakerView } from '../client/flow.js';
import type {
  Backend,
  BreakerRow,
  EnqueueInput,
  ListInput,
  PublishInput,
  QueueRow,
  QueueStateRow,
  ReplayStart,
  SubscriptionRow,
  StepView,
} from './backend.js';
import { finalStatuses } from './backend.js';

/** Straight on the store, the CLI is an operator: errors keep the developer's message. */
const full = { operator: true };

export class StoreBackend implements Backend {
  private constructor(
    readonly target: string,
    private readonly spool: Spool,
  ) {}

  static async open(store: string, schema: string | undefined): Promise<StoreBackend> {
    const spool = await createSpool({
      store,
      ...(schema ? { schema } : {}),
      shutdownSignals: false,
      logger: consoleLogger((process.env.SPOOL_LOG_LEVEL as 'warn' | undefined) ?? 'warn'),
    });
    return new StoreBackend(store.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@'), spool);
  }

  async enqueue({ queue, name, payload, options }: EnqueueInput) {
    const handle = await this.spool.enqueue(queue, name, payload, options as EnqueueOptions);
    return { id: handle.id, status: handle.job.status, created: handle.created, job: toJobView(handle.job, full) };
  }

  async getJob(id: string): Promise<JobView> {
    const job = await this.spool.getJob(id);
    if (!job) throw new JobNotFoundError(id);
    const [warning, position] = await Promise.all([this.spool.warningFor(job), this.spool.position(job)]);
    return { ...toJobView(job, full), ...(warning ? { warning } : {}), ...(position ? { position } : {}) };
  }

  workers(queue?: string): Promise<WorkerRecord[]> {
    return this.spool.workers(queue);
  }

  async steps(id: string): Promise<StepView[]> {
    const steps = await this.spool.steps(id);
    if (!steps) throw new JobNotFoundError(id);
    return steps.map(({ jobId: _job, ...step }) => ({
      ...step,
      durationMs: step.finishedAt === null ? null : step.finishedAt - step.startedAt,
    }));
  }

  async jobLogs(id: string, after: number, limit: number): Promise<{ lines: LogLineView[]; next: number }> {
    const lines = await this.spool.jobLogs(id, { after, limit });
    if (!lines) throw new JobNotFoundError(id);
    return { lines, next: lines.at(-1)?.seq ?? after };
  }

  deleteJob(id: string): Promise<void> {
    return this.spool.deleteJob(id);
  }

  async cancel(id: string): Promise<JobView> {
    return toJobView(await this.spool.cancel(id), full);
  }

  async retry(id: string): Promise<JobView> {
    return toJobView(await this.spool.retry(id), full);
  }

  async listJobs(input: ListInput) {
    const page = await this.spool.listJobs({ ...input, status: input.status as JobStatus | undefined });
    return { jobs: page.jobs.map((job) => toJobView(job, full)), nextCursor: page.nextCursor };
  }

  async queues(): Promise<QueueRow[]> {
    const counts = await this.spool.counts();
    return Object.keys(counts)
      .sort()
      .map((name) => {
        const c = counts[name] as Record<JobStatus, number>;
        return { name, counts: c, total: Object.values(c).reduce((a, b) => a + b, 0) };
      });
  }

  publish({ topic, payload, options }: PublishInput) {
    return this.spool.publish(topic, payload, options);
  }

  topics(): Promise<TopicInfo[]> {
    return this.spool.topics();
  }

  events(topic: string, page: { after?: string; limit?: number }): Promise<{ events: EventRecord[]; next: string | null }> {
    return this.spool.eventLog(topic, page);
  }

  subscriptions(): Promise<SubscriptionRow[]> {
    return this.spool.subscriptions();
  }

  replay(subscription: string, from: ReplayStart): Promise<number> {
    return this.spool.replay(subscription, from);
  }

  queueState(queue: string): Promise<QueueStateRow> {
    return this.spool.queue(queue);
  }

  pause(queue: string, refuse: boolean): Promise<unknown> {
    return this.spool.pause(queue, refuse ? { refuse } : {});
  }

  resume(queue: string): Promise<unknown> {
    return this.spool.resume(queue);
  }

  setLimits(queue: string, limits: QueueLimits): Promise<unknown> {
    return this.spool.configureQueue(queue, limits);
  }

  async breakers(): Promise<BreakerRow[]> {
    return (await this.spool.breakers()).map(breakerView);
  }

  group(id: string): Promise<GroupStatus> {
    return this.spool.groupStatus(id);
  }

  schedules(): Promise<ScheduleRecord[]> {
    return this.spool.schedules();
  }

  setSchedule(name: string, cron: string, options: ScheduleOptions): Promise<ScheduleRecord> {
    return this.spool.schedule(name, cron, options);
  }

  deleteSchedule(name: string): Promise<void> {
    return this.spool.unschedule(name);
  }

  async bridges(): Promise<never> {
    throw new CliError(
      "Bridges run inside `spool serve` and `spool worker`, and their state lives there, not in the store: ask that server with --url (or SPOOL_URL) instead of --store. Outbound bridges' backlogs show in `spool subscriptions` as bridge-<name>.",
      exitCodes.usage,
    );
  }

  /** Polls the store every 250 ms; the job may run in any process. */
  async watch(id: string, onChange: (job: JobView) => void, signal: AbortSignal): Promise<JobView> {
    let seen = '';
    for (;;) {
      if (signal.aborted) throw signal.reason;
      const job = await this.getJob(id);
      const key = `${job.status}/${job.attempts}/${JSON.stringify(job.progress)}`;
      if (key !== seen) {
        seen = key;
        onChange(job);
      }
      if (finalStatuses.includes(job.status)) return job;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  close(): Promise<void> {
    return this.spool.close({ timeout: 1_000 });
  }
}
