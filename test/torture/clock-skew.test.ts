/**
 * Item 4: time is the database's. Three worker processes share a queue on PostgreSQL: one with a
 * correct clock, one whose clock runs 2 minutes ahead and one 2 minutes behind (a preload shifts
 * Date.now() and `new Date()`). Jobs run longer than their lease, held by heartbeats.
 *
 * Judged by each process's own clock, the fast worker would take back every lease the others hold
 * (and run those jobs twice), run a job delayed by 60 s at once, and the slow one would claim
 * nothing younger than 2 minutes. Judged by the database's clock, none of that happens.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Job, type Spool, createSpool, silentLogger } from '../helpers/api.js';
import { delay, eventually } from '../helpers/eventually.js';
import { WorkerProcess, killAllWorkerProcesses } from '../helpers/processes.js';
import { postgresStore, postgresUrl } from '../helpers/stores.js';
import { recordFigures, root, runsByJob } from './support.js';

const available = await postgresStore();
const preload = join(root, 'test', 'fixtures', 'skewed-clock.mjs');
const skews = { healthy: 0, ahead: 120_000, behind: -120_000 } as const;

describe.runIf(available)('clock skew of ±2 minutes between workers on PostgreSQL (item 4)', () => {
  const schema = `t_skew_${randomBytes(4).toString('hex')}`;
  let dir = '';
  let spool: Spool;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'spool-skew-'));
    spool = await createSpool({ store: postgresUrl, schema, logger: silentLogger, shutdownSignals: false });
  });

  afterAll(async () => {
    await killAllWorkerProcesses();
    await spool?.close({ timeout: 2_000 });
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  });

  it('no job runs twice, no lease is taken back, the slow worker claims fresh jobs, a 60 s delay is kept', {
    timeout: 60_000,
  }, async () => {
    const runs = join(dir, 'runs.log');
    const options = { runs, sleep: 3_000, lease: 1_500, heartbeat: 400, concurrency: 20, poll: 50, quiet: 'yes' };
    const workers = await Promise.all(
      Object.entries(skews).map(async ([name, skew]) => {
        const worker = await WorkerProcess.start(postgresUrl, schema, 'skew', 'record', options, {
          nodeArgs: ['--import', preload],
          env: { SPOOL_TEST_CLOCK_SKEW_MS: String(skew) },
        });
        return { name, skew, worker };
      }),
    );
    const delayed = await spool.enqueue('skew', 'later', null, { delay: 60_000 });
    const handles = await spool.enqueueMany(Array.from({ length: 45 }, (_, i) => ({ queue: 'skew', name: 'n', payload: i })));

    await eventually(async () => (await spool.counts('skew')).skew?.completed === handles.length, 40_000, 200);
    // Long enough after the last job for a skewed rescue or claim to show up.
    await delay(2_000);

    const ranIn = runsByJob(readFileSync(runs, 'utf8'));
    const byPid = new Map(workers.map(({ name, worker }) => [String(worker.pid), name]));
    const perWorker: Record<string, number> = { healthy: 0, ahead: 0, behind: 0 };
    let duplicates = 0;
    for (const handle of handles) {
      const job = (await spool.getJob(handle.id)) as Job;
      expect(job, `job ${handle.id}`).toMatchObject({ status: 'completed', attempts: 1, errors: [] });
      const pids = ranIn.get(handle.id) ?? [];
      duplicates += Math.max(0, pids.length - 1);
      expect(pids, `runs of job ${handle.id}`).toHaveLength(1);
      perWorker[byPid.get(pids[0] as string) ?? 'unknown'] = (perWorker[byPid.get(pids[0] as string) ?? 'unknown'] ?? 0) + 1;
    }
    expect(ranIn.has(delayed.id), 'the 60 s-delayed job ran early').toBe(false);
    expect(await spool.getJob(delayed.id)).toMatchObject({ status: 'waiting', attempts: 0 });
    // Every worker took part: the one 2 minutes behind claims jobs enqueued a moment ago.
    expect(perWorker.behind, JSON.stringify(perWorker)).toBeGreaterThan(0);
    expect(perWorker.ahead, JSON.stringify(perWorker)).toBeGreaterThan(0);
    expect(perWorker.healthy, JSON.stringify(perWorker)).toBeGreaterThan(0);
    for (const { worker } of workers) expect(worker.hasExited, worker.stderr).toBe(false);
    recordFigures('clock-skew', { store: 'postgres', skewMs: 120_000, jobs: handles.length, duplicates, perWorker, delayedRanEarly: 0 });
  });
});
