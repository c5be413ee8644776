/**
 * @module
 * The shop's part of one order's trace. Spool makes the queue's spans itself (`send`, a
 * `process` span per attempt, a `step` span per workflow step that runs, `publish`, and each
 * subscriber's `process`); the shop adds the request (`POST /shop/orders`, continuing a caller's
 * `traceparent`), a span for the compensation, and the `traceparent` header on its HTTP calls, so the events the order publishes
 * through Spool's HTTP API, and the deliveries they fan out to, stay in the order's trace.
 *
 * Without an OpenTelemetry SDK registered every span here is a no-op: `npm start` registers one
 * with a console exporter when SHOP_TRACES=console (`startConsoleTracing`).
 */
import { type Context, type Span, SpanKind, SpanStatusCode, TraceFlags, context, trace } from '@opentelemetry/api';

const tracer = () => trace.getTracer('spool-shop');

/** The W3C `traceparent` of the active span, to send on an HTTP call; none outside a recorded trace. */
export function traceHeaders(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span?.isRecording()) return {};
  const { traceId, spanId, traceFlags } = span.spanContext();
  return { traceparent: `00-${traceId}-${spanId}-${(traceFlags & 0xff).toString(16).padStart(2, '0')}` };
}

/** The context of a caller's `traceparent` header, so the order joins the caller's trace; else the active one. */
function callerContext(traceparent: string | undefined): Context {
  const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(traceparent?.trim().toLowerCase() ?? '');
  if (!match || /^0+$/.test(match[1] as string) || /^0+$/.test(match[2] as string)) return context.active();
  return trace.setSpanContext(context.active(), {
    traceId: match[1] as string,
    spanId: match[2] as string,
    traceFlags: Number.parseInt(match[3] as string, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  });
}

async function inSpan<T>(span: Span, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    span.recordException(err as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message });
    throw err;
  } finally {
    span.end();
  }
}

/** Runs `fn` as the SERVER span of a request; the jobs it enqueues are stored with this trace. */
export function tracedRequest<T>(name: string, traceparent: string | undefined, fn: (traceId: string | null) => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, { kind: SpanKind.SERVER }, callerContext(traceparent), (span) =>
    inSpan(span, () => fn(span.isRecording() ? span.spanContext().traceId : null)),
  );
}

/** Runs a compensation as a span `step <name>`, a child of the attempt whose handler registered it. */
export function tracedStep<T>(name: string, fn: () => Promise<T>, parent: Context = context.active()): Promise<T> {
  return tracer().startActiveSpan(`step ${name}`, { attributes: { 'spool.step.name': name } }, parent, (span) => inSpan(span, fn));
}

/** The context to run later work in: a compensation runs after the attempt's handler returned, in its trace. */
export function currentContext(): Context {
  return context.active();
}

/**
 * Registers the OpenTelemetry SDK with a console exporter: every finished span is printed (its
 * trace id, parent, name, attributes). Loaded only when asked, so `npm start` without it pays nothing.
 */
export async function startConsoleTracing(): Promise<() => Promise<void>> {
  const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
  const { BasicTracerProvider, BatchSpanProcessor, ConsoleSpanExporter } = await import('@opentelemetry/sdk-trace-base');
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(new ConsoleSpanExporter())] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  return () => provider.shutdown();
}
