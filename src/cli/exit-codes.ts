/**
 * @module
 * Exit codes of the `spool` command:
 * 0 done; 1 the job failed or was cancelled, or the operation failed (not found, conflict,
 * refused); 2 usage error (bad arguments, options or input); 3 the server or store cannot be reached.
 */
import { errorCatalog, isSpoolErrorCode } from '../core/error-catalog.js';
import { isSpoolError } from '../core/errors.js';

export const exitCodes = { ok: 0, failed: 1, usage: 2, unreachable: 3 } as const;

/** An error the CLI prints as is, then exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const networkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

export function exitCodeFor(err: unknown): number {
  if (err instanceof CliError) return err.exitCode;
  if (isSpoolError(err) && isSpoolErrorCode(err.code)) return errorCatalog[err.code].exit;
  const code = (err as { code?: unknown })?.code ?? (err as { cause?: { code?: unknown } })?.cause?.code;
  if (typeof code === 'string' && networkCodes.has(code)) return exitCodes.unreachable;
  return exitCodes.failed;
}
