/**
 * @module
 * A real TCP proxy on 127.0.0.1 in front of a server (PostgreSQL in the outage tests), that a
 * test can cut: `cut()` destroys every open connection and refuses new ones (each is accepted and
 * closed at once, so clients see the server drop, not hang); `restore()` lets them through again.
 * It counts the connections clients tried while cut, which shows whether they back off.
 */
import { type Server, type Socket, connect, createServer } from 'node:net';

export class TcpProxy {
  readonly port: number;
  /** Connections clients opened while the proxy was cut. */
  refused = 0;
  private cutting = false;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    private readonly target: { host: string; port: number },
  ) {
    this.port = (server.address() as { port: number }).port;
    server.on('connection', (client) => this.accept(client));
  }

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return new TcpProxy(server, target);
  }

  /** `url` with its host and port replaced by the proxy's. */
  urlFor(url: string): string {
    const proxied = new URL(url);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(this.port);
    return proxied.toString();
  }

  get isCut(): boolean {
    return this.cutting;
  }

  /** Drops every connection now, and every new one until restore(). */
  cut(): void {
    this.cutting = true;
    this.refused = 0;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  restore(): void {
    this.cutting = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.cutting) {
      this.refused++;
      client.destroy();
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        this.sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
