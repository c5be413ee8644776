/**
 * 10,000 events through a bridge whose process is SIGKILLed once mid-way and started again, on the
 * real RabbitMQ and NATS JetStream of this machine: every event arrives, and the only duplicates
 * are messages the killed process had handed over without recording it (found by event id,
 * counted and printed).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Spool, createSpool, silentLogger } from '../../src/index.js';
import type { StoreFactory } from '../conformance/suite.js';
import { eventually } from '../helpers/eventually.js';
import { postgresStore, sqliteStore } from '../helpers/stores.js';
import { BridgeProcess, killBridgeProcesses } from './bridge-process.js';
import { brokerAvailable, nats, natsUrl, rabbit, rabbitUrl, suffix } from './brokers.js';

const total = 10_000;
const killAfter = 3_000;
const concurrency = 50;

const rabbitUp = await brokerAvailable('rabbitmq');
const natsUp = await brokerAvailable('nats');
const pg = await postgresStore();
const stores: [string, StoreFactory][] = [['SQLite', sqliteStore()], ...(pg ? [['PostgreSQL', pg] as [string, StoreFactory]] : [])];

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await killBridgeProcesses();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

async function openSpool(factory: StoreFactory): Promise<{ spool: Spool; url: string; schema: string | undefined }> {
  const store = await factory();
  const spool = await createSpool({ store: store.url, schema: store.schema, shutdownSignals: false, logger: silentLogger });
  cleanups.push(
    () => store.cleanup(),
    () => spool.close({ timeout: 1_000 }),
  );
  return { spool, url: store.url, schema: store.schema };
}

async function publishAll(spool: Spool, topic: string): Promise<void> {
  for (let i = 0; i < total; i += 500) {
    await spool.publishMany(
      Array.from({ length: Math.min(500, total - i) }, (_, k) => ({ topic, payload: { n: i + k }, options: { id: `ev-${i + k}` } })),
    );
  }
}

/** Runs the bridge, kills it once `progress()` passes killAfter, starts it again, until `done()`. */
async function runWithCrash(
  start: () => Promise<BridgeProcess>,
  progress: () => Promise<number> | number,
  done: () => Promise<boolean> | boolean,
): Promise<{ killedAt: number; restartedAt: number; restarted: BridgeProcess }> {
  const first = await start();
  await eventually(async () => (await progress()) >= killAfter, 60_000, 5);
  const killedAt = Date.now();
  await first.kill('SIGKILL');
  // The kill must land mid-way, not after the work was done.
  expect(await progress()).toBeLessThan(total);
  const restarted = await start();
  const restartedAt = Date.now();
  await eventually(done, 120_000, 50);
  return { killedAt, restartedAt, restarted };
}

/** Arrivals by event id at the broker's far side: returns the duplicates (ids that arrived more than once). */
function duplicatesOf(arrivals: Map<string, number[]>): { id: string; times: number[] }[] {
  return [...arrivals].filter(([, times]) => times.length > 1).map(([id, times]) => ({ id, times }));
}

function report(what: string, line: string): void {
  process.stdout.write(`[bridge crash] ${what}: ${line}\n`);
}

