/**
 * @module
 * Spool: durable asynchronous processing for TypeScript on SQLite or PostgreSQL.
 *
 * ```ts
 * const spool = await createSpool({ store: 'sqlite:./spool.db' });
 * spool.work('emails', { 'send-welcome': async (payload, ctx) => { … } }, { concurrency: 10 });
 * const job = await spool.enqueue('emails', 'send-welcome', { to: 'ada@example.com' });
 * const result = await job.wait();
 * ```
 */
export { createSpool, Spool } from './client/spool.js';
export type { EnqueueItem, JobHandle, JobPage, ListJobsOptions, SpoolSettings } from './client/spool.js';
export { Worker } from './worker/worker.js';
export type { EventHandler, EventPage, PublishedEvent, RunningSubscription, Subscription } from './client/bus.js';
export type { PublishItem, PublishOptions, SpoolEvent } from './bus/event.js';
export type { StartFrom, SubscribeOptions } from './bus/subscription.js';
export type { Bridges } from './bus/bridges/registry.js';
export type { BridgeConfig } from './bus/bridges/config.js';
export type { BridgeDirection, BridgeKind, BridgeState, BridgeStatus } from './bus/bridges/status.js';
export type { BreakerOptions, QueueLimits, QueueState } from './client/flow.js';
export type { QueuePosition } from './client/position.js';
export type { ScheduleOptions } from './client/schedules.js';
export type { GroupStatus } from './client/groups.js';
export type { Pipeline, PipelineOptions, PipelineStage } from './client/pipeline.js';
export type { JobLogLevel, LogLine, MissedPolicy, ScheduleRecord } from './store/contract.js';
export type { JobLogOptions } from './client/job-logs.js';
export type { BreakerPolicy, BreakerState, QueuePolicy } from './core/flow.js';
export type { Handler, Handlers, JobContext } from './worker/types.js';
export type { ThreadHandlers } from './worker/thread-pool.js';
export { ManualClock, systemClock } from './core/clock.js';
export type { Clock } from './core/clock.js';
export type { Duration } from './core/duration.js';
export {
  InvalidArgumentError,
  JobCancelledError,
  JobError,
  JobFailedError,
  JobNotFoundError,
  NonRetryableError,
  QueueFullError,
  RateLimitedError,
  RetryAfterError,
  BreakerOpenError,
  SpoolError,
  StoreUnavailableError,
  coerceError,
  isJobError,
  isNonRetryable,
  isSpoolError,
} from './core/errors.js';
export type { JobErrorOptions, SpoolErrorCode } from './core/errors.js';
export { userMessages } from './core/user-messages.js';
export type { SpoolEventName, SpoolEvents } from './core/events.js';
export { consoleLogger, defaultLogger, pinoLogger, silentLogger } from './core/logger.js';
export type { DefaultLoggerOptions, LogLevel, Logger, PinoLike } from './core/logger.js';
export type { EnqueueOptions, RetentionOptions, WorkOptions } from './core/options.js';
export type { SpoolOptions } from './client/spool-options.js';
export { finalStatuses, jobStatuses } from './core/types.js';
export type { BackoffPolicy, ClaimedJob, Job, JobErrorRecord, JobStatus, Json, NewJob, Progress } from './core/types.js';
export { backoffDelay } from './policies/backoff.js';
export type {
  BacklogPoint,
  EventFilter,
  EventRecord,
  FinalStatus,
  QueueCounts,
  Store,
  StoreListener,
  SubscriptionInfo,
  SubscriptionRecord,
  ThroughputPoint,
  TopicInfo,
  QueueRecord,
  BreakerRecord,
  Transaction,
} from './store/contract.js';
export { openStore } from './store/open-store.js';
export { defineConfig } from './config/define-config.js';
export type { QueueConfig, SpoolConfig, TokenConfig } from './config/define-config.js';
export { signWebhook, verifyWebhook } from './webhooks/signature.js';
export type { HeadersLike, SignatureScheme, StandardHeaders, VerifyOptions, VerifyResult } from './webhooks/signature.js';
export type { WebhookBody } from './webhooks/deliver.js';
