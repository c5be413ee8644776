/**
 * @module
 * Every error code Spool uses, with what it means at each edge: the HTTP status the API answers,
 * the exit code the CLI ends with, and whether the condition may pass on its own (transient: the
 * same call may succeed in a moment, so workers retry writes instead of giving them up). The
 * record is keyed by `SpoolErrorCode`, so a new code does not compile until it is placed here.
 */

export type SpoolErrorCode =
  | 'SPOOL_INVALID_ARGUMENT'
  | 'SPOOL_PAYLOAD_NOT_JSON'
  | 'SPOOL_PAYLOAD_TOO_LARGE'
  | 'SPOOL_UNKNOWN_STORE'
  | 'SPOOL_STORE_UNAVAILABLE'
  | 'SPOOL_STORE_MISCONFIGURED'
  | 'SPOOL_JOB_NOT_FOUND'
  | 'SPOOL_NOT_FOUND'
  | 'SPOOL_JOB_FAILED'
  | 'SPOOL_JOB_CANCELLED'
  | 'SPOOL_INVALID_STATE'
  | 'SPOOL_CLOSED'
  | 'SPOOL_NON_RETRYABLE'
  | 'SPOOL_TIMEOUT'
  | 'SPOOL_CANCELLED'
  | 'SPOOL_LEASE_LOST'
  | 'SPOOL_LEASE_EXPIRED'
  | 'SPOOL_WORKER_LOST'
  | 'SPOOL_SHUTDOWN'
  | 'SPOOL_NO_HANDLER'
  | 'SPOOL_WAIT_TIMEOUT'
  | 'SPOOL_UNAUTHORIZED'
  | 'SPOOL_FORBIDDEN'
  | 'SPOOL_ROUTE_NOT_FOUND'
  | 'SPOOL_UNSUPPORTED_MEDIA_TYPE'
  | 'SPOOL_SHUTTING_DOWN'
  | 'SPOOL_PORT_IN_USE'
  | 'SPOOL_INTERNAL'
  | 'SPOOL_QUEUE_FULL'
  | 'SPOOL_QUEUE_PAUSED'
  | 'SPOOL_RATE_LIMITED'
  | 'SPOOL_BREAKER_OPEN'
  | 'SPOOL_OVERLOADED'
  | 'SPOOL_MISSING_PACKAGE'
  | 'SPOOL_BROKER_UNAVAILABLE'
  | 'SPOOL_SUSPENDED'
  | 'SPOOL_WORKFLOW_MISMATCH';

export interface ErrorTraits {
  /** The HTTP status the API answers with. */
  http: number;
  /** The `spool` command's exit code: 1 failed, 2 usage or configuration (fix the command), 3 unreachable (try again later). */
  exit: 1 | 2 | 3;
  /** The condition may pass by itself; retrying the same call later can succeed. */
  transient: boolean;
}

const usage = { http: 400, exit: 2, transient: false } as const;
const failed = (http: number) => ({ http, exit: 1, transient: false }) as const;

export const errorCatalog: Record<SpoolErrorCode, ErrorTraits> = {
  SPOOL_INVALID_ARGUMENT: usage,
  SPOOL_PAYLOAD_NOT_JSON: usage,
  SPOOL_PAYLOAD_TOO_LARGE: { http: 413, exit: 2, transient: false },
  SPOOL_UNKNOWN_STORE: usage,
  SPOOL_STORE_UNAVAILABLE: { http: 503, exit: 3, transient: true },
  /** The store answered, and refused: no such database or role, a wrong password, a missing right. */
  SPOOL_STORE_MISCONFIGURED: { http: 503, exit: 2, transient: false },
  SPOOL_JOB_NOT_FOUND: failed(404),
  SPOOL_NOT_FOUND: failed(404),
  SPOOL_JOB_FAILED: failed(409),
  SPOOL_JOB_CANCELLED: failed(409),
  SPOOL_INVALID_STATE: failed(409),
  SPOOL_CLOSED: { http: 503, exit: 1, transient: false },
  SPOOL_NON_RETRYABLE: failed(500),
  SPOOL_TIMEOUT: failed(504),
  SPOOL_CANCELLED: failed(409),
  SPOOL_LEASE_LOST: failed(409),
  SPOOL_LEASE_EXPIRED: failed(409),
  /** The process running the attempt died (its store session or pid is gone); the job was taken back before its lease ran out. */
  SPOOL_WORKER_LOST: failed(409),
  SPOOL_SHUTDOWN: { http: 503, exit: 1, transient: true },
  SPOOL_NO_HANDLER: failed(500),
  SPOOL_WAIT_TIMEOUT: { http: 504, exit: 1, transient: true },
  SPOOL_UNAUTHORIZED: failed(401),
  SPOOL_FORBIDDEN: failed(403),
  SPOOL_ROUTE_NOT_FOUND: failed(404),
  SPOOL_UNSUPPORTED_MEDIA_TYPE: { http: 415, exit: 2, transient: false },
  SPOOL_SHUTTING_DOWN: { http: 503, exit: 3, transient: true },
  /** `spool serve` cannot listen: the port is taken, or the address is not this machine's. */
  SPOOL_PORT_IN_USE: { http: 500, exit: 2, transient: false },
  SPOOL_MISSING_PACKAGE: { http: 500, exit: 2, transient: false },
  SPOOL_BROKER_UNAVAILABLE: { http: 503, exit: 3, transient: true },
  SPOOL_INTERNAL: failed(500),
  SPOOL_QUEUE_FULL: { http: 429, exit: 1, transient: true },
  SPOOL_QUEUE_PAUSED: { http: 503, exit: 1, transient: true },
  SPOOL_RATE_LIMITED: { http: 429, exit: 1, transient: true },
  SPOOL_BREAKER_OPEN: { http: 503, exit: 1, transient: true },
  SPOOL_OVERLOADED: { http: 503, exit: 3, transient: true },
  /** A workflow handed its slot back to wait (ctx.sleep, waitForEvent, ctx.all); never an error a caller sees. */
  SPOOL_SUSPENDED: { http: 500, exit: 1, transient: false },
  /** A workflow run's stored steps do not match the steps its code calls now (renamed or reordered). */
  SPOOL_WORKFLOW_MISMATCH: failed(409),
};

export function isSpoolErrorCode(code: unknown): code is SpoolErrorCode {
  return typeof code === 'string' && Object.hasOwn(errorCatalog, code);
}
