/**
 * @module
 * One change feed per server, fanned out to every open event stream: a stream waits for its
 * job's change instead of reading the store four times a second (500 idle streams on PostgreSQL
 * cost 22% of a core and 2,000 queries/s that way). Changes come from:
 * - this process's own workers, as Spool events, at once;
 * - PostgreSQL: a NOTIFY for every status or progress change of a watched job, from any process;
 * - SQLite: a read of the store's log of watched jobs' changes after the last one seen, when the
 *   WAL watcher reports another connection's commit (at most every `minPollMs`) and every
 *   `pollMs` (20 ms) in case it did not; one indexed statement that finds nothing while nothing
 *   changes, then the state of only the jobs it names (10,000 streams used to read 10,000 rows);
 * - PostgreSQL: a slow read of every watched job, for anything missed (a dropped LISTEN).
 * A stream told of a change reads its job once and sends what changed; nothing reads the store
 * while nothing happens, except the timer's one statement for all streams.
 */
import type { Spool } from '../client/spool.js';
import { coerceError } from '../core/errors.js';
import type { SpoolEventName } from '../core/events.js';
import type { Job } from '../core/types.js';
import { type ChangesPart, type JobState, anyQueue } from '../store/contract.js';

export interface ChangeFeedOptions {
  /**
   * PostgreSQL: how often every watched job is read anyway (a safety net: changes are pushed).
   * SQLite: how often the change log is read (one statement, finds nothing while nothing changes). @defaultValue 20 ms on SQLite, 5 s on PostgreSQL
   */
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
  /** The next read reads every watched job (a safety read, a reconnect, a log that lost entries). */
  private readAll = true;
  /** Jobs just marked watched: read once, for a change made before the mark took. */
  private fresh = new Set<string>();
  /** How far the store's change log was read (stores with `since`); null: not yet. */
  private cursor: number | null = null;

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
    if (!this.changes?.pushes && !this.changes?.since) return;
    this.toMark.push(id);
    if (this.toMark.length > 1) return;
    setImmediate(() => {
      const ids = this.toMark;
      this.toMark = [];
      this.changes?.watch(ids).then(
        // A change committed between a stream's first read and the mark was not pushed or logged: look once.
        () => {
          for (const id of ids) this.fresh.add(id);
          this.schedulePoll();
        },
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
      onReconnected: () => this.schedulePoll(true),
    });
    const logged = !pushes && this.changes?.since !== undefined;
    const every = this.options.pollMs ?? (pushes ? 5_000 : logged ? 20 : 1_000);
    // A store with a change log is read for what changed; otherwise each tick reads every watched job.
    const timer = setInterval(() => this.schedulePoll(!logged), every);
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
    this.cursor = null;
    this.readAll = true;
    this.fresh.clear();
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = null;
  }

  private schedulePoll(all = false): void {
    if (all) this.readAll = true;
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

  /** One read of what may have changed (every watched job, or those the log or a mark names); tells the streams whose job changed. */
  private async poll(): Promise<void> {
    const changes = this.changes;
    if (!changes || this.watchers.size === 0) return;
    this.polling = true;
    this.lastPoll = Date.now();
    try {
      let all = this.readAll;
      this.readAll = false;
      const named = new Set(this.fresh);
      this.fresh.clear();
      if (changes.since) {
        // The position first: a change after it is in the log, one before it in the states read.
        const read = await changes.since(this.cursor);
        if (this.cursor === null || read.ids === null) all = true;
        else for (const id of read.ids) named.add(id);
        this.cursor = read.cursor;
      }
      await this.read(changes, all ? [...this.watchers.keys()] : [...named].filter((id) => this.watchers.has(id)));
    } catch (err) {
      this.readAll = true;
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

  private async read(changes: ChangesPart, ids: string[]): Promise<void> {
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
  }
}
