/**
 * A broker that goes away under a running bridge: a TCP proxy in front of the real broker is cut
 * (other tests keep their own connections), and the bridge must report `reconnecting` with the
 * error, retry with backoff, never complete a delivery the broker did not confirm nor ack a
 * message it did not commit, and relay everything once the proxy is back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type BridgeStatus, type Spool, createSpool, silentLogger } from '../../src/index.js';
import type { StoreFactory } from '../conformance/suite.js';
import { delay, eventually } from '../helpers/eventually.js';
import { TcpProxy, nats, rabbit, suffix } from './brokers.js';
import { natsUp, rabbitUp, stores } from './crash-helpers.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

const fast = { backoff: { type: 'exponential', base: 100, cap: 400 }, reconnect: { base: 100, cap: 400 }, confirmTimeout: '1s' } as const;

async function openSpool(factory: StoreFactory): Promise<Spool> {
  const store = await factory();
  const spool = await createSpool({
    store: store.url,
    schema: store.schema,
    shutdownSignals: false,
    logger: silentLogger,
    pollInterval: 50,
  });
  cleanups.push(
    () => store.cleanup(),
    () => spool.close({ timeout: 1_000 }),
  );
  return spool;
}

async function proxyTo(port: number): Promise<TcpProxy> {
  const proxy = await new TcpProxy({ host: '127.0.0.1', port }).start();
  cleanups.push(() => proxy.close());
  return proxy;
}

const status = (spool: Spool, name: string) => spool.bridges.get(name) as BridgeStatus;

async function completed(spool: Spool, name: string): Promise<number> {
  const queue = `spool.sub.bridge-${name}`;
  return (await spool.counts(queue))[queue]?.completed ?? 0;
}

async function publish(spool: Spool, topic: string, prefix: string, n: number): Promise<void> {
  await spool.publishMany(Array.from({ length: n }, (_, i) => ({ topic, payload: { i }, options: { id: `${prefix}-${i}` } })));
}

/** While the broker is away: the bridge says why, deliveries retry, and none completes unconfirmed. */
async function duringOutage(spool: Spool, name: string, confirmed: () => Promise<number> | number): Promise<void> {
  await eventually(() => status(spool, name).state === 'reconnecting', 10_000, 20);
  expect(status(spool, name).lastError?.message).toBeTruthy();
  const queue = `spool.sub.bridge-${name}`;
  await eventually(async () => (await spool.listJobs({ queue, status: 'waiting' })).jobs.some((j) => j.attempts >= 2), 10_000, 50);
  for (let i = 0; i < 10; i++) {
    expect(await completed(spool, name)).toBeLessThanOrEqual(await confirmed());
    await delay(100);
  }
}

async function rabbitOut(factory: StoreFactory): Promise<void> {
  const spool = await openSpool(factory);
  const proxy = await proxyTo(5672);
  const s = suffix();
  const admin = await rabbit();
  cleanups.push(() => admin.close());
  const exchange = `spool-test-outage-${s}`;
  await admin.channel.assertExchange(exchange, 'fanout', { durable: false });
  const queue = (await admin.channel.assertQueue(`spool-test-outage-${s}`, { durable: true })).queue;
  cleanups.push(
    () => admin.channel.deleteExchange(exchange),
    () => admin.channel.deleteQueue(queue),
  );
  await admin.channel.bindQueue(queue, exchange, '');
  const arrived = new Set<string>();
  await admin.channel.consume(queue, (m) => m && arrived.add(String(m.properties.messageId)), { noAck: true });
  const name = `out-${s}`;
  const topic = `orders-${s}`;
  await spool.bridges.start(name, { kind: 'rabbitmq', direction: 'out', url: `amqp://guest:guest@${proxy.url}`, topic, exchange, ...fast });
  await publish(spool, topic, 'before', 100);
  await eventually(() => arrived.size === 100 && status(spool, name).relayed === 100, 10_000);
  expect(status(spool, name)).toMatchObject({ state: 'connected', failed: 0 });

  await proxy.cut();
  await publish(spool, topic, 'during', 100);
  await duringOutage(spool, name, () => arrived.size);
  expect(await completed(spool, name)).toBe(100);

  await proxy.restore();
  await eventually(() => arrived.size === 200, 20_000);
  await eventually(async () => (await completed(spool, name)) === 200, 10_000);
  const after = status(spool, name);
  expect(after.state).toBe('connected');
  expect(after.reconnects).toBeGreaterThanOrEqual(1);
  expect(after.failed).toBeGreaterThan(0);
}

