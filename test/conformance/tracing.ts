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

    it('each workflow step that runs is a child span of its attempt; a replayed step makes none', async () => {
      const spool = await h.open();
      let twoRuns = 0;
      spool.work('flow', async (_payload, ctx) => {
        await ctx.step('one', async () => 1);
        await ctx.step('two', async () => {
          if (++twoRuns === 1) throw Object.assign(new Error('two failed'), { code: 'E_TWO' });
          // Spans made inside a step are its children.
          tracer().startSpan('inside two').end();
          return 2;
        });
        return 'done';
      });
      const handle = await spool.enqueue('flow', 'run', null, { maxAttempts: 2, backoff: { type: 'fixed', base: 1_000 } });
      await eventually(async () => {
        const job = await spool.getJob(handle.id);
        return job?.status === 'waiting' && job.attempts === 1;
      });
      h.clock.advance(1_000);
      await spool.waitFor(handle.id, { timeout: 5_000 });
      await eventually(() => spans('process flow').length === 2);
      const [first, second] = spans('process flow').sort(
        (a, b) => Number(a.attributes['spool.job.attempt']) - Number(b.attributes['spool.job.attempt']),
      ) as [ReadableSpan, ReadableSpan];
      // Step one ran in the first attempt only: the second read its stored result.
      expect(spans('step one').map((s) => [parentOf(s), s.attributes['spool.step.outcome']])).toEqual([
        [first.spanContext().spanId, 'completed'],
      ]);
      const two = spans('step two').sort((a, b) => Number(a.attributes['spool.step.attempt']) - Number(b.attributes['spool.step.attempt']));
      expect(two.map((s) => [parentOf(s), s.attributes['spool.step.outcome'], s.status.code])).toEqual([
        [first.spanContext().spanId, 'failed', 2],
        [second.spanContext().spanId, 'completed', 0],
      ]);
      expect(two[0]?.kind).toBe(SpanKind.INTERNAL);
      expect(two[0]?.attributes).toMatchObject({
        'spool.step.name': 'two',
        'spool.step.attempt': 1,
        'spool.job.attempt': 1,
        'messaging.message.id': handle.id,
        'error.type': 'E_TWO',
      });
      expect(two[0]?.events.map((e) => e.name)).toEqual(['exception']);
      expect(two[1]?.attributes).toMatchObject({ 'spool.step.attempt': 2, 'spool.job.attempt': 2 });
      expect(parentOf(spans('inside two')[0] as ReadableSpan)).toBe(two[1]?.spanContext().spanId);
      expect(new Set([first, second, ...two].map((s) => s.spanContext().traceId)).size).toBe(1);
    });

    it('a step retried by its own policy ends "retrying"; a sleep is an event on the attempts that begin and end it', async () => {
      const spool = await h.open();
      let runs = 0;
      spool.work('napper', async (_payload, ctx) => {
        await ctx.step(
          'flaky',
          async () => {
            if (++runs === 1) throw new Error('once');
            return 'ok';
          },
          { retry: { maxAttempts: 2, backoff: { type: 'fixed', base: 1_000, cap: 1_000 } } },
        );
        await ctx.sleep('nap', 5_000);
        return 'rested';
      });
      const handle = await spool.enqueue('napper', 'run', null);
      // A suspended run spends no attempt: each run waits until its runAt, then the clock moves there.
      for (const _run of [1, 2]) {
        let runAt = 0;
        await eventually(async () => {
          const job = await spool.getJob(handle.id);
          runAt = job?.runAt ?? 0;
          return job?.status === 'waiting' && runAt > h.clock.now();
        });
        h.clock.advance(runAt - h.clock.now());
      }
      await spool.waitFor(handle.id, { timeout: 5_000 });
      await eventually(() => spans('process napper').length === 3);
      const byStart = (a: ReadableSpan, b: ReadableSpan) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1];
      expect(
        spans('step flaky')
          .sort(byStart)
          .map((s) => s.attributes['spool.step.outcome']),
      ).toEqual(['retrying', 'completed']);
      const notes = spans('process napper')
        .sort(byStart)
        .map((s) => s.events.map((e) => [e.name, e.attributes?.['spool.step.name']]));
      expect(notes).toEqual([[], [['spool.sleep.started', 'nap']], [['spool.sleep.ended', 'nap']]]);
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
      for (const name of ['billing', 'stock']) {
        const delivery = spans(`process spool.sub.${name}`)[0] as ReadableSpan;
        expect(parentOf(delivery), name).toBe(publish.spanContext().spanId);
        expect(delivery.links.map((l) => l.context.spanId)).toEqual([publish.spanContext().spanId]);
        expect(delivery.attributes).toMatchObject({ 'messaging.consumer.group.name': name, 'spool.event.topic': 'orders' });
        expect(delivery.attributes['spool.event.id']).toEqual(expect.any(String));
      }
      expect(publish.attributes['spool.event.deliveries']).toBe(2);
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
