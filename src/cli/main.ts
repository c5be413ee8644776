#!/usr/bin/env node
/**
 * @module
 * The `spool` command. Every command has --help; --json prints JSON for scripts.
 * Exit codes: 0 done, 1 the job failed or was cancelled or the operation failed, 2 usage error,
 * 3 the server or store cannot be reached.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { isSpoolError } from '../core/errors.js';
import { registerAdminCommands } from './commands/admin.js';
import { registerBridgeCommands } from './commands/bridges.js';
import { registerBusCommands } from './commands/bus.js';
import { registerFlowCommands } from './commands/flow.js';
import { registerClientCommands } from './commands/client.js';
import { registerServiceCommands } from './commands/service.js';
import { CliError, exitCodeFor, exitCodes } from './exit-codes.js';
import type { Out } from './output.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export function createProgram(): Command {
  const program = new Command('spool');
  program
    .description('Durable jobs on SQLite or PostgreSQL: run the HTTP API and workers, enqueue, watch and control jobs.')
    .version(version, '-V, --version')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      '\nExit codes: 0 done; 1 the job failed or was cancelled, or the operation failed; 2 usage error; 3 cannot reach the server or store.\n' +
        'Client commands talk to SPOOL_URL (default http://127.0.0.1:8080) with SPOOL_TOKEN, or straight to a store with --store.',
    );
  let current: Command = program;
  const out = (): Out => ({ json: Boolean(current.opts().json), stdout: process.stdout, stderr: process.stderr });
  program.hook('preAction', (_root, action) => {
    current = action;
  });
  registerServiceCommands(program, out);
  registerClientCommands(program, out);
  registerBusCommands(program, out);
  registerFlowCommands(program, out);
  registerAdminCommands(program, out);
  registerBridgeCommands(program, out);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : exitCodes.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander already printed the message (or the help).
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help'
        ? 0
        : exitCodes.usage;
    }
    const code = (err as { exitCode?: unknown }).exitCode;
    const exitCode = typeof code === 'number' && !(err instanceof CliError) ? code : exitCodeFor(err);
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`spool: ${message}\n`);
    if (
      !(err instanceof CliError) &&
      !isSpoolError(err) &&
      exitCode === exitCodes.failed &&
      process.env.SPOOL_DEBUG &&
      err instanceof Error
    ) {
      process.stderr.write(`${err.stack}\n`);
    }
    return exitCode;
  }
}

const exitCode = await main(process.argv);
process.exitCode = exitCode;
// Everything is closed by now; should a stray handle linger, do not hang the shell.
setTimeout(() => process.exit(exitCode), 2_000).unref();
