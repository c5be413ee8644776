/**
 * @module
 * Workload 8's subscribers in a process of their own:
 * `node --import tsx bench/fan-out/child.ts <system> <ordered:true|false>`. Prints `{"type":"ready"}`
 * once every subscriber is attached, then `{"type":"count","n":[a,b,c]}` every 20 ms; exits on
 * `stop` (stdin) or after five minutes.
 */
import { createInterface } from 'node:readline';
import { errorMessage } from '../util.js';
import { type FanOutSystem, subscribe } from './systems.js';

const send = (message: object): void => void process.stdout.write(`${JSON.stringify(message)}\n`);

async function main(): Promise<void> {
  const [system, ordered] = process.argv.slice(2) as [FanOutSystem, string];
  setTimeout(() => process.exit(3), 300_000).unref();
  const subscribers = await subscribe(system, ordered === 'true');
  send({ type: 'ready' });
  setInterval(() => send({ type: 'count', n: subscribers.counts() }), 20).unref();
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'stop') {
      await Promise.race([subscribers.close(), new Promise((resolve) => setTimeout(resolve, 10_000))]);
      process.exit(0);
    }
  }
}

main().catch((err: unknown) => {
  send({ type: 'error', message: errorMessage(err) });
  process.exit(1);
});
