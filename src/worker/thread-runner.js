/**
 * @module
 * Runs in each worker thread of a `work(queue, { module, threads })` pool (piscina loads it): one
 * task is one attempt. It loads the user's module once per thread, gives its handler a context
 * whose `signal` aborts when the main thread says so and whose `progress` posts to the main
 * thread, and returns the result, or the error as plain data (every own property kept, so
 * markers such as `isJobError` and `retryable` survive the crossing).
 *
 * Plain JavaScript on purpose: Node loads it in a thread as it is, from the sources as from dist/.
 */

/** @type {Map<string, Promise<Function>>} */
const handlers = new Map();

/** @param {string} href */
function load(href) {
  let handler = handlers.get(href);
  if (!handler) {
    handler = import(href).then((module) => {
      const found = typeof module.default === 'function' ? module.default : module.handler;
      if (typeof found !== 'function') {
        throw new TypeError(`The worker-thread module ${href} exports no handler: export a function as default (or as "handler").`);
      }
      return found;
    });
    handlers.set(href, handler);
  }
  return handler;
}

/** @param {unknown} error */
function describe(error) {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), props: { thrown: safe(error) } };
  /** @type {Record<string, unknown>} */
  const props = {};
  for (const [key, value] of Object.entries(error)) props[key] = safe(value);
  return { name: error.name, message: error.message, stack: error.stack, props };
}

/** @param {unknown} value */
function safe(value) {
  try {
    return structuredClone(value);
  } catch {
    return String(value);
  }
}

/** Rebuilds the reason the main thread aborted with, for `ctx.signal.reason`. */
function reasonOf(reason) {
  const error = new Error(reason.message);
  error.name = reason.name;
  return Object.assign(error, reason.props);
}

/**
 * @param {{ module: string, payload: unknown, job: object, attempt: number, port: import('node:worker_threads').MessagePort }} task
 */
export default async function runAttempt(task) {
  const { module, payload, job, attempt, port } = task;
  const controller = new AbortController();
  port.on('message', (message) => {
    if (message?.type === 'abort') controller.abort(reasonOf(message.reason));
  });
  const ctx = {
    job,
    attempt,
    signal: controller.signal,
    /** Posted to the main thread, which stores it: nothing to wait for here. */
    progress(value, message) {
      port.postMessage({ type: 'progress', value, message });
      return Promise.resolve();
    },
    log: Object.fromEntries(
      ['debug', 'info', 'warn', 'error'].map((level) => [
        level,
        (message, fields) => port.postMessage({ type: 'log', level, message, fields }),
      ]),
    ),
  };
  try {
    const handler = await load(module);
    return { ok: true, value: await handler(payload, ctx) };
  } catch (error) {
    return { ok: false, error: describe(error) };
  } finally {
    // The last message: the main thread has every progress and log line once it reads this.
    port.postMessage({ type: 'end' });
    port.close();
  }
}
