/**
 * @module
 * Workload 19's other process: `producer.ts <sqlite file>` enqueues one job at a time (1 ms apart)
 * into the file being pruned until the parent sends any message, then sends back its slowest
 * enqueue in ms and how many it made.
 */
import { library } from '../systems/spool-common.js';

const file = process.argv[2];
if (!file) throw new Error('usage: producer.ts <sqlite file>');
const spool = await library.createSpool({ store: `sqlite:${file}`, logger: library.silentLogger, shutdownSignals: false });
let slowest = 0;
let enqueued = 0;
let stop = false;
process.on('message', () => {
  stop = true;
});
process.send?.('ready');
while (!stop) {
  const started = performance.now();
  await spool.enqueue('other', 'n');
  slowest = Math.max(slowest, performance.now() - started);
  enqueued++;
  await new Promise((resolve) => setTimeout(resolve, 1));
}
process.send?.({ slowest, enqueued });
await spool.close();
process.exit(0);
