/**
 * @module
 * Spool's own logger when none is passed: pino, writing one JSON object a line to stderr
 * (`{"level":"warn","time":…,"pid":…,"hostname":…,"msg":…,"jobId":…}`), at `SPOOL_LOG_LEVEL` (default
 * `info`). When stderr is a terminal the same records are printed as short readable lines
 * instead (`prettyLine`).
 *
 * Why our own formatter and not pino-pretty: pino-pretty brings 13 packages (colorette,
 * dateformat, help-me, minimist, pump, …) for a feature that matters only to a person watching a
 * terminal; the 60 lines of `pretty-log.ts` print what Spool logs (a message and flat fields). A
 * user who wants pino-pretty, or any transport, passes their own pino instance as `logger`.
 *
 * Writes are synchronous (`sync: true`): a process that crashes or calls `process.exit` right
 * after logging still has its last lines written. They cost no more than buffered ones here
 * (`bench/log-cost.ts`, CPU per line of a failed attempt, medians of 9 alternating runs): 3.7 µs
 * synchronous, 5.0 µs buffered (pino's asynchronous destination), against 2.3 µs for the old
 * `[spool] …` text, with stderr on /dev/null; 5.5, 5.8 and 3.7 µs into a file. A job that
 * completes logs nothing, so only failed attempts and warnings pay the 1.5 µs more.
 */
import { createRequire } from 'node:module';
import type * as PinoModule from 'pino';
import { prettyLine } from './pretty-log.js';

type Pino = typeof PinoModule.default;
let loaded: Pino | undefined;
/**
 * pino, loaded on the first default logger rather than with Spool: loading it costs about 10 ms
 * of CPU (33 ms against 21 ms for commander's import, medians of 3), which a CLI command that
 * never logs, or a program that passes its own logger, need not pay.
 */
const pino = (): Pino => {
  loaded ??= createRequire(import.meta.url)('pino') as Pino;
  return loaded;
};

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
const levels = new Set<string>(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);

export interface DefaultLoggerOptions {
  /** @defaultValue `SPOOL_LOG_LEVEL`, else `info` */
  level?: LogLevel;
  /** Readable lines instead of JSON. @defaultValue `process.stderr.isTTY` */
  pretty?: boolean;
  /** Where lines go. @defaultValue stderr (fd 2), written synchronously */
  destination?: { write(line: string): unknown };
}

let stderr: PinoModule.DestinationStream | undefined;

/** Spool's default logger: see the module comment. */
export function defaultLogger(options: DefaultLoggerOptions = {}) {
  const asked = options.level ?? process.env.SPOOL_LOG_LEVEL?.trim().toLowerCase() ?? 'info';
  const level = levels.has(asked) ? asked : 'info';
  const pretty = options.pretty ?? process.stderr.isTTY === true;
  const out = options.destination ?? (pretty ? process.stderr : (stderr ??= pino().destination({ fd: 2, sync: true })));
  const colour = pretty && !options.destination && process.stderr.hasColors?.() === true && !process.env.NO_COLOR;
  const stream = pretty ? { write: (line: string) => out.write(prettyLine(line, colour)) } : out;
  const p = pino()(
    {
      // No pino `name`: the job's name is a field of its own (`name`), and JSON keys must be unique.
      level,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { error: pino().stdSerializers.err, err: pino().stdSerializers.err },
    },
    stream,
  );
  const logger = {
    debug: (m: string, f?: Record<string, unknown>) => p.debug(f ?? {}, m),
    info: (m: string, f?: Record<string, unknown>) => p.info(f ?? {}, m),
    warn: (m: string, f?: Record<string, unknown>) => p.warn(f ?? {}, m),
    error: (m: string, f?: Record<string, unknown>) => p.error(f ?? {}, m),
  };
  if (level !== asked) {
    logger.warn(`SPOOL_LOG_LEVEL="${asked}" is not a log level; logging at info. Use one of debug, info, warn, error or silent.`);
  }
  return logger;
}
