/**
 * @module
 * Every default Spool applies, in one place, so the documentation (`@defaultValue`), the config
 * file, the CLI and the library cannot disagree. Durations are milliseconds.
 */
import type { BackoffPolicy } from './types.js';

export const defaults = {
  store: 'sqlite:./spool.db',
  /** PostgreSQL schema for Spool's tables. */
  schema: 'spool',
  maxPayloadBytes: 1024 * 1024,
  /** Lines of `ctx.log` kept with each job (the oldest go first); 0 keeps none. */
  jobLogLimit: 1_000,
  job: {
    maxAttempts: 3,
    backoff: { type: 'exponential', base: 1_000, cap: 300_000 } as BackoffPolicy,
    timeout: null as number | null,
    priority: 0,
  },
  retention: { completed: 86_400_000, failed: 7 * 86_400_000, cancelled: 86_400_000, events: 7 * 86_400_000 },
  pollInterval: 1_000,
  shutdownTimeout: 30_000,
  shutdownSignals: ['SIGTERM', 'SIGINT'] as NodeJS.Signals[],
  work: {
    concurrency: 1,
    lease: 30_000,
    /** Leases are extended this often: a third of the lease, so two heartbeats may fail before it runs out. */
    heartbeatFraction: 1 / 3,
    minLease: 100,
  },
  maintenance: {
    /** How often expired leases are looked for: at most this, at least half the shortest lease. */
    rescueInterval: 5_000,
    /**
     * How often the jobs of dead workers are looked for (a session whose lock is gone, a pid that
     * is gone): one cheap statement, so a crashed worker's jobs run again within about a second.
     */
    orphanInterval: 500,
    pruneInterval: 60_000,
    /** Backlog samples kept for the dashboard's chart. */
    backlogKeep: 86_400_000,
    backlogSampleInterval: 15_000,
  },
  /** The worker registry (see WorkersPart). */
  registry: {
    /** How often a process's workers beat their rows. */
    heartbeatInterval: 5_000,
    /** A row silent this long is forgotten: its worker is taken for gone. */
    staleAfter: 30_000,
    /** How often, at most, an idle worker looks for waiting jobs no running worker handles. */
    unhandledCheckInterval: 60_000,
  },
  /** Handlers in worker threads (`work(queue, { module, threads })`). */
  threads: {
    /** How long a stopped job's thread may take to settle after its signal aborts before it is terminated. */
    abortGrace: 500,
    /**
     * The threads' scheduling priority below the main thread's (Linux and macOS, through piscina's
     * optional @napi-rs/nice): with every core busy hashing, the main thread still claims,
     * heartbeats and runs other queues at once. Measured on 2 cores: main-thread pick-up p99
     * 72 ms at the same priority.
     */
    niceIncrement: 10,
  },
  list: { limit: 50, maxLimit: 500 },
  server: { host: '127.0.0.1', port: 8080, bodyLimitExtra: 64 * 1024 },
  sse: { heartbeatMs: 15_000, retryMs: 1_000 },
  webhooks: {
    concurrency: 4,
    maxAttempts: 10,
    backoff: { type: 'exponential', base: 1_000, cap: 600_000 } as BackoffPolicy,
    timeout: 30_000,
  },
  bridges: {
    /** Waits between reconnection attempts to a broker, exponential with full jitter. */
    reconnect: { type: 'exponential', base: 500, cap: 30_000 } as BackoffPolicy,
    /** Outbound: deliveries relayed at once, so unconfirmed messages in flight. */
    concurrency: 50,
    /** Outbound: attempts before a delivery becomes a dead letter; with the backoff below, about four hours of broker outage. */
    maxAttempts: 1_000,
    backoff: { type: 'exponential', base: 1_000, cap: 30_000 } as BackoffPolicy,
    /** Outbound: how long a delivery waits for a connection, then for the broker's confirm, before it fails and retries. */
    confirmTimeout: 10_000,
    /** Inbound: unacknowledged messages the broker hands over at once; also the most events published in one transaction. */
    prefetch: 100,
    /** Inbound: how long the broker waits for an ack before it redelivers (JetStream's ack_wait). */
    ackWait: 30_000,
  },
  schedules: {
    /** How often a Spool running workers looks for due schedule ticks. */
    pollInterval: 1_000,
    /** A tick enqueued within this long after its time is on time; an older one was missed (see `missed`). */
    grace: 60_000,
  },
  /** A waiting job's ETA comes from how fast its queue drained over this window. */
  position: { drainWindowMs: 300_000 },
  stats: { windowMs: 3_600_000, bucketMs: 60_000, maxWindowMs: 86_400_000, minBucketMs: 1_000 },
} as const;
