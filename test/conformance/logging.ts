/**
 * The logger a user passes: an object with debug/info/warn/error taking (message, fields)
 * receives Spool's lines as they are; a pino instance (whose methods take (fields, message)) is
 * recognised and receives the fields as properties of each JSON line.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Logger, PinoLike } from '../../src/index.js';
import { type Harness, recordingLogger } from './harness.js';

export function loggingTests(h: Harness): void {
  describe('logging', () => {
    const failing = async (logger: Logger | PinoLike) => {
      const spool = await h.open({ logger });
      spool.work('logged', async (_payload, ctx) => {
        ctx.log.info('trying', { step: 'one' });
        throw new Error('nope');
      });
      const handle = await spool.enqueue('logged', 'try', null, { maxAttempts: 1 });
      await expect(spool.waitFor(handle.id, { timeout: 5_000 })).rejects.toThrow('nope');
      return handle.id;
    };

    it('a logger of our own receives each line with the job fields', async () => {
      const logger = recordingLogger();
      const id = await failing(logger);
      const job = { jobId: id, queue: 'logged', name: 'try', attempt: 1 };
      expect(logger.lines.find((l) => l.message === 'trying')).toEqual({
        level: 'info',
        message: 'trying',
        fields: { ...job, step: 'one' },
      });
      const failed = logger.lines.find((l) => l.level === 'error');
      expect(failed?.message).toBe(`Job ${id} (logged/try) failed for good after 1 attempt(s): nope`);
      expect(failed?.fields).toMatchObject(job);
    });

    it('a pino instance is accepted: the fields become properties of its JSON lines', async () => {
      const records: Record<string, unknown>[] = [];
      const logger = pino({ level: 'debug' }, { write: (line: string) => records.push(JSON.parse(line) as Record<string, unknown>) });
      const id = await failing(logger);
      const job = { jobId: id, queue: 'logged', name: 'try', attempt: 1 };
      expect(records.find((r) => r.msg === 'trying')).toMatchObject({ level: 30, ...job, step: 'one' });
      expect(records.find((r) => r.level === 50)).toMatchObject({
        msg: `Job ${id} (logged/try) failed for good after 1 attempt(s): nope`,
        ...job,
      });
    });

    it('a logger without the four methods is refused with what to pass', async () => {
      await expect(h.open({ logger: { info() {} } as never })).rejects.toThrow(/logger.*debug, info, warn and error/);
    });
  });
}
