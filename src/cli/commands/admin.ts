/**
 * @module
 * `spool migrate` (apply the store's migrations), `spool token create` (a new API token) and
 * `spool webhook-secret create` (a new secret to sign webhooks with).
 */
import type { Command } from 'commander';
import { createSpool } from '../../client/spool.js';
import { loadConfig } from '../../config/load-config.js';
import { consoleLogger } from '../../core/logger.js';
import { generateToken, hashToken, parseScopes } from '../../config/tokens.js';
import { generateWebhookSecret } from '../../webhooks/standard-signature.js';
import type { Out } from '../output.js';
import { printJson } from '../output.js';

export function registerAdminCommands(program: Command, out: () => Out): void {
  program
    .command('migrate')
    .description("create or upgrade Spool's tables in the store (serve and worker also do this on start)")
    .option('-c, --config <file>', 'config file to read the store from (env SPOOL_CONFIG)')
    .option('--store <url>', 'store URL (env SPOOL_STORE; default sqlite:./spool.db)')
    .option('--schema <name>', 'PostgreSQL schema (env SPOOL_SCHEMA; default spool)')
    .option('--json', 'print JSON for scripts')
    .action(async (flags: { config?: string; store?: string; schema?: string; json?: boolean }) => {
      const o = out();
      const config = await loadConfig({ config: flags.config, store: flags.store, schema: flags.schema });
      const spool = await createSpool({
        store: config.store,
        ...(config.schema ? { schema: config.schema } : {}),
        shutdownSignals: false,
        logger: consoleLogger('warn'),
      });
      await spool.close();
      const shown = config.store.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
      if (o.json) printJson(o, { migrated: true, store: shown, schema: config.schema ?? null });
      else o.stdout.write(`the ${spool.store.kind} store at ${shown}${config.schema ? ` (schema ${config.schema})` : ''} is up to date\n`);
    });

  const token = program.command('token').description('API tokens');
  token
    .command('create')
    .description('make a new random token: prints the secret once, and its hash for the config file')
    .requiredOption('--name <name>', 'a name for logs and error messages, e.g. ci')
    .requiredOption('--scopes <list>', 'comma-separated: enqueue, publish, read, metrics, admin (admin includes the others)')
    .option('--json', 'print JSON for scripts')
    .action((flags: { name: string; scopes: string; json?: boolean }) => {
      const o = out();
      if (!/^[A-Za-z0-9._-]{1,100}$/.test(flags.name)) {
        throw Object.assign(new Error('--name takes 1 to 100 letters, digits, ".", "_" or "-".'), { exitCode: 2 });
      }
      const scopes = parseScopes(flags.scopes.split(','), '--scopes');
      const secret = generateToken();
      const hash = hashToken(secret);
      if (o.json) return printJson(o, { name: flags.name, secret, hash, scopes });
      o.stdout.write(
        `secret  ${secret}\n` +
          `hash    ${hash}\n\n` +
          'Give the secret to the client (Authorization: Bearer <secret>); it is not stored anywhere and cannot be shown again.\n' +
          `In spool.config.ts:  auth: { tokens: [{ name: '${flags.name}', hash: '${hash}', scopes: [${scopes.map((s) => `'${s}'`).join(', ')}] }] }\n` +
          `Or in the environment:  SPOOL_TOKENS=${flags.name}:${secret}:${scopes.join('+')}\n`,
      );
    });

  program
    .command('webhook-secret')
    .description('webhook signing secrets')
    .command('create')
    .description('make a new random Standard Webhooks secret (whsec_…) for the server and its receivers')
    .option('--json', 'print JSON for scripts')
    .action(() => {
      const o = out();
      const secret = generateWebhookSecret();
      if (o.json) return printJson(o, { secret });
      o.stdout.write(
        `secret  ${secret}\n\n` +
          'Give it to the server and to each receiver; receivers verify with it (verifyWebhook, or any Standard Webhooks library).\n' +
          `In the environment:  SPOOL_WEBHOOK_SECRET=${secret}\n` +
          'While rotating, list the new secret first and the old one after it (space-separated), until every receiver has the new one.\n',
      );
    });
}
