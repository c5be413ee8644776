/**
 * Shared by the crash tests: stores, brokers, a Spool per test, and running a bridge process that is
 * SIGKILLed once mid-way and started again.
 */
import { afterEach, expect } from 'vitest';
import { type Spool, createSpool, silentLogger } from '../../src/index.js';
import type { StoreFactory } from '../conformance/suite.js';
import { eventually } from '../helpers/eventually.js';
import { postgresStore, sqliteStore } from '../helpers/stores.js';
import { type BridgeProcess, killBridgeProcesses } from './bridge-process.js';
import { brokerAvailable } from './brokers.js';

export const total = 10_000;
export const killAfter = 3_000;
export const concurrency = 50;

export const rabbitUp = await brokerAvailable('rabbitmq');
export const natsUp = await brokerAvailable('nats');
const pg = await postgresStore();
export const stores: [string, StoreFactory][] = [['SQLite', sqliteStore()], ...(pg ? [['PostgreSQL', pg] as [string, StoreFactory]] : [])];

export const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await killBridgeProcesses();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

export async function openSpool(factory: StoreFactory): Promise<{ spool: Spool; url: string; schema: string | undefined }> {
  const store = await factory();
  const spool = await createSpool({ store: store.url, schema: store.schema, shutdownSignals: false, logger: silentLogger });
  cleanups.push(
    () => store.cleanup(),
    () => spool.close({ timeout: 1_000 }),
  );
  return { spool, url: store.url, schema: store.schema };
}

export async function publishAll(spool: Spool, topic: string): Promise<void> {
  for (let i = 0; i < total; i += 500) {
    await spool.publishMany(
      Array.from({ length: Math.min(500, total - i) }, (_, k) => ({ topic, payload: { n: i + k }, options: { id: `ev-${i + k}` } })),
    );
  }
}

/** Runs the bridge, kills it once `progress()` passes killAfter, starts it again, until `done()`. */
export async function runWithCrash(
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
export function duplicatesOf(arrivals: Map<string, number[]>): { id: string; times: number[] }[] {
  return [...arrivals].filter(([, times]) => times.length > 1).map(([id, times]) => ({ id, times }));
}

export function report(what: string, line: string): void {
  process.stdout.write(`[bridge crash] ${what}: ${line}\n`);
}
