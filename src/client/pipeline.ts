/**
 * @module
 * Pipelines: stages, each a queue with a handler, where what one stage returns becomes the next
 * stage's job. Backpressure between stages is the flow-control issue's max depth and
 * `waitForRoom` (`room.ts`): every queue after the first gets `maxDepth: maxInFlight`, and a
 * stage hands its result on with `waitForRoom`, so a fast stage waits (holding its worker slot)
 * until the next has room, rather than flooding it. A retried stage hands on at most once (an
 * idempotency key per job).
 */
import type { Duration } from '../core/duration.js';
import { InvalidArgumentError } from '../core/errors.js';
import { assertName, assertPublicName } from '../core/names.js';
import type { Handler } from '../worker/types.js';
import type { Worker } from '../worker/worker.js';
import type { EnqueueOptions, WorkOptions } from '../core/options.js';
import type { Handlers } from '../worker/types.js';

/** What a pipeline needs from the Spool (a narrow port, so this module does not import it). */
export interface PipelineHost {
  enqueue(queue: string, name: string, payload: unknown, options?: EnqueueOptions): Promise<{ id: string }>;
  configureQueue(queue: string, limits: { maxDepth: number }): Promise<unknown>;
  work(queue: string, handlers: Handlers, options?: WorkOptions): Worker;
}

export interface PipelineStage {
  queue: string;
  /** Runs each item; what it returns is the next stage's payload (the last stage's is the job's result). */
  handler: Handler;
}

export interface PipelineOptions {
  /** Jobs each stage runs at once in this process. @defaultValue 1 */
  stageConcurrency?: number;
  /** The most items waiting between two stages (the max depth of every queue after the first). @defaultValue 100 */
  maxInFlight?: number;
  /** How long a stage waits for room in the next before its job fails (and retries). @defaultValue 1h */
  waitForRoom?: Duration;
}

export interface Pipeline {
  readonly name: string;
  /** Adds an item at the first stage. */
  enqueue(payload: unknown): Promise<{ id: string }>;
  /** The workers running the stages in this process, first stage first. */
  readonly workers: readonly Worker[];
  /** Stops this process's stage workers (gracefully). */
  close(): Promise<void>;
}

export async function startPipeline(
  spool: PipelineHost,
  name: string,
  stages: readonly PipelineStage[],
  options: PipelineOptions = {},
): Promise<Pipeline> {
  assertName(name, 'job name');
  if (!Array.isArray(stages) || stages.length < 2) {
    throw new InvalidArgumentError(
      `Pipeline ${name} needs at least two stages, each { queue, handler }; got ${Array.isArray(stages) ? stages.length : typeof stages}.`,
    );
  }
  const queues = stages.map((stage, i) => {
    if (typeof stage?.handler !== 'function') throw new InvalidArgumentError(`Stage ${i} of pipeline ${name} needs a handler function.`);
    return assertPublicName(stage.queue, 'queue');
  });
  if (new Set(queues).size !== queues.length)
    throw new InvalidArgumentError(`Each stage of pipeline ${name} needs a queue of its own; got ${queues.join(', ')}.`);
  const maxInFlight = options.maxInFlight ?? 100;
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) {
    throw new InvalidArgumentError(`maxInFlight of pipeline ${name} must be a whole number of at least 1; got ${String(maxInFlight)}.`);
  }
  for (const queue of queues.slice(1)) await spool.configureQueue(queue, { maxDepth: maxInFlight });
  const waitForRoom = options.waitForRoom ?? '1h';
  const workers = stages.map((stage, i) => {
    const next = queues[i + 1];
    const run: Handler = async (payload, ctx) => {
      const result = await stage.handler(payload, ctx);
      if (next === undefined) return result;
      const handed = await spool.enqueue(next, name, result, { waitForRoom, idempotencyKey: `pipeline:${name}:${ctx.job.id}` });
      return { next: handed.id };
    };
    return spool.work(queues[i] as string, { [name]: run }, { concurrency: options.stageConcurrency ?? 1 });
  });
  return {
    name,
    workers,
    enqueue: (payload) => spool.enqueue(queues[0] as string, name, payload),
    close: async () => {
      await Promise.all(workers.map((worker) => worker.close()));
    },
  };
}
