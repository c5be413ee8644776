/**
 * A dedicated connection that LISTENs for wake-ups and cancellations, and reconnects with backoff
 * when PostgreSQL goes away. Opened only when something subscribes. `onConnect` runs on each new
 * connection (the store takes its session's advisory lock there). Its failures are logged at
 * debug level: the Spool's outage log reports an outage once, from the statements that fail.
 */
import pg from 'pg';
import type { Logger } from '../../core/logger.js';
import type { StoreListener } from '../contract.js';

export class NotificationListener {
  private client: pg.Client | null = null;
  private stopped = false;
  private retryMs = 100;
  private reconnectTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly connectionString: string,
    private readonly channels: string[],
    private readonly onNotification: (channel: string, payload: string) => void,
    private readonly onReconnected: () => void,
    private readonly logger: Logger,
    private readonly onConnect?: (client: pg.Client) => Promise<void>,
  ) {}

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString, connectionTimeoutMillis: 5_000 });
    this.client = client;
    client.on('notification', (message) => this.onNotification(message.channel, message.payload ?? ''));
    client.on('error', () => this.scheduleReconnect(client));
    client.on('end', () => this.scheduleReconnect(client));
    try {
      await client.connect();
      for (const channel of this.channels) await client.query(`LISTEN "${channel}"`);
      await this.onConnect?.(client);
      if (this.stopped) {
        await client.end().catch(() => {});
        return;
      }
      this.retryMs = 100;
      // Notifications sent before LISTEN took hold (or while disconnected) are gone; let subscribers look for work once.
      this.onReconnected();
    } catch (err) {
      this.logger.debug(
        `Cannot LISTEN for job notifications (${(err as Error).message}); retrying in ${this.retryMs} ms, polling meanwhile.`,
      );
      this.scheduleReconnect(client);
    }
  }

  private scheduleReconnect(client: pg.Client): void {
    // Late events from a connection already replaced are ignored.
    if (this.stopped || this.reconnectTimer || this.client !== client) return;
    this.client = null;
    client.removeAllListeners('end');
    client.end().catch(() => {});
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.connect();
    }, this.retryMs);
    this.reconnectTimer.unref();
    this.retryMs = Math.min(this.retryMs * 2, 5_000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = null;
    if (client) {
      client.removeAllListeners('end');
      await client.end().catch(() => {});
    }
  }
}

/**
 * The store's subscribers in this process: wake-ups and cancellations from LISTEN (other
 * processes, delivered on commit) and from this process's own writes (at once). The LISTEN
 * connection is opened with the first subscriber and closed with the last.
 */
export class Subscribers {
  private readonly listeners = new Set<StoreListener>();
  private notifications: NotificationListener | null = null;

  constructor(
    private readonly connectionString: string,
    private readonly schema: string,
    private readonly logger: Logger,
    /** Runs on each new LISTEN connection (the store takes its session's advisory lock there). */
    private readonly onConnect?: (client: pg.Client) => Promise<void>,
  ) {}

  add(listener: StoreListener): () => void {
    this.listeners.add(listener);
    if (!this.notifications) {
      const wake = `${this.schema}_wake`;
      const cancel = `${this.schema}_cancel`;
      const changed = `${this.schema}_changed`;
      this.notifications = new NotificationListener(
        this.connectionString,
        [wake, cancel, changed],
        (channel, payload) => {
          for (const l of this.listeners) {
            if (channel === wake) l.onWake?.(payload);
            else if (channel === cancel) l.onCancel?.(payload);
            else if (channel === changed) l.onChange?.(payload);
          }
        },
        () => {
          for (const l of this.listeners) l.onReconnected?.();
        },
        this.logger,
        this.onConnect,
      );
      this.notifications.start();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.notifications) {
        void this.notifications.stop();
        this.notifications = null;
      }
    };
  }

  /** Covers the moments before the LISTEN connection is up, and saves the round trip. */
  wake(queues: readonly string[]): void {
    if (this.listeners.size === 0) return;
    for (const queue of new Set(queues)) for (const listener of this.listeners) listener.onWake?.(queue);
  }

  cancelled(id: string): void {
    for (const listener of this.listeners) listener.onCancel?.(id);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.notifications?.stop();
    this.notifications = null;
  }
}
