/**
 * @module
 * What a bridge needs from the Spool it runs in, and nothing more: publish events (inbound) and
 * subscribe to a topic (outbound). The Spool satisfies it; bridges never see the Spool itself.
 */
import type { Logger } from '../../core/logger.js';
import type { JobContext } from '../../worker/types.js';
import type { PublishItem, SpoolEvent } from '../event.js';
import type { SubscribeOptions } from '../subscription.js';

export interface BridgeHost {
  readonly logger: Logger;
  /** Publishes events in one transaction; all or none are stored. Results follow the input order. */
  publishMany(items: readonly PublishItem[]): Promise<{ id: string; created: boolean }[]>;
  /** Declares a durable subscription and runs `handler` for each delivery in this process. */
  subscribe(
    topic: string,
    name: string,
    handler: (event: SpoolEvent, ctx: JobContext<SpoolEvent>) => Promise<unknown>,
    options: SubscribeOptions,
  ): Promise<{ worker: { close(options?: { timeout?: number }): Promise<void> } }>;
}

/** A running bridge. */
export interface Bridge {
  status(): import('./status.js').BridgeStatus;
  /** Stops taking messages, lets those in flight finish, and closes the broker connection. Safe to call twice. */
  stop(): Promise<void>;
}
