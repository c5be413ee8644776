/**
 * @module
 * The parent's side of the HTTP workloads: a server child (see server-process.ts) to start, ask
 * for CPU time and stop, and autocannon to load it. Every wait is bounded.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import type { ServerMessage, ServerOptions } from './server-process.js';

const entry = fileURLToPath(new URL('./server-process.ts', import.meta.url));

export class ServerChild {
  private readonly child: ChildProcess;
  private readonly waiters: ((message: ServerMessage) => void)[] = [];
  private failure: string | null = null;

  constructor(kind: 'hono' | 'spool', options: ServerOptions = {}, nodeFlags: string[] = []) {
    this.child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', entry, kind, JSON.stringify(options)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.child.once('exit', (code) => {
      this.failure ??= `the ${kind} server process exited with code ${code}`;
      for (const waiter of this.waiters.splice(0)) waiter({ type: 'error', message: this.failure });
    });
    createInterface({ input: this.child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      let message: ServerMessage;
      try {
        message = JSON.parse(line) as ServerMessage;
      } catch {
        return;
      }
      if (message.type === 'error') this.failure = message.message;
      this.waiters.shift()?.(message);
    });
  }

  private next(timeoutMs: number): Promise<ServerMessage> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the server process did not answer within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push((message) => {
        clearTimeout(timer);
        if (message.type === 'error') reject(new Error(message.message));
        else resolve(message);
      });
    });
  }

  /** The server's base URL once it listens. */
  async ready(): Promise<string> {
    const message = await this.next(30_000);
    if (message.type !== 'ready') throw new Error(`expected ready, got ${message.type}`);
    return message.url;
  }

  /** CPU microseconds (user + system) the server used since the previous call. */
  async cpu(): Promise<number> {
    const answer = this.next(10_000);
    this.child.stdin?.write('cpu\n');
    const message = await answer;
    if (message.type !== 'cpu') throw new Error(`expected cpu, got ${message.type}`);
    return message.micros;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin?.end('stop\n');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

export interface LoadResult {
  requests: number;
  perSecond: number;
  p50: number;
  p99: number;
  /** Responses other than 2xx, and connection errors and timeouts. */
  failures: number;
}

/** POSTs `amount` enqueue requests over `connections` connections. */
export async function load(url: string, amount: number, connections: number, token?: string): Promise<LoadResult> {
  const result = await autocannon({
    url: `${url}/v1/queues/bench/jobs`,
    method: 'POST',
    connections,
    amount,
    timeout: 10,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ name: 'noop', payload: { to: 'ada@example.com', n: 1 } }),
  });
  const ok = result['2xx'];
  return {
    requests: ok,
    perSecond: ok / (result.duration || 1),
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures: result.non2xx + result.errors + result.timeouts,
  };
}
