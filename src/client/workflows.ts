/**
 * @module
 * Wires the workflow runtime into workers: a run per job, with children resolved the way
 * `spool.enqueue` resolves jobs (validation, defaults), and reading a workflow's steps.
 */
import { InvalidArgumentError } from '../core/errors.js';
import type { AttemptSpan } from '../core/telemetry.js';
import type { ClaimedJob, NewJob } from '../core/types.js';
import type { SpawnItem } from '../core/workflow.js';
import type { StepRecord, Store } from '../store/contract.js';
import type { WorkflowRunPort } from '../worker/port.js';
import { WorkflowRun } from '../workflows/run.js';
import { toNewJob } from './new-job.js';
import type { SpoolSettings } from './settings.js';

/** The factory a worker's port gets, or undefined when the store keeps no steps. */
export function workflowFactory(
  store: Store,
  settings: SpoolSettings,
): ((job: ClaimedJob, version: number | null, span?: AttemptSpan | null) => WorkflowRunPort) | undefined {
  const steps = store.steps;
  if (!steps) return undefined;
  const deps = {
    steps,
    topics: store.topics,
    maxPayloadBytes: settings.maxPayloadBytes,
    childJob: (item: SpawnItem, parent: ClaimedJob): NewJob => childJob(item, parent, settings),
  };
  return (job, version, span) => new WorkflowRun(job, deps, version, span ?? null);
}

function childJob(item: SpawnItem, parent: ClaimedJob, settings: SpoolSettings): NewJob {
  const what = `a child of job ${parent.id}`;
  if (typeof item !== 'object' || item === null) throw new InvalidArgumentError(`${what} must be { queue, name, payload, options }.`);
  const options = item.options ?? {};
  const keyed = (['dedupe', 'debounce', 'singleton'] as const).find((key) => options[key] !== undefined);
  if (keyed) {
    throw new InvalidArgumentError(
      `${what} cannot use ${keyed}: a child is created with the step that records it, once per run. Use idempotencyKey if it must be unique.`,
    );
  }
  return toNewJob({ queue: item.queue, name: item.name, payload: item.payload ?? null, options }, what, settings);
}

/** A job's workflow steps, in the order they were first recorded (empty for a plain job). */
export async function stepsOf(store: Store, id: string): Promise<StepRecord[]> {
  if (!store.steps) throw new InvalidArgumentError('This store keeps no workflow steps.');
  return store.steps.list(id);
}
