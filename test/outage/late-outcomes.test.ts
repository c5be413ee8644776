/**
 * Item 7: PostgreSQL unreachable for longer than the lease while jobs finish. The worker reaches
 * the real server through a TCP proxy the test cuts; meanwhile another connection takes the
 * expired leases back (as any other process would). When the proxy lets traffic through again the
 * finished jobs are recorded as completed (their lease token still holds: nobody claimed them
 * since), none runs again, and a job with a single attempt that succeeded ends completed.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { type Job, type Spool, createSpool, silentLogger } from '../helpers/api.js';
import { delay, eventually, gate } from '../helpers/eventually.js';
import { postgresStore, postgresUrl } from '../helpers/stores.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

const available = await postgresStore();

describe.runIf(available)('postgres: an outage longer than the lease while jobs finish (item 7)', () => {
  const schema = `t_outage_${randomBytes(4).toString('hex')}`;
  let proxy: TcpProxy | undefined;
  const spools: Spool[] = [];

  afterEach(async () => {
    proxy?.restore();
    await Promise.all(spools.map((s) => s.close({ timeout: 2_000 })));
    await proxy?.close();
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  it('records the finished jobs as completed once the store is back; none runs again', { timeout: 60_000 }, async () => {
    const url = new URL(postgresUrl);
    proxy = await TcpProxy.start({ host: url.hostname, port: Number(url.port || 5432) });
    const proxied = new URL(postgresUrl);
    proxied.port = String(proxy.port);
    const direct = await createSpool({ store: postgresUrl, schema, logger: silentLogger, shutdownSignals: false });
    spools.push(direct);
    const worker = await createSpool({ store: proxied.toString(), schema, logger: silentLogger, shutdownSignals: false, pollInterval: 50 });
    spools.push(worker);

    const finish = gate();
    const runs = new Map<string, number>();
    worker.work(
      'outage',
      async (payload: { n: number }, ctx) => {
        runs.set(ctx.job.id, (runs.get(ctx.job.id) ?? 0) + 1);
        await finish.promise;
        return { n: payload.n, attempt: ctx.attempt };
      },
      { concurrency: 30, lease: 1_000, heartbeatInterval: 300 },
    );
    const retrying = await direct.enqueueMany(Array.from({ length: 20 }, (_, n) => ({ queue: 'outage', name: 'n', payload: { n } })));
    const single = await direct.enqueueMany(
      Array.from({ length: 5 }, (_, i) => ({ queue: 'outage', name: 'n', payload: { n: 100 + i }, options: { maxAttempts: 1 } })),
    );
    const all = [...retrying, ...single];
    await eventually(async () => (await direct.counts('outage')).outage?.active === all.length, 10_000, 50);

    proxy.cut();
    finish.open();
    await eventually(() => [...runs.values()].length === all.length);
    // Past every lease: the jobs are taken back by a process that can reach the store.
    await delay(1_500);
    expect(await direct.rescueExpired()).toBe(all.length);
    const counts = (await direct.counts('outage')).outage;
    expect(counts).toMatchObject({ waiting: retrying.length, failed: single.length, active: 0 });
    await delay(1_000);

    proxy.restore();
    await eventually(async () => (await direct.counts('outage')).outage?.completed === all.length, 15_000, 100);
    // Time for a rerun to show up, had one been claimed.
    await delay(1_000);
    for (const [index, handle] of all.entries()) {
      const job = (await direct.getJob(handle.id)) as Job;
      expect(job.status, `job ${handle.id}`).toBe('completed');
      expect(job.attempts).toBe(1);
      expect(job.result).toEqual({ n: index < retrying.length ? index : 100 + index - retrying.length, attempt: 1 });
      expect(runs.get(handle.id), `runs of job ${handle.id}`).toBe(1);
    }
  });
});
