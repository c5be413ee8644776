/**
 * @module
 * `spool steps <id>`: a workflow's steps as a table (or JSON), in the order they were first
 * recorded: what each did, how long, how many attempts, and what a suspended one waits for.
 */
import { Argument, type Command } from 'commander';
import { describeMs } from '../../core/duration.js';
import * as parse from '../args.js';
import type { StepView } from '../backend.js';
import { type Out, printJson, table } from '../output.js';
import { type TargetOptions, targetOptions, withBackend } from '../target.js';

export function registerStepCommands(program: Command, out: () => Out): void {
  targetOptions(
    program
      .command('steps')
      .description("show a workflow job's steps: status, attempts, duration, result or error, and until when it sleeps or waits")
      .addArgument(new Argument('<id>', 'job id').argParser(parse.jobId)),
  ).action(async (id: string, options: TargetOptions) => {
    const o = out();
    await withBackend(options, async (backend) => {
      const steps = await backend.steps(id);
      if (o.json) return printJson(o, steps);
      if (steps.length === 0) {
        o.stdout.write(`job ${id} has no workflow steps\n`);
        return;
      }
      o.stdout.write(
        `${table(
          ['STEP', 'KIND', 'STATUS', 'ATTEMPTS', 'DURATION', 'UNTIL', 'RESULT OR ERROR'],
          steps.map((step) => [
            step.name,
            step.kind,
            step.status,
            step.attempts,
            step.durationMs === null ? '-' : describeMs(step.durationMs),
            step.until === null || step.status === 'completed' ? '-' : new Date(step.until).toISOString(),
            outcomeText(step),
          ]),
        )}\n`,
      );
    });
  });
}

function outcomeText(step: StepView): string {
  const text = step.error
    ? `error: ${step.error.message}`
    : step.result === null || step.result === undefined
      ? '-'
      : JSON.stringify(step.result);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
