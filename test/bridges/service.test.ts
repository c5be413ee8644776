/**
 * Bridges as an operator meets them: declared in the config file (validated with readable
 * errors), started by the service, listed by `GET /v1/bridges`, `/readyz` and `spool bridges`;
 * a broker package that is missing is named with the command that installs it; broker messages
 * become events with stable ids.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadBrokerClient } from '../../src/bus/bridges/driver.js';
import { toPublishItem } from '../../src/bus/bridges/message.js';
import { loadConfig, parseConfig } from '../../src/config/load-config.js';
import { silentLogger } from '../../src/index.js';
import { type Service, startService } from '../../src/server/service.js';
import { spool as cli } from '../cli/run.js';
import { eventually } from '../helpers/eventually.js';
import { secrets, sqliteStore, testConfig } from '../server/helpers.js';
import { rabbit, rabbitUrl, suffix } from './brokers.js';
import { rabbitUp } from './crash-helpers.js';

describe('bridges in the config file', () => {
  const problem = (bridges: unknown) => {
    try {
      parseConfig({ bridges }, 'spool.config.ts');
      return null;
    } catch (err) {
      return (err as Error).message;
    }
  };

  it('names what is missing, what does not apply and a wrong URL, by path', () => {
    expect(problem({ orders: { kind: 'rabbitmq', direction: 'out', url: 'amqp://127.0.0.1', topic: 'orders' } })).toContain(
      'bridges.orders.exchange: is required for a RabbitMQ outbound bridge',
    );
    expect(problem({ orders: { kind: 'nats', direction: 'in', url: 'nats://127.0.0.1:4222', topic: 'orders', stream: 'S' } })).toContain(
      'bridges.orders.durable: is required for a NATS JetStream inbound bridge',
    );
    expect(
      problem({ orders: { kind: 'rabbitmq', direction: 'in', url: 'amqp://127.0.0.1', topic: 'orders', queue: 'q', exchange: 'x' } }),
    ).toContain('bridges.orders.exchange: does not apply to a RabbitMQ inbound bridge; remove it');
    expect(problem({ orders: { kind: 'nats', direction: 'out', url: 'http://127.0.0.1:4222', topic: 'orders', subject: 's' } })).toContain(
      'bridges.orders.url: must be a nats:// or tls:// URL',
    );
    expect(problem({ orders: { kind: 'kafka', direction: 'out', url: 'x', topic: 'orders' } })).toContain(
      'bridges.orders.kind: must be one of "rabbitmq", "nats"',
    );
    expect(problem({ 'spool.x': { kind: 'nats', direction: 'out', url: 'nats://h', topic: 'orders', subject: 's' } })).toMatch(/bridges/);
    expect(
      problem({ ok: { kind: 'nats', direction: 'out', url: 'nats://h:4222', topic: 'orders', subject: 's', lease: '10s' } }),
    ).toBeNull();
  });

  it('are read from the config file, and a bad duration is named there too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spool-bridges-config-'));
    try {
      const bridge = { kind: 'nats', direction: 'in', url: 'nats://127.0.0.1:4222', topic: 'payments', stream: 'PAY', durable: 'spool' };
      writeFileSync(join(dir, 'spool.config.mjs'), `export default { bridges: { 'payments-in': ${JSON.stringify(bridge)} } };\n`);
      expect((await loadConfig({}, { cwd: dir, env: {} })).bridges).toEqual([{ name: 'payments-in', config: bridge }]);
      // Another file: Node caches the module it imported first.
      writeFileSync(
        join(dir, 'bad.mjs'),
        `export default { bridges: { 'payments-in': ${JSON.stringify({ ...bridge, ackWait: '30 seconds' })} } };\n`,
      );
      await expect(loadConfig({ config: 'bad.mjs' }, { cwd: dir, env: {} })).rejects.toThrow(
        /bridge "payments-in" ackWait must be milliseconds, or a string such as/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names a missing broker package with the command that installs it', async () => {
    const missing = `amqplib-not-installed-${suffix()}`;
    await expect(loadBrokerClient('rabbitmq', 'orders-out', () => import(missing))).rejects.toMatchObject({
      code: 'SPOOL_MISSING_PACKAGE',
      message: 'The bridge "orders-out" needs the package "amqplib", which is not installed. Install it beside spool: npm install amqplib',
    });
  });
});

describe('broker messages as events', () => {
  const message = {
    id: undefined,
    headers: { region: 'eu', 'spool-key': 'acct-1', n: 3 },
    body: Buffer.from('{"a":1}'),
    source: 'amqp:x:rk',
  };

  it('keeps the message id, reads the key and name, and decodes JSON, text or bytes', () => {
    expect(toPublishItem('t', { ...message, id: 'm-1', type: 'order.placed' })).toEqual({
      topic: 't',
      payload: { a: 1 },
      options: { id: 'm-1', name: 'order.placed', key: 'acct-1', headers: { region: 'eu', n: '3' } },
    });
    expect(toPublishItem('t', { ...message, body: Buffer.from('plain text') }).payload).toBe('plain text');
    expect(toPublishItem('t', { ...message, body: Buffer.from([0xff, 0xfe]) }).payload).toEqual({ base64: '//4=' });
  });

  it('gives a message without an id the same stable id every time it is delivered', () => {
    const a = toPublishItem('t', message).options?.id;
    expect(a).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(toPublishItem('t', { ...message, headers: { n: 3, 'spool-key': 'acct-1', region: 'eu' } }).options?.id).toBe(a);
    expect(toPublishItem('t', { ...message, body: Buffer.from('{"a":2}') }).options?.id).not.toBe(a);
  });
});

describe.runIf(rabbitUp)('bridges run by the service', () => {
  let service: Service | null = null;
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    await service?.close();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  });

  it('lists their states over HTTP, in /readyz (still ready while one reconnects) and with spool bridges', async () => {
    const store = sqliteStore();
    cleanups.push(() => store.cleanup());
    const s = suffix();
    const admin = await rabbit();
    cleanups.push(() => admin.close());
    const exchange = `spool-test-svc-${s}`;
    await admin.channel.assertExchange(exchange, 'fanout', { durable: false });
    cleanups.push(() => admin.channel.deleteExchange(exchange));
    const config = {
      ...testConfig({ store }),
      bridges: [
        { name: 'orders-out', config: { kind: 'rabbitmq', direction: 'out', url: rabbitUrl, topic: 'orders', exchange } as const },
        {
          name: 'payments-in',
          config: {
            kind: 'rabbitmq',
            direction: 'in',
            url: rabbitUrl,
            topic: 'payments',
            queue: `missing-${s}`,
            reconnect: { cap: 500 },
          } as const,
        },
      ],
    };
    service = await startService({ config, http: true, logger: silentLogger, dashboard: false });
    const url = service.url as string;
    const get = (path: string, token?: string) => fetch(`${url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

    expect((await get('/v1/bridges')).status).toBe(401);
    await eventually(async () => {
      const { bridges } = (await (await get('/v1/bridges', secrets.read)).json()) as { bridges: { name: string; state: string }[] };
      expect(bridges.map((b) => [b.name, b.state])).toEqual([
        ['orders-out', 'connected'],
        ['payments-in', 'reconnecting'],
      ]);
    }, 10_000);
    const { bridges } = (await (await get('/v1/bridges', secrets.read)).json()) as {
      bridges: { name: string; target: string; lastError: { message: string } | null }[];
    };
    expect(bridges[1]?.lastError?.message).toContain(`the queue "missing-${s}" does not exist`);
    expect(bridges[0]?.target).toBe(`amqp://127.0.0.1:5672 exchange "${exchange}"`);

    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ready',
      bridges: [
        { name: 'orders-out', state: 'connected' },
        { name: 'payments-in', state: 'reconnecting' },
      ],
    });

    await service.spool.publish('orders', { n: 1 });
    await eventually(() => service?.spool.bridges.get('orders-out')?.relayed === 1, 10_000);
    const table = await cli(['bridges', '--url', url, '--token', secrets.read]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/orders-out\s+rabbitmq orders → broker\s+connected .*\s1\s/);
    expect(table.stdout).toContain('payments-in: ');
    expect(table.stdout).toContain('does not exist');
    const json = await cli(['bridges', '--json', '--url', url, '--token', secrets.read]);
    expect(JSON.parse(json.stdout).bridges).toHaveLength(2);
    const viaStore = await cli(['bridges', '--store', store.url]);
    expect(viaStore.code).toBe(2);
    expect(viaStore.stderr).toContain('ask that server with --url');
  }, 60_000);
});
