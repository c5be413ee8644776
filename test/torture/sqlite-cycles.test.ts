/**
 * SQLite under kill cycles: two producer processes and two worker processes share one database
 * file, and all four are killed with SIGKILL at random moments (during start-up, migrations,
 * enqueues, claims and completions), then started again, cycle after cycle. Afterwards the file
 * passes `PRAGMA integrity_check`, every enqueue a producer saw acknowledged is there, and a last
 * worker completes all of them (0 lost).
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { type Spool, createSpool, silentLogger } from '../helpers/api.js';
import { delay, eventually } from '../helpers/eventually.js';
import { WorkerProcess, killAllWorkerProcesses } from '../helpers/processes.js';
import { type TortureStore, makeStore } from './stores.js';
import { recordFigures, root, seed, seededRandom, sized } from './support.js';

const cycles = sized(8, 30);
const producerScript = join(root, 'test', 'torture', 'fixtures', 'producer.ts');
const workerScript = join(root, 'test', 'fixtures', 'worker-process.ts');

describe('SQLite producers and workers killed in cycles', () => {
  let store: TortureStore | undefined;
  let spool: Spool | undefined;

  afterEach(async () => {
    await killAllWorkerProcesses();
    await spool?.close({ timeout: 2_000 });
    await store?.cleanup();
  });

  it(`${cycles} SIGKILL cycles: integrity_check ok, every acknowledged enqueue present and completed`, { timeout: 300_000 }, async () => {
    store = await makeStore('sqlite');
    const s = store;
    const path = s.url.slice('sqlite:'.length);
    const random = seededRandom(seed + 1);
    const acked = new Map<string, string>();
    let kills = 0;
    for (let cycle = 0; cycle < cycles; cycle++) {
      const processes = [
        WorkerProcess.spawn(producerScript, [s.url, '-', 'cycles', `p${cycle}a`, '10', '10']),
        WorkerProcess.spawn(producerScript, [s.url, '-', 'cycles', `p${cycle}b`, '10', '10']),
        ...[0, 1].map(() =>
          WorkerProcess.spawn(workerScript, [s.url, '-', 'cycles', 'record', 'concurrency=8', 'lease=1000', 'poll=20', 'quiet=yes']),
        ),
      ];
      // Every fourth cycle while the processes start (opening the file, migrating); the others
      // once the producers are enqueueing and the workers run.
      if (cycle % 4 !== 3) {
        await Promise.all(processes.map((child) => child.waitForLine(/^ready \d+$/, 30_000)));
        await delay(300 + random() * 1_200);
      } else {
        await delay(random() * 1_000);
      }
      for (const child of processes) child.signal('SIGKILL');
      await Promise.all(processes.map((child) => child.waitForExit(10_000)));
      kills += processes.length;
      for (const child of processes.slice(0, 2)) {
        for (const line of child.lines) {
          const [word, id, marker] = line.split(' ');
          if (word === 'ack' && id && marker) acked.set(marker, id);
        }
      }
    }

    const db = new Database(path);
    const integrity = db.pragma('integrity_check', { simple: true });
    const stored = new Map(
      (db.prepare("SELECT id, json_extract(payload, '$.marker') AS marker FROM spool_jobs").all() as { id: number; marker: string }[]).map(
        (row) => [String(row.id), row.marker],
      ),
    );
    db.close();
    expect(integrity).toBe('ok');
    let missing = 0;
    for (const [marker, id] of acked) if (stored.get(id) !== marker) missing++;
    spool = await createSpool({ store: s.url, logger: silentLogger, shutdownSignals: false, pollInterval: 50 });
    const sp = spool;
    expect(missing).toBe(0);
    expect(acked.size, 'no producer got an enqueue acknowledged').toBeGreaterThan(0);
    sp.work('cycles', () => 'done', { concurrency: 32, lease: 1_000 });
    await eventually(
      async () => {
        const counts = (await sp.counts('cycles')).cycles;
        return counts !== undefined && counts.completed === Object.values(counts).reduce((a, b) => a + b, 0);
      },
      120_000,
      100,
    );
    const counts = (await sp.counts('cycles')).cycles;
    expect(counts?.completed).toBeGreaterThanOrEqual(acked.size);
    expect(acked.size).toBeGreaterThan(0);
    recordFigures('sqlite-cycles', {
      store: 'sqlite',
      cycles,
      kills,
      acknowledged: acked.size,
      jobs: counts?.completed,
      integrity,
      lost: missing,
    });
  });
});
