/**
 * @module
 * The bridges a Spool runs, by name: start one from its config, list their states, stop them all
 * when the Spool closes (before its workers, so in-flight messages settle first). A bridge whose
 * broker is down still starts: it reconnects in the background and says so in its state; only a
 * bad config or a missing broker package fails `start`.
 */
import { InvalidArgumentError } from '../../core/errors.js';
import { type BridgeConfig, type ResolvedBridge, describeTarget, resolveBridge } from './config.js';
import { loadAmqp, loadNats } from './driver.js';
import { InboundRelay, type InboundSession } from './inbound.js';
import { Link } from './link.js';
import { openNatsInbound, openNatsOutbound } from './nats.js';
import { type OutboundSession, startOutbound } from './outbound.js';
import type { Bridge, BridgeHost } from './port.js';
import { openRabbitInbound, openRabbitOutbound } from './rabbitmq.js';
import { type BridgeStatus, StatusTracker } from './status.js';

export class Bridges {
  private readonly running = new Map<string, Bridge>();
  private readonly starting = new Set<string>();
  private closing: Promise<void> | null = null;

  constructor(private readonly host: BridgeHost) {}

  /** Starts the bridge `name`; resolves once it runs (not once its broker answers: see its state). */
  async start(name: string, config: BridgeConfig): Promise<BridgeStatus> {
    if (this.closing) throw new InvalidArgumentError(`Cannot start bridge "${name}": the Spool is closing.`);
    const bridge = resolveBridge(name, config);
    if (this.running.has(name) || this.starting.has(name)) throw new InvalidArgumentError(`A bridge named "${name}" already runs here.`);
    this.starting.add(name);
    try {
      const tracker = new StatusTracker({
        name,
        kind: bridge.kind,
        direction: bridge.direction,
        topic: bridge.topic,
        target: describeTarget(bridge),
      });
      const running = bridge.direction === 'out' ? await this.outbound(bridge, tracker) : await this.inbound(bridge, tracker);
      this.running.set(name, running);
      return running.status();
    } finally {
      this.starting.delete(name);
    }
  }

  /** Every bridge's state, by name. */
  list(): BridgeStatus[] {
    return [...this.running.values()].map((b) => b.status()).sort((a, b) => a.name.localeCompare(b.name));
  }

  get(name: string): BridgeStatus | null {
    return this.running.get(name)?.status() ?? null;
  }

  /** Stops every bridge. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= Promise.all([...this.running.values()].map((b) => b.stop())).then(() => {});
    return this.closing;
  }

  private async outbound(bridge: ResolvedBridge, tracker: StatusTracker): Promise<Bridge> {
    let open: () => Promise<OutboundSession>;
    if (bridge.kind === 'rabbitmq') {
      const amqp = await loadAmqp(bridge.name);
      open = () => openRabbitOutbound(amqp, bridge);
    } else {
      const nats = await loadNats(bridge.name);
      open = () => openNatsOutbound(nats, bridge);
    }
    return startOutbound(this.host, bridge, tracker, open);
  }

  private async inbound(bridge: ResolvedBridge, tracker: StatusTracker): Promise<Bridge> {
    const what = `Bridge "${bridge.name}" (${tracker.snapshot().target})`;
    const relay = new InboundRelay(what, this.host, tracker, bridge.backoff, bridge.prefetch, this.host.logger);
    const deliver = relay.push.bind(relay);
    let open: () => Promise<InboundSession>;
    if (bridge.kind === 'rabbitmq') {
      const amqp = await loadAmqp(bridge.name);
      open = () => openRabbitInbound(amqp, bridge, deliver);
    } else {
      const nats = await loadNats(bridge.name);
      open = () => openNatsInbound(nats, bridge, deliver);
    }
    let session: InboundSession | null = null;
    const link = new Link(
      what,
      async () => {
        session = await open();
        return session;
      },
      tracker,
      bridge.reconnect,
      this.host.logger,
    );
    link.start();
    let stopping: Promise<void> | null = null;
    return {
      status: () => tracker.snapshot(),
      stop() {
        stopping ??= (async () => {
          // Stop the flow, let what was received commit and be acked, then hang up.
          await (session as InboundSession | null)?.stopConsuming().catch(() => {});
          await relay.idle();
          await link.stop();
        })();
        return stopping;
      },
    };
  }
}

export type { BridgeConfig, BridgeStatus };
