/**
 * @module
 * Workload 8 (fan-out): publish N events, each delivered to 3 durable subscribers. The
 * subscribers run in a child process and start idle; the parent publishes in batches of 500 (one
 * transaction, or one batch awaited for its publisher confirms) and the clock runs from the first
 * publish until all 3 subscribers have received every event. Spool on SQLite and PostgreSQL with
 * ordering keys off and on, beside RabbitMQ with persistent messages and confirms.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  type FanOutSystem,
  type FanOutVariant,
  describeSettings,
  orderingKeys,
  publishBatch,
  setup,
  subscriberConcurrency,
  subscribers,
} from '../fan-out/systems.js';
import type { Row, Table } from '../table.js';
import { errorMessage, now, waitUntil } from '../util.js';
import type { WorkloadContext } from './context.js';

const entry = fileURLToPath(new URL('../fan-out/child.ts', import.meta.url));

export const fanOutVariants: FanOutVariant[] = [
  { system: 'spool-sqlite', label: 'Spool (SQLite)', isSpool: true, keys: false },
  { system: 'spool-sqlite', label: 'Spool (SQLite), ordering keys', isSpool: true, keys: true },
  { system: 'spool-postgres', label: 'Spool (PostgreSQL)', isSpool: true, keys: false },
  { system: 'spool-postgres', label: 'Spool (PostgreSQL), ordering keys', isSpool: true, keys: true },
  { system: 'rabbitmq', label: 'RabbitMQ (amqplib, persistent, confirms)', isSpool: false, keys: false },
];

class SubscriberChild {
  counts: number[] = [];
  ready = false;
  failure: string | null = null;
  private readonly child: ChildProcess;

  constructor(system: FanOutSystem, ordered: boolean) {
    this.child = spawn(process.execPath, ['--import', 'tsx', entry, system, String(ordered)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.child.once('exit', (code) => {
      if (code !== 0) this.failure ??= `the subscriber process exited with code ${code}`;
    });
    createInterface({ input: this.child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      let message: { type: string; n?: number[]; message?: string };
      try {
        message = JSON.parse(line);
      } catch {
        return;
      }
      if (message.type === 'ready') this.ready = true;
      else if (message.type === 'count') this.counts = message.n ?? [];
      else if (message.type === 'error') this.failure = message.message ?? 'failed';
    });
  }

  check(): void {
    if (this.failure) throw new Error(this.failure);
  }

  stop(): void {
    this.child.stdin?.write('stop\n');
    setTimeout(() => this.child.kill('SIGKILL'), 15_000).unref();
  }
}

async function measure(variant: FanOutVariant, n: number, boundMs: number): Promise<Row> {
  const values: Row['values'] = {};
  const publisher = await setup(variant.system, variant.keys);
  const child = new SubscriberChild(variant.system, variant.keys);
  try {
    if (!(await waitUntil(() => child.ready || child.failure !== null, 60_000))) throw new Error('the subscribers were not ready in 60 s');
    child.check();
    const started = now();
    for (let from = 0; from < n; from += publishBatch) await publisher.publish(from, Math.min(publishBatch, n - from));
    const published = now();
    const done = await waitUntil(() => child.counts.length === subscribers && child.counts.every((c) => c >= n), boundMs, 5);
    child.check();
    const seconds = (now() - started) / 1000;
    const least = Math.min(...child.counts, n);
    values.rate = least / seconds;
    values.deliveries = (child.counts.reduce((a, b) => a + b, 0) || 0) / seconds;
    values.publish = n / ((published - started) / 1000);
    values.seconds = seconds;
    return {
      label: variant.label,
      isSpool: variant.isSpool,
      isPeer: !variant.isSpool,
      values,
      note: done ? undefined : `time bound reached after ${seconds.toFixed(1)} s with ${least} of ${n} events at every subscriber`,
    };
  } finally {
    child.stop();
    await publisher.close().catch(() => {});
  }
}

export async function fanOut(ctx: WorkloadContext): Promise<Table> {
  const n = ctx.sizes.fanOutEvents;
  const rows: Row[] = [];
  for (const system of ['spool-sqlite', 'spool-postgres', 'rabbitmq'] as const) {
    ctx.settings.set(`fan-out: ${system}`, describeSettings(system));
  }
  for (const variant of fanOutVariants) {
    ctx.log(`workload 8: ${variant.label}`);
    try {
      rows.push(await measure(variant, n, ctx.sizes.fanOutBoundMs));
    } catch (err) {
      rows.push({
        label: variant.label,
        isSpool: variant.isSpool,
        isPeer: !variant.isSpool,
        values: {},
        note: `not measured: ${errorMessage(err).split('\n')[0]}`,
      });
    }
  }
  const rate = (label: string) => rows.find((r) => r.label === label)?.values.rate ?? null;
  const cost = (store: string) => {
    const off = rate(`Spool (${store})`);
    const on = rate(`Spool (${store}), ordering keys`);
    return off && on
      ? `${store} ${((1 - on / off) * 100).toFixed(0)}% (${Math.round(on).toLocaleString('en-US')} against ${Math.round(off).toLocaleString('en-US')} events/s)`
      : `${store} not measured`;
  };
  return {
    id: 'fan-out',
    title: '8. Fan-out: publish → 3 subscribers',
    description: `${n.toLocaleString('en-US')} events published in batches of ${publishBatch}, each delivered to ${subscribers} durable subscribers running in one child process (${subscriberConcurrency} deliveries in flight each); timed from the first publish until every subscriber has received every event. "Ordering keys": each event carries one of ${orderingKeys} keys and the subscriptions deliver each key's events one at a time, in order.`,
    columns: [
      { key: 'rate', title: 'events/s (all 3 received)', better: 'higher' },
      { key: 'deliveries', title: 'deliveries/s', digits: 0 },
      { key: 'publish', title: 'publish events/s', digits: 0 },
      { key: 'seconds', title: 's', digits: 2 },
    ],
    rows,
    notes: [
      `What ordering keys cost (events/s lost against unordered): ${cost('SQLite')}; ${cost('PostgreSQL')}.`,
      'Spool stores each event once and one delivery job per subscriber in the same transaction; RabbitMQ copies each persistent message into 3 durable queues. Both confirm a publish only after it is durable.',
    ],
  };
}
