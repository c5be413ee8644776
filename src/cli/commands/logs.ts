/**
 * @module
 * `spool logs <id>`: what a job's handler logged with `ctx.log`, every attempt's, oldest first.
 * `--follow` keeps printing new lines until the job finishes (exit 0) or Ctrl-C (exit 130); it
 * polls, so it works the same straight on a store and over HTTP. `--json`: one line of JSON each.
 */
import { Argument, type Command } from 'commander';
import { finalStatuses } from '../../core/types.js';
import * as parse from '../args.js';
import type { Backend, LogLineView } from '../backend.js';
import { CliError } from '../exit-codes.js';
import type { Out } from '../output.js';
import { type TargetOptions, targetOptions, withBackend } from '../target.js';

/** How often `--follow` looks for new lines, and how many it reads at a time. */
const followMs = 500;
const page = 500;

export function registerLogCommands(program: Command, out: () => Out): void {
  targetOptions(
    program
      .command('logs')
      .description(
        "show what a job's handler logged with ctx.log (every attempt's, oldest first); --follow keeps printing until it finishes",
      )
      .addArgument(new Argument('<id>', 'job id').argParser(parse.jobId))
      .option('-f, --follow', 'keep printing new lines until the job finishes (exit 0), or Ctrl-C'),
  ).action(async (id: string, options: TargetOptions & { follow?: boolean }) => {
    const o = out();
    await withBackend(options, async (backend) => {
      let after = 0;
      let printed = 0;
      const drain = async () => {
        for (;;) {
          const { lines, next } = await backend.jobLogs(id, after, page);
          for (const line of lines) o.stdout.write(o.json ? `${JSON.stringify(line)}\n` : `${lineText(line)}\n`);
          printed += lines.length;
          after = next;
          if (lines.length < page) return;
        }
      };
      await drain();
      if (!options.follow) {
        if (printed === 0 && !o.json) o.stderr.write(`job ${id} has logged nothing yet\n`);
        return;
      }
      await follow(backend, id, drain);
    });
  });
}

/** Reads new lines until the job is final (its last lines are stored before its outcome) or Ctrl-C. */
async function follow(backend: Backend, id: string, drain: () => Promise<void>): Promise<void> {
  let stop: (() => void) | null = null;
  let stopped = false;
  const onSignal = () => {
    stopped = true;
    stop?.();
  };
  process.once('SIGINT', onSignal);
  try {
    for (;;) {
      const job = await backend.getJob(id);
      await drain();
      if (finalStatuses.includes(job.status)) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, followMs);
        stop = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (stopped) throw new CliError('stopped following', 130);
    }
  } finally {
    process.off('SIGINT', onSignal);
  }
}

/** `2026-12-06T09:30:00.000Z info  #1 resized {"size":12}` */
export function lineText(line: LogLineView): string {
  const fields = line.fields ? ` ${JSON.stringify(line.fields)}` : '';
  return `${new Date(line.at).toISOString()} ${line.level.padEnd(5)} #${line.attempt} ${line.message}${fields}`;
}
