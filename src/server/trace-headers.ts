/**
 * @module
 * W3C Trace Context headers on the routes that create work (enqueue, publish): a producer in any
 * language sends `traceparent` (and `tracestate`), and the job's attempts join its trace. An
 * invalid `traceparent` is ignored, as the W3C recommendation says, rather than refused.
 */
import { z } from '@hono/zod-openapi';
import { type TraceCarrier, carrierFrom } from '../telemetry/trace-context.js';

export const traceHeaders = {
  traceparent: z.string().max(256).optional().meta({
    description:
      "W3C Trace Context: the job's attempts (or the event's deliveries) join this trace. Ignored when not a valid version-00 value.",
    example: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  }),
  tracestate: z.string().max(512).optional().meta({ description: 'W3C Trace Context vendor state, kept beside a valid traceparent.' }),
};

export function traceOf(headers: { traceparent?: string; tracestate?: string }): TraceCarrier | null {
  return carrierFrom(headers.traceparent, headers.tracestate);
}
