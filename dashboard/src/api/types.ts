/**
 * The shapes the v1 API answers with. Jobs come from the server's own view type (type-only: the
 * dashboard ships none of the server's code), so the two cannot drift apart.
 */
export type { JobErrorView, JobView } from '../../../src/server/job-view.js';
export type { JobStatus, Progress } from '../../../src/core/types.js';
// The status lists are plain constants in a module with no imports: bundling them shares one truth.
export { finalStatuses, jobStatuses } from '../../../src/core/types.js';
export type { BacklogPoint, ScheduleRecord, ThroughputPoint, WorkerRecord } from '../../../src/store/contract.js';

import type { JobErrorRecord, JobStatus } from '../../../src/core/types.js';
import type { JobView } from '../../../src/server/job-view.js';

export type Scope = 'enqueue' | 'read' | 'admin';

export interface Whoami {
  name: string;
  scopes: Scope[];
  insecure: boolean;
}

export type Counts = Record<JobStatus, number>;

export interface QueueSummary {
  name: string;
  counts: Counts;
  /** No process claims its jobs until it is resumed. */
  paused: boolean;
  total: number;
  /** Spool's own queue (`spool.*`): webhook deliveries. */
  internal: boolean;
}

export interface JobPage {
  jobs: JobView[];
  nextCursor: string | null;
}

/** An error with its name and stack, from `GET /v1/jobs/{id}/errors` (admin scope). */
export type JobErrorDetail = JobErrorRecord;

/** An RFC 9457 problem, as every error response of the API is. */
export interface Problem {
  status: number;
  code: string;
  detail: string;
  title?: string;
}

// The event bus: topics, the retained log, subscriptions (GET /v1/topics, /v1/topics/{t}/events,
// /v1/subscriptions, /v1/stats/events).
export type {
  EventRatePoint,
  EventFilter,
  EventRecord as BusEvent,
  TopicInfo as Topic,
} from '../../../src/store/contract.js';
import type { EventRecord, SubscriptionInfo } from '../../../src/store/contract.js';

/** A subscription as `GET /v1/subscriptions` lists it (the backoff policy stays on the server). */
export type Subscription = Omit<SubscriptionInfo, 'backoff'>;

export interface EventPage {
  events: EventRecord[];
  /** Pass as `after` for the next page; null at the end of the log. */
  next: string | null;
}

/** Where a replay starts: the whole retained log, or a time (epoch ms). */
export type ReplayFrom = 'beginning' | number;

// Flow control: a queue's limits and their live state (GET /v1/queues/{queue}), the shared
// circuit breakers (GET /v1/breakers), and the limits body (PUT /v1/queues/{queue}/limits).
// src/core/flow.ts imports nothing, so its types come straight from the server; the shapes below
// mirror src/client/flow.ts (QueueState, QueueLimits), which the browser build cannot type-check.
export type { BreakerPolicy, BreakerStatus, QueuePolicy } from '../../../src/core/flow.js';
import type { BreakerPolicy, BreakerStatus, QueuePolicy } from '../../../src/core/flow.js';

/** A breaker as a queue's state shows it: `until` and `reason` are set while it is open. */
export interface BreakerView {
  name: string;
  status: BreakerStatus;
  until: number | null;
  reason: string | null;
}

/** A breaker as `GET /v1/breakers` lists it: its status, its policy and when it last changed. */
export interface BreakerInfo extends BreakerView {
  policy: BreakerPolicy;
  updatedAt: number;
}

/** `GET /v1/queues/{queue}`: counts, limits and their live state. */
export interface QueueState {
  name: string;
  counts: Counts;
  paused: boolean;
  refuseWhenPaused: boolean;
  maxDepth: number | null;
  policy: QueuePolicy;
  /** The breakers guarding it (the whole queue, or jobs by name). */
  breakers: BreakerView[];
  /** Starts in each rate window now, by key ('' is the queue's own window), against the limit. */
  rate: { key: string; used: number; limit: number }[];
  /** Running jobs per concurrency key. */
  activeByKey: Record<string, number>;
}

/** The body of `PUT /v1/queues/{queue}/limits`: only the fields given change; null removes a limit. */
export interface LimitsChange {
  concurrency?: number | null;
  keyConcurrency?: number | null;
  rateLimit?: { limit: number; per: string; key?: string } | null;
  maxDepth?: number | null;
  breaker?: string | null;
  breakers?: Record<string, string>;
  refuseWhenPaused?: boolean;
}

/** A workflow step as `GET /v1/jobs/{id}/steps` answers it. */
export interface StepView {
  name: string;
  seq: number | null;
  kind: 'step' | 'sleep' | 'event' | 'children' | 'version' | 'compensation';
  status: 'completed' | 'failed' | 'retrying' | 'sleeping' | 'waiting';
  result: unknown;
  error: { message: string; code?: string; name?: string } | null;
  attempts: number;
  startedAt: number;
  finishedAt: number | null;
  durationMs: number | null;
  until: number | null;
  detail: unknown;
}

/** A line of a job's own log (`GET /v1/jobs/{id}/logs`, or a `log` event of its stream). */
export interface LogLineView {
  seq: number;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields: Record<string, unknown> | null;
  attempt: number;
  at: number;
  /** On the marker line only: how many older lines were dropped. */
  dropped?: number;
}
