/**
 * @module
 * The logging seam. Spool logs through any object with `debug`, `info`, `warn` and `error`
 * taking `(message, fields)` (winston and console fit as they are); a pino instance, whose methods
 * take `(fields, message)`, is recognised and adapted (`pinoLogger`). Without one, Spool writes
 * JSON lines through pino to stderr, or readable lines when stderr is a terminal (`defaultLogger`).
 */
import { defaultLogger } from './default-logger.js';
import { InvalidArgumentError } from './errors.js';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export { defaultLogger, type DefaultLoggerOptions, type LogLevel } from './default-logger.js';

/** The default logger at `level`. Kept from before logs were JSON lines; the same as `defaultLogger({ level })`. */
export function consoleLogger(level?: 'debug' | 'info' | 'warn' | 'error' | 'silent'): Logger {
  return defaultLogger(level ? { level } : {});
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** The same logger with fields added to every line. */
export function childLogger(parent: Logger, bound: Record<string, unknown>): Logger {
  return {
    debug: (m, f) => parent.debug(m, { ...bound, ...f }),
    info: (m, f) => parent.info(m, { ...bound, ...f }),
    warn: (m, f) => parent.warn(m, { ...bound, ...f }),
    error: (m, f) => parent.error(m, { ...bound, ...f }),
  };
}

/** The fields every line about one attempt of a job carries; `traceId` when the attempt is traced. */
export function jobFields(
  job: { id: string; queue: string; name: string; attempts: number },
  traceId?: string | null,
): Record<string, unknown> {
  const fields: Record<string, unknown> = { jobId: job.id, queue: job.queue, name: job.name, attempt: job.attempts };
  if (traceId) fields.traceId = traceId;
  return fields;
}

/** What Spool reads of a pino logger (any version): its methods take `(fields, message)`. */
export interface PinoLike {
  debug(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
  bindings(): object;
  child(bindings: object): unknown;
}

/** A pino instance as a Spool `Logger`: each call becomes `p[level](fields, message)`. */
export function pinoLogger(p: PinoLike): Logger {
  return {
    debug: (m, f) => p.debug(f ?? {}, m),
    info: (m, f) => p.info(f ?? {}, m),
    warn: (m, f) => p.warn(f ?? {}, m),
    error: (m, f) => p.error(f ?? {}, m),
  };
}

/**
 * A pino instance has `bindings()` and `levels.values`. It also passes as a `Logger` by its types
 * (pino accepts `(message, ...args)`), but then the fields would be dropped as format arguments.
 */
export function isPino(value: unknown): value is PinoLike {
  const v = value as { bindings?: unknown; child?: unknown; levels?: { values?: unknown } } | null;
  return typeof v?.bindings === 'function' && typeof v.child === 'function' && typeof v.levels?.values === 'object';
}

/** The logger a user passed, adapted when it is pino; the default logger when none was. */
export function toLogger(given: Logger | PinoLike | undefined, what = 'logger'): Logger {
  if (given === undefined) return defaultLogger();
  if (isPino(given)) return pinoLogger(given);
  const missing = (['debug', 'info', 'warn', 'error'] as const).filter((level) => typeof (given as Logger | null)?.[level] !== 'function');
  if (missing.length > 0) {
    throw new InvalidArgumentError(
      `The ${what} has no ${missing.join(', ')} method(s): pass an object with debug, info, warn and error taking (message, fields), or a pino logger.`,
    );
  }
  return given as Logger;
}
