/**
 * @module
 * One change feed per server, fanned out to every open event stream: a stream waits for its
 * job's change instead of reading the store four times a second (500 idle streams on PostgreSQL
 * cost 22% of a core and 2,000 queries/s that way). Changes come from:
 * - this process's own workers, as Spool events, at once;
 * - PostgreSQL: a NOTIFY for every status or progress change of a watched job, from any process;
 * - SQLite: one read of every watched job's state when the WAL watcher reports another
 *   connection's commit (at most every `minPollMs`), and on a slow timer;
 * - and, on both, a slow read of every watched job, for anything missed (a dropped LISTEN).
 * A stream told of a change reads its job once and sends what changed; nothing reads the store
 * while nothing happens, except the slow timer's one statement for all streams.
 */
import type { Spool } from '../client/spool.js';
import { coerceError } from '../core/errors.js';
import type { SpoolEventName } from '../core/events.js';
import type { Job } from '../core/types.js';
import { type ChangesPart, type JobState, anyQueue } from '../store/contract.js';

export interface ChangeFeedOptions {
  /** How often every watched job is read anyway (a safety net where changes are pushed). @defaultValue 1 s on SQLite, 5 s on PostgreSQL */
  pollMs: number;
  /** The least time between two reads triggered by other connections' commits (SQLite). @defaultValue 20 ms */
  minPollMs: number;
}

const wakeEvents: SpoolEventName[] = ['active', 'progress', 'retrying', 'completed', 'failed', 'cancelled'];
/** Ids per read: keeps each statement's parameter small. */
const chunk = 5_000;

const stateOf = (s: Pick<JobState, 'status' | 'attempts' | 'progress'>) => `${s.status}/${s.attempts}/${s.progress}`;

export class ChangeFeed {
  private readonly watchers = new Map<string, Set<() => void>>();
  /** What the last read saw of each watched job, to tell a change. */
  private readonly seen = new Map<string, string>();
  private toMark: string[] = [];
  private stopFeed: (() => void) | null = null;
  private polling = false;
  private pollAgain = false;
  private lastPoll = 0;
  private pollTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly spool: Spool,
    private readonly options: Partial<ChangeFeedOptions> = {},
  ) {}

  /** Calls `onChange` when the job may have changed; returns the function that stops watching. */
  watch(job: Job, onChange: () => void): () => void {
    const { id } = job;
    let set = this.watchers.get(id);
    if (!set) {
      this.watchers.set(id, (set = new Set()));
      this.seen.set(id, stateOf({ ...job, progress: job.progress === null ? null : JSON.stringify(job.progress) }));
      this.mark(id);
    }
    set.add(onChange);
    if (!this.stopFeed) this.start();
    return () => {
      set.delete(onChange);
      if (set.size > 0) return;
      this.watchers.delete(id);
      this.seen.delete(id);
      if (this.watchers.size === 0) this.stop();
    };
  }

  /** How many jobs are watched (for tests and metrics). */
  get size(): number {
    return this.watchers.size;
  }

  private get changes(): ChangesPart | undefined {
    return this.spool.store.changes;
  }

  private notify(id: string): void {
    const set = this.watchers.get(id);
    if (set) for (const onChange of [...set]) onChange();
  }

  /** Marks new watched jobs in the store, many at once (PostgreSQL: one UPDATE per turn). */
  private mark(id: string): void {
    if (!this.changes?.pushes) return;
    this.toMark.push(id);
    if (this.toMark.length > 1) return;
    setImmediate(() => {
      const ids = this.toMark;
      this.toMark = [];
      this.changes?.watch(ids).then(
        // A change committed between a stream's first read and the mark sent no NOTIFY: look once.
        () => this.schedulePoll(),
        (err: unknown) => {
          this.spool.logger.warn('Event streams could not mark their jobs as watched; they poll until they can.', {
            error: coerceError(err).message,
          });
        },
      );
    });
  }

  private start(): void {
    const offs = wakeEvents.map((name) =>
      this.spool.on(name, (event) => {
        const id = (event as { job?: Job }).job?.id;
        if (id !== undefined && this.watchers.has(id)) this.notify(id);
      }),
    );
    const pushes = this.changes?.pushes === true;
    const unsubscribe = this.spool.store.subscribe({
      onChange: (id) => this.notify(id),
      // SQLite: another connection committed (the WAL watcher); PostgreSQL's wakes are enqueues, not changes.
      onWake: pushes ? undefined : (queue) => queue === anyQueue && this.schedulePoll(),
      onReconnected: () => this.schedulePoll(),
    });
    const every = this.options.pollMs ?? (pushes ? 5_000 : 1_000);
    const timer = setInterval(() => this.schedulePoll(), every);
    timer.unref();
    this.stopFeed = () => {
      for (const off of offs) off();
      unsubscribe();
      clearInterval(timer);
    };
  }

  private stop(): void {
    this.stopFeed?.();
    this.stopFeed = null;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = null;
  }

  private schedulePoll(): void {
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    if (this.pollTimer) return;
    const wait = Math.max(0, this.lastPoll + (this.options.minPollMs ?? 20) - Date.now());
    this.pollTimer = setTimeout(() => {
      this.pollTimer = null;
      void this.poll();
    }, wait);
  }

  /** One read of every watched job's state; tells the streams whose job changed. */
  private async poll(): Promise<void> {
    const changes = this.changes;
    if (!changes || this.watchers.size === 0) return;
    this.polling = true;
    this.lastPoll = Date.now();
    try {
      const ids = [...this.watchers.keys()];
      for (let start = 0; start < ids.length; start += chunk) {
        const slice = ids.slice(start, start + chunk);
        const gone = new Set(slice);
        for (const state of await changes.states(slice)) {
          gone.delete(state.id);
          const now = stateOf(state);
          if (!this.seen.has(state.id) || this.seen.get(state.id) === now) continue;
          this.seen.set(state.id, now);
          this.notify(state.id);
        }
        // Deleted or pruned: its streams read it once more and end.
        for (const id of gone) this.notify(id);
      }
    } catch (err) {
      this.spool.logger.debug('Event streams could not read their jobs; trying again at the next change or poll.', {
        error: coerceError(err).message,
      });
    } finally {
      this.polling = false;
      if (this.pollAgain) {
        this.pollAgain = false;
        this.schedulePoll();
      }
    }
  }
}
