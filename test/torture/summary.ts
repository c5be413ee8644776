/**
 * @module
 * Vitest global setup: clears the torture figures before the run, and after it gathers what each
 * torture test recorded into `test-results/torture.json` and prints one summary line.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { figuresDir, root } from './support.js';

export function setup(): void {
  rmSync(figuresDir, { recursive: true, force: true });
}

export function teardown(): void {
  if (!existsSync(figuresDir)) return;
  const sections: Record<string, Record<string, unknown>> = {};
  for (const file of readdirSync(figuresDir).sort()) {
    if (!file.endsWith('.json')) continue;
    const figures = JSON.parse(readFileSync(join(figuresDir, file), 'utf8')) as Record<string, unknown>;
    sections[String(figures.section)] = figures;
  }
  const names = Object.keys(sections);
  if (names.length === 0) return;
  const sum = (key: string) => names.reduce((total, name) => total + (Number(sections[name]?.[key]) || 0), 0);
  const totals = {
    jobs: sum('jobs'),
    kills: sum('kills'),
    restarts: sum('restarts'),
    duplicates: sum('duplicates'),
    lost: sum('lost'),
    httpRequests: sum('requests'),
    http5xx: sum('status5xx'),
    fuzzRuns: sum('runs'),
  };
  mkdirSync(join(root, 'test-results'), { recursive: true });
  writeFileSync(join(root, 'test-results', 'torture.json'), `${JSON.stringify({ totals, sections }, null, 2)}\n`);
  const line =
    `torture: ${totals.jobs} jobs, ${totals.kills} kills, ${totals.restarts} PostgreSQL restarts, ` +
    `${totals.duplicates} duplicates (each of a job in flight at a kill or restart), lost = ${totals.lost}; ` +
    `${totals.httpRequests} fuzzed HTTP requests, ${totals.http5xx} answered 5xx; ${totals.fuzzRuns} library fuzz runs ` +
    `(${names.length} sections in test-results/torture.json)`;
  process.stdout.write(`\n${line}\n`);
  for (const name of names) {
    const { section: _s, mode: _m, seed: _seed, ...rest } = sections[name] as Record<string, unknown>;
    process.stdout.write(`  ${name}: ${JSON.stringify(rest)}\n`);
  }
}
