/**
 * Retention on SQLite deletes in slices with pauses between them: a large prune removes every
 * expired row, lets this process's event loop run between slices, and lets another connection's
 * enqueue in before it ends (SQLite has no queue for its write lock).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { createSpool, silentLogger } from '../helpers/api.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

it('a prune of 20,000 expired jobs removes them all in slices, while the event loop and another connection keep going', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'spool-prune-'));
  dirs.push(dir);
  const store = `sqlite:${join(dir, 'spool.db')}`;
  const spool = await createSpool({ store, logger: silentLogger, shutdownSignals: false });
  const other = await createSpool({ store, logger: silentLogger, shutdownSignals: false });
  try {
    const kept = await spool.enqueue('q', 'n');
    const db = new Database(join(dir, 'spool.db'));
    const long = Date.now() - 30 * 86_400_000;
    db.prepare(
      `INSERT INTO spool_jobs (queue, name, payload, status, max_attempts, backoff, run_at, created_at, updated_at, finished_at)
       WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000)
       SELECT 'q', 'n', '{}', 'completed', 3, '{"type":"fixed","base":1000}', ?1, ?1, ?1, ?1 FROM c`,
    ).run({ 1: long });
    db.close();

    let ticks = 0;
    const ticker = setInterval(() => ticks++, 1);
    let pruneDone = false;
    const pruning = spool.store.prune('completed', 86_400_000).then((n) => {
      pruneDone = true;
      return n;
    });
    // Another connection's enqueue lands while the prune is still going.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const during = await other.enqueue('q', 'n');
    const landedDuringPrune = !pruneDone;
    const removed = await pruning;
    clearInterval(ticker);

    expect(removed).toBe(20_000);
    expect(landedDuringPrune).toBe(true);
    expect(ticks).toBeGreaterThan(2);
    expect((await spool.counts('q')).q).toMatchObject({ completed: 0, waiting: 2 });
    expect((await spool.getJob(kept.id))?.status).toBe('waiting');
    expect((await spool.getJob(during.id))?.status).toBe('waiting');
  } finally {
    await other.close();
    await spool.close();
  }
});
