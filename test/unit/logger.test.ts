/**
 * The default logger's pieces without a process: its JSON records, its level, the readable lines
 * for a terminal, and how a logger passed in is taken (ours as is, pino adapted, others refused).
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { childLogger, defaultLogger, isPino, jobFields, pinoLogger, toLogger } from '../../src/core/logger.js';
import { prettyLine } from '../../src/core/pretty-log.js';

function capture(options: Parameters<typeof defaultLogger>[0] = {}) {
  const lines: string[] = [];
  const logger = defaultLogger({ pretty: false, ...options, destination: { write: (line: string) => lines.push(line) } });
  return { logger, lines, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('the default logger', () => {
  it('writes one JSON object a line with level, time, msg and the fields', () => {
    const { logger, lines, records } = capture({ level: 'info' });
    logger.warn('Job 7 failed', jobFields({ id: '7', queue: 'mail', name: 'welcome', attempts: 2 }, 'a'.repeat(32)));
    expect(lines[0]?.endsWith('\n')).toBe(true);
    expect(records()[0]).toMatchObject({
      level: 'warn',
      time: expect.any(Number),
      msg: 'Job 7 failed',
      jobId: '7',
      queue: 'mail',
      name: 'welcome',
      attempt: 2,
      traceId: 'a'.repeat(32),
    });
  });

  it('logs at its level and above', () => {
    const { logger, records } = capture({ level: 'warn' });
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect(records().map((r) => r.level)).toEqual(['warn', 'error']);
  });

  it('reads SPOOL_LOG_LEVEL, and says so when it is not a level', () => {
    const before = process.env.SPOOL_LOG_LEVEL;
    try {
      process.env.SPOOL_LOG_LEVEL = 'ERROR';
      const quiet = capture();
      quiet.logger.warn('w');
      quiet.logger.error('e');
      expect(quiet.records().map((r) => r.msg)).toEqual(['e']);
      process.env.SPOOL_LOG_LEVEL = 'verbose';
      const fallback = capture();
      fallback.logger.debug('d');
      fallback.logger.info('i');
      expect(fallback.records().map((r) => r.msg)).toEqual([
        'SPOOL_LOG_LEVEL="verbose" is not a log level; logging at info. Use one of debug, info, warn, error or silent.',
        'i',
      ]);
    } finally {
      if (before === undefined) delete process.env.SPOOL_LOG_LEVEL;
      else process.env.SPOOL_LOG_LEVEL = before;
    }
  });

  it('writes an Error field as its message, type and stack', () => {
    const { logger, records } = capture();
    logger.error('Graceful shutdown failed', { error: Object.assign(new Error('store gone'), { code: 'E_GONE' }) });
    expect(records()[0]?.error).toMatchObject({ type: 'Error', message: 'store gone', code: 'E_GONE', stack: expect.any(String) });
  });

  it('writes readable lines when pretty', () => {
    const { logger, lines } = capture({ pretty: true });
    childLogger(logger, { jobId: '7', queue: 'mail' }).info('sending', { to: 'a b' });
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}sending {2}jobId=7 queue=mail to="a b"\n$/);
  });
});

describe('prettyLine', () => {
  const at = new Date(2026, 0, 2, 3, 4, 5, 6).getTime();
  it('shows time, level, message and fields, without pid and hostname', () => {
    const line = JSON.stringify({
      level: 'warn',
      time: at,
      pid: 1,
      hostname: 'h',
      msg: 'Lost it',
      jobId: '7',
      attempt: 1,
      extra: { a: 1 },
    });
    expect(prettyLine(line, false)).toBe('03:04:05.006 WARN  Lost it  jobId=7 attempt=1 extra={"a":1}\n');
  });
  it('colours the level when asked, and prints an error stack under an error line', () => {
    const line = JSON.stringify({ level: 'error', time: at, msg: 'Failed', error: { message: 'boom', stack: 'Error: boom\n    at x' } });
    const shown = prettyLine(line, true);
    expect(shown).toContain('\x1b[31mERROR\x1b[0m');
    expect(shown).toContain('error=boom');
    expect(shown).toContain('Error: boom\n    at x');
  });
  it('passes a line that is not JSON through', () => {
    expect(prettyLine('plain\n', false)).toBe('plain\n');
  });
});

describe('a logger passed in', () => {
  it('is used as it is when it has the four methods', () => {
    const calls: unknown[][] = [];
    const mine = {
      debug: (...a: unknown[]) => calls.push(['debug', ...a]),
      info: (...a: unknown[]) => calls.push(['info', ...a]),
      warn: (...a: unknown[]) => calls.push(['warn', ...a]),
      error: (...a: unknown[]) => calls.push(['error', ...a]),
    };
    expect(toLogger(mine)).toBe(mine);
    toLogger(mine).warn('m', { a: 1 });
    expect(calls).toEqual([['warn', 'm', { a: 1 }]]);
  });

  it('is adapted when it is pino: (fields, message)', () => {
    const records: Record<string, unknown>[] = [];
    const p = pino({ level: 'debug' }, { write: (line: string) => records.push(JSON.parse(line) as Record<string, unknown>) });
    expect(isPino(p)).toBe(true);
    expect(isPino(console)).toBe(false);
    toLogger(p).debug('hello', { jobId: '1' });
    pinoLogger(p.child({ component: 'x' })).error('bye');
    expect(records).toMatchObject([
      { level: 20, msg: 'hello', jobId: '1' },
      { level: 50, msg: 'bye', component: 'x' },
    ]);
  });

  it('is refused, naming what is missing, when it lacks a method', () => {
    expect(() => toLogger({ info() {}, warn() {} } as never, 'createSpool logger')).toThrow(
      'The createSpool logger has no debug, error method(s): pass an object with debug, info, warn and error taking (message, fields), or a pino logger.',
    );
  });
});
