/**
 * @module
 * What the client commands need from Spool, over HTTP (a server URL and a token) or straight
 * from a store URL. Both speak in JobViews, the API's job shape, so output is the same.
 */
import type { JobStatus } from '../core/types.js';
import type { JobView } from '../server/job-view.js';
import type { WorkerRecord } from '../store/contract.js';

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
  /** Deletes one finished job. */
  deleteJob(id: string): Promise<void>;
  /** Calls `onChange` with each new snapshot until the job reaches a final state; resolves with that job. */
  watch(id: string, onChange: (job: JobView) => void, signal: AbortSignal): Promise<JobView>;
  close(): Promise<void>;
}

export const finalStatuses: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];
