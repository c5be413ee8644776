/**
 * @module
 * Puts the app on a port with @hono/node-server, and closes it gracefully: readiness fails,
 * event streams end, in-flight requests finish, then the listener closes.
 */
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import type { SpoolApp } from './app.js';

export interface HttpServer {
  /** `http://host:port`, with the port actually bound (useful with port 0). */
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function listen(spoolApp: SpoolApp, host: string, port: number): Promise<HttpServer> {
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: spoolApp.app.fetch, hostname: host, port }, () => resolve(s));
    s.once('error', reject);
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
