/**
 * @module
 * Workload "recovery": how long a SIGKILLed worker's job waits before it runs again. Each round
 * starts a victim worker process, gives it one job (its handler hangs), starts a survivor worker
 * on the same queue in this process, kills the victim with SIGKILL and times until the survivor
 * starts the job. Every system keeps its defaults: Spool's 30 s lease (it sees the death: the
 * victim's PostgreSQL session lock released, or its pid gone), BullMQ's 30 s lock and stalled
 * check (it waits the lock out). BullMQ rounds take 30 to 60 s each, so fewer are run.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type RecoverySystem, openHost } from '../recovery/systems.js';
import type { Row, Table } from '../table.js';
import { now, percentile, sleep } from '../util.js';
import type { WorkloadContext } from './context.js';

const victimEntry = fileURLToPath(new URL('../recovery/victim.ts', import.meta.url));

const systems: { name: RecoverySystem; label: string; isSpool: boolean }[] = [
  { name: 'spool-sqlite', label: 'Spool (SQLite)', isSpool: true },
  { name: 'spool-postgres', label: 'Spool (PostgreSQL)', isSpool: true },
  { name: 'bullmq', label: 'BullMQ (Redis)', isSpool: false },
];

class Victim {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  readonly exited: Promise<void>;

  constructor(system: RecoverySystem) {
    this.child = spawn(process.execPath, ['--import', 'tsx', victimEntry, system], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    createInterface({ input: this.child.stdout as NodeJS.ReadableStream }).on('line', (line) => this.lines.push(line));
  }

  async waitFor(line: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.lines.includes(line)) {
      if (this.child.exitCode !== null) throw new Error(`the victim exited before printing "${line}"`);
      if (Date.now() > deadline) throw new Error(`the victim did not print "${line}" within ${timeoutMs} ms`);
      await sleep(10);
    }
  }
}

/** One kill: milliseconds from SIGKILL to the job starting on the survivor. */
async function round(system: RecoverySystem, host: Awaited<ReturnType<typeof openHost>>, n: number, boundMs: number): Promise<number> {
  const victim = new Victim(system);
  let stopSurvivor: (() => Promise<void>) | null = null;
  try {
    await victim.waitFor('ready', 30_000);
    const id = await host.enqueue(n);
    await victim.waitFor(`active ${id}`, 30_000);
    let restartedAt = 0;
    stopSurvivor = await host.startSurvivor((jobId) => {
      if (jobId === id && restartedAt === 0) restartedAt = now();
    });
    // The survivor is connected and idle (its LISTEN connection or Redis blocking read in place).
    await sleep(300);
    const killedAt = now();
    victim.child.kill('SIGKILL');
    await victim.exited;
    const deadline = Date.now() + boundMs;
    while (restartedAt === 0) {
      if (Date.now() > deadline) throw new Error(`job ${id} did not run again within ${boundMs} ms of the kill`);
      await sleep(2);
    }
    return restartedAt - killedAt;
  } finally {
    victim.child.kill('SIGKILL');
    await stopSurvivor?.().catch(() => {});
  }
}

export async function crashRecovery(ctx: WorkloadContext): Promise<Table> {
  const { recoveryKills: kills, recoveryPeerKills: peerKills } = ctx.sizes;
  const rows: Row[] = [];
  for (const info of systems) {
    if (!ctx.systems.some((s) => s.name === info.name)) continue;
    const count = info.isSpool ? kills : peerKills;
    const times: number[] = [];
    let note: string | undefined;
    try {
      const host = await openHost(info.name);
      try {
        for (let i = 0; i < count; i++) {
          ctx.log(`workload recovery: ${info.label}, kill ${i + 1} of ${count}`);
          times.push(await round(info.name, host, i, info.isSpool ? 30_000 : 120_000));
        }
      } finally {
        await host.close();
      }
    } catch (err) {
      note = `not measured: ${(err as Error).message}`;
    }
    times.sort((a, b) => a - b);
    const value = (p: number) => (times.length ? percentile(times, p) : null);
    rows.push({
      label: info.label,
      isSpool: info.isSpool,
      isPeer: !info.isSpool,
      values: { kills: times.length, p50: value(50), p99: value(99), max: times.length ? (times.at(-1) as number) : null },
      ...(note ? { note } : {}),
    });
  }
  return {
    id: 'crash-recovery',
    title: '13. Crash recovery',
    description: `A worker process holding one job is killed with SIGKILL; milliseconds until the job starts again on a survivor worker already running on the queue. ${kills} kills per Spool store, ${peerKills} for BullMQ (each of its rounds waits out its lock). Defaults everywhere: Spool's lease 30 s, BullMQ's lockDuration and stalledInterval 30 s.`,
    columns: [
      { key: 'kills', title: 'kills', digits: 0 },
      { key: 'p50', title: 'p50 ms', better: 'lower', digits: 0 },
      { key: 'p99', title: 'p99 ms', better: 'lower', digits: 0 },
      { key: 'max', title: 'max ms', better: 'lower', digits: 0 },
    ],
    rows,
    notes: [
      'Spool takes a dead worker’s jobs back when its death shows (its PostgreSQL session’s advisory lock released; its pid gone on SQLite), checked every 500 ms, and never takes a live but slow worker’s jobs; BullMQ waits for the job’s lock to expire and its stalled-job check to run.',
    ],
  };
}
