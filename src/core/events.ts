/**
 * @module
 * Lifecycle events, delivered in-process. A listener that throws (or rejects) is logged and never
 * stops a worker (`SpoolEmitter.emit`).
 */
import type { Logger } from './logger.js';
import type { Job, JobErrorRecord, Progress } from './types.js';

export interface SpoolEvents {
  /** A worker in this process claimed the job and started its handler. */
  active: { job: Job };
  progress: { job: Job; progress: Progress };
  completed: { job: Job; result: unknown };
  /** The job failed for good: attempts ran out or the error was non-retryable. */
  failed: { job: Job; error: JobErrorRecord };
  /** An attempt failed and the job will run again at `runAt`. */
  retrying: { job: Job; error: JobErrorRecord; runAt: number };
  cancelled: { job: Job };
  /** The job had not started by its `expiresAt`; it never runs. */
  expired: { job: Job };
  /** A shared circuit breaker changed status (seen by the process that moved it). */
  breaker: { breaker: string; from: string; to: string; reason: string; at: number };
  /** Something went wrong inside Spool itself (the store went away, say); it carries on. */
  error: { error: Error; context: string };
}

export type SpoolEventName = keyof SpoolEvents;
export type Listener<E extends SpoolEventName> = (event: SpoolEvents[E]) => void | Promise<void>;

export class SpoolEmitter {
  private readonly listeners = new Map<SpoolEventName, Set<Listener<SpoolEventName>>>();

  constructor(private readonly logger: Logger) {}

  on<E extends SpoolEventName>(name: E, listener: Listener<E>): () => void {
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
    }
    set.add(listener as Listener<SpoolEventName>);
    return () => this.off(name, listener);
  }

  off<E extends SpoolEventName>(name: E, listener: Listener<E>): void {
    this.listeners.get(name)?.delete(listener as Listener<SpoolEventName>);
  }

  /** Resolves with the first event of `name` that matches `filter`. */
  once<E extends SpoolEventName>(name: E, filter: (event: SpoolEvents[E]) => boolean = () => true): Promise<SpoolEvents[E]> {
    return new Promise((resolve) => {
      const stop = this.on(name, (event) => {
        if (!filter(event)) return;
        stop();
        resolve(event);
      });
    });
  }

  hasListeners(name: SpoolEventName): boolean {
    return (this.listeners.get(name)?.size ?? 0) > 0;
  }

  /** Calls every listener; a throw or a rejected promise is logged, never propagated. */
  emit<E extends SpoolEventName>(name: E, event: SpoolEvents[E]): void {
    const set = this.listeners.get(name);
    if (!set || set.size === 0) {
      if (name === 'error') {
        const { error, context } = event as SpoolEvents['error'];
        this.logger.error(`${context}: ${error.message}`, { code: (error as { code?: unknown }).code });
      }
      return;
    }
    for (const listener of [...set]) {
      try {
        const returned = listener(event);
        if (returned && typeof (returned as Promise<void>).catch === 'function') {
          (returned as Promise<void>).catch((err: unknown) => this.listenerFailed(name, err));
        }
      } catch (err) {
        this.listenerFailed(name, err);
      }
    }
  }

  private listenerFailed(name: SpoolEventName, err: unknown): void {
    this.logger.warn(`A "${name}" listener threw; Spool carries on.`, { error: err instanceof Error ? err.message : String(err) });
  }
}
