/**
 * `npm start`: the dashboard, the HTTP API and the shop in one process, on examples/spool.config.ts
 * (its store, `./spool.db`, unless SPOOL_STORE says otherwise; its port, 8080, unless SPOOL_PORT does).
 *
 *   npm start                          # everything in this process
 *   npm start -- --provider down       # start with the payment provider down (or slow)
 *   npm start -- --no-workers          # storefront and API only: run `spool worker` processes for the orders
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../src/server/index.js';
import { startShop } from './server.js';
import { startConsoleTracing } from './tracing.js';

const { values } = parseArgs({
  options: {
    provider: { type: 'string' },
    'fail-every': { type: 'string' },
    'no-workers': { type: 'boolean', default: false },
  },
});
if (values.provider !== undefined && !['up', 'down', 'slow'].includes(values.provider)) {
  console.error(`--provider must be up, down or slow; got "${values.provider}".`);
  process.exit(2);
}

// SHOP_TRACES=console: the OpenTelemetry SDK, printing every span; one order is one trace.
if (process.env.SHOP_TRACES !== undefined && process.env.SHOP_TRACES !== 'console') {
  console.error(`SHOP_TRACES must be "console" (print every span) or unset; got "${process.env.SHOP_TRACES}".`);
  process.exit(2);
}
const stopTracing = process.env.SHOP_TRACES === 'console' ? await startConsoleTracing() : null;

const config = await loadConfig({ config: fileURLToPath(new URL('../spool.config.ts', import.meta.url)) });
const shop = await startShop({ config, workers: !values['no-workers'] });
if (values.provider) shop.world.provider.mode = values.provider as 'up' | 'down' | 'slow';
if (values['fail-every']) shop.world.provider.failEvery = Number(values['fail-every']) || 0;

console.log(
  [
    '',
    `  Shop       ${shop.url}/shop/      (place an order; the chaos panel is at the bottom)`,
    `  Dashboard  ${shop.url}/`,
    `  Mailbox    ${shop.url}/shop/mailbox`,
    `  Store      ${config.store}${values['no-workers'] ? '   (no workers here: start `spool worker` processes)' : ''}`,
    '',
    `  Metrics    ${shop.url}/metrics   (Prometheus text; no token in dev mode)`,
    `  Traces     ${stopTracing ? 'printed here, one trace per order (SHOP_TRACES=console)' : 'off: SHOP_TRACES=console npm start prints them'}`,
    '',
    '  Dev mode: no API tokens, 127.0.0.1 only. Ctrl-C stops (in-flight orders finish first).',
    '',
  ].join('\n'),
);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(130);
    stopping = true;
    void shop
      .close()
      .then(() => stopTracing?.())
      .then(() => process.exit(0));
  });
}
