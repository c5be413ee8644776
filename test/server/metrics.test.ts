/**
 * `GET /metrics` on both stores: after a known workload the counters are exact, the histograms
 * counted every attempt, the gauges read from the store say what it holds, and the text is valid
 * Prometheus exposition (parsed with parse-prometheus-text-format, not matched by regex). The
 * route needs the `metrics` scope (or admin); `server.metricsPort` serves it alone without a token.
 */
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NonRetryableError } from '../../src/index.js';
import { eventually } from '../helpers/eventually.js';
import { type TestService, type TestStore, jsonBody, secrets, startTestService, storeKinds } from './helpers.js';

const kinds = await storeKinds();

function sample(text: string, name: string, labels: Record<string, string>) {
  const family = parsePrometheusTextFormat(text).find((f) => f.name === name);
  if (!family) throw new Error(`no metric family ${name}`);
  return family.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
}

describe.each(kinds)('Prometheus metrics on $kind', ({ make }) => {
  let store: TestStore;
  let s: TestService;
  let flakyRuns = 0;

  beforeEach(async () => {
    flakyRuns = 0;
    store = await make();
    s = await startTestService({
      store,
      server: { metricsPort: 0 },
      queues: [
        {
          name: 'mail',
          options: { concurrency: 2 },
          handlers: {
            ok: async () => 'sent',
            bad: async () => {
              throw new NonRetryableError('the address does not exist');
            },
            flaky: async () => {
              flakyRuns++;
              if (flakyRuns === 1) throw new Error('the mail server answered 451');
              return 'sent';
            },
          },
        },
      ],
    });
  });

  afterEach(async () => {
    await s.close();
    await store.cleanup();
  });

  const enqueue = async (name: string, options: object = {}) => {
    const res = await s.api('/v1/queues/mail/jobs', { ...jsonBody({ name, payload: null, ...options }), token: secrets.enqueue });
    expect(res.status).toBe(202);
  };

  it('counts a known workload exactly, times every attempt and reads the gauges from the store', async () => {
    for (let i = 0; i < 3; i++) await enqueue('ok');
    await enqueue('bad', { maxAttempts: 3 });
    await enqueue('flaky', { maxAttempts: 2, backoff: { type: 'fixed', base: 10 } });
    const idle = await s.api('/v1/queues/nobody/jobs', { ...jsonBody({ name: 'later', payload: null }), token: secrets.enqueue });
    expect(idle.status).toBe(202);
    await eventually(async () => {
      const counts = await s.spool.counts('mail');
      return counts.mail?.completed === 4 && counts.mail.failed === 1;
    }, 15_000);

    const res = await s.api('/metrics', { token: secrets.admin });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const value = (name: string, labels: Record<string, string>) => Number(sample(text, name, labels)?.value);
    expect(value('spool_jobs_enqueued_total', { queue: 'mail', name: 'ok' })).toBe(3);
    expect(value('spool_jobs_enqueued_total', { queue: 'mail', name: 'bad' })).toBe(1);
    expect(value('spool_jobs_enqueued_total', { queue: 'nobody', name: 'later' })).toBe(1);
    expect(value('spool_jobs_completed_total', { queue: 'mail', name: 'ok' })).toBe(3);
    expect(value('spool_jobs_completed_total', { queue: 'mail', name: 'flaky' })).toBe(1);
    expect(value('spool_jobs_failed_total', { queue: 'mail', name: 'bad' })).toBe(1);
    expect(value('spool_jobs_retried_total', { queue: 'mail', name: 'flaky' })).toBe(1);
    expect(sample(text, 'spool_jobs_retried_total', { name: 'ok' })).toBeUndefined();
    // The parser folds a histogram's labelled series together, so their counts are read from prom-client itself.
    expect(parsePrometheusTextFormat(text).find((f) => f.name === 'spool_job_run_seconds')?.type).toBe('HISTOGRAM');
    const histogramCount = async (name: string, labels: Record<string, string>) => {
      const metric = await s.spool.metrics?.registry.getSingleMetric(name)?.get();
      return metric?.values.find(
        (v) => (v as { metricName?: string }).metricName === `${name}_count` && Object.entries(labels).every(([k, l]) => v.labels[k] === l),
      )?.value;
    };
    expect(await histogramCount('spool_job_run_seconds', { queue: 'mail', name: 'ok' })).toBe(3);
    expect(await histogramCount('spool_job_run_seconds', { queue: 'mail', name: 'flaky' })).toBe(2);
    expect(await histogramCount('spool_job_pickup_seconds', { queue: 'mail', name: 'ok' })).toBe(3);
    expect(value('spool_queue_depth', { queue: 'mail', status: 'completed' })).toBe(4);
    expect(value('spool_queue_depth', { queue: 'mail', status: 'failed' })).toBe(1);
    expect(value('spool_queue_depth', { queue: 'nobody', status: 'waiting' })).toBe(1);
    expect(value('spool_queue_oldest_waiting_seconds', { queue: 'nobody' })).toBeGreaterThanOrEqual(0);
    expect(value('spool_queue_oldest_waiting_seconds', { queue: 'mail' })).toBe(0);
    expect(value('spool_workers_active', { queue: 'mail' })).toBeGreaterThanOrEqual(1);
    // Job ids never become labels.
    const labelNames = new Set(parsePrometheusTextFormat(text).flatMap((f) => f.metrics.flatMap((m) => Object.keys(m.labels ?? {}))));
    expect([...labelNames].sort()).toEqual(expect.arrayContaining(['name', 'queue', 'status']));
    expect(labelNames.has('id') || labelNames.has('jobId')).toBe(false);
  });

  it('needs the metrics scope over the API, and the metrics port serves it alone without a token', async () => {
    expect((await s.api('/metrics')).status).toBe(401);
    const forbidden = await s.api('/metrics', { token: secrets.read });
    expect(forbidden.status).toBe(403);
    expect(((await forbidden.json()) as { detail: string }).detail).toContain('needs "metrics"');
    expect(s.metricsUrl).not.toBeNull();
    const open = await fetch(`${s.metricsUrl}/metrics`);
    expect(open.status).toBe(200);
    expect(parsePrometheusTextFormat(await open.text()).some((f) => f.name === 'spool_jobs_completed_total')).toBe(true);
    expect((await fetch(`${s.metricsUrl}/v1/queues`)).status).toBe(404);
  });
});