async function natsOut(factory: StoreFactory): Promise<void> {
  const spool = await openSpool(factory);
  const proxy = await proxyTo(4222);
  const s = suffix();
  const nc = await nats();
  cleanups.push(() => nc.close());
  const jsm = await nc.jetstreamManager();
  const stream = `SPOOL_TEST_OUTAGE_${s}`;
  const subject = `spool-test-outage.${s}`;
  await jsm.streams.add({ name: stream, subjects: [subject] });
  cleanups.push(() => jsm.streams.delete(stream));
  const stored = async () => (await jsm.streams.info(stream)).state.messages;
  const name = `nats-out-${s}`;
  const topic = `orders-${s}`;
  await spool.bridges.start(name, { kind: 'nats', direction: 'out', url: `nats://${proxy.url}`, topic, subject, ...fast });
  await publish(spool, topic, 'before', 100);
  await eventually(async () => (await stored()) === 100, 10_000, 50);

  await proxy.cut();
  await publish(spool, topic, 'during', 100);
  await duringOutage(spool, name, stored);
  expect(await completed(spool, name)).toBe(100);

  await proxy.restore();
  await eventually(async () => (await stored()) === 200, 20_000, 50);
  await eventually(async () => (await completed(spool, name)) === 200, 10_000);
  expect(status(spool, name).state).toBe('connected');
}

async function rabbitIn(factory: StoreFactory): Promise<void> {
  const spool = await openSpool(factory);
  const proxy = await proxyTo(5672);
  const s = suffix();
  const admin = await rabbit();
  cleanups.push(() => admin.close());
  const queue = (await admin.channel.assertQueue(`spool-test-outage-in-${s}`, { durable: true })).queue;
  cleanups.push(() => admin.channel.deleteQueue(queue));
  const send = async (prefix: string, n: number) => {
    for (let i = 0; i < n; i++) admin.channel.sendToQueue(queue, Buffer.from(JSON.stringify({ i })), { messageId: `${prefix}-${i}` });
    await admin.channel.waitForConfirms();
  };
  const name = `in-${s}`;
  const topic = `payments-${s}`;
  const events = async () => (await spool.topics()).find((t) => t.name === topic)?.events ?? 0;
  await spool.bridges.start(name, { kind: 'rabbitmq', direction: 'in', url: `amqp://guest:guest@${proxy.url}`, topic, queue, ...fastIn });
  await send('before', 50);
  await eventually(async () => (await events()) === 50 && status(spool, name).relayed === 50, 10_000, 50);
  await delay(300); // the acks reach the broker (a cut before that would make them redeliveries, also fine, but not this test)

  await proxy.cut();
  await eventually(() => status(spool, name).state === 'reconnecting', 10_000, 20);
  await send('during', 50);
  await delay(1_000);
  // Nothing consumed while away, and nothing lost: the messages wait in the queue.
  expect(await events()).toBe(50);
  expect((await admin.channel.checkQueue(queue)).messageCount).toBe(50);
  expect(status(spool, name).lastError?.message).toBeTruthy();

  await proxy.restore();
  await eventually(async () => (await events()) === 100, 20_000, 50);
  await eventually(async () => (await admin.channel.checkQueue(queue)).messageCount === 0, 10_000, 50);
  expect(status(spool, name)).toMatchObject({ state: 'connected', relayed: 100 });
}

const fastIn = { backoff: fast.backoff, reconnect: fast.reconnect } as const;

describe.runIf(rabbitUp)('RabbitMQ away under a bridge (TCP proxy cut)', () => {
  for (const [label, factory] of stores) {
    it(
      `outbound on ${label}: reconnecting, deliveries retry, none completes unconfirmed, all relayed after`,
      () => rabbitOut(factory),
      60_000,
    );
  }
  it(
    'inbound: reconnecting, nothing consumed or lost while away, all published after',
    () => rabbitIn((stores[0] as [string, StoreFactory])[1]),
    60_000,
  );
});

describe.runIf(natsUp)('NATS away under a bridge (TCP proxy cut)', () => {
  it(
    'outbound on SQLite: reconnecting, deliveries retry, none completes unconfirmed, all relayed after',
    () => natsOut((stores[0] as [string, StoreFactory])[1]),
    60_000,
  );
});
