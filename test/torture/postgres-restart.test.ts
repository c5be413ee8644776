/**
 * PostgreSQL restarted in immediate mode (every backend killed, crash recovery on start) twice in
 * the middle of a run, on a private cluster this test creates on a port of its own. Two worker
 * processes drain a queue while an HTTP producer keeps enqueueing through the API. Afterwards:
 * 0 lost, the workers completed jobs again within 2 s of each return, and every HTTP enqueue was
 * either answered 202 and stored, or answered 503 and not stored, unless it was in doubt: the
 * server crashed after the commit and before the answer, which no server can tell from a commit
 * that never happened. The producer sends an Idempotency-Key, as a client should, so retrying a
 * 503 is safe either way: the retry finds the job stored in doubt (200) or stores it (202), and
 * every enqueue ends stored exactly once.
 */
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.js';
import { type HttpServer, listen } from '../../src/server/server.js';
import { type Spool, createSpool, silentLogger } from '../helpers/api.js';
import { delay } from '../helpers/eventually.js';
import { WorkerProcess, killAllWorkerProcesses } from '../helpers/processes.js';
import { secrets, testTokens } from '../server/helpers.js';
import { type PrivatePostgres, postgresBin, startPrivatePostgres } from './private-postgres.js';
import { recordFigures, runsByJob, sized } from './support.js';

const available = postgresBin() !== null;
if (!available && process.env.CI) throw new Error('The torture suite needs PostgreSQL server binaries (/usr/lib/postgresql/*/bin) in CI.');
const restarts = sized(2, 5);
const jobs = sized(6_000, 30_000);
const downMs = 1_500;

