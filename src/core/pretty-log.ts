/**
 * @module
 * One of pino's JSON lines as a line for a person at a terminal:
 * `12:04:05.123 WARN  Job 7 (mail/welcome) attempt 1 of 3 failed: boom  jobId=7 queue=mail attempt=1`.
 */

const shown: Record<string, [label: string, colour: number]> = {
  trace: ['TRACE', 90],
  debug: ['DEBUG', 90],
  info: ['INFO ', 36],
  warn: ['WARN ', 33],
  error: ['ERROR', 31],
  fatal: ['FATAL', 35],
};
/** Fields every line has, or that the line already says. */
const skipped = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

export function prettyLine(json: string, colour: boolean): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const paint = (code: number, text: string) => (colour ? `\x1b[${code}m${text}\x1b[0m` : text);
  const [label, code] = shown[String(record.level)] ?? [String(record.level).toUpperCase().padEnd(5), 0];
  const time = typeof record.time === 'number' ? clock(new Date(record.time)) : '';
  const fields: string[] = [];
  let stack = '';
  for (const [key, value] of Object.entries(record)) {
    if (skipped.has(key) || value === undefined) continue;
    if ((key === 'error' || key === 'err') && typeof value === 'object' && value !== null) {
      const { message, code: errorCode, stack: trace } = value as { message?: unknown; code?: unknown; stack?: unknown };
      fields.push(`${key}=${quoted(message)}${errorCode ? ` code=${quoted(errorCode)}` : ''}`);
      if (typeof trace === 'string' && (record.level === 'error' || record.level === 'fatal')) stack = `\n${paint(90, trace)}`;
      continue;
    }
    fields.push(`${key}=${quoted(value)}`);
  }
  const rest = fields.length > 0 ? `  ${paint(90, fields.join(' '))}` : '';
  return `${paint(90, time)} ${paint(code, label)} ${String(record.msg ?? '')}${rest}${stack}\n`;
}

/** The local time of day to the millisecond: the date is today's while a person watches. */
function clock(at: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}.${String(at.getMilliseconds()).padStart(3, '0')}`;
}

/** A value as `key=value` shows it: plain when it has no spaces or quotes, JSON otherwise. */
function quoted(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
