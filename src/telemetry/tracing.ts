/**
 * @module
 * OpenTelemetry traces, when `@opentelemetry/api` is installed (an optional peer dependency,
 * imported once, lazily, by `createSpool`). Without it every method here is a branch on null and
 * Spool pays nothing else.
 *
 * Following the OpenTelemetry messaging semantic conventions:
 * - enqueue and publish are PRODUCER spans named `send <queue>` / `publish <topic>`; the context
 *   of that span is stored with each job (and event) as W3C `traceparent`/`tracestate`, so it is
 *   the jobs' creation context;
 * - each attempt is a CONSUMER span named `process <queue>`, a CHILD of the creation context and
 *   also LINKED to it (the conventions require the link and allow the parent when one message is
 *   processed: the parent keeps the whole flow in one trace, the link keeps it findable when a
 *   backend starts a new trace per consumer);
 * - fan-out deliveries carry their event's context, so a publish inside a handler, and every
 *   subscriber's attempt, stay in the trace of the request that started it.
 * Without an SDK registered no span is made: an enqueue stores the context it is given (an HTTP
 * request's headers) or the active one, and attempts run as they would without the API.
 */
import type * as OtelApi from '@opentelemetry/api';
import type { AttemptObserver, AttemptSpan, ObservedJob, StepSpan } from '../core/telemetry.js';
import { internalPrefix } from '../core/names.js';
import { spoolVersion } from '../core/version.js';
import { type TraceCarrier, formatTraceparent, parseTraceparent } from './trace-context.js';

type Api = typeof OtelApi;

/** The queues of subscriptions' deliveries, `spool.sub.<subscription>` (bus/subscription.ts, a layer above). */
const deliveryPrefix = `${internalPrefix}sub.`;

/**
 * A delivery's attempt names its subscription (the conventions' consumer group) and the event it
 * delivers, so each subscriber's span of one publish can be told apart and found by event.
 */
function deliveryAttributes(attributes: OtelApi.Attributes, job: ObservedJob): void {
  attributes['messaging.consumer.group.name'] = job.queue.slice(deliveryPrefix.length);
  const event = job.payload as { id?: unknown; topic?: unknown } | null | undefined;
  if (typeof event?.topic === 'string') attributes['spool.event.topic'] = event.topic;
  if (typeof event?.id === 'string') attributes['spool.event.id'] = event.id;
}

let loading: Promise<Api | null> | undefined;

/** `@opentelemetry/api`, or null when it is not installed. Imported once per process. */
function loadOpenTelemetry(): Promise<Api | null> {
  loading ??= import('@opentelemetry/api').then(
    // Node names the CommonJS build's exports on the namespace; a bundler may put them on `default`.
    (m) => ((m as Api).trace ? (m as Api) : (m as unknown as { default: Api }).default),
    () => null,
  );
  return loading;
}

/** A stored traceparent as a parent context and the span context to link; both null-ish when it was invalid. */
interface Creation {
  context: OtelApi.Context | null;
  span: OtelApi.SpanContext | undefined;
}

/** Distinct creation contexts kept parsed (first in, first out). */
const creationsKept = 64;

export class Tracing implements AttemptObserver {
  private readonly tracer: OtelApi.Tracer | null;
  private readonly creations = new Map<string, Creation>();
  /** The API's no-op provider, which the global proxy delegates to until an SDK registers. */
  private readonly noop: OtelApi.TracerProvider | null;

  private constructor(private readonly api: Api | null) {
    this.tracer = api ? api.trace.getTracer('spool', spoolVersion) : null;
    this.noop = api ? new api.ProxyTracerProvider().getDelegate() : null;
  }

  /**
   * Whether an SDK is registered: without one every span is a no-op, so an attempt skips them
   * (measured at about 10 µs of CPU per attempt) and only the stored context travels on.
   */
  private recording(api: Api): boolean {
    const provider = api.trace.getTracerProvider();
    return !(provider instanceof api.ProxyTracerProvider) || provider.getDelegate() !== this.noop;
  }

