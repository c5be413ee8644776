/**
 * The store's change part, which event streams wait on: only watched jobs' changes reach a
 * watcher; where the store logs them (`since`, SQLite) a read after a cursor names exactly the
 * watched jobs that changed since, including one deleted; where it pushes them (PostgreSQL) they
 * arrive as `onChange`.
 */
import { describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import type { Harness } from './harness.js';

export function changeTests(h: Harness): void {
  describe('change feed part', () => {
    it("tells a watched job's status and progress changes, and its deletion, never an unwatched job's", async () => {
      const spool = await h.open();
      const changes = spool.store.changes;
      if (!changes) return;
      const [watched, other, removed] = await spool.enqueueMany(['w', 'o', 'r'].map((payload) => ({ queue: 'feed', name: 'n', payload })));
      const ids = [String(watched?.id), String(other?.id), String(removed?.id)] as const;
      const pushed: string[] = [];
      const off = spool.store.subscribe({ onChange: (id) => pushed.push(id) });
      try {
        const start = await changes.since?.(null);
        await changes.watch([ids[0], ids[2]]);
        await changes.watch([ids[0]]); // marking twice writes nothing more
        await spool.cancel(ids[0]);
        await spool.cancel(ids[1]);
        await spool.cancel(ids[2]);
        await spool.deleteJob(ids[2]);
        expect((await changes.states([...ids])).map((s) => [s.id, s.status])).toEqual([
          [ids[0], 'cancelled'],
          [ids[1], 'cancelled'],
        ]);
        if (changes.since && start) {
          const read = await changes.since(start.cursor);
          expect(read.ids?.sort()).toEqual([ids[0], ids[2]].sort());
          expect(read.cursor).toBeGreaterThan(start.cursor);
          // Read again from the new cursor: nothing new.
          expect(await changes.since(read.cursor)).toEqual({ cursor: read.cursor, ids: [] });
          // A cursor the log no longer reaches back to: read every watched job.
          expect((await changes.since(-1)).ids).toBeNull();
        } else {
          // The LISTEN connection may still be starting when the first change lands: wait for the last one.
          await eventually(() => expect(pushed).toContain(ids[2]), 10_000);
          expect(pushed).not.toContain(ids[1]);
        }
      } finally {
        off();
      }
    });
  });
}
