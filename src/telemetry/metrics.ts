/**
 * @module
 * Prometheus metrics through `prom-client`, imported only when a Spool is created with
 * `metrics: true` (the service does so). Counters and histograms are this process's; gauges
 * (queue depth, oldest waiting job, workers, breakers, subscription lag) are read from the store
 * when scraped, with a handful of cheap queries, so every process's scrape sees the same store.
 *
 * Labels stay bounded: queue, job name, breaker, subscription and outcome; never a job id.
 */
import type { Registry } from 'prom-client';
import type { AttemptEnd, AttemptObserver, AttemptSpan, ObservedJob } from '../core/telemetry.js';
import type { Store } from '../store/contract.js';
import { LabelledHistogram } from './histogram.js';

type Prom = typeof import('prom-client');

/** Seconds: from 5 ms to 10 minutes, for handler run times and pick-up latency alike. */
const buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/** One queue and job name's counters and histograms. */
interface Series {
  enqueued: { inc(n: number): void };
  completed: { inc(): void };
  failed: { inc(): void };
  retried: { inc(): void };
  deferred: { inc(): void };
  run: { observe(seconds: number): void };
  pickup: { observe(seconds: number): void };
}

const breakerLevels = { closed: 0, 'half-open': 1, open: 2 } as const;

export class Metrics implements AttemptObserver {
  readonly registry: Registry;
  private readonly enqueuedTotal;
  private readonly completedTotal;
  private readonly failedTotal;
  private readonly retriedTotal;
  private readonly deferredTotal;
  private readonly runSeconds;
  private readonly pickupSeconds;
  private readonly storeGauges: ReturnType<typeof storeGauges>;
  private readonly series = new Map<string, Series>();

  private constructor(
    prom: Prom,
    private readonly store: Store,
    /** How long a silent worker still counts as running (the registry's staleness). */
    private readonly workerStaleMs: number,
  ) {
    const registry = new prom.Registry();
    this.registry = registry;
    const counter = (name: string, help: string, labelNames: string[]) =>
      new prom.Counter({ name, help, labelNames, registers: [registry] });
    const labels = ['queue', 'name'];
    this.enqueuedTotal = counter('spool_jobs_enqueued_total', 'Jobs created by enqueues in this process.', labels);
    this.completedTotal = counter('spool_jobs_completed_total', 'Attempts that completed their job, run in this process.', labels);
    this.failedTotal = counter(
      'spool_jobs_failed_total',
      'Jobs that failed for good (attempts spent or not retryable), run in this process.',
      labels,
    );
    this.retriedTotal = counter(
      'spool_jobs_retried_total',
      'Failed attempts whose job runs again after its backoff, run in this process.',
      labels,
    );
    this.deferredTotal = counter(
      'spool_jobs_deferred_total',
      'Attempts sent back without spending the attempt because a rate limit or circuit breaker said wait.',
      labels,
    );
    const histogram = (name: string, help: string) => new LabelledHistogram(name, help, buckets, registry);
    this.runSeconds = histogram('spool_job_run_seconds', 'How long each attempt ran its handler, in seconds.');
    this.pickupSeconds = histogram('spool_job_pickup_seconds', 'From when a job was due to when an attempt started it, in seconds.');
    this.storeGauges = storeGauges(prom, registry);
  }

  static async create(store: Store, workerStaleMs: number): Promise<Metrics> {
    const prom = (await import('prom-client')) as Prom & { default?: Prom };
    return new Metrics(prom.Registry ? prom : (prom.default as Prom), store, workerStaleMs);
  }

  /** Counts jobs an enqueue created: one increment per queue and name, however many jobs (a bulk enqueue is one series). */
  enqueued(jobs: readonly { queue: string; name: string }[]): void {
    let series: Series | null = null;
    let queue = '';
    let name = '';
    let n = 0;
    for (const job of jobs) {
      if (series === null || job.queue !== queue || job.name !== name) {
        if (series) series.enqueued.inc(n);
        ({ queue, name } = job);
        series = this.seriesOf(queue, name);
        n = 0;
      }
      n++;
    }
    if (series) series.enqueued.inc(n);
  }

