/**
 * @module
 * `spool serve` (HTTP API and workers) and `spool worker` (workers only), both until a signal.
 */
import type { Command } from 'commander';
import { loadConfig } from '../../config/load-config.js';
import type { Logger } from '../../core/logger.js';
import { consoleLogger } from '../../core/logger.js';
import { type Service, startService } from '../../server/service.js';
import * as parse from '../args.js';
import type { Out } from '../output.js';

interface ServiceFlags {
  config?: string;
  store?: string;
  schema?: string;
  host?: string;
  port?: number;
  insecureNoAuth?: boolean;
  workers?: boolean;
  queue?: string[];
}

function configOptions(command: Command): Command {
  return command
    .option('-c, --config <file>', 'config file (env SPOOL_CONFIG; default ./spool.config.{ts,mts,js,mjs} if present)')
    .option('--store <url>', 'store URL, overriding the config file (env SPOOL_STORE; default sqlite:./spool.db)')
    .option('--schema <name>', 'PostgreSQL schema (env SPOOL_SCHEMA; default spool)');
}

export function registerServiceCommands(program: Command, out: () => Out): void {
  configOptions(
    program
      .command('serve')
      .description('run the HTTP API, with the workers of the configured queues and the webhook worker in the same process'),
  )
    .option('--host <host>', 'address to listen on (env SPOOL_HOST; default 127.0.0.1)')
    .option('-p, --port <port>', 'port (env SPOOL_PORT; default 8080; 0 picks a free one)', parse.port)
    .option('--insecure-no-auth', 'DEV ONLY: accept every request without a token; refused unless --host is a loopback address')
    .option('--no-workers', 'serve the API only; run workers with `spool worker` elsewhere')
    .option('--json', 'print {"url", "store", "queues"} as one JSON line on stdout once listening')
    .action(async (flags: ServiceFlags) => {
      const o = out();
      const logger = consoleLogger();
      const config = await loadConfig({
        config: flags.config,
        store: flags.store,
        schema: flags.schema,
        host: flags.host,
        port: flags.port,
      });
      const service = await startService({
        config,
        http: true,
        workers: flags.workers !== false,
        insecureNoAuth: flags.insecureNoAuth,
        logger,
      });
      const url = service.url as string;
      const queues = config.queues.map((q) => q.name);
      o.stderr.write(
        `Spool API listening on ${url}\n` +
          `  store   ${shownStore(config.store)}${config.schema ? ` (schema ${config.schema})` : ''}\n` +
          `  config  ${config.file ?? '(none: no queues; pass --config or add spool.config.ts)'}\n` +
          `  workers ${flags.workers === false ? 'off (--no-workers)' : [...queues, 'spool.webhooks'].join(', ')}\n` +
          `  docs    ${url}/v1/openapi.json\n`,
      );
      if (flags.insecureNoAuth) o.stderr.write(tryIt(url, config.queues[0]));
      if (o.json) o.stdout.write(`${JSON.stringify({ url, store: shownStore(config.store), queues })}\n`);
      await untilSignal(service, logger);
    });

  configOptions(
    program.command('worker').description('run only the workers of the configured queues and the webhook worker (scale out on PostgreSQL)'),
  )
    .option('-q, --queue <names...>', 'only these configured queues (the webhook worker always runs)')
    .action(async (flags: ServiceFlags) => {
      const o = out();
      const logger = consoleLogger();
      const config = await loadConfig({ config: flags.config, store: flags.store, schema: flags.schema });
      const service = await startService({ config, http: false, onlyQueues: flags.queue, logger });
      const names = config.queues.filter((q) => !flags.queue || flags.queue.includes(q.name)).map((q) => q.name);
      o.stderr.write(`Spool worker on ${shownStore(config.store)}: ${[...names, 'spool.webhooks'].join(', ')}\n`);
      await untilSignal(service, logger);
    });
}

function shownStore(store: string): string {
  return store.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

function tryIt(url: string, queue: { name: string; handlers: unknown } | undefined): string {
  const map = queue && typeof queue.handlers === 'object' && queue.handlers && !('module' in queue.handlers) ? queue.handlers : null;
  const name = map ? Object.keys(map)[0] : 'hello';
  const q = queue?.name ?? 'default';
  return (
    '\nTry it:\n' +
    `  curl -s -X POST ${url}/v1/queues/${q}/jobs -H 'content-type: application/json' -d '{"name":"${name}","payload":{}}'\n` +
    `  spool status <id> --watch --url ${url}        (in a clone of Spool: npm run spool -- status <id> --watch)\n\n`
  );
}

/** Runs until SIGINT or SIGTERM, then shuts down gracefully; a second signal exits at once. */
function untilSignal(service: Service, logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        logger.warn(`Received ${signal} again; exiting now (in-flight jobs run again when their leases expire).`);
        process.exit(130);
      }
      stopping = true;
      process.stderr.write(`Received ${signal}; finishing in-flight requests and jobs, then exiting. Send it again to exit at once.\n`);
      service
        .close()
        .catch((err: unknown) => logger.error('Graceful shutdown failed', { error: (err as Error).message }))
        .finally(() => {
          process.stderr.write('Spool stopped.\n');
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          resolve();
        });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
