/**
 * @module
 * The store conformance suite, written once and run against every store (hono-style): a store's
 * test file is three lines that call `runConformance` with a factory for an isolated store.
 * Every test gets its own SQLite file or PostgreSQL schema, a ManualClock and a silent logger.
 */
import { describe } from 'vitest';
import { busTests } from './bus.js';
import { changeTests } from './changes.js';
import { controlTests } from './control.js';
import { enqueueTests } from './enqueue.js';
import { flowTests } from './flow.js';
import { groupCommitTests } from './group-commit.js';
import { groupTests } from './groups.js';
import { jobLogTests } from './job-logs.js';
import { pipelineTests } from './pipelines.js';
import { type StoreFactory, useHarness } from './harness.js';
import { leaseTests } from './leases.js';
import { loggingTests } from './logging.js';
import { migrationTests } from './migrations.js';
import { namedClaimTests } from './named-claims.js';
import { outcomeTests } from './outcomes.js';
import { prefetchTests } from './prefetch.js';
import { positionTests } from './position.js';
import { processTests } from './processes.js';
import { recoveryTests } from './recovery.js';
import { registryTests } from './registry.js';
import { threadTests } from './threads.js';
import { scheduleTests } from './schedules.js';
import { tracingTests } from './tracing.js';
import { userMessageTests } from './user-messages.js';
import { validationTests } from './validation.js';
import { workerTests } from './worker.js';
import { workflowTests } from './workflows.js';

export type { StoreFactory, StoreTarget } from './harness.js';

export function runConformance(name: string, makeStoreUrl: StoreFactory): void {
  describe(`${name} store conformance`, () => {
    const h = useHarness(makeStoreUrl);
    migrationTests(h);
    enqueueTests(h);
    groupCommitTests(h);
    validationTests(h);
    workerTests(h);
    prefetchTests(h);
    namedClaimTests(h);
    controlTests(h);
    leaseTests(h);
    outcomeTests(h);
    processTests(h);
    recoveryTests(h);
    registryTests(h);
    threadTests(h);
    userMessageTests(h);
    changeTests(h);
    busTests(h);
    flowTests(h);
    workflowTests(h);
    positionTests(h);
    scheduleTests(h);
    tracingTests(h);
    loggingTests(h);
    groupTests(h);
    pipelineTests(h);
    jobLogTests(h);
  });
}
