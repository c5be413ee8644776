/**
 * @module
 * The outbound half shared by both brokers, built on a durable subscription (`bridge-<name>`):
 * each event on the topic becomes a delivery job, and the bridge's handler completes it only after
 * the broker confirmed the message (a RabbitMQ publisher confirm, a JetStream PubAck). So:
 *
 * - at least once: a delivery whose confirm never came is retried; a crash between the confirm
 *   and the completion sends that event again (same message id, which JetStream deduplicates);
 * - resuming after a crash is the delivery jobs themselves: a dead process's deliveries come
 *   back when their lease ends, and the events published meanwhile wait as jobs;
 * - a broker that is down fails the delivery transiently (`SPOOL_BROKER_UNAVAILABLE`) and it is
 *   retried with backoff; nothing is completed that the broker did not confirm.
 */
import { SpoolError, isSpoolError } from '../../core/errors.js';
import type { SpoolEvent } from '../event.js';
import type { ResolvedBridge } from './config.js';
import { type BrokerSession, Link } from './link.js';
import type { Bridge, BridgeHost } from './port.js';
import type { StatusTracker } from './status.js';

export interface OutboundSession extends BrokerSession {
  /** Hands the event to the broker; resolves once the broker confirmed it (`duplicate`: it already had that id). */
  send(event: SpoolEvent): Promise<{ duplicate: boolean }>;
}

export async function startOutbound(
  host: BridgeHost,
  bridge: ResolvedBridge,
  tracker: StatusTracker,
  open: () => Promise<OutboundSession>,
): Promise<Bridge> {
  const what = `Bridge "${bridge.name}" (${tracker.snapshot().target})`;
  const link = new Link(what, open, tracker, bridge.reconnect, host.logger);
  link.start();
  const relay = async (event: SpoolEvent, signal: AbortSignal): Promise<unknown> => {
    try {
      const session = await link.current(bridge.confirmTimeout, signal);
      const { duplicate } = await confirmed(session.send(event), bridge.confirmTimeout, signal);
      tracker.relayed(duplicate ? 0 : 1, duplicate ? 1 : 0);
      return duplicate ? { duplicate } : null;
    } catch (err) {
      if (signal.aborted && err === signal.reason) throw err;
      tracker.failed(err);
      if (isSpoolError(err, 'SPOOL_BROKER_UNAVAILABLE')) throw err;
      throw new SpoolError(
        'SPOOL_BROKER_UNAVAILABLE',
        `${what} could not hand over event ${event.id}: ${(err as Error).message}; the delivery is retried with backoff.`,
        { cause: err },
      );
    }
  };
  let subscription: Awaited<ReturnType<BridgeHost['subscribe']>>;
  try {
    subscription = await host.subscribe(bridge.topic, bridge.subscription, (event, ctx) => relay(event, ctx.signal), {
      ...(bridge.filter ? { filter: bridge.filter } : {}),
      from: bridge.from,
      ordered: bridge.ordered,
      concurrency: bridge.concurrency,
      lease: bridge.lease,
      maxAttempts: bridge.maxAttempts,
      backoff: bridge.backoff,
      // The handler bounds itself: a wait for the connection, then a wait for the confirm.
      timeout: null,
    });
  } catch (err) {
    await link.stop();
    throw err;
  }
  let stopping: Promise<void> | null = null;
  return {
    status: () => tracker.snapshot(),
    stop() {
      stopping ??= (async () => {
        await subscription.worker.close();
        await link.stop();
      })();
      return stopping;
    },
  };
}

/** The broker's confirm, or a timeout error, or the job's stop reason, whichever comes first. */
function confirmed<T>(sending: Promise<T>, timeoutMs: number, signal: AbortSignal): Promise<T> {
  sending.catch(() => {}); // settled after a timeout: nobody waits for it any more
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the broker did not confirm within ${timeoutMs} ms`)), timeoutMs);
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([sending, stopped]).finally(() => {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  });
}
