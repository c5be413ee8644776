/** Migrations: run on start, versioned, safe when many processes start at once. */
import { describe, expect, it } from 'vitest';
import { type Logger, ManualClock, createSpool, openStore } from '../helpers/api.js';
import { type Harness, caught } from './harness.js';

export function migrationTests(h: Harness): void {
  describe('migrations', () => {
    it('ten createSpool calls at once on a fresh store all succeed and share one schema', async () => {
      const results = await Promise.allSettled(Array.from({ length: 10 }, () => createSpool(h.options())));
      const spools = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      try {
        const failures = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
        expect(failures).toEqual([]);
        await Promise.all(spools.map((spool, i) => spool.enqueue('q', 'n', { i })));
        for (const spool of spools) expect((await spool.counts('q')).q?.waiting).toBe(10);
      } finally {
        await Promise.all(spools.map((spool) => spool.close()));
      }
    });

    it('opening an existing store again keeps its jobs (migrations run once)', async () => {
      const first = await createSpool(h.options());
      const { id } = await first.enqueue('q', 'n', { kept: true });
      await first.close();
      const second = await createSpool(h.options());
      try {
        expect((await second.getJob(id))?.payload).toEqual({ kept: true });
        const next = await second.enqueue('q', 'n');
        expect(next.id).not.toBe(id);
      } finally {
        await second.close();
      }
    });

    it('createSpool uses the logger and Store objects it is given, not copies; a Store keeps its own clock', async () => {
      const clock = new ManualClock(1_000);
      const lines: string[] = [];
      class ClassLogger implements Logger {
        debug() {}
        info() {}
        warn(message: string) {
          lines.push(message);
        }
        error() {}
      }
      const store = await openStore(h.url, { schema: h.schema, clock });
      try {
        expect(await caught(() => createSpool({ ...h.options(), store, clock }))).toMatchObject({ code: 'SPOOL_INVALID_ARGUMENT' });
        const { clock: _ignored, ...options } = h.options();
        const spool = await createSpool({ ...options, store, logger: new ClassLogger() });
        try {
          expect(spool.store).toBe(store);
          clock.advance(500);
          expect((await spool.enqueue('q', 'n')).job.createdAt).toBe(1_500);
          spool.on('active', () => {
            throw new Error('listener bug');
          });
          spool.work('q', () => 'ok');
          const { id } = await spool.enqueue('q', 'n');
          await spool.waitFor(id, { timeout: 5_000 });
          expect(lines.some((line) => /listener/i.test(line))).toBe(true);
        } finally {
          await spool.close();
        }
      } finally {
        await store.close().catch(() => {});
      }
    });

    it('the store answers ping after start and close is idempotent', async () => {
      const spool = await createSpool(h.options());
      expect(await spool.store.ping()).toBe(true);
      expect(spool.store.kind).toBe(h.kind);
      await spool.close();
      await spool.close();
      expect(spool.closed).toBe(true);
    });
  });
}