async function outboundRabbit(label: string, factory: StoreFactory): Promise<void> {
  const { spool, url, schema } = await openSpool(factory);
  const s = suffix();
  const topic = `orders-${s}`;
  const exchange = `spool-test-out-${s}`;
  const admin = await rabbit();
  cleanups.push(() => admin.close());
  await admin.channel.assertExchange(exchange, 'fanout', { durable: false, autoDelete: false });
  const queue = (await admin.channel.assertQueue(`spool-test-out-${s}`, { durable: true })).queue;
  cleanups.push(
    () => admin.channel.deleteExchange(exchange),
    () => admin.channel.deleteQueue(queue),
  );
  await admin.channel.bindQueue(queue, exchange, '');
  const arrivals = new Map<string, number[]>();
  await admin.channel.consume(
    queue,
    (m) => {
      if (!m) return;
      const id = String(m.properties.messageId);
      arrivals.set(id, [...(arrivals.get(id) ?? []), Date.now()]);
    },
    { noAck: true },
  );
  const config = { kind: 'rabbitmq', direction: 'out', url: rabbitUrl, topic, exchange, concurrency, lease: 2_000 };
  const name = `rmq-${s}`;
  const start = () => BridgeProcess.start(url, schema, name, config);
  const started = Date.now();
  const run = runWithCrash(
    start,
    () => arrivals.size,
    () => arrivals.size === total,
  );
  // Publish once the first process declared the subscription (it starts "now").
  await eventually(async () => (await spool.subscriptions()).some((x) => x.name === `bridge-${name}`), 30_000);
  await publishAll(spool, topic);
  const { killedAt, restartedAt, restarted } = await run;
  const seconds = (Date.now() - started) / 1000;
  await eventually(async () => (await spool.counts(`spool.sub.bridge-${name}`))[`spool.sub.bridge-${name}`]?.completed === total, 30_000);
  const duplicates = duplicatesOf(arrivals);
  report(
    `RabbitMQ out, ${label}`,
    `${arrivals.size} of ${total} events arrived in ${seconds.toFixed(1)} s; ${duplicates.length} duplicate(s) by event id around the kill${
      duplicates.length
        ? ` (${duplicates
            .slice(0, 5)
            .map((d) => d.id)
            .join(', ')}${duplicates.length > 5 ? ', …' : ''})`
        : ''
    }; restarted bridge relayed ${restarted.status?.relayed}`,
  );
  expect(arrivals.size).toBe(total);
  for (let i = 0; i < total; i++) expect(arrivals.has(`ev-${i}`)).toBe(true);
  // A duplicate is an event the killed process handed over but had not recorded: its first copy came before the restart.
  for (const d of duplicates) {
    expect(d.times.length).toBe(2);
    expect(d.times[0]).toBeLessThan(restartedAt);
  }
  expect(duplicates.length).toBeLessThanOrEqual(2 * concurrency);
  expect(killedAt).toBeLessThan(restartedAt);
}

async function outboundNats(label: string, factory: StoreFactory): Promise<void> {
  const { spool, url, schema } = await openSpool(factory);
  const s = suffix();
  const topic = `orders-${s}`;
  const subject = `spool-test-out.${s}`;
  const stream = `SPOOL_TEST_OUT_${s}`;
  const nc = await nats();
  cleanups.push(() => nc.close());
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name: stream, subjects: [subject] });
  cleanups.push(() => jsm.streams.delete(stream));
  const name = `nats-${s}`;
  const config = { kind: 'nats', direction: 'out', url: natsUrl, topic, subject, stream, concurrency, lease: 2_000 };
  const started = Date.now();
  const streamed = async () => (await jsm.streams.info(stream)).state.messages;
  const run = runWithCrash(
    () => BridgeProcess.start(url, schema, name, config),
    streamed,
    async () => (await streamed()) >= total,
  );
  await eventually(async () => (await spool.subscriptions()).some((x) => x.name === `bridge-${name}`), 30_000);
  await publishAll(spool, topic);
  const { restarted } = await run;
  const seconds = (Date.now() - started) / 1000;
  await eventually(async () => (await spool.counts(`spool.sub.bridge-${name}`))[`spool.sub.bridge-${name}`]?.completed === total, 30_000);
  // Read the stream back: every event id once, JetStream having dropped the resends.
  const arrivals = new Map<string, number[]>();
  const consumer = await nc.jetstream().consumers.get(stream);
  const messages = await consumer.consume({ max_messages: 1_000 });
  for await (const m of messages) {
    const id = m.headers?.get('Nats-Msg-Id') ?? '';
    arrivals.set(id, [...(arrivals.get(id) ?? []), Date.now()]);
    if (m.info.pending === 0) break;
  }
  const stored = await streamed();
  const resent = restarted.status?.duplicates ?? 0;
  report(
    `NATS out, ${label}`,
    `${arrivals.size} of ${total} events in the stream (${stored} messages) after ${seconds.toFixed(1)} s; ${resent} resend(s) around the kill, each recognised by JetStream by event id (PubAck duplicate) and not stored twice`,
  );
  expect(stored).toBe(total);
  expect(arrivals.size).toBe(total);
  expect(duplicatesOf(arrivals)).toEqual([]);
  expect(resent).toBeLessThanOrEqual(2 * concurrency);
}

describe.runIf(rabbitUp)('RabbitMQ outbound bridge, process killed mid-way', () => {
  for (const [label, factory] of stores) {
    it(`relays ${total} events on ${label}; duplicates only around the kill`, () => outboundRabbit(label, factory), 240_000);
  }
});

describe.runIf(natsUp)('NATS JetStream outbound bridge, process killed mid-way', () => {
  for (const [label, factory] of stores) {
    it(`relays ${total} events on ${label}; JetStream drops the resends`, () => outboundNats(label, factory), 240_000);
  }
});
