/**
 * What a log line costs on stderr: the old `[spool] level message {fields}` writer, Spool's
 * default pino logger with synchronous writes (what ships), and pino with asynchronous
 * (buffered) writes. CPU µs per line (process.cpuUsage), median of alternating runs.
 *
 *   node --import tsx bench/log-cost.ts 2>/dev/null     (or 2>somefile: what a service writes to)
 */
import pino from 'pino';
import { defaultLogger } from '../src/core/logger.js';

type Log = (message: string, fields: Record<string, unknown>) => void;

/** The writer Spool had before its logs were JSON lines. */
const before: Log = (message, fields) => {
  process.stderr.write(`[spool] warn ${message} ${JSON.stringify(fields)}\n`);
};
const sync = defaultLogger({ level: 'info', pretty: false });
const asyncDestination = pino.destination({ fd: 2, sync: false, minLength: 4096 });
const buffered = pino({ level: 'info', formatters: { level: (label) => ({ level: label }) } }, asyncDestination);

const writers: Record<string, Log> = {
  'before ([spool] text, process.stderr)': before,
  'pino, sync fd 2 (default)': (m, f) => sync.warn(m, f),
  'pino, async fd 2 (buffered)': (m, f) => buffered.warn(f, m),
};

const lines = Number(process.env.LINES ?? 20_000);
const rounds = Number(process.env.ROUNDS ?? 5);
const fields = {
  jobId: '123456',
  queue: 'reports',
  name: 'render',
  attempt: 2,
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  retryInMs: 1000,
};

async function once(log: Log): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < lines; i++) log(`Job 123456 (reports/render) attempt 2 of 3 failed: renderer crashed on page ${i}`, fields);
  // Let process.stderr (a pipe or file may be asynchronous) and the buffered destination drain.
  await new Promise((resolve) => setImmediate(resolve));
  asyncDestination.flushSync();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / lines;
}

const results: Record<string, number[]> = Object.fromEntries(Object.keys(writers).map((name) => [name, []]));
for (let round = 0; round < rounds; round++) {
  for (const [name, log] of Object.entries(writers)) results[name]?.push(await once(log));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
for (const [name, xs] of Object.entries(results)) {
  process.stdout.write(`${name.padEnd(40)} ${median(xs).toFixed(2)} µs/line CPU (runs: ${xs.map((x) => x.toFixed(2)).join(', ')})\n`);
}
