/**
 * Wakes this process when another process commits to the same SQLite file. SQLite has no
 * notifications across processes, but a commit writes the WAL file: inotify (through fs.watch)
 * reports that at once, and `PRAGMA data_version` tells another connection's commit from our own.
 * Where watching is not possible (`:memory:`, some network filesystems) polling still covers it.
 */
import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type Database from 'better-sqlite3';

export class ChangeWatcher {
  private watcher: FSWatcher | null = null;
  private lastVersion: number;
  private scheduled = false;
  private readonly readVersion: () => number;

  constructor(
    private readonly db: Database.Database,
    private readonly path: string,
    private readonly onChange: () => void,
  ) {
    const statement = db.prepare('PRAGMA data_version').pluck();
    this.readVersion = () => statement.get() as number;
    this.lastVersion = this.readVersion();
  }

  start(): void {
    if (this.watcher || this.path === ':memory:' || this.path.startsWith('file:')) return;
    const file = resolve(this.path);
    const names = new Set([basename(file), `${basename(file)}-wal`]);
    try {
      this.watcher = watch(dirname(file), { persistent: false }, (_event, name) => {
        if (name !== null && names.has(name.toString())) this.schedule();
      });
      this.watcher.on('error', () => this.stop());
    } catch {
      this.watcher = null;
    }
  }

  /** Checks at most once per turn of the event loop, however many writes were reported. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (!this.db.open) return;
      const version = this.readVersion();
      if (version === this.lastVersion) return;
      this.lastVersion = version;
      this.onChange();
    });
  }

  stop(): void {
    this.watcher?.close();
    this.watcher = null;
  }
}
