/**
 * The config `npm start` runs (examples/shop/main.ts serves it with the storefront beside the
 * dashboard; `spool serve --config examples/spool.config.ts` serves the API and dashboard alone).
 * The embedded SQLite store, in the insecure dev mode (no tokens, 127.0.0.1 only). Copy it as
 * `spool.config.ts` into your project to start your own (import defineConfig from 'spool' there).
 *
 * It imports ../src, not 'spool': `npm start` runs the sources through tsx, so an edit shows up
 * without a build, and the type check needs no dist/.
 */
import { defineConfig } from '../src/index.js';
import { countSale, recordAnalytics, sendConfirmation } from './shop/subscribers.js';

export default defineConfig({
  store: 'sqlite:./spool.db',
  // The shop's payment provider: five failures in a row open it; while open, orders wait without
  // spending attempts; after the cool-down one order probes it.
  breakers: { 'payment-provider': { failures: 5, cooldown: '5s', probes: 1 } },
  queues: {
    media: { handlers: './handlers/media.ts', concurrency: 4 },
    'shop.orders': {
      handlers: './shop/order-flow.ts',
      concurrency: 8,
      limits: { maxDepth: 300, rateLimit: { limit: 50, per: '1s' }, breakers: { 'place-order': 'payment-provider' } },
    },
  },
  subscriptions: {
    'shop-email': { topic: 'shop.orders', handler: sendConfirmation, filter: { names: ['order.paid'] } },
    'shop-sales': { topic: 'shop.orders', handler: countSale, filter: { names: ['order.paid'] } },
    'shop-analytics': { topic: 'shop.orders', handler: recordAnalytics, ordered: false },
  },
  // API tokens: `spool token create --name ci --scopes enqueue,read` prints an entry for here.
  auth: { tokens: [] },
  server: { host: '127.0.0.1', port: 8080 },
});
