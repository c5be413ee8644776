/**
 * @module
 * Each job's own log: what a handler logs with `ctx.log` still goes to the Spool's logger, and is
 * also kept with the job (the store's `logs` part). Lines are buffered per attempt and written in
 * batches, at most one write in flight per job (as progress writes coalesce); the last batch is
 * written before the attempt's outcome, so every attempt's lines are there once the job moves on.
 * Nothing here runs for a handler that never logs: the keeper is made on the first line.
 */
import type { Clock } from '../core/clock.js';
import { coerceError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { ClaimedJob } from '../core/types.js';
import { sanitizeText } from '../core/validate.js';
import type { JobLogLevel, LogLineWrite, LogsPart } from '../store/contract.js';

/** Longest message kept, in characters; longer ones are cut with an ellipsis. */
export const maxLogMessage = 2_000;
/** Largest fields kept, in characters of JSON; larger ones are replaced by `{ truncated: true, bytes }`. */
export const maxLogFields = 8_192;
/** How long lines wait for company before a write, while the handler runs: live enough to follow, few writes. */
const flushDelayMs = 200;

/** A line as stored: sanitised message, bounded fields as JSON text. */
export function toLogLineWrite(level: JobLogLevel, message: unknown, fields: unknown, attempt: number, at: number): LogLineWrite {
  const text = typeof message === 'string' ? message : String(message);
  return {
    level,
    message: sanitizeText(text.length > maxLogMessage ? `${text.slice(0, maxLogMessage - 1)}…` : text),
    fields: fieldsText(fields),
    attempt,
    at,
  };
}

function fieldsText(fields: unknown): string | null {
  if (fields === undefined || fields === null) return null;
  let json: string | undefined;
  try {
    json = JSON.stringify(fields, (_key, value: unknown) =>
      value instanceof Error
        ? { name: value.name, message: value.message, code: (value as { code?: unknown }).code }
        : typeof value === 'bigint'
          ? value.toString()
          : value,
    );
  } catch {
    return '{"unserialisable":true}';
  }
  if (json === undefined || json === '{}') return null;
  if (typeof fields !== 'object') json = JSON.stringify({ value: JSON.parse(json) });
  return sanitizeText(json.length > maxLogFields ? JSON.stringify({ truncated: true, bytes: json.length }) : json);
}

/** One attempt's lines on their way to the store. */
class Keeper {
  private lines: LogLineWrite[] = [];
  private dropped = 0;
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly job: ClaimedJob,
    private readonly logs: JobLogs,
  ) {}

  add(level: JobLogLevel, message: unknown, fields: unknown): void {
    if (this.closed) return;
    const { cap } = this.logs;
    this.lines.push(toLogLineWrite(level, message, fields, this.job.attempts, this.logs.clock.now()));
    // A chatty handler between two writes: keep the newest `cap` lines, count the rest.
    if (this.lines.length >= 2 * cap) this.shed(this.lines.length - cap);
    if (!this.timer && !this.writing) this.timer = setTimeout(() => this.write(), flushDelayMs).unref();
  }

  /** Writes what is buffered and stops keeping lines; never throws. */
  close(): Promise<void> {
    this.closed = true;
    return this.write();
  }

  private shed(count: number): void {
    this.lines.splice(0, count);
    this.dropped += count;
  }

  private write(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.writing ??= this.drain().finally(() => {
      this.writing = null;
    });
    return this.writing;
  }

  private async drain(): Promise<void> {
    while (this.lines.length > 0 || this.dropped > 0) {
      if (this.lines.length > this.logs.cap) this.shed(this.lines.length - this.logs.cap);
      const lines = this.lines;
      const dropped = this.dropped;
      this.lines = [];
      this.dropped = 0;
      try {
        await this.logs.store.append(this.job.id, lines, this.logs.cap, dropped);
      } catch (err) {
        this.logs.logger.warn(`${lines.length} log line(s) of job ${this.job.id} could not be stored: ${coerceError(err).message}`, {
          queue: this.job.queue,
        });
      }
    }
  }
}

/** The keepers of one worker's running jobs. */
export class JobLogs {
  private readonly keepers = new Map<string, Keeper>();

  constructor(
    readonly store: LogsPart,
    /** Lines kept per job (jobLogLimit), at least 1. */
    readonly cap: number,
    readonly clock: Clock,
    readonly logger: Logger,
  ) {}

  /** `logger` that also keeps each line with `job`. Called on the handler's first use of `ctx.log`. */
  keeping(job: ClaimedJob, logger: Logger): Logger {
    const keeper = new Keeper(job, this);
    this.keepers.set(job.id, keeper);
    const level =
      (at: JobLogLevel) =>
      (message: string, fields?: Record<string, unknown>): void => {
        logger[at](message, fields);
        keeper.add(at, message, fields);
      };
    return { debug: level('debug'), info: level('info'), warn: level('warn'), error: level('error') };
  }

  /** Writes the attempt's last lines; undefined (nothing to wait for) when the handler logged nothing. */
  finish(id: string): Promise<void> | undefined {
    const keeper = this.keepers.get(id);
    if (!keeper) return undefined;
    this.keepers.delete(id);
    return keeper.close();
  }
}
