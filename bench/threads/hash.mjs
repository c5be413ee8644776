/**
 * The worker-thread workload's handler (plain JavaScript, loaded by each thread as it is):
 * SHA-256 over and over for about `payload.ms` of CPU, the stand-in for resizing an image.
 */
import { createHash } from 'node:crypto';

export default function hash(payload) {
  const until = performance.now() + payload.ms;
  let digest = Buffer.alloc(32);
  let rounds = 0;
  while (performance.now() < until) {
    for (let i = 0; i < 200; i++) digest = createHash('sha256').update(digest).digest();
    rounds += 200;
  }
  return { rounds };
}
