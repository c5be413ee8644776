/**
 * @module
 * Workload 8's systems: publish an event, deliver it to 3 durable subscribers. Spool (either
 * store) with 3 subscriptions on one topic, ordering keys on or off; RabbitMQ through amqplib
 * with a fanout exchange, 3 durable queues, persistent messages and publisher confirms. Each
 * has a publisher (the parent) and subscribers (a child process of their own).
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import amqp from 'amqplib';
import type { Spool } from '../../src/index.js';
import { pgUrl, pollMs, sqliteDir } from '../config.js';
import { recreateDatabase } from '../pg-admin.js';
import { library, spoolBuild } from '../systems/spool-common.js';

export const rabbitUrl = 'amqp://guest:guest@127.0.0.1:5672';
export const topic = 'bench-orders';
export const subscribers = 3;
/** Events per publish call (one transaction, or one batch awaited for its confirms). */
export const publishBatch = 500;
/** Deliveries in flight per subscriber. */
export const subscriberConcurrency = 50;
/** Distinct ordering keys when keys are on. */
export const orderingKeys = 100;

export type FanOutSystem = 'spool-sqlite' | 'spool-postgres' | 'rabbitmq';

export interface FanOutVariant {
  system: FanOutSystem;
  label: string;
  isSpool: boolean;
  /** Events carry one of `orderingKeys` keys and subscriptions are ordered. */
  keys: boolean;
}

export interface Publisher {
  /** Publishes events `from` … `from + count - 1` in one call. */
  publish(from: number, count: number): Promise<void>;
  close(): Promise<void>;
}

export interface Subscribers {
  /** Distinct events each subscriber has received. */
  counts(): number[];
  close(): Promise<void>;
}

const sqliteFile = join(sqliteDir, 'spool-fan-out.db');
const storeOf = (system: FanOutSystem) => (system === 'spool-sqlite' ? `sqlite:${sqliteFile}` : pgUrl('bench_fanout'));
const queueName = (i: number) => `spool-bench-fanout-${i}`;
const exchange = 'spool-bench-fanout';

export function describeSettings(system: FanOutSystem): string {
  if (system === 'rabbitmq') {
    return `amqplib, a durable fanout exchange, ${subscribers} durable queues, persistent messages, a confirm channel (${publishBatch} publishes, then waitForConfirms); ${subscribers} consumers on their own channels, prefetch ${subscriberConcurrency}, manual ack per message`;
  }
  return `${system === 'spool-sqlite' ? `SQLite file ${sqliteFile}` : 'PostgreSQL database bench_fanout'}; Spool from ${spoolBuild}; publishMany of ${publishBatch}; ${subscribers} subscriptions, each concurrency ${subscriberConcurrency}, batchSize ${subscriberConcurrency}, pollInterval ${pollMs} ms`;
}

const openSpool = (system: FanOutSystem): Promise<Spool> =>
  library.createSpool({ store: storeOf(system), shutdownSignals: false, logger: library.silentLogger, pollInterval: pollMs });

/** Wipes the system and returns its publisher; with `keys`, each event carries one of `orderingKeys` keys. */
export async function setup(system: FanOutSystem, keys: boolean): Promise<Publisher> {
  if (system === 'rabbitmq') {
    const connection = await amqp.connect(rabbitUrl);
    const channel = await connection.createConfirmChannel();
    await channel.deleteExchange(exchange);
    await channel.assertExchange(exchange, 'fanout', { durable: true });
    for (let i = 1; i <= subscribers; i++) {
      await channel.deleteQueue(queueName(i));
      await channel.assertQueue(queueName(i), { durable: true });
      await channel.bindQueue(queueName(i), exchange, '');
    }
    return {
      async publish(from, count) {
        for (let n = from; n < from + count; n++) {
          channel.publish(exchange, '', Buffer.from(JSON.stringify({ n })), { persistent: true, messageId: `ev-${n}` });
        }
        await channel.waitForConfirms();
      },
      close: () => connection.close(),
    };
  }
  if (system === 'spool-sqlite') {
    await mkdir(sqliteDir, { recursive: true });
    for (const suffix of ['', '-wal', '-shm']) await rm(sqliteFile + suffix, { force: true });
  } else {
    await recreateDatabase('bench_fanout');
  }
  const spool = await openSpool(system);
  return {
    async publish(from, count) {
      await spool.publishMany(
        Array.from({ length: count }, (_, k) => ({
          topic,
          payload: { n: from + k },
          options: { id: `ev-${from + k}`, ...(keys ? { key: `k-${(from + k) % orderingKeys}` } : {}) },
        })),
      );
    },
    close: () => spool.close(),
  };
}

/** The subscribers, ready to receive once this resolves (subscriptions declared, consumers attached). */
export async function subscribe(system: FanOutSystem, ordered: boolean): Promise<Subscribers> {
  const seen = Array.from({ length: subscribers }, () => new Set<string>());
  if (system === 'rabbitmq') {
    const connection = await amqp.connect(rabbitUrl);
    for (let i = 1; i <= subscribers; i++) {
      const channel = await connection.createChannel();
      await channel.prefetch(subscriberConcurrency);
      const set = seen[i - 1] as Set<string>;
      await channel.consume(queueName(i), (m) => {
        if (!m) return;
        set.add(String(m.properties.messageId));
        channel.ack(m);
      });
    }
    return { counts: () => seen.map((s) => s.size), close: () => connection.close() };
  }
  const spool = await openSpool(system);
  for (let i = 1; i <= subscribers; i++) {
    const set = seen[i - 1] as Set<string>;
    await spool.subscribe(topic, `sub-${i}`, async (event) => void set.add(event.id), {
      ordered,
      concurrency: subscriberConcurrency,
      batchSize: subscriberConcurrency,
    });
  }
  return { counts: () => seen.map((s) => s.size), close: () => spool.close({ timeout: 5_000 }) };
}
