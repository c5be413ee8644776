/**
 * Pipelines: what a stage returns becomes the next stage's job, and at most `maxInFlight` items
 * wait between two stages: a fast stage waits for room in a slow one rather than flooding it.
 */
import { describe, expect, it } from 'vitest';
import { delay, until } from '../helpers/eventually.js';
import { type Harness, caught } from './harness.js';

export function pipelineTests(h: Harness): void {
  describe('pipelines', () => {
    it('carries each item through every stage and holds the in-flight bound between stages', { timeout: 60_000 }, async () => {
      const spool = await h.open();
      const done: number[] = [];
      const pipeline = await spool.pipeline(
        'ingest',
        [
          { queue: 'ingest-fetch', handler: async (n: number) => n * 10 },
          {
            queue: 'ingest-parse',
            handler: async (n: number) => {
              await delay(30);
              return n + 1;
            },
          },
          { queue: 'ingest-store', handler: async (n: number) => void done.push(n) },
        ],
        { stageConcurrency: 1, maxInFlight: 3 },
      );
      const items = 12;
      for (let n = 0; n < items; n++) await pipeline.enqueue(n);

      let peak = 0;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          const counts = await spool.counts();
          peak = Math.max(peak, counts['ingest-parse']?.waiting ?? 0, counts['ingest-store']?.waiting ?? 0);
          await delay(5);
        }
      })();
      await until(() => done.length === items, 45_000);
      sampling = false;
      await sampler;

      expect(done.sort((a, b) => a - b)).toEqual(Array.from({ length: items }, (_, n) => n * 10 + 1));
      // Full (the fast first stage had to wait for room), and never past the bound.
      expect(peak).toBe(3);
      expect((await spool.queue('ingest-parse')).maxDepth).toBe(3);
      await pipeline.close();
    });

    it('refuses a pipeline of fewer than two stages or with a shared queue', async () => {
      const spool = await h.open();
      const stage = { queue: 'a', handler: async () => 1 };
      expect((await caught(() => spool.pipeline('p', [stage]))).message).toBe(
        'Pipeline p needs at least two stages, each { queue, handler }; got 1.',
      );
      expect((await caught(() => spool.pipeline('p', [stage, stage]))).message).toBe(
        'Each stage of pipeline p needs a queue of its own; got a, a.',
      );
    });
  });
}