  attempt(job: ObservedJob): AttemptSpan {
    const series = this.seriesOf(job.queue, job.name);
    if (job.startedAt != null && job.runAt != null) series.pickup.observe(Math.max(0, job.startedAt - job.runAt) / 1000);
    const started = performance.now();
    return {
      traceId: null,
      end: ({ outcome }: AttemptEnd) => {
        series.run.observe((performance.now() - started) / 1000);
        if (outcome === 'completed') series.completed.inc();
        else if (outcome === 'failed') series.failed.inc();
        else if (outcome === 'retried') series.retried.inc();
        else if (outcome === 'deferred') series.deferred.inc();
      },
    };
  }

  /**
   * The labelled children of one queue and job name, made once: prom-client hashes a label
   * object on every call otherwise, which is most of what metrics cost a job.
   */
  private seriesOf(queue: string, name: string): Series {
    const key = `${queue}\u0000${name}`;
    let series = this.series.get(key);
    if (!series) {
      series = {
        enqueued: this.enqueuedTotal.labels(queue, name),
        completed: this.completedTotal.labels(queue, name),
        failed: this.failedTotal.labels(queue, name),
        retried: this.retriedTotal.labels(queue, name),
        deferred: this.deferredTotal.labels(queue, name),
        run: this.runSeconds.labels(queue, name),
        pickup: this.pickupSeconds.labels(queue, name),
      };
      this.series.set(key, series);
    }
    return series;
  }

  /** The exposition text and its content type; the store's gauges are read first. */
  async render(): Promise<{ contentType: string; text: string }> {
    await this.readStore();
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }

  /** Gauges read from the store at scrape time: five cheap reads, side by side. */
  private async readStore(): Promise<void> {
    const { store, storeGauges: g } = this;
    const started = performance.now();
    const [counts, ages, live, breakerRows, subscriptions] = await Promise.all([
      store.counts(),
      store.stats?.oldestWaiting() ?? [],
      store.workers?.list(this.workerStaleMs) ?? [],
      store.limits?.listBreakers() ?? [],
      store.topics?.listSubscriptions() ?? [],
    ]);
    for (const gauge of [g.depth, g.oldest, g.workers, g.breakers, g.lag, g.backlog]) gauge.reset();
    for (const [queue, byStatus] of Object.entries(counts)) {
      for (const [status, n] of Object.entries(byStatus)) g.depth.set({ queue, status }, n);
    }
    for (const { queue, ageMs } of ages) g.oldest.set({ queue }, ageMs / 1000);
    const perQueue = new Map<string, number>();
    for (const w of live) perQueue.set(w.queue, (perQueue.get(w.queue) ?? 0) + 1);
    for (const [queue, n] of perQueue) g.workers.set({ queue }, n);
    for (const b of breakerRows) g.breakers.set({ breaker: b.name }, breakerLevels[b.state?.status ?? 'closed']);
    for (const s of subscriptions) {
      g.lag.set({ subscription: s.name }, s.lagMs / 1000);
      g.backlog.set({ subscription: s.name }, s.backlog);
    }
    g.scrape.set((performance.now() - started) / 1000);
  }
}

function storeGauges(prom: Prom, registry: Registry) {
  const gauge = (name: string, help: string, labelNames: string[]) => new prom.Gauge({ name, help, labelNames, registers: [registry] });
  return {
    depth: gauge('spool_queue_depth', 'Jobs per queue and status, read from the store at scrape time.', ['queue', 'status']),
    oldest: gauge('spool_queue_oldest_waiting_seconds', 'How long the first-enqueued waiting job of each queue has been due.', ['queue']),
    workers: gauge('spool_workers_active', 'Workers (claim loops) heard from recently, in every process, per queue.', ['queue']),
    breakers: gauge('spool_breaker_state', 'Each circuit breaker: 0 closed, 1 half-open, 2 open.', ['breaker']),
    lag: gauge('spool_subscription_lag_seconds', "Since the oldest waiting delivery's event was published, per subscription.", [
      'subscription',
    ]),
    backlog: gauge('spool_subscription_backlog', 'Deliveries waiting or running, per subscription.', ['subscription']),
    scrape: gauge('spool_scrape_store_seconds', 'How long reading these gauges from the store took.', []),
  };
}
