/**
 * @module
 * The crash-recovery workload's victim: `node --import tsx bench/recovery/victim.ts <system>`.
 * Starts a worker whose handler hangs, prints `ready`, then `active <jobId>` when it takes a job,
 * and waits to be SIGKILLed (it exits by itself after five minutes).
 */
import { type RecoverySystem, startVictim } from './systems.js';

const system = process.argv[2] as RecoverySystem;
setTimeout(() => process.exit(3), 300_000).unref();
setInterval(() => {}, 60_000);
await startVictim(system, (jobId) => void process.stdout.write(`active ${jobId}\n`));
process.stdout.write('ready\n');
