/**
 * @module
 * Child process entry: `node --import tsx bench/worker-process.ts <system> '<json options>'`.
 * Connects, prints `ready`, starts taking jobs on `go` (stdin), prints progress counts, and on
 * `stop` closes the worker and prints what it saw. One JSON object per stdout line.
 */
import { createInterface } from 'node:readline';
import { isSystemName, loadSystem } from './systems/index.js';
import type { BenchPayload, WorkerAdapter, WorkerOptions } from './types.js';
import { errorMessage, now } from './util.js';

export interface ChildOptions extends WorkerOptions {
  /** The child exits by itself after this long, whatever happens. */
  lifetimeMs: number;
}

export type ChildMessage =
  | { type: 'ready' }
  | { type: 'started' }
  | { type: 'count'; n: number }
  /** `cpuUs`: CPU time (user + system) this process spent from `go` to `stop`. */
  | { type: 'done'; n: number; maxRssKb: number; latencies: number[]; cpuUs: number }
  | { type: 'error'; message: string };

const send = (message: ChildMessage): void => {
  process.stdout.write(`${JSON.stringify(message)}\n`);
};

async function main(): Promise<void> {
  const [name, json] = process.argv.slice(2);
  if (!name || !isSystemName(name)) throw new Error(`Unknown system ${JSON.stringify(name)}`);
  const options = JSON.parse(json ?? '{}') as ChildOptions;
  setTimeout(() => {
    send({ type: 'error', message: `worker for ${name} outlived its ${options.lifetimeMs} ms bound` });
    process.exit(3);
  }, options.lifetimeMs).unref();

  const worker: WorkerAdapter = (await loadSystem(name)).createWorker(options);
  let count = 0;
  let reported = -1;
  const latencies: number[] = [];
  const onStart = (payload: BenchPayload): void => {
    count++;
    if (typeof payload?.t === 'number') latencies.push(now() - payload.t);
  };
  const ticker = setInterval(() => {
    if (count !== reported) send({ type: 'count', n: count });
    reported = count;
  }, 50);
  ticker.unref();

  await worker.prepare();
  send({ type: 'ready' });
  let cpuAtGo = process.cpuUsage();
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (line === 'go') {
      cpuAtGo = process.cpuUsage();
      await worker.start(onStart);
      send({ type: 'started' });
    } else if (line === 'stop') {
      clearInterval(ticker);
      const stopped = worker.stop().catch((err: unknown) => process.stderr.write(`${name} stop failed: ${errorMessage(err)}\n`));
      await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      const cpu = process.cpuUsage(cpuAtGo);
      send({ type: 'done', n: count, maxRssKb: process.resourceUsage().maxRSS, latencies, cpuUs: cpu.user + cpu.system });
      process.exit(0);
    }
  }
}

main().catch((err: unknown) => {
  send({ type: 'error', message: errorMessage(err) });
  process.exit(1);
});