  /** Traces nothing: `@opentelemetry/api` absent, or tracing turned off. */
  static readonly off = new Tracing(null);

  static async load(enabled = true): Promise<Tracing> {
    if (!enabled) return Tracing.off;
    const api = await loadOpenTelemetry();
    return api ? new Tracing(api) : Tracing.off;
  }

  get enabled(): boolean {
    return this.api !== null;
  }

  /**
   * Runs `write` (a store call; it is called synchronously, so it may join a caller's SQLite
   * transaction) inside a PRODUCER span, handing it the trace context to store. `given` (an HTTP
   * request's headers) is the parent when present; otherwise the active context is.
   */
  produce<T>(
    operation: 'send' | 'publish',
    destination: string | null,
    count: number,
    given: TraceCarrier | null,
    write: (carrier: TraceCarrier | null) => Promise<T>,
    /** Attributes read from the result (a publish: how many deliveries it fanned out to). */
    annotate?: (value: T) => Record<string, number | string>,
  ): Promise<T> {
    const { api, tracer } = this;
    if (!api || !tracer) return write(given);
    if (!this.recording(api)) return write(given ?? this.current());
    const parent = given ? this.contextOf(given) : api.context.active();
    const attributes: OtelApi.Attributes = {
      'messaging.system': 'spool',
      'messaging.operation.type': 'send',
      'messaging.operation.name': operation,
    };
    if (destination !== null) attributes['messaging.destination.name'] = destination;
    if (count > 1) attributes['messaging.batch.message_count'] = count;
    const span = tracer.startSpan(
      destination === null ? operation : `${operation} ${destination}`,
      { kind: api.SpanKind.PRODUCER, attributes },
      parent,
    );
    const carrier = this.carrierOf(span.spanContext()) ?? given;
    let written: Promise<T>;
    try {
      written = write(carrier);
    } catch (err) {
      this.fail(span, err);
      span.end();
      throw err;
    }
    return written.then(
      (value) => {
        if (annotate) span.setAttributes(annotate(value));
        span.end();
        return value;
      },
      (err: unknown) => {
        this.fail(span, err);
        span.end();
        throw err;
      },
    );
  }

  /** A CONSUMER span for one attempt of `job`, child of and linked to its creation context; null when tracing is off. */
  attempt(job: ObservedJob): AttemptSpan | null {
    const { api, tracer } = this;
    if (!api || !tracer || !this.recording(api)) return null;
    const creation = job.traceparent ? this.creationOf(job.traceparent, job.tracestate) : null;
    const parent = creation?.context ?? api.ROOT_CONTEXT;
    const attributes: OtelApi.Attributes = {
      'messaging.system': 'spool',
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.destination.name': job.queue,
      'messaging.message.id': job.id,
      'spool.job.name': job.name,
      'spool.job.attempt': job.attempts,
    };
    if (job.queue.startsWith(deliveryPrefix)) deliveryAttributes(attributes, job);
    const span = tracer.startSpan(
      `process ${job.queue}`,
      {
        kind: api.SpanKind.CONSUMER,
        attributes,
        // A fresh array each time: a span may add links to its own.
        links: creation?.span ? [{ context: creation.span }] : [],
      },
      parent,
    );
    const active = api.trace.setSpan(parent, span);
    // A recording span's context is valid: the check (two regular expressions) is for no-op spans.
    const context = span.spanContext();
    const traceId = span.isRecording() || api.trace.isSpanContextValid(context) ? context.traceId : (creation?.span?.traceId ?? null);
    return {
      traceId,
      run: (fn) => api.context.with(active, fn),
      step: (name, stepAttempt) => this.step(active, job, name, stepAttempt),
      note: (name, attributes) => span.addEvent(name, attributes),
      end: ({ outcome, error }) => {
        span.setAttribute('spool.job.outcome', outcome);
        if (error && (outcome === 'failed' || outcome === 'retried')) {
          span.setAttribute('error.type', error.code ?? error.name ?? 'Error');
          span.recordException({ message: error.message, name: error.name ?? 'Error', code: error.code });
          span.setStatus({ code: api.SpanStatusCode.ERROR, message: error.message });
        }
        span.end();
      },
    };
  }

