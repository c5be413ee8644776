/**
 * Handlers for the `media` queue of examples/spool.config.ts (`npm start`). Each reports progress
 * as it goes, so `spool status <id> --watch` has something to show.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { NonRetryableError } from '../../src/index.js';
import type { Handlers } from '../../src/index.js';

const handlers: Handlers = {
  /** `{ file?, sizes? }`: one step per size, 400 ms each. */
  'resize-image': async (payload: { file?: string; sizes?: number[] } | null, ctx) => {
    const file = payload?.file ?? 'cat.png';
    const sizes = payload?.sizes ?? [64, 128, 256, 512, 1024];
    for (const [index, size] of sizes.entries()) {
      await sleep(400, undefined, { signal: ctx.signal });
      await ctx.progress({ done: index + 1, total: sizes.length }, `${file} at ${size}px`);
    }
    return { file, variants: sizes.length };
  },
  /** Fails its first attempt (a flaky partner API), then succeeds on the retry. */
  'flaky-upload': async (payload: { file?: string } | null, ctx) => {
    await ctx.progress(50, 'uploading');
    await sleep(300, undefined, { signal: ctx.signal });
    if (ctx.attempt === 1) throw Object.assign(new Error('partner API answered 503'), { code: 'HTTP_503' });
    await ctx.progress(100, 'uploaded');
    return { url: `https://cdn.example/${payload?.file ?? 'cat.png'}` };
  },
  /** Fails for good at once: shows how an error reaches `spool status`. */
  'broken-thumbnail': async (payload: { file?: string } | null) => {
    throw new NonRetryableError(`${payload?.file ?? 'the file'} is not an image Spool can read`);
  },
};

export default handlers;
