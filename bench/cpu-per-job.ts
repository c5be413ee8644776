/**
 * @module
 * Worker CPU per job on SQLite, for A/B runs on a shared machine:
 * `npx tsx bench/cpu-per-job.ts [jobs] [lib folder] [--names]`. Bulk-loads `jobs` no-op jobs
 * (default 20,000), then drains them in this process at concurrency 50 as workload 1 does (batch
 * and prefetch 50, poll 50 ms) and prints the CPU time (user + system, process.cpuUsage) from the
 * worker's start to its last handler start, per job. `lib folder` is the compiled library to load
 * (default dist/, built by `npm run build:lib`; copy it aside to compare two builds); `--names`
 * works with a handler map instead of one function (the claim by name).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const byName = process.argv.includes('--names');
const jobs = Number(args[0] ?? 20_000);
const lib = resolve(args[1] ?? 'dist');
const library = (await import(pathToFileURL(join(lib, 'index.js')).href)) as typeof import('../src/index.js');

const dir = mkdtempSync(join(tmpdir(), 'spool-cpu-'));
const store = `sqlite:${join(dir, 'spool.db')}`;
const open = () => library.createSpool({ store, shutdownSignals: false, logger: library.silentLogger, pollInterval: 50 });
try {
  const loader = await open();
  for (let done = 0; done < jobs; done += 5_000) {
    await loader.enqueueMany(
      Array.from({ length: Math.min(5_000, jobs - done) }, (_, i) => ({ queue: 'bench', name: 'noop', payload: { i } })),
    );
  }
  await loader.close();
  (globalThis as { gc?: () => void }).gc?.();

  const spool = await open();
  let started = 0;
  let finish: (cpu: NodeJS.CpuUsage) => void = () => {};
  const finished = new Promise<NodeJS.CpuUsage>((resolve) => {
    finish = resolve;
  });
  const before = process.cpuUsage();
  const wallBefore = performance.now();
  const handler = async (): Promise<void> => {
    if (++started === jobs) finish(process.cpuUsage(before));
  };
  spool.work('bench', byName ? { noop: handler } : handler, { concurrency: 50, batchSize: 50, prefetch: 50 });
  const cpu = await finished;
  const wall = performance.now() - wallBefore;
  await spool.close();
  const us = (cpu.user + cpu.system) / jobs;
  process.stdout.write(
    `${JSON.stringify({ lib: args[1] ?? 'dist', names: byName, jobs, cpuUsPerJob: Number(us.toFixed(1)), jobsPerSecond: Math.round(jobs / (wall / 1000)) })}\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
