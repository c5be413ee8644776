/**
 * @module
 * Keeps one session with a broker open: connects, waits for the session to end (the broker went
 * away, the connection or channel closed), and connects again after a backoff with full jitter,
 * for as long as the bridge runs. The tracker says which state it is in and why. The same loop
 * serves both brokers and both directions; the broker clients' own reconnection is turned off so
 * there is one place that decides.
 */
import { SpoolError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { BackoffPolicy } from '../../core/types.js';
import { backoffDelay } from '../../policies/backoff.js';
import type { StatusTracker } from './status.js';

export interface BrokerSession {
  /** Resolves when the session is over, with why (null for a close we asked for). */
  readonly ended: Promise<Error | null>;
  close(): Promise<void>;
}

export class Link<S extends BrokerSession> {
  private session: S | null = null;
  private stopping = false;
  private loop: Promise<void> | null = null;
  private readonly waiters = new Set<() => void>();
  private cancelPause: (() => void) | null = null;

  constructor(
    private readonly what: string,
    private readonly open: () => Promise<S>,
    private readonly tracker: StatusTracker,
    private readonly reconnect: BackoffPolicy,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** The open session; waits up to `waitMs` for one, else fails with the last connection error. */
  async current(waitMs: number, signal?: AbortSignal): Promise<S> {
    if (this.session) return this.session;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      signal?.addEventListener('abort', done, { once: true });
      this.waiters.add(done);
    });
    if (this.session) return this.session;
    if (signal?.aborted) throw signal.reason;
    const last = this.tracker.snapshot().lastError?.message ?? 'no connection yet';
    throw new SpoolError('SPOOL_BROKER_UNAVAILABLE', `${this.what} is not connected (${last}); the delivery is retried with backoff.`);
  }

  /** Ends the session and the loop. Safe to call twice. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.cancelPause?.();
    for (const wake of [...this.waiters]) wake();
    await this.session?.close().catch(() => {});
    await this.loop;
    this.tracker.stopped();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      let session: S;
      try {
        session = await this.open();
      } catch (err) {
        failures++;
        this.tracker.down(err);
        if (failures === 1 || failures % 10 === 0) {
          this.logger.warn(`${this.what} cannot connect (attempt ${failures}): ${(err as Error).message}; retrying with backoff.`);
        }
        await this.pause(backoffDelay(this.reconnect, failures));
        continue;
      }
      if (this.stopping) {
        await session.close().catch(() => {});
        break;
      }
      if (failures > 0 || this.tracker.snapshot().reconnects > 0) this.logger.info(`${this.what} is connected again.`);
      failures = 0;
      this.session = session;
      this.tracker.connected();
      for (const wake of [...this.waiters]) wake();
      const why = await session.ended;
      this.session = null;
      if (this.stopping) break;
      await session.close().catch(() => {});
      this.tracker.down(why ?? new Error('the broker closed the connection'));
      this.logger.warn(`${this.what} lost its connection: ${why?.message ?? 'closed by the broker'}; reconnecting.`);
      // A short wait even after a drop, so a broker that accepts and then drops is not hammered.
      await this.pause(backoffDelay(this.reconnect, ++failures));
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.cancelPause = done;
    });
  }
}
