/**
 * @module
 * The cron schedule commands: `schedules` (or `schedules list`), `schedules set <name> <cron>` (create or
 * replace) and `schedules delete <name>`. Over HTTP (writes need an admin token), or straight on
 * a store with --store.
 */
import { type Command, InvalidArgumentError as CommanderInvalidArgument } from 'commander';
import type { ScheduleOptions } from '../../client/schedules.js';
import type { MissedPolicy, ScheduleRecord } from '../../store/contract.js';
import * as parse from '../args.js';
import { type Out, printJson, table } from '../output.js';
import { type TargetOptions, targetOptions, withBackend } from '../target.js';

/** `skip`, or `catch-up:N` for the latest N missed ticks. */
export function missed(value: string): MissedPolicy {
  if (value === 'skip') return 'skip';
  const match = /^catch-?up:(\d{1,4})$/i.exec(value.trim());
  if (!match) throw new CommanderInvalidArgument(`"${value}" is not a missed-tick policy; write skip, or catch-up:N such as catch-up:3.`);
  return { catchUp: Number(match[1]) };
}

const when = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());
const policy = (m: MissedPolicy) => (m === 'skip' ? 'skip' : `catch up ${m.catchUp}`);

function scheduleTable(schedules: readonly ScheduleRecord[]): string {
  return table(
    ['SCHEDULE', 'CRON', 'TIME ZONE', 'JOB', 'MISSED', 'NEXT', 'LAST'],
    schedules.map((s) => [
      s.name,
      s.cron,
      s.timezone ?? 'UTC',
      `${s.queue}/${s.jobName}`,
      policy(s.missed),
      when(s.nextRunAt),
      when(s.lastRunAt),
    ]),
  );
}

export function registerScheduleCommands(program: Command, out: () => Out): void {
  const schedules = program
    .command('schedules')
    .description('cron schedules: `schedules` lists them; `schedules set` and `schedules delete` change them');
  targetOptions(schedules.command('list', { isDefault: true }).description('every cron schedule with its next and last tick')).action(
    async (options: TargetOptions) => {
      const o = out();
      await withBackend(options, async (backend) => {
        const list = await backend.schedules();
        if (o.json) return printJson(o, { schedules: list });
        if (list.length === 0)
          return void o.stdout.write('no schedules; add one with `spool schedules set <name> <cron> --queue q --job name`\n');
        o.stdout.write(`${scheduleTable(list)}\n`);
      });
    },
  );

  targetOptions(
    schedules
      .command('set')
      .description('create or replace a cron schedule: each tick enqueues one job, exactly once across every process')
      .argument('<name>', 'schedule name')
      .argument('<cron>', 'five fields (minute hour day-of-month month day-of-week), or six with seconds first; quote it')
      .requiredOption('-q, --queue <queue>', 'the queue each tick enqueues on', parse.name('queue'))
      .requiredOption('-j, --job <name>', 'the job name each tick enqueues', parse.name('job name'))
      .option('-p, --payload <json>', 'the payload of each job: JSON, @file.json or - for stdin', parse.jsonValue)
      .option('--timezone <zone>', 'an IANA time zone the cron is read in (default UTC), e.g. Europe/Berlin')
      .option('--missed <policy>', 'ticks missed while no process ran: skip (default) or catch-up:N', missed)
      .option('--priority <n>', 'priority of each job', parse.integer)
      .option('--max-attempts <n>', 'attempts of each job', parse.integer),
  ).action(
    async (
      name: string,
      cron: string,
      options: TargetOptions & {
        queue: string;
        job: string;
        payload?: unknown;
        timezone?: string;
        missed?: MissedPolicy;
        priority?: number;
        maxAttempts?: number;
      },
    ) => {
      const o = out();
      const jobOptions = {
        ...(options.priority === undefined ? {} : { priority: options.priority }),
        ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
      };
      const input: ScheduleOptions = {
        queue: options.queue,
        name: options.job,
        ...(options.payload === undefined ? {} : { payload: options.payload }),
        ...(options.timezone === undefined ? {} : { timezone: options.timezone }),
        ...(options.missed === undefined ? {} : { missed: options.missed }),
        ...(Object.keys(jobOptions).length === 0 ? {} : { options: jobOptions }),
      };
      await withBackend(options, async (backend) => {
        const record = await backend.setSchedule(name, cron, input);
        if (o.json) return printJson(o, record);
        o.stdout.write(
          `schedule ${name} set: ${record.queue}/${record.jobName} on "${record.cron}" (${record.timezone ?? 'UTC'}); next tick ${when(record.nextRunAt)}\n`,
        );
      });
    },
  );

  targetOptions(
    schedules.command('delete').description('delete a cron schedule (the jobs it enqueued stay)').argument('<name>', 'schedule name'),
  ).action(async (name: string, options: TargetOptions) => {
    const o = out();
    await withBackend(options, async (backend) => {
      await backend.deleteSchedule(name);
      if (o.json) return printJson(o, { name, deleted: true });
      o.stdout.write(`schedule ${name} deleted\n`);
    });
  });
}
