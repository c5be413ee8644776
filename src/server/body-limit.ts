/**
 * @module
 * The request body limit (413 past it). A body with a Content-Length is judged by the header
 * alone: Node's HTTP parser never delivers more bytes than it declares, so nothing needs reading
 * here, and the body stays unread for the route's one JSON parse. Hono's `bodyLimit` reads
 * `Request.body`, which makes @hono/node-server build a full WHATWG Request with a web stream
 * around the socket: about 60 µs of every enqueue on this machine, the largest single cost in
 * the profile. Chunked bodies (no Content-Length) still go through Hono's, which counts bytes.
 */
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { makeProblem, problemResponse } from './problem.js';
import { requestHeader } from './request-header.js';

export function limitBody(maxSize: number): MiddlewareHandler {
  const tooLarge = () =>
    problemResponse(
      makeProblem(
        413,
        'SPOOL_PAYLOAD_TOO_LARGE',
        `The request body is larger than this server's limit of ${maxSize} bytes. Store large data elsewhere and pass a reference, or raise server.bodyLimit.`,
      ),
    );
  const counting = bodyLimit({ maxSize, onError: tooLarge });
  return async function limitBody(c, next) {
    const length = requestHeader(c, 'content-length');
    if (length !== undefined && requestHeader(c, 'transfer-encoding') === undefined) {
      return Number(length) > maxSize ? tooLarge() : next();
    }
    return counting(c, next);
  };
}
