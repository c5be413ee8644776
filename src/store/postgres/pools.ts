/**
 * @module
 * The PostgreSQL store's two pools from one URL: the main pool (durable commits) and the lease
 * pool (claims and heartbeats, asynchronous commits; see PostgresStore). `?poolSize=` sizes them.
 */
import pg from 'pg';
import type { Logger } from '../../core/logger.js';

export interface Pools {
  pool: pg.Pool;
  leasePool: pg.Pool;
  /** The URL without Spool's own parameters. */
  url: URL;
}

export function openPools(url: URL, logger: Logger): Pools {
  const clean = new URL(url);
  const max = Number(clean.searchParams.get('poolSize') ?? 10);
  clean.searchParams.delete('poolSize');
  const settings = { connectionString: clean.toString(), connectionTimeoutMillis: 5_000, idleTimeoutMillis: 30_000, types: rawJsonTypes };
  const pool = new pg.Pool({ ...settings, max });
  const leasePool = new pg.Pool({ ...settings, max: Math.max(2, Math.ceil(max / 3)), options: '-c synchronous_commit=off' });
  for (const p of [pool, leasePool]) {
    // An idle connection that dies (server restart) must not crash the process; the pool replaces it.
    // Debug level: in an outage every idle connection dies at once, and the Spool's outage log
    // already reports the outage once, from the statements that fail.
    p.on('error', (err) => logger.debug(`An idle PostgreSQL connection was lost (${err.message}); the pool replaces it.`));
  }
  return { pool, leasePool, url: clean };
}

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
