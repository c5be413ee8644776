/**
 * The shapes the v1 API answers with. Jobs come from the server's own view type (type-only: the
 * dashboard ships none of the server's code), so the two cannot drift apart.
 */
export type { JobErrorView, JobView } from '../../../src/server/job-view.js';
export type { JobStatus, Progress } from '../../../src/core/types.js';
// The status lists are plain constants in a module with no imports: bundling them shares one truth.
export { finalStatuses, jobStatuses } from '../../../src/core/types.js';
export type { BacklogPoint, ThroughputPoint, WorkerRecord } from '../../../src/store/contract.js';

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
