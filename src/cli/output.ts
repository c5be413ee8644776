/**
 * @module
 * How the CLI prints: tables, one-line job summaries, the live progress bar, and JSON for scripts.
 */
import { type JobView, progressPercent } from '../server/job-view.js';

export interface Out {
  json: boolean;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

export function printJson(out: Out, value: unknown): void {
  out.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((row) => row.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((row) => typeof row[i] === 'number'));
  return cells
    .map((row) =>
      row
        .map((cell, i) => (numeric[i] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function progressText(job: JobView): string {
  const percent = progressPercent(job.progress);
  if (percent === null) return '';
  const value = job.progress?.value;
  const count = typeof value === 'object' && value ? ` (${value.done}/${value.total})` : '';
  return `${Math.round(percent)}%${count}${job.progress?.message ? ` ${job.progress.message}` : ''}`;
}

export function bar(percent: number, width = 24): string {
  const filled = Math.max(0, Math.min(width, Math.round((percent / 100) * width)));
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/** One line for the live view: `job 42 media/resize-image  active  [######......]  50%  message  attempt 1/3`. */
export function watchLine(job: JobView): string {
  const percent = progressPercent(job.progress) ?? (job.status === 'completed' ? 100 : 0);
  const message = job.progress?.message ? `  ${job.progress.message}` : '';
  // What the person waiting is told (the handler's message, or "We'll try again in 40 s (attempt 2 of 5).").
  const retry = job.status === 'waiting' && job.userMessage ? `  ${job.userMessage}` : '';
  return `job ${job.id} ${job.queue}/${job.name}  ${job.status.padEnd(9)} ${bar(percent)} ${String(Math.round(percent)).padStart(3)}%${message}  attempt ${job.attempts}/${job.maxAttempts}${retry}`;
}

/** "3 jobs ahead, starts in about 2 min (draining 1.5 jobs/min)", or "next; no jobs finished in the last 5 min, so no ETA". */
export function positionText(position: NonNullable<JobView['position']>, now = Date.now()): string {
  const place = position.ahead === 0 ? 'next in its queue' : `${position.ahead} job${position.ahead === 1 ? '' : 's'} ahead`;
  if (position.eta === null) return `${place}; no jobs of its queue finished in the last 5 min, so no ETA`;
  return `${place}, starts ${startsIn(position.eta - now)} (draining ${position.drainPerMinute} jobs/min)`;
}

function startsIn(ms: number): string {
  if (ms < 1_000) return 'now';
  if (ms < 60_000) return `in about ${Math.round(ms / 1_000)} s`;
  if (ms < 3_600_000) return `in about ${Math.round(ms / 60_000)} min`;
  return `in about ${Math.round(ms / 360_000) / 10} h`;
}

function time(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString();
}

/** The job for people: status, attempts, progress, times, and the result or the error. */
export function describeJob(job: JobView): string {
  const lines = [
    `job ${job.id}  ${job.queue}/${job.name}  ${job.status}`,
    `  attempts  ${job.attempts}/${job.maxAttempts}`,
    `  created   ${time(job.createdAt)}`,
  ];
  if (job.startedAt !== null) lines.push(`  started   ${time(job.startedAt)}`);
  if (job.finishedAt !== null) lines.push(`  finished  ${time(job.finishedAt)}`);
  if (job.status === 'waiting' && job.runAt > Date.now()) lines.push(`  runs at   ${time(job.runAt)}`);
  if (job.progress) lines.push(`  progress  ${bar(progressPercent(job.progress) ?? 0)} ${progressText(job)}`);
  if (job.status === 'completed') lines.push(`  result    ${JSON.stringify(job.result)}`);
  const last = job.error ?? job.errors.at(-1);
  if (last) {
    const code = last.code ? ` (${last.code})` : '';
    // The developer's message reaches operators only (admin tokens, --store); everyone sees what the user is told.
    if (last.message !== undefined)
      lines.push(`  ${job.error ? 'error    ' : 'last error'} ${last.message}${code} (attempt ${last.attempt})`);
    else lines.push(`  ${job.error ? 'error    ' : 'last error'} ${last.code ?? 'attempt failed'} (attempt ${last.attempt})`);
  }
  if (job.userMessage) lines.push(`  user sees ${job.userMessage}`);
  if (job.position) lines.push(`  position  ${positionText(job.position)}`);
  if (job.warning) lines.push(`  warning   ${job.warning}`);
  return lines.join('\n');
}

/** A live, rewriting line on a terminal; one line per change otherwise (logs, pipes). */
export class LiveLine {
  private last = '';
  private drawn = false;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  update(text: string): void {
    if (text === this.last) return;
    this.last = text;
    if (this.stream.isTTY) {
      const width = this.stream.columns || 120;
      this.stream.write(`\r\x1b[2K${text.length > width - 1 ? `${text.slice(0, width - 2)}…` : text}`);
      this.drawn = true;
    } else {
      this.stream.write(`${text}\n`);
    }
  }

  end(): void {
    if (this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}
