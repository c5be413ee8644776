/**
 * The config `npm start` runs: `spool serve` on the embedded SQLite store with the example
 * handlers, in the insecure dev mode (no tokens, 127.0.0.1 only). Copy it as `spool.config.ts`
 * into your project to start your own (import defineConfig from 'spool' there).
 *
 * It imports ../src, not 'spool': `npm start` runs the sources through tsx, so an edit shows up
 * without a build, and the type check needs no dist/.
 */
import { defineConfig } from '../src/index.js';

export default defineConfig({
  store: 'sqlite:./spool.db',
  queues: {
    media: { handlers: './handlers/media.ts', concurrency: 4 },
  },
  // API tokens: `spool token create --name ci --scopes enqueue,read` prints an entry for here.
  auth: { tokens: [] },
  server: { host: '127.0.0.1', port: 8080 },
});
