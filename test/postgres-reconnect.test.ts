/**
 * A worker whose PostgreSQL connections are cut (as when the server restarts or a proxy drops
 * them) reconnects and carries on: its pool replaces dead connections and its LISTEN connection
 * comes back, so a job enqueued afterwards is still picked up without waiting for a poll.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createSpool, silentLogger, type Spool } from '../src/index.js';
import { postgresStore, postgresUrl } from './helpers/stores.js';

const available = await postgresStore();

describe.runIf(available)('postgres: the database drops mid-run', () => {
  const schema = `t_reconnect_${randomBytes(4).toString('hex')}`;
  const appName = `spool_${schema}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  let spool: Spool | undefined;

  afterEach(async () => {
    await spool?.close({ timeout: 2_000 });
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  it('reconnects, keeps its wake-ups and completes jobs enqueued after the drop', async () => {
    await admin.connect();
    const url = `${postgresUrl}${postgresUrl.includes('?') ? '&' : '?'}application_name=${appName}`;
    spool = await createSpool({ store: url, schema, logger: silentLogger, shutdownSignals: false, pollInterval: 60_000 });
    const errors: string[] = [];
    spool.on('error', ({ context }) => {
      errors.push(context);
    });
    spool.work('q', async (payload: { n: number }) => payload.n * 2, { concurrency: 2 });

    expect(await (await spool.enqueue('q', 'double', { n: 1 })).wait({ timeout: 10_000 })).toBe(2);

    const { rows } = await admin.query(
      'SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()',
      [appName],
    );
    expect(rows.length).toBeGreaterThanOrEqual(2); // the pool's connection(s) and the LISTEN connection

    // The first statements after the drop may fail while the pool notices; enqueue retries as a caller would.
    let handle: Awaited<ReturnType<Spool['enqueue']>> | undefined;
    for (let attempt = 0; attempt < 20 && !handle; attempt++) {
      handle = await spool.enqueue('q', 'double', { n: 21 }).catch(async () => {
        await new Promise((resolve) => setTimeout(resolve, 100));
        return undefined;
      });
    }
    expect(handle).toBeDefined();
    // pollInterval is a minute: finishing within seconds proves the LISTEN connection came back.
    expect(await handle?.wait({ timeout: 10_000 })).toBe(42);
  });
});
