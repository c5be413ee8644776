/**
 * Errors a person can act on, from the `spool` command as a spawned process: at start, a store
 * URL typo, a SQLite folder that does not exist, a PostgreSQL database or role that does not
 * exist, PostgreSQL down and a port in use each end with one sentence that says what is wrong
 * and what to do, and the documented exit code (2: fix the command; 3: try again later).
 * Arguments are checked with the same sentences as the library and the API.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { type Server, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, postgresUrl, storeKinds } from '../server/helpers.js';
import { spool } from './run.js';

const kinds = await storeKinds();
const hasPostgres = kinds.some((k) => k.kind === 'postgres');
const tokens = { SPOOL_TOKENS: 'ops:startup-errors-secret-01:admin' };

describe('spool serve: errors at start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spool-start-'));
  let holder: Server;
  let taken = 0;

  beforeAll(async () => {
    holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    taken = (holder.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => holder.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('a port in use: exit 2, and how to pick another', async () => {
    const result = await spool(['serve', '--store', `sqlite:${join(dir, 'a.db')}`, '--port', String(taken)], { env: tokens });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `spool: Port ${taken} is in use on 127.0.0.1: another program (or another spool serve) listens there. Pass --port or set SPOOL_PORT (server.port in the config file) to use another port, or stop the other program.\n`,
    );
    expect(result.stderr).not.toMatch(/EADDRINUSE|at .*\.ts:\d+/);
  });

  it('a store URL typo: exit 2, and the scheme it meant', async () => {
    const result = await spool(['serve', '--store', 'sqllite:./x.db'], { env: tokens });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'spool: Unknown store URL "sqllite:./x.db" (did you mean "sqlite:"?). Use "sqlite:./spool.db" for the embedded store, or "postgres://user:password@host:5432/database" for PostgreSQL.\n',
    );
  });

  it('a SQLite folder that does not exist: exit 2, and how to create it', async () => {
    const missing = join(dir, 'no', 'such');
    const result = await spool(['serve', '--store', `sqlite:${join(missing, 'x.db')}`], { env: tokens });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`spool: The folder ${missing} for the SQLite database`);
    expect(result.stderr).toContain(`Create it (mkdir -p ${missing}), or fix the path in the store URL.`);
  });

  it.runIf(hasPostgres)('a PostgreSQL database or role that does not exist: exit 2, and how to create it', async () => {
    const noDb = new URL(postgresUrl);
    noDb.pathname = '/spool_missing_db';
    const db = await spool(['serve', '--store', noDb.toString()], { env: tokens });
    expect(db.code).toBe(2);
    expect(db.stderr).toContain(
      `spool: The database "spool_missing_db" does not exist on the PostgreSQL server at ${noDb.hostname}:${noDb.port || 5432}. Create it (createdb spool_missing_db, or CREATE DATABASE "spool_missing_db"), or fix the database name in the store URL.\n`,
    );
    const noRole = new URL(postgresUrl);
    noRole.username = 'spool_missing_role';
    const role = await spool(['worker', '--store', noRole.toString()]);
    expect(role.code).toBe(2);
    expect(role.stderr).toContain('spool: The role "spool_missing_role" does not exist on the PostgreSQL server at');
    expect(role.stderr).toContain('Create it (CREATE ROLE "spool_missing_role" LOGIN), or fix the user in the store URL.');
  });

  it('PostgreSQL down: exit 3, and what to check; it does not promise to retry', async () => {
    const port = await freePort();
    const result = await spool(['serve', '--store', `postgres://postgres@127.0.0.1:${port}/test`], { env: tokens });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      `spool: Cannot reach PostgreSQL at 127.0.0.1:${port}/test (nothing answered there). Check that the server is running and that the host and port in the store URL are right; nothing was started.\n`,
    );
    expect(result.stderr).not.toMatch(/retries on its own/);
  });
});

describe('spool: arguments checked with the shared sentences', () => {
  it('--limit, --max-attempts, names and internal queues: exit 2 with the sentence the API would give', async () => {
    const [limit, attempts, queue, internal] = await Promise.all([
      spool(['jobs', '--limit', '0', '--store', 'sqlite::memory:']),
      spool(['enqueue', 'emails', 'send', '--max-attempts', '0', '--store', 'sqlite::memory:']),
      spool(['enqueue', 'bad queue', 'send', '--store', 'sqlite::memory:']),
      spool(['enqueue', 'spool.webhooks', 'deliver', '--store', 'sqlite::memory:']),
    ]);
    expect(limit.code).toBe(2);
    expect(limit.stderr).toContain(`spool: option '--limit <n>' argument '0' is invalid. Must be at least 1.`);
    expect(limit.stderr).not.toMatch(/Too small|expected number/);
    expect(attempts.code).toBe(2);
    expect(attempts.stderr).toContain(`spool: option '--max-attempts <n>' argument '0' is invalid. Must be at least 1.`);
    expect(queue.code).toBe(2);
    expect(queue.stderr).toContain(
      `spool: command-argument value 'bad queue' is invalid for argument 'queue'. Use 1 to 128 letters, digits, ".", "_", ":" or "-", starting with a letter or digit (for example "emails").`,
    );
    expect(internal.code).toBe(2);
    expect(internal.stderr).toContain(`"spool." is the reserved namespace of Spool's own internal queues`);
  });
});
