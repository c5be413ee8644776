/**
 * @module
 * What PostgreSQL's errors mean for Spool: a connection error is an outage (transient: retried
 * until the server is back); a refusal at start (no such database or role, a wrong password, no
 * pg_hba.conf entry) is a configuration to fix, with a sentence that says how.
 */
import { SpoolError, StoreUnavailableError } from '../../core/errors.js';

const connectionCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH']);

/** True for errors that mean "PostgreSQL is not there right now", not "this statement is wrong". */
export function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  if (typeof code !== 'string') {
    const message = String((err as { message?: unknown })?.message ?? '');
    return /Connection terminated|connection timeout|Client has encountered a connection error|not queryable/i.test(message);
  }
  // Class 08: connection exceptions; 57P01–57P03: admin shutdown, crash shutdown, cannot connect now.
  return connectionCodes.has(code) || code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03';
}

/** Wraps a connection error in StoreUnavailableError with a message that says what to check. */
export function toStoreError(err: unknown, where: string): unknown {
  if (!isConnectionError(err)) return err;
  const detail = (err as Error).message || (err as { code?: string }).code || 'connection failed';
  return new StoreUnavailableError(
    `Cannot reach PostgreSQL at ${where} (${detail}). Check that the server is running and the store URL (host, port, database, user) is right; Spool retries on its own once it is back.`,
    { cause: err },
  );
}

/** A refusal that no retry fixes: the server answered and said no. */
const refusals: Record<string, (err: Error & { code: string }, where: string, url: URL) => string> = {
  '3D000': (_err, where, url) => {
    const db = decodeURIComponent(url.pathname.slice(1)) || 'postgres';
    return `The database "${db}" does not exist on the PostgreSQL server at ${where}. Create it (createdb ${db}, or CREATE DATABASE "${db}"), or fix the database name in the store URL.`;
  },
  '28000': (err, where, url) => {
    const role = decodeURIComponent(url.username) || 'your operating-system user';
    return /role .* does not exist/.test(err.message)
      ? `The role "${role}" does not exist on the PostgreSQL server at ${where}. Create it (CREATE ROLE "${role}" LOGIN), or fix the user in the store URL.`
      : `PostgreSQL at ${where} refused the connection (${err.message}). Allow this host and user in pg_hba.conf, or connect as another user.`;
  },
  '28P01': (_err, where, url) =>
    `PostgreSQL at ${where} refused the password of user "${decodeURIComponent(url.username)}". Fix the password in the store URL.`,
  '42501': (err, where) =>
    `The PostgreSQL user lacks a right Spool needs at ${where} (${err.message}). Grant it (for a new schema: GRANT CREATE ON DATABASE …), or run \`spool migrate\` once as a user who has it.`,
};

/** SPOOL_STORE_MISCONFIGURED with what to fix, when PostgreSQL refused (see `refusals`); else null. */
export function refusalError(err: unknown, where: string, url?: URL): SpoolError | null {
  const code = (err as { code?: unknown })?.code;
  const refusal = typeof code === 'string' ? refusals[code] : undefined;
  if (!refusal) return null;
  // The server alone (host:port) where the URL is known: the database is named on its own.
  const server = url ? `${url.hostname}:${url.port || 5432}` : where;
  return new SpoolError(
    'SPOOL_STORE_MISCONFIGURED',
    refusal(err as Error & { code: string }, server, url ?? new URL('postgres://localhost')),
    {
      cause: err,
    },
  );
}

/**
 * The error to stop a start with: a refusal becomes SPOOL_STORE_MISCONFIGURED (exit 2) saying what
 * to fix; a server that does not answer, SPOOL_STORE_UNAVAILABLE (exit 3) saying what to check.
 * Nothing retries at start: a supervisor restarts the process, and a person reads why.
 */
export function startupError(err: unknown, where: string, url: URL): unknown {
  const code = (err as { code?: unknown })?.code;
  const refused = refusalError(err, where, url);
  if (refused) return refused;
  if (!isConnectionError(err)) return err;
  const detail = (err as Error).message || String(code ?? 'connection failed');
  const reason =
    code === 'ENOTFOUND' || code === 'EAI_AGAIN'
      ? `the host name "${url.hostname}" does not resolve`
      : code === 'ECONNREFUSED'
        ? 'nothing answered there'
        : detail;
  return new StoreUnavailableError(
    `Cannot reach PostgreSQL at ${where} (${reason}). Check that the server is running and that the host and port in the store URL are right; nothing was started.`,
    { cause: err },
  );
}
