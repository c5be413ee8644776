/**
 * Item 4, where one test cannot show it with processes: the time every stored instant is judged by
 * is read in one place. On PostgreSQL every statement takes "now" from one helper that falls back
 * to the server's clock (the skewed-workers test in test/torture/clock-skew.test.ts shows it with
 * processes); on SQLite (one machine, one clock) the store reads its clock in `now()` alone, and
 * no SQL reads SQLite's own time. Nothing under src/store or src/worker reads the wall clock.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { postgresStatements } from '../../src/store/postgres/statements.js';
import { sqliteStatements } from '../../src/store/sqlite/statements.js';

const src = join(import.meta.dirname, '..', '..', 'src');
const sources = (dir: string): [string, string][] =>
  readdirSync(join(src, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => [join(dir, file), readFileSync(join(src, dir, file), 'utf8')]);

describe('one clock (item 4)', () => {
  it('PostgreSQL statements read the time only through now(n): a test clock or the server clock', () => {
    const helper = /coalesce\(\$\d+::bigint, \(extract\(epoch from now\(\)\) \* 1000\)::bigint\)/g;
    for (const [name, text] of Object.entries(postgresStatements('s'))) {
      const outsideHelper = text.replace(helper, '');
      expect(outsideHelper, name).not.toMatch(/now\(\)|clock_timestamp|current_timestamp|localtimestamp|statement_timestamp/i);
    }
  });

  it('SQLite statements never read SQLite’s own time; the store reads its clock in now() alone', () => {
    for (const [name, text] of Object.entries(sqliteStatements)) {
      expect(text, name).not.toMatch(/'now'|strftime|julianday|unixepoch|datetime\(|current_timestamp/i);
    }
    const reads = sources('store/sqlite').flatMap(([file, text]) => [...text.matchAll(/clock\.now\(\)/g)].map(() => file));
    expect(reads).toEqual(['store/sqlite/sqlite-store.ts']);
  });

  it('the store and the worker never read the wall clock for what they store', () => {
    for (const [file, text] of [...sources('store'), ...sources('worker')]) {
      expect(text, file).not.toMatch(/Date\.now\(\)|new Date\(\)/);
    }
  });
});
