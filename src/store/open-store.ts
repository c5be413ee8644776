import type { Clock } from '../core/clock.js';
import { defaults } from '../core/defaults.js';
import { InvalidArgumentError } from '../core/errors.js';
import { closest } from '../core/spelling.js';
import type { Logger, PinoLike } from '../core/logger.js';
import type { Store } from './contract.js';

export const defaultStoreUrl = defaults.store;

export interface OpenStoreOptions {
  /** PostgreSQL schema. @defaultValue "spool" */
  schema?: string;
  /** Any object with debug, info, warn and error taking (message, fields), or a pino logger; default JSON lines on stderr (docs/observability.md). */
  logger?: Logger | PinoLike;
  /** A clock instead of the database's (PostgreSQL) or the machine's (SQLite); tests pass a ManualClock. */
  clock?: Clock;
}

const knownSchemes = ['sqlite', 'postgres', 'postgresql'];

/**
 * Opens the store a URL names: `sqlite:<path>` (or `sqlite::memory:`, or a path ending in
 * `.db`/`.sqlite`) or `postgres://` / `postgresql://`. Drivers load lazily, so a SQLite user never
 * loads `pg` and the other way round.
 */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  const trimmed = String(url).trim();
  if (/^postgres(ql)?:\/\//i.test(trimmed)) {
    const { PostgresStore } = await import('./postgres/postgres-store.js');
    return PostgresStore.connect(trimmed, options);
  }
  const scheme = /^([a-z][a-z0-9+.-]{1,20}):/i.exec(trimmed)?.[1]?.toLowerCase();
  // A scheme we do not know is a typo (`sqllite:`, `postgress://`), not a file name with a colon.
  if (scheme !== undefined && !knownSchemes.includes(scheme)) throw unknownStore(url, scheme);
  // `?busyTimeout=<ms>` after the path: how long a write waits for another process's lock.
  const [withoutQuery, query] = splitQuery(trimmed);
  const sqlitePath = /^sqlite:(\/\/)?(.+)$/i.exec(withoutQuery)?.[2] ?? (/\.(db|sqlite3?)$/i.test(withoutQuery) ? withoutQuery : undefined);
  if (sqlitePath) {
    const busy = query?.get('busyTimeout');
    if (busy !== null && busy !== undefined && !/^\d{1,7}$/.test(busy)) {
      throw new InvalidArgumentError(
        `Invalid busyTimeout ${JSON.stringify(busy)} in the store URL: use milliseconds, such as ?busyTimeout=5000.`,
      );
    }
    const { SqliteStore } = await import('./sqlite/sqlite-store.js');
    return new SqliteStore(sqlitePath, { clock: options.clock, ...(busy ? { busyTimeout: Number(busy) } : {}) });
  }
  throw unknownStore(url, scheme);
}

function unknownStore(url: string, scheme: string | undefined): InvalidArgumentError {
  const guess = scheme ? closest(scheme, knownSchemes) : null;
  return new InvalidArgumentError(
    `Unknown store URL ${JSON.stringify(url)}${guess ? ` (did you mean "${guess}:"?)` : ''}. Use "sqlite:./spool.db" for the embedded store, or "postgres://user:password@host:5432/database" for PostgreSQL.`,
  );
}

/** A SQLite URL's own parameters (`?busyTimeout=`), split from the path; a path without them is left whole. */
function splitQuery(url: string): [string, URLSearchParams | undefined] {
  const match = /^(.*)\?((?:busyTimeout)=[^?]*)$/.exec(url);
  return match ? [match[1] as string, new URLSearchParams(match[2])] : [url, undefined];
}
