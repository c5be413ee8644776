/**
 * The real brokers on this machine for the bridge tests: RabbitMQ on 127.0.0.1:5672 (guest/guest)
 * and NATS with JetStream on 127.0.0.1:4222, started by .ci/run. With CI set an unreachable broker
 * fails its tests; locally they are skipped with a one-line note. Each test makes its own
 * exchange, queue or stream with a random name and deletes it afterwards.
 */
import { randomBytes } from 'node:crypto';
import { type Server, type Socket, createConnection, createServer } from 'node:net';
import amqp from 'amqplib';
import { type NatsConnection, connect as natsConnect } from 'nats';
import { describe, it } from 'vitest';

export const rabbitUrl = process.env.SPOOL_TEST_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const natsUrl = process.env.SPOOL_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

export const suffix = (): string => randomBytes(4).toString('hex');

async function probe(kind: 'rabbitmq' | 'nats'): Promise<string | null> {
  try {
    if (kind === 'rabbitmq') {
      const connection = await amqp.connect(rabbitUrl, { timeout: 3_000 });
      await connection.close();
    } else {
      const nc = await natsConnect({ servers: new URL(natsUrl).host, timeout: 3_000, reconnect: false });
      await (await nc.jetstreamManager()).getAccountInfo();
      await nc.close();
    }
    return null;
  } catch (err) {
    return (err as Error).message || String(err);
  }
}

/**
 * True when the broker answers. Otherwise, in CI, registers a failing test and returns false;
 * locally prints a one-line note and returns false so the caller's tests are skipped.
 */
export async function brokerAvailable(kind: 'rabbitmq' | 'nats'): Promise<boolean> {
  const problem = await probe(kind);
  if (problem === null) return true;
  const where = kind === 'rabbitmq' ? `RabbitMQ at ${rabbitUrl.replace(/:[^:@/]*@/, ':***@')}` : `NATS JetStream at ${natsUrl}`;
  const message = `${where} is not reachable (${problem}); .ci/run starts it.`;
  if (process.env.CI) {
    describe(`${kind} bridges`, () => {
      it(`needs ${where} in CI`, () => {
        throw new Error(message);
      });
    });
  } else {
    process.stderr.write(`[spool tests] SKIPPING the ${kind} bridge tests: ${message}\n`);
  }
  return false;
}

export async function rabbit(): Promise<{ connection: amqp.ChannelModel; channel: amqp.ConfirmChannel; close(): Promise<void> }> {
  const connection = await amqp.connect(rabbitUrl);
  connection.on('error', () => {});
  const channel = await connection.createConfirmChannel();
  return { connection, channel, close: () => connection.close().catch(() => {}) };
}

export async function nats(): Promise<NatsConnection> {
  return natsConnect({ servers: new URL(natsUrl).host, reconnect: false });
}

/**
 * A TCP proxy on 127.0.0.1 in front of a broker, so a test can take the broker away from one
 * client without disturbing the others: `cut()` drops every connection and refuses new ones,
 * `restore()` accepts again on the same port.
 */
export class TcpProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<this> {
    await this.listen();
    return this;
  }

  get url(): string {
    return `127.0.0.1:${this.port}`;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  async restore(): Promise<void> {
    if (!this.server) await this.listen();
  }

  async close(): Promise<void> {
    await this.cut();
  }

  private listen(): Promise<void> {
    const server = createServer((client) => {
      const upstream = createConnection(this.target);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('error', () => {});
        s.on('close', () => {
          this.sockets.delete(s);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        this.port = (server.address() as { port: number }).port;
        resolve();
      });
    });
  }
}
