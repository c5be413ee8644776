/**
 * The shapes the v1 API answers with. Jobs come from the server's own view type (type-only: the
 * dashboard ships none of the server's code), so the two cannot drift apart.
 */
export type { JobErrorView, JobView } from '../../../src/server/job-view.js';
export type { JobStatus, Progress } from '../../../src/core/types.js';

import type { JobStatus } from '../../../src/core/types.js';
import type { JobView } from '../../../src/server/job-view.js';

export const jobStatuses: readonly JobStatus[] = ['waiting', 'active', 'completed', 'failed', 'cancelled'];
export const finalStatuses: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];

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
}

export interface JobPage {
  jobs: JobView[];
  nextCursor: string | null;
}

export interface ThroughputPoint {
  at: number;
  queue: string;
  completed: number;
  failed: number;
}

export interface BacklogPoint {
  at: number;
  queue: string;
  waiting: number;
  active: number;
}

/** An error with its name and stack, from `GET /v1/jobs/{id}/errors` (admin scope). */
export interface JobErrorDetail {
  message: string;
  code?: string;
  name?: string;
  stack?: string;
  attempt: number;
  at: number;
  final?: boolean;
}

/** An RFC 9457 problem, as every error response of the API is. */
export interface Problem {
  status: number;
  code: string;
  detail: string;
  title?: string;
}
