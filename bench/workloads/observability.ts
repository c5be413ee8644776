/**
 * @module
 * Workload 15 (observability), Spool only, in one process: N no-op jobs enqueued in bulk and
 * drained at concurrency 50, three ways, taking turns so drift on a shared machine hits each alike:
 * - off: `tracing: false`, no metrics — exactly the path taken when `@opentelemetry/api` is not
 *   installed (Tracing.off; the module is never imported);
 * - API only: `@opentelemetry/api` installed, no SDK registered (its no-op tracer), no metrics;
 * - SDK only: the OpenTelemetry SDK registered (BasicTracerProvider, BatchSpanProcessor, an
 *   exporter that drops every span, the AsyncLocalStorage context manager, used once, as an app's
 *   own instrumentation would, which makes every promise in the process cost more) but Spool's
 *   tracing and metrics off: what an app that traces pays before Spool adds anything;
 * - on: the same SDK with Spool's tracing, and `metrics: true` with one scrape at the end.
 * Each way runs `rounds` times; the table shows the best round of each, and the worker process's
 * CPU time per job (steadier than jobs/s when other work shares the machine).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { concurrency, pgUrl, pollMs, sqliteDir } from '../config.js';
import { recreateDatabase } from '../pg-admin.js';
import { library } from '../systems/spool-common.js';
import type { Row, Table } from '../table.js';
import { now } from '../util.js';
import type { WorkloadContext } from './context.js';

type Store = 'sqlite' | 'postgres';
type Mode = 'off' | 'api' | 'sdk' | 'on';
const stores: { store: Store; label: string }[] = [
  { store: 'sqlite', label: 'Spool (SQLite)' },
  { store: 'postgres', label: 'Spool (PostgreSQL)' },
];
const rounds = 3;

interface Rates {
  enqueue: number;
  process: number;
  /** CPU time of this process per job while draining, in µs: steadier than jobs/s on a shared machine. */
  cpuUs: number;
}

/** Drops every span: the SDK's whole cost, none of an exporter's. */
const dropAll: SpanExporter = {
  export: (_spans, done) => done({ code: 0 }),
  shutdown: async () => {},
};

async function fresh(store: Store, mode: Mode) {
  const options = {
    shutdownSignals: false as const,
    logger: library.silentLogger,
    pollInterval: pollMs,
    tracing: mode !== 'off',
    metrics: mode === 'on',
  };
  if (store === 'sqlite') {
    const file = join(sqliteDir, 'observability.db');
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
    return library.createSpool({ store: `sqlite:${file}`, ...options });
  }
  await recreateDatabase('bench_observability');
  return library.createSpool({ store: pgUrl('bench_observability'), ...options });
}

/** Enqueue and drain rates (jobs/s) of `n` no-op jobs in `mode`. */
async function measure(store: Store, mode: Mode, n: number): Promise<Rates> {
  let provider: BasicTracerProvider | null = null;
  if (mode === 'sdk' || mode === 'on') {
    provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(dropAll)] });
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(provider);
    // AsyncLocalStorage turns on its promise hooks (a cost on every promise in the process, on
    // Node 20) at its first `run`: in an app that traces, its HTTP or database instrumentation has
    // done that long before a job runs, so "SDK only" starts from there too. Without this line
    // Spool's first attempt span paid it and "SDK only" did not.
    context.with(context.active(), () => undefined);
  }
  const spool = await fresh(store, mode);
  try {
    const loading = now();
    for (let i = 0; i < n; i += 5_000) {
      await spool.enqueueMany(Array.from({ length: Math.min(5_000, n - i) }, (_, k) => ({ queue: 'obs', name: 'noop', payload: i + k })));
    }
    const enqueue = n / ((now() - loading) / 1000);
    let done = 0;
    let finished: () => void = () => {};
    const all = new Promise<void>((resolve) => {
      finished = resolve;
    });
    spool.on('completed', () => {
      if (++done === n) finished();
    });
    const started = now();
    const cpuBefore = process.cpuUsage();
    spool.work('obs', () => null, { concurrency, batchSize: concurrency });
    await all;
    const drained = n / ((now() - started) / 1000);
    const cpu = process.cpuUsage(cpuBefore);
    if (mode === 'on') await spool.metrics?.render();
    return { enqueue, process: drained, cpuUs: (cpu.user + cpu.system) / n };
  } finally {
    await spool.close({ timeout: 5_000 });
    if (provider) {
      await provider.shutdown();
      trace.disable();
      context.disable();
    }
  }
}

