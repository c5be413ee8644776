/**
 * @module
 * How long a claim takes with 0 and with 200,000 waiting jobs of a name no worker handles, on
 * both stores: `npx tsx bench/claim-vs-unhandled.ts [count]`. A claim by a worker with a
 * handler map (names given) for 50 handled jobs; median of 200 claims, each put back after.
 * PostgreSQL runs in a schema of its own (`claim_bench`), dropped at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSpool, silentLogger, type Spool } from '../src/index.js';

const unhandled = Number(process.argv[2] ?? 200_000);
const pgUrl = process.env.SPOOL_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function medianClaimMs(spool: Spool): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 200; i++) {
    const started = performance.now();
    const jobs = await spool.store.claim({ queue: 'q', names: ['handled'], limit: 50, workerId: 'w', token: `t${i}`, leaseMs: 60_000 });
    times.push(performance.now() - started);
    if (jobs.length !== 50) throw new Error(`claimed ${jobs.length} jobs, expected 50`);
    await spool.store.release(jobs.map((job) => ({ id: job.id, token: job.token, delayMs: 0 })));
  }
  return times.sort((a, b) => a - b)[times.length / 2] as number;
}

async function measure(label: string, open: () => Promise<Spool>): Promise<void> {
  const spool = await open();
  try {
    await spool.enqueueMany(Array.from({ length: 1_000 }, () => ({ queue: 'q', name: 'handled' })));
    const before = await medianClaimMs(spool);
    for (let done = 0; done < unhandled; done += 10_000) {
      await spool.enqueueMany(Array.from({ length: Math.min(10_000, unhandled - done) }, () => ({ queue: 'q', name: 'nobody' })));
    }
    // The handled jobs come after the unhandled ones in claim order now: enqueue them again.
    await spool.enqueueMany(Array.from({ length: 1_000 }, () => ({ queue: 'q', name: 'handled' })));
    await spool.store.claim({ queue: 'q', names: ['handled'], limit: 1_000, workerId: 'w', token: 'drop', leaseMs: 60_000 });
    const after = await medianClaimMs(spool);
    process.stdout.write(
      `${label}: claim of 50 handled jobs, median ${before.toFixed(2)} ms with 0 unhandled waiting, ${after.toFixed(2)} ms with ${unhandled.toLocaleString('en-US')}\n`,
    );
  } finally {
    await spool.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'spool-claim-'));
try {
  await measure('SQLite', () => createSpool({ store: `sqlite:${join(dir, 'spool.db')}`, logger: silentLogger, shutdownSignals: false }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const schema = 'claim_bench';
const admin = await createSpool({ store: pgUrl, schema, logger: silentLogger, shutdownSignals: false });
await admin.close();
try {
  await measure('PostgreSQL', () => createSpool({ store: pgUrl, schema, logger: silentLogger, shutdownSignals: false }));
} finally {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
}