describe.runIf(available)('PostgreSQL restarted in immediate mode mid-run (private cluster)', () => {
  let cluster: PrivatePostgres | undefined;
  let spool: Spool | undefined;
  let server: HttpServer | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'spool-restart-'));

  afterAll(async () => {
    await killAllWorkerProcesses();
    await server?.close();
    await spool?.close({ timeout: 2_000 });
    await cluster?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`${restarts} restarts: 0 lost, workers resume within 2 s, HTTP enqueues 202-and-stored or 503 (retry-safe)`, {
    timeout: 300_000,
  }, async () => {
    cluster = await startPrivatePostgres();
    const c = cluster;
    spool = await createSpool({ store: c.url, logger: silentLogger, shutdownSignals: false });
    const s = spool;
    const app = createApp({ spool: s, auth: { mode: 'tokens', tokens: testTokens }, dashboard: false });
    server = await listen(app, '127.0.0.1', 0);
    const api = server.url;

    for (let from = 0; from < jobs; from += 5_000) {
      const count = Math.min(5_000, jobs - from);
      await s.enqueueMany(Array.from({ length: count }, (_, i) => ({ queue: 'restart', name: 'n', payload: { n: from + i } })));
    }
    const runs = join(dir, 'runs.log');
    const options = { runs, sleep: 50, concurrency: 16, lease: 2_000, heartbeat: 500, poll: 100, quiet: 'yes' };
    const workers = await Promise.all([0, 1].map(() => WorkerProcess.start(c.url, undefined, 'restart', 'record', options)));

    // The HTTP producer: one enqueue at a time, all through the run, each with a marker.
    const answers = new Map<number, { status: number; id?: string }>();
    let producing = true;
    const producer = (async () => {
      for (let marker = 0; producing; marker++) {
        try {
          const res = await fetch(`${api}/v1/queues/restart/jobs`, {
            method: 'POST',
            headers: { authorization: `Bearer ${secrets.enqueue}`, 'content-type': 'application/json', 'idempotency-key': `m-${marker}` },
            body: JSON.stringify({ name: 'http', payload: { marker } }),
            signal: AbortSignal.timeout(15_000),
          });
          const body = (await res.json()) as { id?: string };
          answers.set(marker, { status: res.status, id: body.id });
        } catch (err) {
          answers.set(marker, { status: -1, id: String(err) });
        }
        await delay(10);
      }
    })();

    // Completed jobs, read straight from the cluster (a fresh connection each time).
    const completed = async (): Promise<number | null> => {
      const client = new pg.Client({ connectionString: c.url, connectionTimeoutMillis: 1_000 });
      client.on('error', () => {});
      try {
        await client.connect();
        const { rows } = await client.query("SELECT count(*)::int AS n FROM spool.jobs WHERE status = 'completed'");
        return rows[0].n as number;
      } catch {
        return null;
      } finally {
        await client.end().catch(() => {});
      }
    };

    const resumeMs: number[] = [];
    for (let i = 0; i < restarts; i++) {
      await delay(2_000);
      await c.crash();
      await delay(downMs);
      await c.start();
      const back = Date.now();
      const before = (await completed()) ?? 0;
      for (;;) {
        const now = await completed();
        if (now !== null && now > before) break;
        if (Date.now() - back > 10_000) throw new Error(`Workers did not complete a job within 10 s of restart ${i + 1}`);
        await delay(50);
      }
      resumeMs.push(Date.now() - back);
    }
    await delay(500);
    producing = false;
    await producer;

    const accepted = [...answers.values()].filter((a) => a.status === 202);
    const refused = [...answers.entries()].filter(([, a]) => a.status === 503);
    const other = [...answers.entries()].filter(([, a]) => a.status !== 202 && a.status !== 503);
    expect(other.map(([marker, a]) => `${marker}: ${a.status} ${a.id ?? ''}`)).toEqual([]);

    const markersStored = async () => {
      const client = new pg.Client({ connectionString: c.url });
      await client.connect();
      const { rows } = await client.query<{ id: string; status: string; marker: string | null }>(
        "SELECT id::text, status, payload->>'marker' AS marker FROM spool.jobs",
      );
      await client.end();
      return rows;
    };
    // 503s whose job is stored all the same: committed just before the crash, answered as a failure.
    const storedBefore = new Map((await markersStored()).filter((r) => r.marker !== null).map((r) => [Number(r.marker), r.id]));
    const inDoubt = refused.filter(([marker]) => storedBefore.has(marker)).length;
    // The client's retry with the same key: the job stored in doubt comes back (200), any other is stored now (202).
    for (const [marker] of refused) {
      const res = await fetch(`${api}/v1/queues/restart/jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secrets.enqueue}`, 'content-type': 'application/json', 'idempotency-key': `m-${marker}` },
        body: JSON.stringify({ name: 'http', payload: { marker } }),
      });
      const body = (await res.json()) as { id: string };
      expect(res.status, `retry of marker ${marker}`).toBe(storedBefore.has(marker) ? 200 : 202);
      if (storedBefore.has(marker)) expect(body.id).toBe(storedBefore.get(marker));
    }

    const total = jobs + accepted.length + refused.length;
    const deadline = Date.now() + 120_000;
    while (((await completed()) ?? 0) < total && Date.now() < deadline) await delay(200);
    for (const worker of workers) worker.signal('SIGTERM');
    await Promise.all(workers.map((w) => w.waitForExit(20_000)));

    const rows = await markersStored();
    const perMarker = new Map<number, string[]>();
    for (const row of rows)
      if (row.marker !== null) perMarker.set(Number(row.marker), [...(perMarker.get(Number(row.marker)) ?? []), row.id]);
    const lost = rows.filter((r) => r.status !== 'completed').length + accepted.filter((a) => !rows.some((r) => r.id === a.id)).length;
    const ranIn = runsByJob(readFileSync(runs, 'utf8'));
    const duplicates = [...ranIn.values()].reduce((sum, pids) => sum + pids.length - 1, 0);

    expect(rows.length).toBe(total);
    for (const [marker, answer] of answers) {
      expect(perMarker.get(marker), `marker ${marker} (answered ${answer.status}) stored exactly once`).toHaveLength(1);
      if (answer.status === 202) expect(perMarker.get(marker)?.[0], `marker ${marker} answered 202`).toBe(answer.id);
    }
    expect(lost).toBe(0);
    expect(Math.max(...resumeMs), `resume times ${resumeMs.join(', ')} ms`).toBeLessThanOrEqual(2_000);
    recordFigures('postgres-restart', {
      store: 'postgres (private cluster)',
      jobs: total,
      restarts,
      resumeMs,
      httpAccepted: accepted.length,
      http503: refused.length,
      http503StoredInDoubt: inDoubt,
      duplicates,
      lost,
    });
  });
});
