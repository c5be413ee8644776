/**
 * @module
 * What better-sqlite3's errors mean for Spool: a busy or unreachable file is an outage
 * (transient: retried until the file answers); a folder that does not exist is a path to fix.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { SpoolError, StoreUnavailableError } from '../../core/errors.js';

/** Refuses a database path whose folder does not exist, saying so (SQLite would only say "unable to open"). */
export function assertFolderExists(path: string): void {
  const folder = dirname(resolve(path));
  if (path === ':memory:' || existsSync(folder)) return;
  throw new SpoolError(
    'SPOOL_STORE_MISCONFIGURED',
    `The folder ${folder} for the SQLite database "${path}" does not exist. Create it (mkdir -p ${folder}), or fix the path in the store URL.`,
  );
}

/**
 * better-sqlite3 error codes that mean "the file is busy or unreachable right now", not "this
 * statement is wrong": another process holds the write lock past the busy timeout, or the disk
 * or file system failed. The same write may succeed in a moment.
 */
const unavailable = /^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|FULL|READONLY|PROTOCOL)/;

/** Wraps a driver error that means the file is busy or unreachable in StoreUnavailableError; others pass through. */
export function toStoreError(err: unknown, path: string): unknown {
  const code = (err as { code?: unknown })?.code;
  if (typeof code !== 'string' || !unavailable.test(code)) return err;
  const busy = code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
  return new StoreUnavailableError(
    busy
      ? `The SQLite database "${path}" stayed locked by another connection past the busy timeout (${code}). Spool retries on its own; if it lasts, look for a process holding a long transaction on the file.`
      : `The SQLite database "${path}" could not be written (${code}: ${(err as Error).message}). Check the disk and the file's permissions; Spool retries on its own.`,
    { cause: err },
  );
}
