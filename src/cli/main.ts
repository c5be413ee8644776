#!/usr/bin/env node
/**
 * @module
 * The `spool` command. Every command has --help; --json prints JSON for scripts.
 * Exit codes (also in `spool --help` and the README): 0 done; 1 the job failed or was cancelled, or
 * the operation failed; 2 usage or configuration error, fix the command; 3 the server or store
 * cannot be reached, try again later.
 */
import { Command, CommanderError } from 'commander';
import { isSpoolError } from '../core/errors.js';
import { spoolVersion } from '../core/version.js';
import { registerAdminCommands } from './commands/admin.js';
import { registerBridgeCommands } from './commands/bridges.js';
import { registerBusCommands } from './commands/bus.js';
import { registerFlowCommands } from './commands/flow.js';
import { registerScheduleCommands } from './commands/schedules.js';
import { registerClientCommands } from './commands/client.js';
import { registerServiceCommands } from './commands/service.js';
import { registerStepCommands } from './commands/steps.js';
import { registerLogCommands } from './commands/logs.js';
import { CliError, exitCodeFor, exitCodes } from './exit-codes.js';
import type { Out } from './output.js';

export function createProgram(): Command {
  const program = new Command('spool');
  program
    .description('Durable jobs on SQLite or PostgreSQL: run the HTTP API and workers, enqueue, watch and control jobs.')
    .version(spoolVersion, '-V, --version')
    .exitOverride()
    // Commander's own errors ("error: option '--limit <n>' argument '0' is invalid. …") read like ours.
    .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'spool: ')) })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      '\nExit codes:\n' +
        '  0  done\n' +
        '  1  the job failed or was cancelled (status, --watch), or the operation failed (not found, conflict, refused by auth)\n' +
        '  2  usage or configuration error, fix the command: a bad argument, option, config file or store URL; no such\n' +
        '     database, role or folder; the port is in use\n' +
        '  3  the server or the store cannot be reached (not running, network down); try again later\n\n' +
        'Client commands talk to SPOOL_URL (default http://127.0.0.1:8080) with SPOOL_TOKEN, or straight to a store with --store.',
    );
  let current: Command = program;
  const out = (): Out => ({ json: Boolean(current.opts().json), stdout: process.stdout, stderr: process.stderr });
  program.hook('preAction', (_root, action) => {
    current = action;
  });
  registerServiceCommands(program, out);
  registerClientCommands(program, out);
  registerStepCommands(program, out);
  registerLogCommands(program, out);
  registerBusCommands(program, out);
  registerFlowCommands(program, out);
  registerScheduleCommands(program, out);
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
