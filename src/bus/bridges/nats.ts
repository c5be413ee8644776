/**
 * @module
 * NATS JetStream sessions through `nats`: outbound publishes with `msgID` = the event id (so
 * JetStream deduplicates a resend within the stream's duplicate window) and waits for the PubAck;
 * inbound reads a durable pull consumer (created with explicit acks if it does not exist) and acks
 * each message after its event committed, or naks it with a delay. The client's own reconnection
 * is off: a lost connection ends the session and `link.ts` connects again.
 */
import type { ResolvedBridge } from './config.js';
import type { Nats } from './driver.js';
import type { InboundMessage, InboundSession } from './inbound.js';
import { eventBody, eventHeaders, toPublishItem } from './message.js';
import type { OutboundSession } from './outbound.js';

type Connection = Awaited<ReturnType<Nats['connect']>>;
type Consumer = Awaited<ReturnType<ReturnType<Connection['jetstream']>['consumers']['get']>>;

async function connect(nats: Nats, bridge: ResolvedBridge): Promise<{ nc: Connection; ended: Promise<Error | null> }> {
  const url = new URL(bridge.url);
  const nc = await nats.connect({
    servers: `${url.hostname}:${url.port || 4222}`,
    ...(url.username && url.password ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : {}),
    ...(url.username && !url.password ? { token: decodeURIComponent(url.username) } : {}),
    ...(url.protocol === 'tls:' ? { tls: {} } : {}),
    name: `spool bridge ${bridge.name}`,
    reconnect: false,
    timeout: bridge.confirmTimeout,
    // A silent broker is noticed after two unanswered pings.
    pingInterval: 10_000,
    maxPingOut: 2,
  });
  const ended = nc.closed().then((err) => err ?? new Error('the connection closed'));
  return { nc, ended };
}

export async function openNatsOutbound(nats: Nats, bridge: ResolvedBridge): Promise<OutboundSession> {
  const { nc, ended } = await connect(nats, bridge);
  const js = nc.jetstream();
  const subject = bridge.subject as string;
  return {
    ended,
    close: () => nc.close().catch(() => {}),
    async send(event) {
      const headers = nats.headers();
      for (const [name, value] of Object.entries(eventHeaders(event))) {
        try {
          headers.set(name, value);
        } catch {
          // a header name or value NATS cannot carry (spaces, colons, line breaks) is left out
        }
      }
      const ack = await js.publish(subject, eventBody(event), {
        msgID: event.id,
        headers,
        timeout: bridge.confirmTimeout,
        ...(bridge.stream ? { expect: { streamName: bridge.stream } } : {}),
      });
      return { duplicate: ack.duplicate };
    },
  };
}

export async function openNatsInbound(
  nats: Nats,
  bridge: ResolvedBridge,
  deliver: (message: InboundMessage) => void,
): Promise<InboundSession> {
  const { nc, ended } = await connect(nats, bridge);
  const close = () => nc.close().catch(() => {});
  const stream = bridge.stream as string;
  const durable = bridge.durable as string;
  let messages: Awaited<ReturnType<Consumer['consume']>>;
  try {
    const jsm = await nc.jetstreamManager();
    const existing = await jsm.consumers.info(stream, durable).catch((err: Error) => {
      if (/consumer not found/i.test(err.message)) return null;
      if (/stream not found/i.test(err.message)) throw new Error(`the stream "${stream}" does not exist; create it first`, { cause: err });
      throw err;
    });
    if (!existing) {
      await jsm.consumers.add(stream, {
        durable_name: durable,
        ack_policy: nats.AckPolicy.Explicit,
        ack_wait: nats.nanos(bridge.ackWait),
        max_ack_pending: Math.max(1_000, bridge.prefetch * 2),
        ...(bridge.filterSubject ? { filter_subject: bridge.filterSubject } : {}),
      });
    }
    const consumer = await nc.jetstream().consumers.get(stream, durable);
    messages = await consumer.consume({ max_messages: bridge.prefetch });
  } catch (err) {
    await close();
    throw err;
  }
  // At most `prefetch` messages unsettled at once: the loop waits for a free slot before reading on.
  let stopping = false;
  let inFlight = 0;
  let freed: (() => void) | null = null;
  const settled = () => {
    inFlight--;
    freed?.();
    freed = null;
  };
  void (async () => {
    try {
      for await (const m of messages) {
        while (inFlight >= bridge.prefetch) await new Promise<void>((resolve) => (freed = resolve));
        inFlight++;
        const headers: Record<string, string> = {};
        for (const name of m.headers?.keys() ?? []) headers[name] = m.headers?.get(name) ?? '';
        const id = headers['Nats-Msg-Id'];
        delete headers['Nats-Msg-Id'];
        deliver({
          item: toPublishItem(bridge.topic, { id: id || undefined, headers, body: m.data, source: `nats:${m.subject}` }),
          ack: once(settled, () => m.ack()),
          requeue: once(settled, (delayMs: number) => m.nak(delayMs)),
          reject: once(settled, () => m.term()),
        });
      }
    } catch {
      // the connection went away under the iterator; `ended` says why
    }
    // The consumer stopped without being asked (deleted): end the session so the link reconnects.
    // When asked, the bridge closes the connection itself once the messages received are settled.
    if (!stopping) await close();
  })();
  return {
    ended,
    close,
    async stopConsuming() {
      stopping = true;
      messages.stop();
    },
  };
}

function once<A extends unknown[]>(after: () => void, action: (...args: A) => void): (...args: A) => void {
  let done = false;
  return (...args: A) => {
    if (done) return;
    done = true;
    try {
      action(...args);
    } finally {
      after();
    }
  };
}
