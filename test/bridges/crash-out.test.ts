/**
 * Outbound: 10,000 events from a topic to RabbitMQ and to JetStream, with the bridge process
 * SIGKILLed once mid-way and started again, on both stores. Every event arrives; the only
 * duplicates are events the killed process handed over without recording it (found by event id,
 * counted and printed); JetStream drops those resends itself (the event id is the Nats-Msg-Id).
 */
import { describe, expect, it } from 'vitest';
import type { StoreFactory } from '../conformance/suite.js';
import { eventually } from '../helpers/eventually.js';
import { BridgeProcess } from './bridge-process.js';
import { nats, natsUrl, rabbit, rabbitUrl, suffix } from './brokers.js';
import {
  cleanups,
  concurrency,
  duplicatesOf,
  natsUp,
  openSpool,
  publishAll,
  rabbitUp,
  report,
  runWithCrash,
  stores,
  total,
} from './crash-helpers.js';

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
  // At most the deliveries in flight (concurrency) plus completions queued for the store when the process died.
  expect(duplicates.length).toBeLessThanOrEqual(4 * concurrency);
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
  expect(resent).toBeLessThanOrEqual(4 * concurrency);
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
