/**
 * @module
 * Job counts, time bounds and connection settings for a full run and for `--quick`. Every number
 * the harness uses lives here.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * `SPOOL_BENCH_TAG` (lower-case letters) suffixes every database, the SQLite folder and picks
 * another Redis DB index, so two runs on one machine do not wipe each other's data.
 */
const tag = /^[a-z]*$/.test(process.env.SPOOL_BENCH_TAG ?? '') ? (process.env.SPOOL_BENCH_TAG ?? '') : '';

export const pgAdminUrl = 'postgres://postgres@127.0.0.1:5432/test';
/** The benchmark database `database` as this run names it (see SPOOL_BENCH_TAG). */
export const databaseName = (database: string): string => `${database}${tag}`;
/**
 * Read at each call: the network workload points children at its delay proxy through
 * `SPOOL_BENCH_PG_PORT` and `SPOOL_BENCH_REDIS_PORT`, which spawned workers inherit.
 */
export const pgUrl = (database: string): string =>
  `postgres://postgres@127.0.0.1:${process.env.SPOOL_BENCH_PG_PORT ?? 5432}/${databaseName(database)}`;
export const redis = {
  host: '127.0.0.1',
  get port(): number {
    return Number(process.env.SPOOL_BENCH_REDIS_PORT ?? 6379);
  },
  db: tag ? 6 + (tag.charCodeAt(0) % 9) : 5,
};
export const sqliteDir = join(tmpdir(), `spool-bench${tag}`);
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
  /** Workload 12 (a network hop): jobs drained, jobs picked up one at a time, the time bound per system. */
  networkJobs: number;
  networkLatencyJobs: number;
  networkBoundMs: number;
  /** Workload 10: enqueue requests per server, after a warm-up of a tenth as many. */
  httpRequests: number;
  /** Workload 11: single enqueues shared by 100 concurrent callers. */
  concurrentEnqueues: number;
  /** Workload "recovery": SIGKILLs per Spool store, and for BullMQ (each of its rounds waits out a 30 s lock). */
  recoveryKills: number;
  recoveryPeerKills: number;
  /** Workload "threads": 50 ms hash jobs per pool size, and main-thread pings while 2 threads are busy. */
  threadJobs: number;
  threadLatencyJobs: number;
  /** Workload 12: open event streams, and status changes timed on them. */
  sseStreams: number;
  sseChanges: number;
  /** Workload 17: workflows of 5 steps (and as many 5-job chains). */
  workflowRuns: number;
  /** Workload 18: waiting jobs of a name no worker handles, beside the handled ones. */
  unhandledJobs: number;
  /** Workload 19: completed jobs past retention pruned from a fresh SQLite file. */
  pruneJobs: number;
}

/** Connections (workload 10) and callers (workload 11) in flight at once. */
export const httpConcurrency = 100;

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
  networkJobs: 10_000,
  networkLatencyJobs: 500,
  networkBoundMs: 20_000,
  httpRequests: 20_000,
  concurrentEnqueues: 20_000,
  recoveryKills: 20,
  recoveryPeerKills: 4,
  threadJobs: 120,
  threadLatencyJobs: 200,
  sseStreams: 10_000,
  sseChanges: 200,
  workflowRuns: 10_000,
  unhandledJobs: 200_000,
  pruneJobs: 1_000_000,
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
  networkJobs: 3_000,
  networkLatencyJobs: 150,
  networkBoundMs: 8_000,
  httpRequests: 5_000,
  concurrentEnqueues: 5_000,
  recoveryKills: 5,
  recoveryPeerKills: 1,
  threadJobs: 40,
  threadLatencyJobs: 50,
  sseStreams: 10_000,
  sseChanges: 100,
  workflowRuns: 1_000,
  unhandledJobs: 20_000,
  pruneJobs: 100_000,
};
