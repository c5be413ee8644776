/**
 * `npm run example`: a producer and a worker in one script, on an embedded SQLite file of its own
 * (`./spool-example.db`, so it never shares `./spool.db` with `npm start`'s server and its
 * workers). Each job reports progress as it goes; one fails once and succeeds on its retry; one
 * is cancelled. The script ends when every job has; Ctrl-C stops it gracefully.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createSpool } from '../src/index.js';

const spool = await createSpool({ store: process.env.SPOOL_STORE || 'sqlite:./spool-example.db' });

spool.on('progress', ({ job, progress }) => {
  const percent = typeof progress.value === 'number' ? progress.value : Math.round((progress.value.done / progress.value.total) * 100);
  const bar = '#'.repeat(Math.round(percent / 5)).padEnd(20, '.');
  console.log(`job ${job.id.padStart(4)} ${job.name.padEnd(13)} [${bar}] ${String(percent).padStart(3)}%  ${progress.message ?? ''}`);
});
spool.on('completed', ({ job, result }) =>
  console.log(`job ${job.id.padStart(4)} ${job.name.padEnd(13)} completed → ${JSON.stringify(result)}`),
);
spool.on('retrying', ({ job, error, runAt }) =>
  console.log(
    `job ${job.id.padStart(4)} ${job.name.padEnd(13)} attempt ${error.attempt} failed (${error.message}); retrying in ${runAt - Date.now()} ms`,
  ),
);
spool.on('failed', ({ job, error }) => console.log(`job ${job.id.padStart(4)} ${job.name.padEnd(13)} failed: ${error.message}`));
spool.on('cancelled', ({ job }) => console.log(`job ${job.id.padStart(4)} ${job.name.padEnd(13)} cancelled`));

spool.work(
  'media',
  {
    'resize-image': async (payload: { file: string; sizes: number[] }, ctx) => {
      for (const [index, size] of payload.sizes.entries()) {
        await sleep(150, undefined, { signal: ctx.signal });
        await ctx.progress({ done: index + 1, total: payload.sizes.length }, `${payload.file} at ${size}px`);
      }
      return { file: payload.file, variants: payload.sizes.length };
    },
    'flaky-upload': async (payload: { file: string }, ctx) => {
      await ctx.progress(50, 'uploading');
      if (ctx.attempt === 1) throw Object.assign(new Error('partner API answered 503'), { code: 'HTTP_503' });
      await ctx.progress(100, 'uploaded');
      return { url: `https://cdn.example/${payload.file}` };
    },
  },
  { concurrency: 4 },
);

const jobs = await spool.enqueueMany([
  { queue: 'media', name: 'resize-image', payload: { file: 'cat.png', sizes: [64, 128, 256, 512] } },
  { queue: 'media', name: 'resize-image', payload: { file: 'dog.jpg', sizes: [100, 200, 300] } },
  { queue: 'media', name: 'flaky-upload', payload: { file: 'cat.png' }, options: { backoff: { type: 'fixed', base: 500 } } },
  { queue: 'media', name: 'resize-image', payload: { file: 'huge.tiff', sizes: [1, 2, 3, 4, 5, 6, 7, 8] } },
]);
console.log(`enqueued jobs ${jobs.map((j) => j.id).join(', ')} on ${spool.store.kind}`);

await sleep(400);
await spool.cancel(jobs[3]?.id ?? '');
const results = await Promise.allSettled(jobs.map((job) => job.wait()));
console.log(
  `done: ${results.filter((r) => r.status === 'fulfilled').length} completed, ${results.filter((r) => r.status === 'rejected').length} not`,
);
console.log(JSON.stringify(await spool.counts('media')));
await spool.close();
