/**
 * @module
 * Per-test isolation for the conformance suite. `useHarness` registers beforeEach/afterEach hooks
 * in the calling describe block: each test gets a fresh store (its own SQLite file or its own
 * PostgreSQL schema), a ManualClock, and Spools that are closed and cleaned up afterwards.
 */
import { afterEach, beforeEach } from 'vitest';
import { type Logger, ManualClock, type Spool, type SpoolOptions, createSpool, silentLogger } from '../helpers/api.js';
import { type Gate, gate } from '../helpers/eventually.js';

/**
 * What a store can do beyond the contract's required parts, declared by its factory: tests that
 * need one skip by it, never by the store's name.
 * - `file`: the store is a local file (errors name its path).
 * - `server`: the store is a database server reached over the network (connection errors, credentials).
 * - `cross-connection-wake`: a job enqueued through another connection wakes idle workers at once.
 * - `cross-connection-cancel`: a cancel through another connection reaches the worker at once (not at its next heartbeat).
 */
export type StoreTrait = 'file' | 'server' | 'cross-connection-wake' | 'cross-connection-cancel';

export interface StoreTarget {
  url: string;
  schema?: string;
  traits: readonly StoreTrait[];
  cleanup(): Promise<void>;
}

export type StoreFactory = () => Promise<StoreTarget>;

/** A fixed, round start time far from the real clock: anything that reads the wall clock instead of the Spool's clock shows up. */
export const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);

export interface Harness {
  /** Which store the current test runs against (for messages; skip by `has`, not by this). */
  readonly kind: 'sqlite' | 'postgres';
  /** True when the current test's store declares `trait`. */
  has(trait: StoreTrait): boolean;
  readonly url: string;
  readonly schema: string | undefined;
  /** The current test's clock, starting at T0. */
  readonly clock: ManualClock;
  /** A Spool on the current test's store: ManualClock, silent logger, no signal handlers, 20 ms polls. Closed after the test. */
  open(options?: Partial<SpoolOptions>): Promise<Spool>;
  /** The options `open` would use, for calling createSpool directly. */
  options(options?: Partial<SpoolOptions>): SpoolOptions;
  /** A gate that is opened after the test if the test did not open it, so no handler hangs. */
  gate<T = void>(): Gate<T>;
}

export function useHarness(makeStoreUrl: StoreFactory): Harness {
  let target: StoreTarget | null = null;
  let clock = new ManualClock(T0);
  let spools: Spool[] = [];
  let gates: Gate<unknown>[] = [];

  beforeEach(async () => {
    target = await makeStoreUrl();
    clock = new ManualClock(T0);
    spools = [];
    gates = [];
  });

  afterEach(async () => {
    for (const g of gates) if (!g.opened) g.open(undefined);
    const current = target;
    target = null;
    let results: PromiseSettledResult<void>[] = [];
    try {
      // Bounded, so the store is always cleaned up within the hook timeout.
      const closing = spools.map((spool) => spool.close({ timeout: 2_000 }));
      const bound = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('Spools took over 15 s to close')), 15_000).unref(),
      );
      results = await Promise.race([Promise.allSettled(closing), bound]);
    } finally {
      await current?.cleanup();
    }
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw new Error(`Closing a Spool after the test failed: ${String(failed.reason)}`, { cause: failed.reason });
  });

  const current = (): StoreTarget => {
    if (!target) throw new Error('The harness is used outside a test.');
    return target;
  };

  const harness: Harness = {
    get kind() {
      return /^postgres(ql)?:/i.test(current().url) ? 'postgres' : 'sqlite';
    },
    has(trait) {
      return current().traits.includes(trait);
    },
    get url() {
      return current().url;
    },
    get schema() {
      return current().schema;
    },
    get clock() {
      return clock;
    },
    options(options = {}) {
      const t = current();
      return {
        store: t.url,
        ...(t.schema ? { schema: t.schema } : {}),
        clock,
        logger: silentLogger,
        shutdownSignals: false,
        pollInterval: 20,
        ...options,
      };
    },
    async open(options = {}) {
      const spool = await createSpool(harness.options(options));
      spools.push(spool);
      return spool;
    },
    gate<T = void>() {
      const g = gate<T>();
      gates.push(g as Gate<unknown>);
      return g;
    },
  };
  return harness;
}

/** A logger that keeps every line, for asserting what Spool reported. */
export function recordingLogger(): Logger & { lines: { level: string; message: string; fields?: Record<string, unknown> }[] } {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    lines.push({ level, message, fields });
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Collects every lifecycle event a Spool emits, in order. */
export function recordEvents(spool: Spool) {
  const events: { name: string; event: any }[] = [];
  for (const name of ['active', 'progress', 'completed', 'failed', 'retrying', 'cancelled', 'expired', 'breaker', 'error'] as const) {
    spool.on(name, (event) => {
      events.push({ name, event });
    });
  }
  return {
    events,
    of(name: string, jobId?: string) {
      return events.filter((e) => e.name === name && (jobId === undefined || e.event.job?.id === jobId)).map((e) => e.event);
    },
  };
}

/** Runs `fn` and returns what it threw (or rejected with); fails the test if it did not throw. */
export async function caught(fn: () => unknown): Promise<any> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('Expected an error, but the call succeeded.');
}
