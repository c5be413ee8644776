/**
 * The SIGKILL loop: two worker processes drain a queue of jobs while one of them is killed with
 * SIGKILL every ~3 s and replaced. At the end every job is completed (0 lost), and every job that
 * ran more than once had a run in a process that was killed while it held the job: duplicates
 * only of jobs in flight at a kill, counted against the kills.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Spool, createSpool, silentLogger } from '../helpers/api.js';
import { delay } from '../helpers/eventually.js';
import { WorkerProcess, killAllWorkerProcesses } from '../helpers/processes.js';
import { type TortureStore, makeStore, storeKinds } from './stores.js';
import { recordFigures, runsByJob, seed, seededRandom, sized } from './support.js';

const kinds = await storeKinds();
const jobs = sized(20_000, 100_000);
const concurrency = 32;
const killEveryMs = 3_000;

describe.each(kinds)('SIGKILL loop on %s', (kind) => {
  let store: TortureStore | undefined;
  let spool: Spool | undefined;

  afterEach(async () => {
    await killAllWorkerProcesses();
    await spool?.close({ timeout: 2_000 });
    await store?.cleanup();
  });

  it(`${jobs} jobs, a worker killed every ~3 s: 0 lost, duplicates only of jobs in flight at a kill`, { timeout: 600_000 }, async () => {
    store = await makeStore(kind);
    const s = store;
    spool = await createSpool({ store: s.url, schema: s.schema, logger: silentLogger, shutdownSignals: false });
    const runs = join(s.dir, 'runs.log');
    const random = seededRandom(seed);
    const options = { runs, sleep: 50, concurrency, lease: 1_500, heartbeat: 400, poll: 50, quiet: 'yes' };
    const start = () => WorkerProcess.start(s.url, s.schema, 'kill', 'record', options);

    for (let from = 0; from < jobs; from += 5_000) {
      const count = Math.min(5_000, jobs - from);
      await spool.enqueueMany(Array.from({ length: count }, (_, i) => ({ queue: 'kill', name: 'n', payload: from + i })));
    }
    const started = Date.now();
    const workers = await Promise.all([start(), start()]);
    const killed = new Set<string>();
    let kills = 0;
    for (;;) {
      await delay(killEveryMs * (0.8 + random() * 0.4));
      const counts = (await spool.counts('kill')).kill;
      if (counts?.completed === jobs) break;
      const victim = kills % 2;
      const worker = workers[victim] as WorkerProcess;
      worker.signal('SIGKILL');
      await worker.waitForExit(10_000);
      killed.add(String(worker.pid));
      kills++;
      workers[victim] = await start();
      if (Date.now() - started > 500_000) throw new Error(`The queue did not drain in 500 s: ${JSON.stringify(counts)}`);
    }
    const seconds = (Date.now() - started) / 1000;
    for (const worker of workers) worker.signal('SIGTERM');
    await Promise.all(workers.map((w) => w.waitForExit(20_000)));

    const ranIn = runsByJob(readFileSync(runs, 'utf8'));
    let duplicates = 0;
    let lost = 0;
    let inFlightAtKills = 0;
    const page = 500;
    let cursor: string | undefined;
    let seen = 0;
    do {
      const result = await spool.listJobs({ queue: 'kill', limit: page, ...(cursor ? { cursor } : {}) });
      for (const job of result.jobs) {
        seen++;
        if (job.status !== 'completed') {
          lost++;
          continue;
        }
        const pids = ranIn.get(job.id) ?? [];
        const finalPid = String((job.result as { pid: number }).pid);
        duplicates += Math.max(0, pids.length - 1);
        // Every run but the one that completed it was in a process killed while it held the job.
        const others = [...pids];
        others.splice(others.indexOf(finalPid), 1);
        for (const pid of others) {
          expect(killed.has(pid), `job ${job.id} ran in ${pid}, which was not killed (runs: ${pids.join(', ')})`).toBe(true);
          inFlightAtKills++;
        }
      }
      cursor = result.nextCursor ?? undefined;
    } while (cursor);

    expect(seen).toBe(jobs);
    expect(lost).toBe(0);
    expect(kills).toBeGreaterThan(0);
    // A killed worker held at most its slots' jobs and the outcomes it had not written yet.
    expect(duplicates).toBeLessThanOrEqual(kills * concurrency * 2);
    recordFigures(`sigkill-${kind}`, {
      store: kind,
      jobs,
      kills,
      duplicates,
      inFlightAtKills,
      lost,
      seconds: Math.round(seconds * 10) / 10,
      jobsPerSecond: Math.round(jobs / seconds),
    });
  });
});
