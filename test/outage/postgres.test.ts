/**
 * A store outage costs users nothing, against a real PostgreSQL behind a real TCP proxy that is
 * cut mid-job: `ctx.progress()` does not throw into the handler, the outcome is recorded once the
 * database is back, no attempt is spent on "Cannot reach PostgreSQL", the clients back off instead
 * of hammering the port, and the log has one line when it starts and one when it ends.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { type Spool, createSpool } from '../../src/index.js';
import { recordingLogger } from '../conformance/harness.js';
import { delay, eventually, gate } from '../helpers/eventually.js';
import { postgresStore, postgresUrl } from '../helpers/stores.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

const available = await postgresStore();

describe.runIf(available)('postgres: the connection is cut mid-job', () => {
  const schema = `t_outage_${randomBytes(4).toString('hex')}`;
  let proxy: TcpProxy | undefined;
  let spool: Spool | undefined;

  afterEach(async () => {
    proxy?.restore();
    await spool?.close({ timeout: 5_000 });
    await proxy?.close();
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  it('keeps progress out of the handler, records the outcome when PostgreSQL is back, and spends no attempt', async () => {
    const target = new URL(postgresUrl);
    proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
    const logger = recordingLogger();
    spool = await createSpool({ store: proxy.urlFor(postgresUrl), schema, logger, shutdownSignals: false, pollInterval: 100 });
    const started = gate();
    const carryOn = gate();
    let progressDuringOutage: unknown = 'not called';
    spool.work('media', {
      async resize(_payload: unknown, ctx) {
        await ctx.progress(10, 'started');
        started.open();
        await carryOn.promise;
        progressDuringOutage = await ctx.progress(50, 'halfway').then(
          () => 'resolved',
          (err: unknown) => err,
        );
        return { resized: true };
      },
    });
    const { id } = await spool.enqueue('media', 'resize', { file: 'cat.png' }, { maxAttempts: 1 });
    await started.promise;

    proxy.cut();
    const linesBefore = logger.lines.length;
    carryOn.open();
    await eventually(() => progressDuringOutage !== 'not called', 5_000);
    expect(progressDuringOutage).toBe('resolved');
    await delay(4_000);
    // Backoff: the claim loop, the completion's write, heartbeats, maintenance, the registry and the
    // LISTEN connection together tried a few connections in 4 s, not one per queue per poll.
    expect(proxy.refused).toBeGreaterThan(0);
    expect(proxy.refused).toBeLessThan(30);
    const during = logger.lines.slice(linesBefore).filter((l) => l.level === 'warn' || l.level === 'error');
    expect(during, JSON.stringify(during, null, 2)).toHaveLength(1);
    expect(during[0]?.message).toMatch(/; Spool keeps retrying with backoff: Cannot reach PostgreSQL at 127\.0\.0\.1:\d+\//);

    proxy.restore();
    const job = await eventually(async () => {
      const current = await spool?.getJob(id);
      return current?.status === 'completed' ? current : false;
    }, 15_000);
    // Finished work recorded, no attempt spent on the outage (maxAttempts 1, yet completed), no error stored.
    expect(job).toMatchObject({ status: 'completed', attempts: 1, errors: [], result: { resized: true } });
    const reconnected = logger.lines.filter((l) => /reconnected after/.test(l.message));
    expect(reconnected).toHaveLength(1);
    expect(reconnected[0]).toMatchObject({
      level: 'info',
      message: expect.stringMatching(/^The store answers again: reconnected after \d+\.\d s\.$/),
    });
    const seconds = Number(/after (\d+\.\d) s/.exec(reconnected[0]?.message ?? '')?.[1]);
    expect(seconds).toBeGreaterThanOrEqual(4);
    expect(seconds).toBeLessThan(15);
  });
});
