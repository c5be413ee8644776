/**
 * @module
 * The PostgreSQL store's two connection pools: durable commits for enqueues and outcomes, and a
 * smaller one with asynchronous commit for claims, heartbeats and progress (see PostgresStore).
 * `?poolSize=` on the URL sizes them.
 */
import pg from 'pg';
import { InvalidArgumentError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';

/** JSON arrives as text and bigints as numbers: rowToJob parses JSON the same way for both stores. */
const rawJsonTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.JSON || oid === pg.types.builtins.JSONB) return (value: string) => value;
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

export function safeUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

export function createPools(connectionString: string, logger: Logger): { url: URL; pool: pg.Pool; leasePool: pg.Pool } {
  const url = safeUrl(connectionString);
  if (!url) throw new InvalidArgumentError('Invalid PostgreSQL URL: expected postgres://user:password@host:5432/database.');
  const max = Number(url.searchParams.get('poolSize') ?? 10);
  url.searchParams.delete('poolSize');
  const settings = { connectionString: url.toString(), connectionTimeoutMillis: 5_000, idleTimeoutMillis: 30_000, types: rawJsonTypes };
  const pool = new pg.Pool({ ...settings, max });
  const leasePool = new pg.Pool({ ...settings, max: Math.max(2, Math.ceil(max / 3)), options: '-c synchronous_commit=off' });
  for (const p of [pool, leasePool]) {
    // An idle connection that dies (server restart) must not crash the process; the pool replaces it.
    // Debug level: in an outage every idle connection dies at once, and the Spool's outage log
    // already reports the outage once, from the statements that fail.
    p.on('error', (err) => logger.debug(`An idle PostgreSQL connection was lost (${err.message}); the pool replaces it.`));
  }
  return { url, pool, leasePool };
}
