/**
 * @module
 * BullMQ on the local Redis, in its own DB index (flushed by setup). Bulk enqueue with addBulk;
 * one Worker at concurrency 50; completed jobs removed at once (removeOnComplete), as BullMQ's
 * docs advise for throughput.
 */
import { Queue, Worker } from 'bullmq';
import { queueName, redis } from '../config.js';
import type { BenchPayload, SystemAdapter, SystemModule, WorkerAdapter, WorkerOptions } from '../types.js';

const jobName = 'noop';
const defaultJobOptions = { removeOnComplete: true, removeOnFail: true };

export const system: SystemModule = {
  settings: (o) =>
    `Redis DB ${redis.db}; Queue.addBulk; Worker concurrency ${o.concurrency}; removeOnComplete/removeOnFail true; other options default`,
  createAdapter,
  createWorker,
};

function createAdapter(): SystemAdapter {
  let queue: Queue | null = null;
  const q = (): Queue => {
    queue ??= new Queue(queueName, { connection: { ...redis }, defaultJobOptions });
    return queue;
  };
  return {
    async setup() {
      // The runtime client is ioredis; flush the whole dedicated DB index, not just this queue's keys.
      const client = (await q().client) as unknown as { flushdb?: () => Promise<unknown> };
      if (typeof client.flushdb === 'function') await client.flushdb();
      else await q().obliterate({ force: true });
    },
    async enqueueBatch(payloads) {
      await q().addBulk(payloads.map((data) => ({ name: jobName, data })));
    },
    async enqueueOne(payload) {
      await q().add(jobName, payload);
    },
    async countUnfinished() {
      const counts = await q().getJobCounts('wait', 'active', 'delayed', 'prioritized', 'paused', 'waiting-children');
      return Object.values(counts).reduce((a, b) => a + b, 0);
    },
    async teardown() {
      await queue?.close();
      queue = null;
    },
  };
}

function createWorker(options: WorkerOptions): WorkerAdapter {
  let worker: Worker | null = null;
  let onStart: (payload: BenchPayload) => void = () => {};
  return {
    async prepare() {
      worker = new Worker(
        queueName,
        async (job) => {
          onStart(job.data as BenchPayload);
        },
        {
          connection: { ...redis, maxRetriesPerRequest: null },
          concurrency: options.concurrency,
          autorun: false,
          removeOnComplete: { count: 0 },
          removeOnFail: { count: 0 },
        },
      );
      worker.on('error', (err) => process.stderr.write(`bullmq worker error: ${err.message}\n`));
      await worker.waitUntilReady();
    },
    async start(handler) {
      onStart = handler;
      (worker as Worker).run().catch((err: Error) => process.stderr.write(`bullmq worker stopped: ${err.message}\n`));
    },
    async stop() {
      await worker?.close();
    },
  };
}
