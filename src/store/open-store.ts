import { InvalidArgumentError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Store } from './contract.js';

export const defaultStoreUrl = 'sqlite:./spool.db';

/**
 * Opens the store a URL names: `sqlite:<path>` (or `sqlite::memory:`, or a path ending in
 * `.db`/`.sqlite`) or `postgres://` / `postgresql://`. Drivers load lazily, so a SQLite user never
 * loads `pg` and the other way round.
 */
export async function openStore(url: string, options: { schema?: string; logger?: Logger } = {}): Promise<Store> {
  const trimmed = url.trim();
  if (/^postgres(ql)?:\/\//i.test(trimmed)) {
    const { PostgresStore } = await import('./postgres/postgres-store.js');
    return PostgresStore.connect(trimmed, options.schema, options.logger);
  }
  const sqlitePath = /^sqlite:(\/\/)?(.+)$/i.exec(trimmed)?.[2] ?? (/\.(db|sqlite3?)$/i.test(trimmed) ? trimmed : undefined);
  if (sqlitePath) {
    const { SqliteStore } = await import('./sqlite/sqlite-store.js');
    return new SqliteStore(sqlitePath);
  }
  throw new InvalidArgumentError(
    `Unknown store URL ${JSON.stringify(url)}. Use "sqlite:./spool.db" for the embedded store, or "postgres://user:password@host:5432/database" for PostgreSQL.`,
  );
}
