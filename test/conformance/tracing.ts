/**
 * OpenTelemetry traces through jobs and events, with the SDK's in-memory exporter: the producer's
 * context is stored with each job and event, every attempt is a CONSUMER span that is a child of
 * it (and linked to it), a retried job has one span per attempt, an HTTP `traceparent` starts the
 * trace, fan-out deliveries stay in the trace of the publish, and a worker in another process
 * joins the producer's trace.
 */
import { fileURLToPath } from 'node:url';
import { SpanKind, context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.js';
import { systemClock } from '../helpers/api.js';
import { eventually } from '../helpers/eventually.js';
import { WorkerProcess, killAllWorkerProcesses } from '../helpers/processes.js';
import { type Harness, recordingLogger } from './harness.js';

const tracedWorker = fileURLToPath(new URL('../fixtures/traced-worker.ts', import.meta.url));

export function tracingTests(h: Harness): void {
  describe('tracing', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const contextManager = new AsyncLocalStorageContextManager();
    const tracer = () => trace.getTracer('test');
    const spans = (name: string) => exporter.getFinishedSpans().filter((s) => s.name === name);
    const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

    beforeAll(() => {
      context.setGlobalContextManager(contextManager.enable());
      trace.setGlobalTracerProvider(provider);
    });
    afterEach(async () => {
      await killAllWorkerProcesses();
      exporter.reset();
    });
    afterAll(async () => {
      trace.disable();
      context.disable();
      await provider.shutdown();
    });

    it('an attempt is a consumer span, child of and linked to the enqueue, with the semantic attributes', async () => {
      const logger = recordingLogger();
      const spool = await h.open({ logger });
      const handle = await tracer().startActiveSpan('request', async (span) => {
        try {
          return await spool.enqueue('mail', 'welcome', { to: 'a' });
        } finally {
          span.end();
        }
      });
      expect(handle.job.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      expect((await spool.getJob(handle.id))?.traceparent).toBe(handle.job.traceparent);
      spool.work('mail', async (_payload, ctx) => {
        ctx.log.info('sending', { to: 'a' });
        return 'sent';
      });
      await spool.waitFor(handle.id, { timeout: 5_000 });
      await eventually(() => spans('process mail').length === 1);
      expect(logger.lines.find((l) => l.message === 'sending')?.fields).toMatchObject({
        traceId: spans('request')[0]?.spanContext().traceId,
        jobId: handle.id,
        name: 'welcome',
        queue: 'mail',
        attempt: 1,
      });

      const [request] = spans('request') as [ReadableSpan];
      const [send] = spans('send mail') as [ReadableSpan];
      const [process] = spans('process mail') as [ReadableSpan];
      expect(send.kind).toBe(SpanKind.PRODUCER);
      expect(parentOf(send)).toBe(request.spanContext().spanId);
      expect(send.attributes).toMatchObject({
        'messaging.system': 'spool',
        'messaging.operation.type': 'send',
        'messaging.destination.name': 'mail',
      });
      expect(handle.job.traceparent).toBe(`00-${send.spanContext().traceId}-${send.spanContext().spanId}-01`);
      expect(process.kind).toBe(SpanKind.CONSUMER);
      expect(process.spanContext().traceId).toBe(request.spanContext().traceId);
      expect(parentOf(process)).toBe(send.spanContext().spanId);
      expect(process.links.map((l) => l.context.spanId)).toEqual([send.spanContext().spanId]);
      expect(process.attributes).toMatchObject({
        'messaging.system': 'spool',
        'messaging.operation.type': 'process',
        'messaging.destination.name': 'mail',
        'messaging.message.id': handle.id,
        'spool.job.name': 'welcome',
        'spool.job.attempt': 1,
        'spool.job.outcome': 'completed',
      });
    });

    it('an attempt claimed past a queue guard (a concurrency cap) is still a child of its enqueue', async () => {
      const spool = await h.open();
      await spool.configureQueue('capped', { concurrency: 2 });
      const handle = await tracer().startActiveSpan('request', async (span) => {
        try {
          return await spool.enqueue('capped', 'x', {});
        } finally {
          span.end();
        }
      });
      spool.work('capped', async () => 'ok');
      await spool.waitFor(handle.id, { timeout: 5_000 });
      await eventually(() => spans('process capped').length === 1);
      const [send] = spans('send capped') as [ReadableSpan];
      const [process] = spans('process capped') as [ReadableSpan];
      expect(process.spanContext().traceId).toBe(send.spanContext().traceId);
      expect(parentOf(process)).toBe(send.spanContext().spanId);
    });

    it('a retried job has one span per attempt, each with its number, outcome and error', async () => {
      const spool = await h.open();
      let runs = 0;
      spool.work('flaky', async () => {
        runs++;
        if (runs < 3) throw Object.assign(new Error(`boom ${runs}`), { code: 'E_BOOM' });
        return 'ok';
      });
      const handle = await spool.enqueue('flaky', 'try', null, { maxAttempts: 3, backoff: { type: 'fixed', base: 1_000 } });
      for (const attempt of [1, 2]) {
        // The retry is written with the store's now: move the clock only once it is.
        await eventually(async () => {
          const job = await spool.getJob(handle.id);
          return job?.status === 'waiting' && job.attempts === attempt;
        });
        h.clock.advance(1_000);
      }
      await spool.waitFor(handle.id, { timeout: 5_000 });
      await eventually(() => spans('process flaky').length === 3);
      const attempts = spans('process flaky').sort(
        (a, b) => Number(a.attributes['spool.job.attempt']) - Number(b.attributes['spool.job.attempt']),
      );
      expect(attempts.map((s) => [s.attributes['spool.job.attempt'], s.attributes['spool.job.outcome']])).toEqual([
        [1, 'retried'],
        [2, 'retried'],
        [3, 'completed'],
      ]);
      expect(attempts[0]?.status).toMatchObject({ code: 2, message: 'boom 1' });
      expect(attempts[0]?.attributes['error.type']).toBe('E_BOOM');
      expect(attempts[0]?.events.map((e) => e.name)).toEqual(['exception']);
      expect(new Set(attempts.map((s) => s.spanContext().traceId)).size).toBe(1);
      expect(new Set(attempts.map(parentOf))).toEqual(new Set([spans('send flaky')[0]?.spanContext().spanId]));
    });

    it('an HTTP enqueue with traceparent puts the attempt in that trace', async () => {
      const spool = await h.open();
      const { app } = createApp({ spool, auth: { mode: 'insecure' }, dashboard: false });
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const response = await app.request('/v1/queues/http/jobs', {
        method: 'POST',
        headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-00f067aa0ba902b7-01`, tracestate: 'vendor=x' },
        body: JSON.stringify({ name: 'hello', payload: 1 }),
      });
      expect(response.status).toBe(202);
      const { id } = (await response.json()) as { id: string };
      expect((await spool.getJob(id))?.tracestate).toBe('vendor=x');
      spool.work('http', async () => 'ok');
      await spool.waitFor(id, { timeout: 5_000 });
      await eventually(() => spans('process http').length === 1);
      const [send] = spans('send http') as [ReadableSpan];
      expect(send.spanContext().traceId).toBe(traceId);
      expect(parentOf(send)).toBe('00f067aa0ba902b7');
      expect(spans('process http')[0]?.spanContext().traceId).toBe(traceId);

      // A publish over HTTP joins the caller's trace the same way.
      const published = await app.request('/v1/topics/http-events/events', {
        method: 'POST',
        headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-00f067aa0ba902b8-01` },
        body: JSON.stringify({ payload: 2 }),
      });
      expect(published.status).toBe(202);
      expect(spans('publish http-events')[0]?.spanContext().traceId).toBe(traceId);
    });

    it('an enqueue whose job publishes an event handled by two subscribers stays one trace', async () => {
      const spool = await h.open();
      await spool.subscribe('orders', 'billing', async () => 'billed');
      await spool.subscribe('orders', 'stock', async () => 'reserved');
      spool.work('checkout', async (_payload, ctx) => {
        await spool.publish('orders', { order: ctx.job.id }, { name: 'order.placed' });
        return 'placed';
      });
      const traceId = await tracer().startActiveSpan('request', async (span) => {
        await spool.enqueue('checkout', 'place', { cart: 1 });
        span.end();
        return span.spanContext().traceId;
      });
      await eventually(() => spans('process spool.sub.billing').length === 1 && spans('process spool.sub.stock').length === 1);
      const [publish] = spans('publish orders') as [ReadableSpan];
      const [checkout] = spans('process checkout') as [ReadableSpan];
      expect(parentOf(publish)).toBe(checkout.spanContext().spanId);
      for (const name of ['send checkout', 'process checkout', 'publish orders', 'process spool.sub.billing', 'process spool.sub.stock']) {
        expect(spans(name)[0]?.spanContext().traceId, name).toBe(traceId);
      }
      for (const name of ['process spool.sub.billing', 'process spool.sub.stock']) {
        expect(parentOf(spans(name)[0] as ReadableSpan), name).toBe(publish.spanContext().spanId);
      }
    });

    it('a job enqueued here and run by a worker in another process joins the producer trace', { timeout: 30_000 }, async () => {
      const spool = await h.open({ clock: systemClock });
      const worker = WorkerProcess.spawn(tracedWorker, [h.url, h.schema ?? '-', 'remote']);
      await worker.waitForLine(/^ready \d+$/, 20_000);
      const { handle, traceId } = await tracer().startActiveSpan('request', async (span) => {
        const enqueued = await spool.enqueue('remote', 'work', { n: 1 });
        span.end();
        return { handle: enqueued, traceId: span.spanContext().traceId };
      });
      await spool.waitFor(handle.id, { timeout: 10_000 });
      const line = await worker.waitForLine(/^span /, 10_000);
      const remote = JSON.parse(line.slice('span '.length)) as { name: string; traceId: string; parentSpanId: string; pid: number };
      expect(remote).toMatchObject({ name: 'process remote', traceId, parentSpanId: spans('send remote')[0]?.spanContext().spanId });
      expect(remote.pid).not.toBe(process.pid);
      worker.signal('SIGTERM');
      await worker.waitForExit(15_000);
    });
  });
}
