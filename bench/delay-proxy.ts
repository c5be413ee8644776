/**
 * @module
 * A TCP proxy on 127.0.0.1 that holds every chunk for a fixed delay in each direction, so a
 * server on this machine answers as if it were a network hop away (this kernel has no `netem`).
 * With 1 ms each way a PostgreSQL round trip (`SELECT 1`) takes about 2.5 ms: the two delays plus
 * timer granularity. Chunks keep their order: Node fires timers of one duration first in, first out.
 *
 * It runs in a child process of its own (`node --import tsx bench/delay-proxy.ts <delayMs>
 * <port>…`), so its timers are not held up by the benchmark's own work; it prints one JSON line,
 * `{"ports":[…]}` (a listening port per target, in order), and exits when its stdin closes.
 * `startDelayProxy` is the parent's handle on it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { type Socket, connect, createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

function delayed(from: Socket, to: Socket, delayMs: number): void {
  from.on('data', (chunk) => {
    setTimeout(() => {
      if (!to.destroyed) to.write(chunk);
    }, delayMs);
  });
  // Ends and errors travel after the data already on its way.
  from.on('end', () => setTimeout(() => to.end(), delayMs));
}

async function listen(targetPort: number, delayMs: number): Promise<number> {
  const server = createServer((client) => {
    client.setNoDelay(true);
    const upstream = connect(targetPort, '127.0.0.1');
    upstream.setNoDelay(true);
    for (const socket of [client, upstream]) {
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      socket.on('close', () => setTimeout(() => (socket === client ? upstream : client).destroy(), delayMs));
    }
    delayed(client, upstream, delayMs);
    delayed(upstream, client, delayMs);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return (server.address() as { port: number }).port;
}

export interface DelayProxy {
  /** The proxy's port for each target port, in the order given. */
  ports: number[];
  close(): void;
}

/** Starts the proxy in a child process; one listening port per target port. */
export async function startDelayProxy(delayMs: number, targetPorts: number[]): Promise<DelayProxy> {
  const entry = fileURLToPath(import.meta.url);
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', entry, String(delayMs), ...targetPorts.map(String)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const ports = await new Promise<number[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the delay proxy did not start within 15 s')), 15_000);
    child.once('exit', (code) => reject(new Error(`the delay proxy exited with code ${code}`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', (line) => {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { ports: number[] }).ports);
    });
  });
  return {
    ports,
    close() {
      child.stdin?.end();
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [delay, ...targets] = process.argv.slice(2).map(Number);
  const ports = await Promise.all(targets.map((port) => listen(port, delay ?? 1)));
  process.stdout.write(`${JSON.stringify({ ports })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
}
