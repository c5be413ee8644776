/**
 * @module
 * Reading a request header without building a WHATWG `Headers` object: on @hono/node-server the
 * raw Node request is at hand (`c.env.incoming`) and its headers are a plain object, which costs
 * a property read instead of copying every header (measured: a few µs of every request). Under
 * `app.request()` (tests, other runtimes) it falls back to Hono's own reader.
 */
import type { Context } from 'hono';

export function requestHeader(c: Context, name: string): string | undefined {
  const incoming = (c.env as { incoming?: { headers?: Record<string, string | string[] | undefined> } } | undefined)?.incoming;
  if (incoming?.headers) {
    const value = incoming.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  }
  return c.req.header(name);
}
