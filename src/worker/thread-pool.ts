/**
 * @module
 * CPU-bound handlers on every core: `work(queue, { module, threads })` runs each attempt in a pool
 * of worker threads (piscina), so a handler that computes for 50 ms does not block the event loop
 * that claims, heartbeats and serves other queues. The payload goes in and the result comes out by
 * structured clone; `ctx.progress` and `ctx.log` post to this thread; the job's signal reaches the
 * thread (`ctx.signal` there aborts), and a thread that has not settled `abortGrace` after it is
 * terminated, so a runaway handler past its timeout fails with SPOOL_TIMEOUT and frees its core.
 * A thread that throws, exits or crashes fails only its own job; piscina starts a new thread.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import type { Piscina } from 'piscina';
import { defaults } from '../core/defaults.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { Handler, JobContext } from './types.js';

/** Handlers that run in worker threads: the module whose default export (or `handler`) takes every job. */
export interface ThreadHandlers {
  /** A JavaScript module Node can load: a path (relative to the current directory) or a file URL, e.g. `new URL('./resize.js', import.meta.url)`. */
  module: string | URL;
  /** Threads in the pool: a number, or 'auto' for one per core (`os.availableParallelism()`). @defaultValue 'auto' */
  threads?: 'auto' | number;
}

export function isThreadHandlers(handlers: unknown): handlers is ThreadHandlers {
  const module = (handlers as { module?: unknown } | null)?.module;
  return typeof module === 'string' || module instanceof URL;
}

export interface ThreadPoolHandler {
  handler: Handler;
  threads: number;
  /** Ends the threads (those still running are terminated). */
  close(): Promise<void>;
}

type Described = { name: string; message: string; stack?: string; props: Record<string, unknown> };
type Outcome = { ok: true; value: unknown } | { ok: false; error: Described };

/** Plain JavaScript, loaded by Node in each thread as it is (see the file). */
const runner = fileURLToPath(new URL('./thread-runner.js', import.meta.url));

/** Checks `spec` and makes the handler that runs each attempt in the pool; the pool starts with the first job. */
export function threadPoolHandler(queue: string, spec: ThreadHandlers): ThreadPoolHandler {
  const href = moduleHref(queue, spec.module);
  const threads = threadCount(queue, spec.threads);
  let pool: Promise<Piscina> | null = null;
  let closed = false;
  const open = (): Promise<Piscina> => {
    pool ??= import('piscina').then(
      ({ Piscina }) =>
        new Piscina({
          filename: runner,
          minThreads: threads,
          maxThreads: threads,
          idleTimeout: Number.POSITIVE_INFINITY,
          niceIncrement: defaults.threads.niceIncrement,
        }),
    );
    return pool;
  };
  const handler: Handler = async (payload, ctx) => {
    if (closed) throw new InvalidArgumentError(`The worker-thread pool of queue "${queue}" is closed.`);
    return runInThread(await open(), href, payload, ctx);
  };
  return {
    handler,
    threads,
    async close() {
      closed = true;
      await (await pool)?.destroy();
    },
  };
}

async function runInThread(pool: Piscina, href: string, payload: unknown, ctx: JobContext): Promise<unknown> {
  const { port1, port2 } = new MessageChannel();
  // Progress is written before the outcome: the outcome would end the lease the write is fenced by.
  const writes = new Set<Promise<void>>();
  port1.on('message', (message: { type: string; value?: never; message?: string; level?: 'debug'; fields?: Record<string, unknown> }) => {
    if (message.type === 'progress') {
      const write = ctx.progress(message.value as never, message.message).catch(() => {});
      writes.add(write);
      void write.finally(() => writes.delete(write));
    } else if (message.type === 'log') ctx.log[message.level ?? 'info'](message.message ?? '', message.fields);
    else if (message.type === 'end') ended();
  });
  // The thread's last message: every progress and log line it sent has arrived once this has.
  let ended: () => void = () => {};
  const drained = new Promise<void>((resolve) => {
    ended = resolve;
  });
  const terminate = new AbortController();
  let grace: NodeJS.Timeout | undefined;
  const signal = ctx.signal;
  const onAbort = (): void => {
    port1.postMessage({ type: 'abort', reason: describeReason(signal.reason) });
    grace = setTimeout(() => terminate.abort(signal.reason), defaults.threads.abortGrace);
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  try {
    const outcome = (await pool.run(
      { module: href, payload, job: ctx.job, attempt: ctx.attempt, port: port2 },
      { transferList: [port2] as never, signal: terminate.signal },
    )) as Outcome;
    await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, defaults.threads.abortGrace).unref())]);
    await Promise.all(writes);
    if (outcome.ok) return outcome.value;
    throw rebuild(outcome.error);
  } finally {
    clearTimeout(grace);
    signal.removeEventListener('abort', onAbort);
    port1.close();
  }
}

/** The error a thread threw, rebuilt with its own properties (the markers Spool reads: isJobError, retryable, code…). */
function rebuild(described: Described): Error {
  const error = new Error(described.message);
  error.name = described.name;
  if (described.stack) error.stack = described.stack;
  return Object.assign(error, described.props);
}

function describeReason(reason: unknown): Omit<Described, 'stack'> {
  const error = reason as { name?: string; message?: string; code?: unknown; isSpoolError?: unknown } | undefined;
  return {
    name: String(error?.name ?? 'AbortError'),
    message: String(error?.message ?? 'The job was stopped.'),
    props: { code: error?.code, isSpoolError: error?.isSpoolError },
  };
}

function moduleHref(queue: string, module: string | URL): string {
  const url = module instanceof URL ? module : pathToFileURL(isAbsolute(module) ? module : resolve(module));
  if (url.protocol !== 'file:') {
    throw new InvalidArgumentError(`work("${queue}", { module }): the module must be a file path or a file: URL, not ${url.href}.`);
  }
  if (!existsSync(fileURLToPath(url))) {
    throw new InvalidArgumentError(
      `work("${queue}", { module }): no file at ${fileURLToPath(url)}. Give a path relative to the current directory (${process.cwd()}) or a URL such as new URL('./resize.js', import.meta.url).`,
    );
  }
  return url.href;
}

function threadCount(queue: string, threads: ThreadHandlers['threads']): number {
  if (threads === undefined || threads === 'auto') return availableParallelism();
  if (!Number.isInteger(threads) || threads < 1 || threads > 1_024) {
    throw new InvalidArgumentError(
      `work("${queue}", { threads }): must be 'auto' or a whole number from 1 to 1024, not ${JSON.stringify(threads)}.`,
    );
  }
  return threads;
}
