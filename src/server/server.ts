/**
 * @module
 * Puts the app on a port with @hono/node-server, and closes it gracefully: readiness fails,
 * event streams end, in-flight requests finish, then the listener closes. A port it cannot take
 * is reported as a sentence that says what to change (SPOOL_PORT_IN_USE).
 */
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { SpoolError } from '../core/errors.js';
import type { SpoolApp } from './app.js';

export interface HttpServer {
  /** `http://host:port`, with the port actually bound (useful with port 0). */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * What `listen` serves: the app `createApp` returns, or your own app (any object with a fetch
 * handler, such as a Hono app) that mounts Spool's beside routes of its own.
 */
export interface Listenable {
  app: { fetch: (request: Request, env?: any) => Response | Promise<Response> };
  /** Called first on close: `SpoolApp.stopAccepting` ends event streams and fails readiness. */
  stopAccepting(): void;
}

export async function listen(spoolApp: SpoolApp | Listenable, host: string, port: number): Promise<HttpServer> {
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: spoolApp.app.fetch, hostname: host, port }, () => resolve(s));
    s.once('error', (err) => reject(listenError(err, host, port)));
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | null = null;
  return {
    url: `http://${shownHost}:${address.port}`,
    port: address.port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        spoolApp.stopAccepting();
        server.close(() => resolve());
        // Idle keep-alive connections would hold close() open; in-flight requests still finish.
        (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
        const force = setTimeout(() => (server as { closeAllConnections?: () => void }).closeAllConnections?.(), 5_000);
        force.unref();
      });
      return closing;
    },
  };
}

/** Why the server could not listen, as a sentence that says what to change (exit 2 in the CLI). */
export function listenError(err: unknown, host: string, port: number): unknown {
  const code = (err as { code?: unknown })?.code;
  const fail = (message: string) => new SpoolError('SPOOL_PORT_IN_USE', message, { cause: err });
  switch (code) {
    case 'EADDRINUSE':
      return fail(
        `Port ${port} is in use on ${host}: another program (or another spool serve) listens there. Pass --port or set SPOOL_PORT (server.port in the config file) to use another port, or stop the other program.`,
      );
    case 'EACCES':
      return fail(`Port ${port} needs privileges this process does not have; pass --port or set SPOOL_PORT to a port above 1023.`);
    case 'EADDRNOTAVAIL':
      return fail(
        `${host} is not an address of this machine, so nothing can listen on it; pass --host or set SPOOL_HOST to one of its addresses (127.0.0.1 for this machine only, 0.0.0.0 for all).`,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return fail(`The host name "${host}" does not resolve; pass --host or set SPOOL_HOST to an address such as 127.0.0.1.`);
    default:
      return err;
  }
}