export async function observability(ctx: WorkloadContext): Promise<Table> {
  const n = ctx.sizes.throughputJobs;
  const rows: Row[] = [];
  for (const { store, label } of stores) {
    ctx.log(`workload 15: ${label}`);
    const none = (): Rates => ({ enqueue: 0, process: 0, cpuUs: Number.POSITIVE_INFINITY });
    const best: Record<Mode, Rates> = { off: none(), api: none(), sdk: none(), on: none() };
    for (let round = 0; round < rounds; round++) {
      for (const mode of ['off', 'api', 'sdk', 'on'] as const) {
        const r = await measure(store, mode, n);
        best[mode] = {
          enqueue: Math.max(best[mode].enqueue, r.enqueue),
          process: Math.max(best[mode].process, r.process),
          cpuUs: Math.min(best[mode].cpuUs, r.cpuUs),
        };
      }
    }
    rows.push({
      label,
      isSpool: true,
      isPeer: false,
      values: {
        offEnqueue: best.off.enqueue,
        offProcess: best.off.process,
        apiProcess: best.api.process,
        apiRatio: best.api.process / best.off.process,
        onEnqueue: best.on.enqueue,
        onProcess: best.on.process,
        onRatio: best.on.process / best.off.process,
        offCpu: best.off.cpuUs,
        apiCpu: best.api.cpuUs,
        sdkProcess: best.sdk.process,
        sdkCpu: best.sdk.cpuUs,
        onCpu: best.on.cpuUs,
        cpuRatio: best.on.cpuUs / best.off.cpuUs,
        shareRatio: best.on.cpuUs / best.sdk.cpuUs,
      },
    });
  }
  return {
    id: 'observability',
    title: '15. Observability overhead',
    description: `${n.toLocaleString('en-US')} no-op jobs enqueued in bulk (chunks of 5,000) and drained in one process at concurrency ${concurrency}, best of ${rounds} rounds taken in turns: off (what runs without @opentelemetry/api), the API installed with no SDK, the SDK registered with Spool's tracing off, and tracing through the OpenTelemetry SDK (batch processor, an exporter that drops every span) with Prometheus metrics on.`,
    columns: [
      { key: 'offEnqueue', title: 'off: enqueue jobs/s' },
      { key: 'offProcess', title: 'off: process jobs/s' },
      { key: 'apiProcess', title: 'API only: process jobs/s' },
      { key: 'apiRatio', title: 'API only ÷ off', digits: 2 },
      { key: 'onEnqueue', title: 'traced + metrics: enqueue jobs/s' },
      { key: 'onProcess', title: 'traced + metrics: process jobs/s' },
      { key: 'onRatio', title: 'traced + metrics ÷ off', digits: 2 },
      { key: 'offCpu', title: 'off: CPU µs/job', digits: 1 },
      { key: 'apiCpu', title: 'API only: CPU µs/job', digits: 1 },
      { key: 'sdkProcess', title: 'SDK only: process jobs/s' },
      { key: 'sdkCpu', title: 'SDK only: CPU µs/job', digits: 1 },
      { key: 'onCpu', title: 'traced + metrics: CPU µs/job', digits: 1 },
      { key: 'cpuRatio', title: 'CPU traced ÷ off', digits: 2 },
      { key: 'shareRatio', title: 'CPU traced ÷ SDK only', digits: 2 },
    ],
    rows,
    notes: [
      'The goal: traced + metrics at most 10% slower than off (a ratio of 0.90 or more); API only indistinguishable from off.',
      "Jobs here do nothing, so every microsecond of instrumentation shows; with a handler that does real work the same microseconds are a far smaller share. `CPU traced ÷ SDK only` is Spool's own share; the rest is what the SDK's context manager costs every promise in the process.",
    ],
  };
}
