/**
 * @module
 * What a bridge reports about itself: its connection state (with the last error while it
 * reconnects), counters of what it relayed, and when it last did anything. One tracker per
 * bridge; `GET /v1/bridges`, `/readyz` and `spool bridges` show its snapshot.
 */

export type BridgeKind = 'rabbitmq' | 'nats';
export type BridgeDirection = 'out' | 'in';

/**
 * - `starting`: the first connection is being made.
 * - `connected`: the broker answers; messages flow.
 * - `reconnecting`: the connection failed or dropped; it is retried with backoff (`lastError` says why).
 * - `stopped`: the bridge was stopped (its Spool closed).
 */
export type BridgeState = 'starting' | 'connected' | 'reconnecting' | 'stopped';

export interface BridgeStatus {
  name: string;
  kind: BridgeKind;
  direction: BridgeDirection;
  topic: string;
  /** Where it relays to or from, without credentials: `amqp://127.0.0.1:5672 exchange "orders"`. */
  target: string;
  state: BridgeState;
  /** When it entered this state, epoch milliseconds. */
  since: number;
  /** The error of the last failed connection or send, kept after it recovered. */
  lastError: { message: string; at: number } | null;
  /** Out: messages the broker confirmed. In: events committed to the topic. */
  relayed: number;
  /** Out: messages the broker already had (JetStream deduplicated the event id). In: messages whose event id was already on the topic (redeliveries). */
  duplicates: number;
  /** Out: sends that failed (their deliveries retry with backoff). In: messages handed back to the broker for redelivery. */
  failed: number;
  /** In: messages that can never become an event (not storable, too large), rejected without requeue (the broker's dead-letter exchange gets them, if one is set). */
  rejected: number;
  /** Connections made after the first. */
  reconnects: number;
  /** When a message was last relayed, epoch milliseconds; null before the first. */
  lastActivityAt: number | null;
}

export class StatusTracker {
  private status: BridgeStatus;
  private connections = 0;

  constructor(init: Pick<BridgeStatus, 'name' | 'kind' | 'direction' | 'topic' | 'target'>) {
    this.status = {
      ...init,
      state: 'starting',
      since: Date.now(),
      lastError: null,
      relayed: 0,
      duplicates: 0,
      failed: 0,
      rejected: 0,
      reconnects: 0,
      lastActivityAt: null,
    };
  }

  snapshot(): BridgeStatus {
    return { ...this.status, lastError: this.status.lastError && { ...this.status.lastError } };
  }

  get state(): BridgeState {
    return this.status.state;
  }

  connected(): void {
    if (this.connections++ > 0) this.status.reconnects++;
    this.enter('connected');
  }

  /** The connection failed or dropped; `error` says why. */
  down(error: unknown): void {
    this.error(error);
    if (this.status.state !== 'stopped') this.enter('reconnecting');
  }

  stopped(): void {
    this.enter('stopped');
  }

  error(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.status.lastError = { message: message.slice(0, 1_000), at: Date.now() };
  }

  relayed(count: number, duplicates = 0): void {
    this.status.relayed += count;
    this.status.duplicates += duplicates;
    this.status.lastActivityAt = Date.now();
  }

  failed(error: unknown, count = 1): void {
    this.status.failed += count;
    this.error(error);
  }

  rejected(error: unknown): void {
    this.status.rejected++;
    this.error(error);
  }

  private enter(state: BridgeState): void {
    if (this.status.state === state) return;
    this.status.state = state;
    this.status.since = Date.now();
  }
}
