/**
 * @module
 * Waiting jobs nobody handles: an idle worker with a handler map looks, now and then, for waiting
 * jobs on its queue whose names no running worker (in any process) handles, and logs each name
 * once, with the closest name it does handle.
 */
import { defaults } from '../core/defaults.js';
import { closest } from '../core/spelling.js';
import type { WorkerPort } from './port.js';

export class UnhandledNames {
  /** When this worker last looked (performance.now()). */
  private checkedAt = Number.NEGATIVE_INFINITY;
  /** Names already logged, by this check or by a claim of a job with no handler. */
  readonly reported = new Set<string>();

  constructor(
    private readonly port: WorkerPort,
    private readonly queue: string,
    /** The names the worker claims; undefined when one handler takes every name. */
    private readonly names: readonly string[] | undefined,
    private readonly running: () => boolean,
  ) {}

  /**
   * Called when a claim found nothing: looks (at most every `unhandledCheckInterval`) for waiting
   * jobs on this queue whose names no running worker handles, and logs each name once. A hint for
   * operators; a failure here is left for the next look.
   */
  look(): void {
    const names = this.names;
    const registry = this.port.store.workers;
    const at = performance.now();
    if (!names || !registry || !this.running() || at - this.checkedAt < defaults.registry.unhandledCheckInterval) return;
    this.checkedAt = at;
    void (async () => {
      const waiting = (await registry.waitingNames(this.queue, names, 20)).filter((name) => !this.reported.has(name));
      if (waiting.length === 0) return;
      const live = await registry.list(defaults.registry.staleAfter, this.queue);
      if (live.some((w) => w.names === null)) return;
      const handled = new Set([...names, ...live.flatMap((w) => w.names ?? [])]);
      for (const name of waiting) {
        if (handled.has(name)) continue;
        this.reported.add(name);
        const guess = closest(name, handled);
        this.port.logger.warn(
          `Queue "${this.queue}" has waiting jobs named "${name}" that no running worker handles${guess ? ` (did you mean "${guess}"?)` : ''}; this worker handles ${names.join(', ')}. They wait until a worker with a handler for "${name}" starts.`,
          { queue: this.queue, name },
        );
      }
    })().catch(() => {});
  }
}
