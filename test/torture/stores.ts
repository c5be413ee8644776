/**
 * @module
 * Stores for the torture tests: a SQLite file in a temp folder, or a fresh schema on the test
 * PostgreSQL (never its other schemas), each removed afterwards.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { postgresUrl, probePostgres } from '../helpers/stores.js';

export interface TortureStore {
  kind: 'sqlite' | 'postgres';
  url: string;
  schema: string | undefined;
  /** A folder for the test's own files (run logs), removed with the store. */
  dir: string;
  cleanup(): Promise<void>;
}

export async function makeStore(kind: 'sqlite' | 'postgres'): Promise<TortureStore> {
  const dir = mkdtempSync(join(tmpdir(), `spool-torture-${kind}-`));
  if (kind === 'sqlite') {
    return {
      kind,
      url: `sqlite:${join(dir, 'spool.db')}`,
      schema: undefined,
      dir,
      async cleanup() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = `t_torture_${randomBytes(4).toString('hex')}`;
  return {
    kind,
    url: postgresUrl,
    schema,
    dir,
    async cleanup() {
      rmSync(dir, { recursive: true, force: true });
      const admin = new pg.Client({ connectionString: postgresUrl });
      admin.on('error', () => {});
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
    },
  };
}

/** The stores this machine can test: SQLite always, PostgreSQL when it answers (in CI it must). */
export async function storeKinds(): Promise<('sqlite' | 'postgres')[]> {
  const problem = await probePostgres();
  if (problem === null) return ['sqlite', 'postgres'];
  if (process.env.CI) throw new Error(`PostgreSQL is not reachable at ${postgresUrl} (${problem}); the torture suite needs it in CI.`);
  process.stderr.write(`\n[spool torture] SKIPPING PostgreSQL: not reachable at ${postgresUrl} (${problem}).\n`);
  return ['sqlite'];
}