  /**
   * An INTERNAL span `step <name>` for one run of a workflow step's function, a child of the
   * attempt's span (`parent`, passed explicitly: no context manager needed); the work runs with
   * it active, so spans the step makes are its children.
   */
  private step(parent: OtelApi.Context, job: ObservedJob, name: string, stepAttempt: number): StepSpan {
    const api = this.api as Api;
    const span = (this.tracer as OtelApi.Tracer).startSpan(
      `step ${name}`,
      {
        kind: api.SpanKind.INTERNAL,
        attributes: {
          'spool.step.name': name,
          'spool.step.attempt': stepAttempt,
          'messaging.message.id': job.id,
          'spool.job.attempt': job.attempts,
        },
      },
      parent,
    );
    const inside = api.trace.setSpan(parent, span);
    return {
      run: (fn) => api.context.with(inside, fn),
      end: (outcome, error) => {
        span.setAttribute('spool.step.outcome', outcome);
        if (error !== undefined) this.fail(span, error);
        span.end();
      },
    };
  }

  /**
   * A job's creation context, parsed once per distinct traceparent: jobs enqueued together (one
   * `enqueueMany`, one request) share it, and a worker claims them side by side. The last few
   * are kept; contexts are immutable, so sharing them between attempts is safe.
   */
  private creationOf(traceparent: string, tracestate: string | null): Creation {
    const key = tracestate ? `${traceparent} ${tracestate}` : traceparent;
    let creation = this.creations.get(key);
    if (!creation) {
      const context = this.contextOf({ traceparent, tracestate });
      const span = (this.api as Api).trace.getSpanContext(context);
      creation = { context: span ? context : null, span };
      if (this.creations.size >= creationsKept) this.creations.delete(this.creations.keys().next().value as string);
      this.creations.set(key, creation);
    }
    return creation;
  }

  /** The trace context active here (inside a handler: its attempt's), for a job created without `produce`. */
  current(): TraceCarrier | null {
    if (!this.api) return null;
    const context = this.api.trace.getSpanContext(this.api.context.active());
    return context ? this.carrierOf(context) : null;
  }

  private contextOf(carrier: TraceCarrier): OtelApi.Context {
    const api = this.api as Api;
    const parsed = parseTraceparent(carrier.traceparent);
    if (!parsed) return api.ROOT_CONTEXT;
    const spanContext: OtelApi.SpanContext = {
      traceId: parsed.traceId,
      spanId: parsed.spanId,
      traceFlags: parsed.flags,
      isRemote: true,
    };
    if (carrier.tracestate) spanContext.traceState = api.createTraceState(carrier.tracestate);
    return api.trace.setSpanContext(api.ROOT_CONTEXT, spanContext);
  }

  private carrierOf(context: OtelApi.SpanContext): TraceCarrier | null {
    if (!(this.api as Api).trace.isSpanContextValid(context)) return null;
    const state = context.traceState?.serialize();
    return { traceparent: formatTraceparent(context.traceId, context.spanId, context.traceFlags), tracestate: state ? state : null };
  }

  private fail(span: OtelApi.Span, err: unknown): void {
    const error = err as { message?: unknown; code?: unknown; name?: unknown };
    const message = typeof error?.message === 'string' ? error.message : String(err);
    span.recordException({ message, name: typeof error?.name === 'string' ? error.name : 'Error' });
    span.setStatus({ code: (this.api as Api).SpanStatusCode.ERROR, message });
    if (typeof error?.code === 'string') span.setAttribute('error.type', error.code);
  }
}
