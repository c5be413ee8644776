/**
 * @module
 * The store contract's job-log part (`Store.logs`): the lines a handler logged with `ctx.log`,
 * kept with its job, every attempt's, in order. Capped per job: past the cap the oldest lines go
 * and one marker line (`dropped`) says how many went. Deleted with the job (delete, purge, prune).
 */

export type JobLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** A line as a worker hands it over: already sanitised and bounded (see worker/job-log.ts). */
export interface LogLineWrite {
  level: JobLogLevel;
  message: string;
  /** The line's fields as JSON text, or null. */
  fields: string | null;
  /** The attempt that logged it, from 1. */
  attempt: number;
  /** When it was logged (the worker's clock, ms since the epoch). */
  at: number;
}

/** A stored line. */
export interface LogLine {
  /** Its place in the job's log: increasing, not contiguous; page and follow with `after`. */
  seq: number;
  level: JobLogLevel;
  message: string;
  fields: Record<string, unknown> | null;
  attempt: number;
  at: number;
  /** On the marker line only: how many older lines were dropped to keep the job within its cap. */
  dropped?: number;
}

export interface LogsPart {
  /**
   * Appends `lines` to the job's log in one transaction and trims it to its newest `cap` lines
   * (the marker not counted), folding the dropped ones, and `dropped` lines the caller already let
   * go, into the marker. Returns how many lines were stored: 0 when the job no longer exists.
   */
  append(jobId: string, lines: readonly LogLineWrite[], cap: number, dropped?: number): Promise<number>;
  /** Up to `limit` lines with seq above `after` (from the start without it), oldest first. */
  list(jobId: string, options: { after?: number; limit: number }): Promise<LogLine[]>;
  /** The seq of the job's newest line, or 0 when it has none: where a follower starts. */
  lastSeq(jobId: string): Promise<number>;
}

/** The marker's message: the only line a store writes itself. */
export function droppedMessage(dropped: number): string {
  return `${dropped} earlier line${dropped === 1 ? ' was' : 's were'} dropped: a job keeps its newest lines only (jobLogLimit).`;
}

interface LogRow {
  seq: number | string;
  level: JobLogLevel;
  message: string;
  fields: string | null;
  attempt: number | string;
  at: number | string;
  dropped: number | string | null;
}

/** A row of either store as a LogLine (PostgreSQL's bigints arrive as text). */
export function toLogLine(row: LogRow): LogLine {
  const line: LogLine = {
    seq: Number(row.seq),
    level: row.level,
    message: row.message,
    fields: row.fields === null ? null : (JSON.parse(row.fields) as Record<string, unknown>),
    attempt: Number(row.attempt),
    at: Number(row.at),
  };
  if (row.dropped !== null) {
    line.dropped = Number(row.dropped);
    line.message = droppedMessage(line.dropped);
  }
  return line;
}
