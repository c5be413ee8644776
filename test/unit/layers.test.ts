/**
 * The layers of src/ (docs/design.md): imports point down only, and no file imports itself back
 * through others. Read from the source, so a new file or folder cannot slip past.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const srcDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

/** Higher imports lower; equal ranks may import each other's files only within the same folder. */
const ranks: Record<string, number> = {
  core: 0,
  store: 1,
  policies: 2,
  worker: 3,
  telemetry: 3,
  bus: 4,
  workflows: 4,
  client: 5,
  webhooks: 6,
  config: 7,
  server: 8,
  cli: 9,
  // The package's entry points re-export from every layer.
  '(root)': 10,
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function layerOf(file: string): string {
  const parts = relative(srcDir, file).split('/');
  return parts.length === 1 ? '(root)' : (parts[0] as string);
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'/g)) found.push(match[1] as string);
  for (const match of text.matchAll(/import\('(\.[^']+)'\)/g)) found.push(match[1] as string);
  return found.map((spec) => resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
}

const all = files(srcDir);
const graph = new Map(all.map((file) => [file, importsOf(file)]));

describe('layers of src/', () => {
  it('every folder has a rank', () => {
    const unknown = [...new Set(all.map(layerOf))].filter((layer) => !(layer in ranks));
    expect(unknown).toEqual([]);
  });

  it('imports point down only', () => {
    const upward: string[] = [];
    for (const [file, imports] of graph) {
      const from = layerOf(file);
      for (const target of imports) {
        const to = layerOf(target);
        if ((ranks[to] as number) > (ranks[from] as number) || (ranks[to] === ranks[from] && to !== from)) {
          upward.push(`${relative(srcDir, file)} → ${relative(srcDir, target)}`);
        }
      }
    }
    expect(upward).toEqual([]);
  });

  it('has no import cycles', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(file)), file].map((f) => relative(srcDir, f)).join(' → '));
        return;
      }
      state.set(file, 'visiting');
      for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of all) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it('keeps files under 400 lines', () => {
    // The Spool facade is one purpose, many doors: each method is a few lines that delegate to a
    // module of its own (client/bus.ts, client/flow.ts, …), so it may grow with the API. The two
    // store classes are the same kind of facade over the store contract: the hot path in place,
    // every optional part built from a module of its own (parts.ts, steps.ts, schedules.ts, …).
    const facade = new Set(['client/spool.ts', 'store/postgres/postgres-store.ts', 'store/sqlite/sqlite-store.ts']);
    const long = all
      .filter((file) => !facade.has(relative(srcDir, file)) && readFileSync(file, 'utf8').split('\n').length > 400)
      .map((file) => relative(srcDir, file));
    expect(long).toEqual([]);
  });
});
