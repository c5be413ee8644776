/** @module Steps shared by workloads: bulk loading in chunks, draining, and running one system safely. */
import { chunk } from '../config.js';
import type { SystemInfo } from '../systems/index.js';
import { loadSystem } from '../systems/index.js';
import type { Row } from '../table.js';
import type { BenchPayload, SystemAdapter, SystemModule } from '../types.js';
import { errorMessage, now, sleep } from '../util.js';

export interface LoadResult {
  loaded: number;
  seconds: number;
  perSecond: number;
  /** True when the time bound stopped loading early. */
  bounded: boolean;
}

/** Enqueues `n` jobs in calls of `chunk` jobs each, stopping early after `boundMs`. */
export async function loadJobs(
  adapter: SystemAdapter,
  n: number,
  boundMs: number,
  payload: () => BenchPayload = () => ({}),
): Promise<LoadResult> {
  const started = now();
  let loaded = 0;
  while (loaded < n && now() - started < boundMs) {
    const size = Math.min(chunk, n - loaded);
    await adapter.enqueueBatch(Array.from({ length: size }, payload));
    loaded += size;
  }
  const seconds = (now() - started) / 1000;
  return { loaded, seconds, perSecond: loaded / seconds, bounded: loaded < n };
}

export interface DrainResult {
  done: number;
  seconds: number;
  perSecond: number;
  bounded: boolean;
}

/**
 * Polls the store from `startedAt` until no unfinished job is left or `boundMs` passes.
 * `total` is how many jobs were waiting at the start.
 */
export async function drain(adapter: SystemAdapter, total: number, startedAt: number, boundMs: number): Promise<DrainResult> {
  let left = total;
  while (now() - startedAt < boundMs) {
    left = await adapter.countUnfinished();
    if (left === 0) break;
    await sleep(20);
  }
  const seconds = (now() - startedAt) / 1000;
  const done = total - left;
  return { done, seconds, perSecond: done / seconds, bounded: left > 0 };
}

/**
 * Loads the system, runs `body` with a fresh (wiped) adapter, and always tears down. A failure
 * becomes a row with a note instead of stopping the run.
 */
export async function forSystem(info: SystemInfo, body: (system: SystemModule, adapter: SystemAdapter) => Promise<Row>): Promise<Row> {
  let adapter: SystemAdapter | null = null;
  try {
    const system = await loadSystem(info.name);
    adapter = system.createAdapter();
    await adapter.setup();
    return await body(system, adapter);
  } catch (err) {
    return {
      label: info.label,
      isSpool: info.isSpool,
      isPeer: !info.isSpool,
      values: {},
      note: `not measured: ${errorMessage(err).split('\n')[0]}`,
    };
  } finally {
    await adapter?.teardown().catch(() => {});
  }
}

export function row(info: SystemInfo, values: Row['values'], note?: string): Row {
  return { label: info.label, isSpool: info.isSpool, isPeer: !info.isSpool && info.name !== 'raw-sql', values, note };
}

export function boundNote(what: string, done: number, total: number, seconds: number): string {
  return `${what}: time bound reached after ${seconds.toFixed(1)} s with ${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} done; rate is over the jobs done`;
}
