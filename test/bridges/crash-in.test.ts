/**
 * Inbound: 10,000 messages from a RabbitMQ queue and from a JetStream durable consumer into a
 * topic, with the bridge process SIGKILLed once mid-way and started again, on both stores. Every
 * message becomes exactly one event (its message id is the event id); the messages the killed
 * process had published but not acked come again, are recognised by id and counted as
 * duplicates; the broker ends with nothing unacknowledged.
 */
import { describe, expect, it } from 'vitest';
import type { Spool } from '../../src/index.js';
import type { StoreFactory } from '../conformance/suite.js';
import { eventually } from '../helpers/eventually.js';
import { BridgeProcess } from './bridge-process.js';
import { nats, natsUrl, rabbit, rabbitUrl, suffix } from './brokers.js';
import { cleanups, natsUp, openSpool, rabbitUp, report, runWithCrash, stores, total } from './crash-helpers.js';

async function eventCount(spool: Spool, topic: string): Promise<number> {
  return (await spool.topics()).find((t) => t.name === topic)?.events ?? 0;
}

/** Every event id on the topic, read back page by page. */
async function eventIds(spool: Spool, topic: string): Promise<string[]> {
  const ids: string[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await spool.eventLog(topic, { limit: 500, ...(after ? { after } : { after: '0' }) });
    ids.push(...page.events.map((e) => e.id));
    if (!page.next) return ids;
    after = page.next;
  }
}

function expectEveryMessageOnce(ids: string[]): void {
  expect(ids.length).toBe(total);
  const set = new Set(ids);
  expect(set.size).toBe(total);
  for (let i = 0; i < total; i++) expect(set.has(`m-${i}`)).toBe(true);
}

async function inboundRabbit(label: string, factory: StoreFactory): Promise<void> {
  const { spool, url, schema } = await openSpool(factory);
  const s = suffix();
  const topic = `payments-${s}`;
  const admin = await rabbit();
  cleanups.push(() => admin.close());
  const queue = (await admin.channel.assertQueue(`spool-test-in-${s}`, { durable: true })).queue;
  cleanups.push(() => admin.channel.deleteQueue(queue));
  for (let i = 0; i < total; i++) {
    admin.channel.sendToQueue(queue, Buffer.from(JSON.stringify({ n: i })), {
      persistent: true,
      messageId: `m-${i}`,
      contentType: 'application/json',
      type: 'payment.captured',
      headers: { 'spool-key': `account-${i % 10}`, region: 'eu' },
    });
  }
  await admin.channel.waitForConfirms();
  const name = `rmq-in-${s}`;
  const config = { kind: 'rabbitmq', direction: 'in', url: rabbitUrl, topic, queue, prefetch: 200 };
  const started = Date.now();
  const { restarted } = await runWithCrash(
    () => BridgeProcess.start(url, schema, name, config),
    () => eventCount(spool, topic),
    async () => (await eventCount(spool, topic)) >= total,
  );
  const seconds = (Date.now() - started) / 1000;
  // Every message acked: once the restarted bridge settles, the queue is empty.
  await eventually(async () => (await admin.channel.checkQueue(queue)).messageCount === 0, 30_000, 100);
  await restarted.kill('SIGTERM');
  expect((await admin.channel.checkQueue(queue)).messageCount).toBe(0);
  const duplicates = restarted.status?.duplicates ?? 0;
  report(
    `RabbitMQ in, ${label}`,
    `${total} messages became ${await eventCount(spool, topic)} events in ${seconds.toFixed(1)} s; ${duplicates} redelivered message(s) around the kill recognised by message id (not published twice); queue left empty`,
  );
  const ids = await eventIds(spool, topic);
  expectEveryMessageOnce(ids);
  const first = (await spool.eventLog(topic, { after: '0', limit: 1 })).events[0];
  expect(first).toMatchObject({ name: 'payment.captured', headers: { region: 'eu' } });
  expect(first?.key).toMatch(/^account-\d$/);
  expect(duplicates).toBeLessThanOrEqual(2 * 200);
}

async function inboundNats(label: string, factory: StoreFactory): Promise<void> {
  const { spool, url, schema } = await openSpool(factory);
  const s = suffix();
  const topic = `payments-${s}`;
  const subject = `spool-test-in.${s}`;
  const stream = `SPOOL_TEST_IN_${s}`;
  const durable = `spool-${s}`;
  const nc = await nats();
  cleanups.push(() => nc.close());
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name: stream, subjects: [subject] });
  cleanups.push(() => jsm.streams.delete(stream));
  const js = nc.jetstream();
  for (let i = 0; i < total; i += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, total - i) }, (_, k) =>
        js.publish(subject, JSON.stringify({ n: i + k }), { msgID: `m-${i + k}` }),
      ),
    );
  }
  const name = `nats-in-${s}`;
  const config = { kind: 'nats', direction: 'in', url: natsUrl, topic, stream, durable, prefetch: 200, ackWait: '3s' };
  const started = Date.now();
  const { restarted } = await runWithCrash(
    () => BridgeProcess.start(url, schema, name, config),
    () => eventCount(spool, topic),
    async () => (await eventCount(spool, topic)) >= total,
  );
  const seconds = (Date.now() - started) / 1000;
  // Every message acked: the durable consumer has nothing pending and nothing awaiting an ack.
  await eventually(
    async () => {
      const info = await jsm.consumers.info(stream, durable);
      return info.num_pending === 0 && info.num_ack_pending === 0;
    },
    30_000,
    100,
  );
  await restarted.kill('SIGTERM');
  const duplicates = restarted.status?.duplicates ?? 0;
  report(
    `NATS in, ${label}`,
    `${total} messages became ${await eventCount(spool, topic)} events in ${seconds.toFixed(1)} s; ${duplicates} redelivered message(s) around the kill recognised by message id (not published twice); consumer left with nothing pending`,
  );
  expectEveryMessageOnce(await eventIds(spool, topic));
  expect(duplicates).toBeLessThanOrEqual(2 * 200);
}

describe.runIf(rabbitUp)('RabbitMQ inbound bridge, process killed mid-way', () => {
  for (const [label, factory] of stores) {
    it(`turns ${total} messages into ${total} events on ${label}`, () => inboundRabbit(label, factory), 240_000);
  }
});

describe.runIf(natsUp)('NATS JetStream inbound bridge, process killed mid-way', () => {
  for (const [label, factory] of stores) {
    it(`turns ${total} messages into ${total} events on ${label}`, () => inboundNats(label, factory), 240_000);
  }
});
