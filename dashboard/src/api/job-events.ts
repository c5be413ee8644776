/**
 * Follows `GET /v1/jobs/{id}/events` with fetch, so the bearer token travels in a header
 * (EventSource cannot send one). Each event carries the whole job. Reconnects with
 * Last-Event-ID after a dropped connection; stops at a final state or on 204.
 */
import type { Api } from './client.js';
import { toApiError } from './client.js';
import type { JobView } from './types.js';

export interface JobEventHandlers {
  onJob(job: JobView): void;
  /** Set when the stream cannot be opened (for example 404): the caller falls back to polling. */
  onError(error: Error): void;
}

/** Returns a function that stops following. */
export function followJob(api: Api, id: string, handlers: JobEventHandlers): () => void {
  const controller = new AbortController();
  let lastEventId: string | null = null;
  let failures = 0;

  async function run(): Promise<void> {
    while (!controller.signal.aborted) {
      try {
        const headers: Record<string, string> = { accept: 'text/event-stream' };
        if (lastEventId) headers['last-event-id'] = lastEventId;
        const response = await api.stream(`/v1/jobs/${encodeURIComponent(id)}/events`, headers, controller.signal);
        if (response.status === 204) return;
        if (!response.ok || !response.body) throw await toApiError(response);
        failures = 0;
        const final = await readEvents(response.body, (event) => {
          if (event.id) lastEventId = event.id;
          // `log` events carry log lines, not the job (the Log section reads those itself).
          if (event.data && (event.event === 'status' || event.event === 'progress')) handlers.onJob(JSON.parse(event.data) as JobView);
        });
        if (final) return;
      } catch (err) {
        if (controller.signal.aborted) return;
        failures++;
        if (failures >= 3 || (err as { status?: number }).status === 404) {
          handlers.onError(err as Error);
          return;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000 * failures));
    }
  }
  void run();
  return () => controller.abort();
}

interface SseEvent {
  event: string;
  data: string;
  id: string | null;
}

/** Reads an event stream to its end; true when the server ended it after a final state. */
async function readEvents(body: ReadableStream<Uint8Array>, onEvent: (event: SseEvent) => void): Promise<boolean> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let sawFinal = false;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return sawFinal;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const event = parseEvent(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf('\n\n');
      if (!event) continue;
      onEvent(event);
      if (event.event !== 'status' && event.event !== 'progress') continue;
      const status = (JSON.parse(event.data) as JobView).status;
      sawFinal = status === 'completed' || status === 'failed' || status === 'cancelled';
    }
  }
}

function parseEvent(block: string): SseEvent | null {
  let event = 'message';
  const data: string[] = [];
  let id: string | null = null;
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id') id = value;
  }
  return data.length > 0 ? { event, data: data.join('\n'), id } : null;
}
