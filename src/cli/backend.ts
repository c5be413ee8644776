/**
 * @module
 * What the client commands need from Spool, over HTTP (a server URL and a token) or straight
 * from a store URL. Both speak in JobViews, the API's job shape, so output is the same.
 */
import type { BridgeStatus } from '../bus/bridges/status.js';
import type { JobStatus } from '../core/types.js';
import type { EventRecord, TopicInfo } from '../store/contract.js';
import type { JobView } from '../server/job-view.js';
import type { ScheduleRecord, WorkerRecord } from '../store/contract.js';
import type { ScheduleOptions } from '../client/schedules.js';
import type { GroupStatus } from '../client/groups.js';

export interface EnqueueInput {
  queue: string;
  name: string;
  payload: unknown;
  options: Record<string, unknown>;
}

export interface QueueRow {
  name: string;
  counts: Record<JobStatus, number>;
  total: number;
}

export interface ListInput {
  queue?: string;
  status?: string;
  name?: string;
  limit?: number;
  cursor?: string;
}

export interface PublishInput {
  topic: string;
  payload: unknown;
  options: { id?: string; name?: string; key?: string; headers?: Record<string, string> };
}

/** A subscription as the CLI lists it (the API's shape). */
export interface SubscriptionRow {
  name: string;
  topic: string;
  queue: string;
  filter: { names?: string[]; headers?: Record<string, string> } | null;
  ordered: boolean;
  backlog: number;
  lagMs: number;
}

/** Where a replay starts, as the API takes it. */
export type ReplayStart = 'beginning' | number | { eventId: string } | { afterSeq: string };

/** A queue's state as the CLI shows it (the API's shape). */
export type QueueStateRow = import('../client/flow.js').QueueState;

/** A breaker as the CLI lists it. */
export interface BreakerRow {
  name: string;
  status: string;
  until: number | null;
  reason: string | null;
}

/** A workflow step as `GET /v1/jobs/{id}/steps` gives it. */
export interface StepView {
  name: string;
  seq: number | null;
  kind: string;
  status: string;
  result: unknown;
  error: { message: string; code?: string; name?: string } | null;
  attempts: number;
  startedAt: number;
  finishedAt: number | null;
  durationMs: number | null;
  until: number | null;
  detail: unknown;
}

/** A line of a job's own log as `GET /v1/jobs/{id}/logs` gives it. */
export type LogLineView = import('../store/contract.js').LogLine;

export interface Backend {
  /** Where it talks to, for messages: a URL. */
  readonly target: string;
  enqueue(input: EnqueueInput): Promise<{ id: string; status: JobStatus; created: boolean; job: JobView }>;
  /** The job, with `warning` when it waits and no running worker handles it. */
  getJob(id: string): Promise<JobView>;
  cancel(id: string): Promise<JobView>;
  retry(id: string): Promise<JobView>;
  listJobs(input: ListInput): Promise<{ jobs: JobView[]; nextCursor: string | null }>;
  queues(): Promise<QueueRow[]>;
  workers(queue?: string): Promise<WorkerRecord[]>;
  /** A workflow job's steps, in the order first recorded. */
  steps(id: string): Promise<StepView[]>;
  /** The job's own log lines after `after` (a seq), oldest first, and the seq to pass next. */
  jobLogs(id: string, after: number, limit: number): Promise<{ lines: LogLineView[]; next: number }>;
  /** Deletes one finished job. */
  deleteJob(id: string): Promise<void>;
  publish(input: PublishInput): Promise<{ id: string; seq: string; created: boolean; deliveries: number }>;
  topics(): Promise<TopicInfo[]>;
  events(topic: string, page: { after?: string; limit?: number }): Promise<{ events: EventRecord[]; next: string | null }>;
  subscriptions(): Promise<SubscriptionRow[]>;
  replay(subscription: string, from: ReplayStart): Promise<number>;
  queueState(queue: string): Promise<QueueStateRow>;
  pause(queue: string, refuse: boolean): Promise<unknown>;
  resume(queue: string): Promise<unknown>;
  setLimits(queue: string, limits: import('../client/flow.js').QueueLimits): Promise<unknown>;
  breakers(): Promise<BreakerRow[]>;
  /** A group's counts per status, progress and ETA. */
  group(id: string): Promise<GroupStatus>;
  schedules(): Promise<ScheduleRecord[]>;
  /** Creates or replaces a cron schedule; returns it as stored. */
  setSchedule(name: string, cron: string, options: ScheduleOptions): Promise<ScheduleRecord>;
  deleteSchedule(name: string): Promise<void>;
  /** The bridges the server runs (over HTTP only: their state lives in that process). */
  bridges(): Promise<BridgeStatus[]>;
  /** Calls `onChange` with each new snapshot until the job reaches a final state; resolves with that job. */
  watch(id: string, onChange: (job: JobView) => void, signal: AbortSignal): Promise<JobView>;
  close(): Promise<void>;
}

export { finalStatuses } from '../core/types.js';
