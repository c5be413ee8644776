/**
 * @module
 * What the torture tests share: their size (`SPOOL_TORTURE=long` for bigger runs), a seeded
 * random source whose seed is printed with any failure, and the figures each test records for
 * the summary printed at the end of the run (`test-results/torture.json`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where each test leaves its figures; the summary (`summary.ts`) gathers them. */
export const figuresDir = join(root, 'test-results', 'torture');

/** True for the long mode: `SPOOL_TORTURE=long npm test` (or `npx vitest run test/torture`). */
export const long = process.env.SPOOL_TORTURE === 'long';

/** The short figure in CI, the long one with SPOOL_TORTURE=long. */
export function sized<T>(short: T, longRun: T): T {
  return long ? longRun : short;
}

/** The run's seed: SPOOL_TORTURE_SEED to replay one, else a fresh one (printed in every figure file). */
export const seed = Number(process.env.SPOOL_TORTURE_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** A small seeded generator (mulberry32): the same seed gives the same sequence. */
export function seededRandom(start: number = seed): () => number {
  let a = start >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Records one test's figures for the end-of-run summary. */
export function recordFigures(section: string, figures: Record<string, unknown>): void {
  mkdirSync(figuresDir, { recursive: true });
  const file = join(figuresDir, `${section.replace(/[^a-z0-9-]+/gi, '-')}.json`);
  writeFileSync(file, `${JSON.stringify({ section, mode: long ? 'long' : 'short', seed, ...figures }, null, 2)}\n`);
}

/** Lines of a file of "<jobId> <pid>" runs, as a map from job id to the pids that ran it. */
export function runsByJob(text: string): Map<string, string[]> {
  const runs = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const [jobId, pid] = line.split(' ') as [string, string];
    const list = runs.get(jobId);
    if (list) list.push(pid);
    else runs.set(jobId, [pid]);
  }
  return runs;
}
