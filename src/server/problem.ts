/**
 * @module
 * Errors over HTTP as `application/problem+json` (RFC 9457): a stable `code`, the HTTP status,
 * and a `detail` sentence a person can act on. SpoolError codes map to statuses in the error
 * catalog (`core/error-catalog.ts`).
 */
import { errorCatalog, isSpoolErrorCode } from '../core/error-catalog.js';
import { isSpoolError, retryAfterOf } from '../core/errors.js';
import type { Logger } from '../core/logger.js';

export interface Problem {
  /** A URI naming the kind of problem: `urn:spool:problem:<code>`. */
  type: string;
  title: string;
  status: number;
  /** What went wrong and what to do about it. */
  detail: string;
  /** The stable Spool code, such as `SPOOL_JOB_NOT_FOUND`. */
  code: string;
  /** For validation problems: each bad field and what is wrong with it. */
  errors?: { field: string; message: string }[];
}

const titles: Record<number, string> = {
  429: 'Too Many Requests',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function makeProblem(status: number, code: string, detail: string, errors?: Problem['errors']): Problem {
  return {
    type: `urn:spool:problem:${code
      .replace(/^SPOOL_/, '')
      .toLowerCase()
      .replaceAll('_', '-')}`,
    title: titles[status] ?? 'Error',
    status,
    detail,
    code,
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}

/** A problem+json response. */
export function problemResponse(problem: Problem, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(problem), {
    status: problem.status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  });
}

/** Thrown by routes to answer with a problem; `onError` turns it into the response. */
export class ProblemError extends Error {
  constructor(
    readonly problem: Problem,
    readonly headers: Record<string, string> = {},
  ) {
    super(problem.detail);
  }
}

/**
 * Turns anything a handler threw into a problem. SpoolErrors keep their message (written for
 * people); anything else is logged and answered with a 500 that does not leak internals.
 */
export function errorToProblem(err: unknown, logger: Logger): Problem {
  if (err instanceof ProblemError) return err.problem;
  if (isSpoolError(err) && isSpoolErrorCode(err.code)) {
    const status = errorCatalog[err.code].http;
    // A 5xx from an error meant for workers (a timeout, a handler's own) is not the caller's to read.
    if (status < 500 || status === 503) return makeProblem(status, err.code, err.message);
  }
  const status = (err as { status?: unknown })?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // Hono's HTTPException, thrown by its body parser and validators.
    const message = (err as Error).message || titles[status] || 'The request was not accepted.';
    if (/malformed json/i.test(message)) {
      return makeProblem(
        400,
        'SPOOL_INVALID_ARGUMENT',
        'The request body is not valid JSON. Send a JSON object with Content-Type: application/json.',
      );
    }
    if (status === 415) {
      return makeProblem(
        415,
        'SPOOL_UNSUPPORTED_MEDIA_TYPE',
        'Send the request body as JSON with the header Content-Type: application/json.',
      );
    }
    if (status === 413) return makeProblem(413, 'SPOOL_PAYLOAD_TOO_LARGE', message);
    return makeProblem(status, 'SPOOL_INVALID_ARGUMENT', message);
  }
  logger.error('An HTTP request failed unexpectedly', { error: err instanceof Error ? err.message : String(err) });
  return makeProblem(
    500,
    'SPOOL_INTERNAL',
    'Spool hit an unexpected error handling this request; the server log has the details. Try again.',
  );
}

/**
 * The headers a problem response carries besides its body: a ProblemError's own, and
 * `Retry-After` (whole seconds) for errors that say when to try again (a full or paused queue).
 */
export function problemHeaders(err: unknown): Record<string, string> {
  if (err instanceof ProblemError) return err.headers;
  const wait = retryAfterOf(err);
  return wait === null ? {} : { 'retry-after': String(Math.max(1, Math.ceil(wait / 1000))) };
}
