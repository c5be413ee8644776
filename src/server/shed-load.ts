/**
 * @module
 * Load shedding: an overloaded server answers 503 with Retry-After before its own limits give
 * way (memory, sockets, the event loop), so an overload degrades instead of falling over.
 * Event streams are counted apart: they stay open, while requests in flight should not.
 */
import type { MiddlewareHandler } from 'hono';
import { makeProblem, problemResponse } from './problem.js';
import { requestHeader } from './request-header.js';
import type { StreamRegistry } from './sse.js';

const health = new Set(['/healthz', '/readyz']);

export function shedLoad(streams: StreamRegistry, maxInFlight: number, maxStreams: number): MiddlewareHandler {
  let inFlight = 0;
  return async function shed(c, next) {
    if (health.has(c.req.path)) return next();
    const stream = c.req.method === 'GET' && (requestHeader(c, 'accept') ?? '').includes('text/event-stream');
    if (stream ? streams.size >= maxStreams : inFlight >= maxInFlight) {
      const what = stream ? `${streams.size} event streams are open` : `${inFlight} requests are in flight`;
      return problemResponse(makeProblem(503, 'SPOOL_OVERLOADED', `The server is overloaded (${what}); try again in a second.`), {
        'retry-after': '1',
      });
    }
    if (stream) return next();
    inFlight++;
    try {
      await next();
    } finally {
      inFlight--;
    }
  };
}
