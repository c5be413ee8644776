import { StoreUnavailableError } from '../../core/errors.js';

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
