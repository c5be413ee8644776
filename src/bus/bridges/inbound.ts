/**
 * @module
 * The inbound half shared by both brokers: messages arrive from a consumer, are published to the
 * topic in batches (one transaction per batch, so one commit for up to `prefetch` messages), and
 * are acknowledged only after that commit. A message whose event id is already on the topic is a
 * redelivery: it is acknowledged and counted as a duplicate, and nothing new is delivered.
 *
 * When the publish fails because the store is away, the messages go back to the broker after a
 * backoff (they stay unacknowledged meanwhile, which also stops the broker sending more). A
 * message that can never be an event (a payload too large or not storable) is rejected without
 * requeue, alone: the rest of its batch is published one by one.
 */
import { isSpoolError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { BackoffPolicy } from '../../core/types.js';
import { backoffDelay } from '../../policies/backoff.js';
import type { PublishItem } from '../event.js';
import type { BrokerSession } from './link.js';
import type { BridgeHost } from './port.js';
import type { StatusTracker } from './status.js';

export interface InboundMessage {
  item: PublishItem;
  ack(): void;
  /** Hands the message back for redelivery after `delayMs`. */
  requeue(delayMs: number): void;
  /** Refuses the message for good (the broker dead-letters it, if set up to). */
  reject(): void;
}

export interface InboundSession extends BrokerSession {
  /** Asks the broker to stop sending; messages already received still settle. */
  stopConsuming(): Promise<void>;
}

/** Errors that retrying cannot fix: the message itself is not an event Spool can store. */
function unpublishable(err: unknown): boolean {
  return (
    isSpoolError(err, 'SPOOL_INVALID_ARGUMENT') ||
    isSpoolError(err, 'SPOOL_PAYLOAD_NOT_JSON') ||
    isSpoolError(err, 'SPOOL_PAYLOAD_TOO_LARGE')
  );
}

export class InboundRelay {
  private pending: InboundMessage[] = [];
  private draining: Promise<void> | null = null;
  private failures = 0;

  constructor(
    private readonly what: string,
    private readonly host: BridgeHost,
    private readonly tracker: StatusTracker,
    private readonly backoff: BackoffPolicy,
    private readonly maxBatch: number,
    private readonly logger: Logger,
  ) {}

  /** Messages received and not yet settled. */
  get backlog(): number {
    return this.pending.length;
  }

  push(message: InboundMessage): void {
    this.pending.push(message);
    this.draining ??= this.drain();
  }

  /** Resolves once every message pushed so far is settled. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        // One turn of the event loop lets a burst from the broker gather into one transaction.
        await new Promise((resolve) => setImmediate(resolve));
        await this.relay(this.pending.splice(0, this.maxBatch));
      }
    } finally {
      this.draining = null;
    }
  }

  private async relay(batch: InboundMessage[]): Promise<void> {
    try {
      const results = await this.host.publishMany(batch.map((m) => m.item));
      const seen = new Set<string>();
      let duplicates = 0;
      for (const result of results) {
        if (!result.created || seen.has(result.id)) duplicates++;
        seen.add(result.id);
      }
      for (const message of batch) settle(() => message.ack());
      this.tracker.relayed(batch.length - duplicates, duplicates);
      this.failures = 0;
    } catch (err) {
      if (unpublishable(err)) {
        if (batch.length > 1) {
          for (const message of batch) await this.relay([message]);
          return;
        }
        this.tracker.rejected(err);
        this.logger.error(`${this.what} rejected a message that cannot become an event: ${(err as Error).message}`);
        for (const message of batch) settle(() => message.reject());
        return;
      }
      const delayMs = backoffDelay(this.backoff, ++this.failures);
      this.tracker.failed(err, batch.length);
      this.logger.warn(
        `${this.what} could not publish ${batch.length} message(s) to the topic: ${(err as Error).message}; they go back to the broker in ${delayMs} ms.`,
      );
      for (const message of batch) settle(() => message.requeue(delayMs));
    }
  }
}

/** Acks and nacks on a channel that just closed throw; the broker redelivers those messages anyway. */
function settle(action: () => void): void {
  try {
    action();
  } catch {
    // the connection is gone: the broker redelivers the message, and its id makes it a duplicate
  }
}
