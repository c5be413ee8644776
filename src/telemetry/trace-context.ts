/**
 * @module
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) as Spool stores it with a job or an
 * event: the `traceparent` and `tracestate` texts, checked here without OpenTelemetry, so a
 * producer that sends the headers over HTTP is traced even when the server has no tracer.
 */

/** The trace context a job or event carries. */
export interface TraceCarrier {
  traceparent: string;
  tracestate: string | null;
}

// version 00, 32 hex trace id, 16 hex parent id, 2 hex flags; an all-zero id is invalid.
const traceparentPattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export interface ParsedTraceparent {
  traceId: string;
  spanId: string;
  flags: number;
}

/** The parts of a valid version-00 traceparent, or null (invalid values are ignored, as the spec says). */
export function parseTraceparent(value: string | null | undefined): ParsedTraceparent | null {
  if (typeof value !== 'string') return null;
  const match = traceparentPattern.exec(value.trim().toLowerCase());
  if (!match) return null;
  const [, traceId, spanId, flags] = match as unknown as [string, string, string, string];
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return null;
  return { traceId, spanId, flags: Number.parseInt(flags, 16) };
}

export function formatTraceparent(traceId: string, spanId: string, flags: number): string {
  return `00-${traceId}-${spanId}-${(flags & 0xff).toString(16).padStart(2, '0')}`;
}

/** A carrier from HTTP-style headers, or null when `traceparent` is absent or invalid. tracestate is kept only beside a valid traceparent. */
export function carrierFrom(traceparent: string | null | undefined, tracestate?: string | null): TraceCarrier | null {
  const parsed = parseTraceparent(traceparent);
  if (!parsed) return null;
  const state = typeof tracestate === 'string' && tracestate.length > 0 && tracestate.length <= 512 ? tracestate : null;
  return { traceparent: formatTraceparent(parsed.traceId, parsed.spanId, parsed.flags), tracestate: state };
}

/** The trace id of a stored traceparent, for log lines; null when there is none. */
export function traceIdOf(traceparent: string | null | undefined): string | null {
  return parseTraceparent(traceparent)?.traceId ?? null;
}
