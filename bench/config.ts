/**
 * @module
 * Job counts, time bounds and connection settings for a full run and for `--quick`. Every number
 * the harness uses lives here.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const pgAdminUrl = 'postgres://postgres@127.0.0.1:5432/test';
export const pgUrl = (database: string): string => `postgres://postgres@127.0.0.1:5432/${database}`;
export const redis = { host: '127.0.0.1', port: 6379, db: 5 } as const;
export const sqliteDir = join(tmpdir(), 'spool-bench');
export const queueName = 'bench';
/** Jobs in flight per worker process. */
export const concurrency = 50;
/** Idle poll interval for systems that poll (Spool, graphile-worker); pg-boss cannot go below 500 ms. */
export const pollMs = 50;
/** Jobs per bulk-enqueue call, the same for every system. */
export const chunk = 5_000;
/** Connections per worker process for PostgreSQL systems (4 processes must fit max_connections = 100). */
export const pgPoolSize = 10;

export interface Sizes {
  throughputJobs: number;
  /** Longest wait for workload 1 to drain, per system. */
  throughputBoundMs: number;
  singleEnqueues: number;
  latencyJobs: number;
  latencyGapMs: number;
  scaleOutProcesses: number[];
  scaleOutJobs: number;
  scaleOutBoundMs: number;
  backlogJobs: number;
  backlogLoadBoundMs: number;
  /** How many backlog jobs the worker must start before the clock stops. */
  backlogSample: number;
  backlogBoundMs: number;
  ceilingBatchSizes: number[];
  ceilingJobs: number;
  ceilingLoops: number;
  ceilingInserts: number;
  /** Workload 8: events published, each delivered to 3 subscribers. */
  fanOutEvents: number;
  fanOutBoundMs: number;
  /** Workload 10: workflows of 5 steps (and as many 5-job chains). */
  workflowRuns: number;
}

export const fullSizes: Sizes = {
  throughputJobs: 50_000,
  throughputBoundMs: 120_000,
  singleEnqueues: 5_000,
  latencyJobs: 1_000,
  latencyGapMs: 5,
  scaleOutProcesses: [1, 2, 4],
  scaleOutJobs: 50_000,
  scaleOutBoundMs: 60_000,
  backlogJobs: 1_000_000,
  backlogLoadBoundMs: 300_000,
  backlogSample: 50_000,
  backlogBoundMs: 60_000,
  ceilingBatchSizes: [1, 10, 50, 200],
  ceilingJobs: 50_000,
  ceilingLoops: 4,
  ceilingInserts: 5_000,
  fanOutEvents: 20_000,
  fanOutBoundMs: 120_000,
  workflowRuns: 10_000,
};

export const quickSizes: Sizes = {
  throughputJobs: 5_000,
  throughputBoundMs: 8_000,
  singleEnqueues: 500,
  latencyJobs: 200,
  latencyGapMs: 5,
  scaleOutProcesses: [1, 2],
  scaleOutJobs: 3_000,
  scaleOutBoundMs: 4_000,
  backlogJobs: 100_000,
  backlogLoadBoundMs: 30_000,
  backlogSample: 5_000,
  backlogBoundMs: 5_000,
  ceilingBatchSizes: [1, 10, 50, 200],
  ceilingJobs: 5_000,
  ceilingLoops: 4,
  ceilingInserts: 500,
  fanOutEvents: 3_000,
  fanOutBoundMs: 30_000,
  workflowRuns: 1_000,
};
