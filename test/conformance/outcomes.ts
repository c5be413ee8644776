/**
 * Item 5: one bad value must not poison a batch. Text a database cannot store (a NUL character,
 * which PostgreSQL's jsonb refuses, or an unpaired surrogate) in one error message, one result and
 * one progress message of a batch of 200 finishing jobs: every job still ends with its own outcome.
 * And a batched write the store refuses falls back to one write per item, so the others land.
 */
import { describe, expect, it } from 'vitest';
import { Batcher } from '../../src/worker/batcher.js';
import type { Failure, FailOutcome } from '../../src/store/contract.js';
import { isTransient } from '../../src/core/errors.js';
import type { Job } from '../helpers/api.js';
import { eventually } from '../helpers/eventually.js';
import { type Harness, T0 } from './harness.js';

const size = 200;
const retryInMs = 60_000;

/** What job `n` does: complete with a result, or throw (odd numbers), some with text a database cannot store. */
function plan(n: number): { fails: boolean; message?: string; result?: unknown; stored: unknown; progressMessage?: string } {
  if (n === 1) return { fails: true, message: 'card \u0000 declined', stored: 'card \uFFFD declined' };
  if (n === 3) return { fails: true, message: 'half a pair \ud800 of surrogates', stored: 'half a pair \uFFFD of surrogates' };
  if (n === 2) return { fails: false, result: { note: 'nul \u0000 inside' }, stored: { note: 'nul \uFFFD inside' } };
  if (n === 4) {
    return {
      fails: false,
      result: { note: 'lone \udc00 surrogate', 'key \u0000': 1 },
      stored: { note: 'lone \uFFFD surrogate', 'key \uFFFD': 1 },
    };
  }
  if (n === 6) return { fails: false, result: { n }, stored: { n }, progressMessage: 'half \u0000 way' };
  if (n % 2 === 1) return { fails: true, message: `job ${n} failed`, stored: `job ${n} failed` };
  return { fails: false, result: { n }, stored: { n } };
}

export function outcomeTests(h: Harness): void {
  describe('a bad value in one outcome of a batch (item 5)', () => {
    it(`a NUL or lone surrogate in one error, result and progress message of ${size} jobs finishing together: each job keeps its real outcome`, {
      timeout: 30_000,
    }, async () => {
      const spool = await h.open();
      const go = h.gate();
      let started = 0;
      spool.work(
        'batch',
        async (payload: { n: number }, ctx) => {
          const step = plan(payload.n);
          if (step.progressMessage) await ctx.progress(50, step.progressMessage);
          started++;
          await go.promise;
          if (step.fails) throw new Error(step.message);
          return step.result;
        },
        { concurrency: size, batchSize: size, lease: '10m' },
      );
      const handles = await spool.enqueueMany(
        Array.from({ length: size }, (_, n) => ({
          queue: 'batch',
          name: 'n',
          payload: { n },
          options: { maxAttempts: 2, backoff: { type: 'fixed' as const, base: retryInMs } },
        })),
      );
      await eventually(() => started === size, 10_000);
      // Every handler settles in the same turn: their outcomes go to the store in the same batches.
      go.open();
      await eventually(async () => {
        const counts = (await spool.counts('batch')).batch;
        return counts?.completed === size / 2 && counts?.waiting === size / 2;
      }, 10_000);
      for (const [n, handle] of handles.entries()) {
        const job = (await spool.getJob(handle.id)) as Job;
        const step = plan(n);
        if (step.fails) {
          // The real error, with its backoff: not a lease-expired error, not an immediate rerun.
          expect(job, `job ${n}`).toMatchObject({ status: 'waiting', attempts: 1, runAt: T0 + retryInMs });
          expect(job.errors, `job ${n}`).toHaveLength(1);
          expect(job.errors[0]?.message, `job ${n}`).toBe(step.stored);
          expect(job.errors[0]?.code, `job ${n}`).toBeUndefined();
        } else {
          expect(job, `job ${n}`).toMatchObject({ status: 'completed', attempts: 1, errors: [] });
          expect(job.result, `job ${n}`).toEqual(step.stored);
        }
      }
      expect((await spool.getJob(handles[6]?.id as string))?.progress).toEqual({ value: 50, message: 'half \uFFFD way' });
    });

    it('a batched write the store refuses is written item by item: the other items land', async () => {
      const spool = await h.open();
      const handles = await spool.enqueueMany(Array.from({ length: size }, (_, n) => ({ queue: 'refuse', name: 'n', payload: n })));
      const claimed = await spool.store.claim({ queue: 'refuse', limit: size, workerId: 'w', token: 'tok', leaseMs: 60_000 });
      expect(claimed).toHaveLength(size);
      const refused: unknown[] = [];
      const failures = new Batcher<Failure, FailOutcome>(
        async (items) => {
          const outcomes = await spool.store.fail(items);
          const byId = new Map(outcomes.map((o) => [o.id, o]));
          return new Map(items.flatMap((item) => (byId.has(item.id) ? [[item, byId.get(item.id) as FailOutcome]] : [])));
        },
        { isTransient, onError: (err, retryInMs) => retryInMs === null && refused.push(err) },
      );
      // Written to the store as it is, without the worker's sanitising: an id no job can have, and
      // an error message with a NUL character (PostgreSQL's jsonb refuses it; SQLite stores it).
      const items: Failure[] = handles.map((handle, n) => ({
        id: handle.id,
        token: 'tok',
        error: { message: n === 17 ? 'raw \u0000 text' : `failure ${n}`, attempt: 1 },
        retryInMs: null,
      }));
      items.splice(100, 0, { id: 'not-an-id', token: 'tok', error: { message: 'bad id', attempt: 1 }, retryInMs: null });
      const outcomes = await Promise.all(items.map((item) => failures.add(item)));
      expect(outcomes[100]).toBeUndefined();
      for (const [n, handle] of handles.entries()) {
        const job = (await spool.getJob(handle.id)) as Job;
        if (n === 17 && job.status === 'active') continue; // refused by this store: its lease decides
        expect(job, `job ${n}`).toMatchObject({ status: 'failed', attempts: 1 });
        expect(job.errors[0]?.message).toBe(n === 17 ? 'raw \u0000 text' : `failure ${n}`);
      }
    });
  });
}
