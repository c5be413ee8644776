/**
 * @module
 * The client commands: enqueue, status (with --watch), jobs, queues, workers, cancel, retry, delete.
 */
import { Argument, type Command } from 'commander';
import type { JobView } from '../../server/job-view.js';
import * as parse from '../args.js';
import type { Backend } from '../backend.js';
import { CliError, exitCodes } from '../exit-codes.js';
import { showGroup, watchGroup } from '../group-watch.js';
import { LiveLine, type Out, describeJob, printJson, progressText, table, watchLine } from '../output.js';
import { type TargetOptions, targetOptions, withBackend } from '../target.js';

export function registerClientCommands(program: Command, out: () => Out): void {
  targetOptions(
    program
      .command('enqueue')
      .description('add a job; prints its id')
      .addArgument(new Argument('<queue>', 'queue name, e.g. emails').argParser(parse.name('queue', true)))
      .addArgument(new Argument('<name>', 'job name, e.g. send-welcome').argParser(parse.name('job name')))
      .addArgument(new Argument('[payload]', 'JSON payload, @file.json, or - for stdin').argParser(parse.jsonValue))
      .option('--delay <duration>', 'wait before running: 500ms, 30s, 5m, 2h, 7d')
      .option('--priority <n>', 'higher runs first (default 0)', parse.priority)
      .option('--max-attempts <n>', 'attempts before failing for good, 1 to 1000 (default 3)', parse.maxAttempts)
      .option('--timeout <duration>', 'how long one attempt may run')
      .option('--idempotency-key <key>', 'enqueueing again with this key returns the same job')
      .option('--callback-url <url>', 'POST the signed outcome here when the job finishes')
      .option('--metadata <json>', 'free-form JSON kept with the job', parse.jsonValue)
      .option('--watch', 'then watch it like `spool status --watch`; exits 1 if it fails'),
  ).action(async (queue: string, name: string, payload: unknown, options: TargetOptions & Record<string, unknown>) => {
    const o = out();
    await withBackend(options, async (backend) => {
      const jobOptions = Object.fromEntries(
        Object.entries({
          delay: numericOrString(options.delay as string | undefined),
          priority: options.priority,
          maxAttempts: options.maxAttempts,
          timeout: numericOrString(options.timeout as string | undefined),
          idempotencyKey: options.idempotencyKey,
          callbackUrl: options.callbackUrl,
          metadata: options.metadata,
        }).filter(([, v]) => v !== undefined),
      );
      const result = await backend.enqueue({ queue, name, payload, options: jobOptions });
      if (o.json && !options.watch) printJson(o, result);
      else if (!o.json) {
        o.stdout.write(
          result.created
            ? `enqueued job ${result.id} (${queue}/${name}), ${result.status}\n`
            : `job ${result.id} already exists for idempotency key "${String(options.idempotencyKey)}" (${result.status}); nothing new was enqueued\n`,
        );
      }
      if (options.watch) process.exitCode = await watch(backend, result.id, o);
    });
  });

  targetOptions(
    program
      .command('status')
      .description("show a job's status, progress and result, or a group's (grp_…) with one bar; --watch follows it live until it finishes")
      .addArgument(new Argument('<id>', 'job id, or group id').argParser(parse.jobOrGroupId))
      .option('-w, --watch', 'live progress until the job finishes, then the result or the error (exit 1 if it failed or was cancelled)'),
  ).action(async (id: string, options: TargetOptions & { watch?: boolean }) => {
    const o = out();
    await withBackend(options, async (backend) => {
      if (id.startsWith('grp_')) {
        process.exitCode = options.watch ? await watchGroup(backend, id, o) : await showGroup(backend, id, o);
        return;
      }
      if (options.watch) {
        process.exitCode = await watch(backend, id, o);
        return;
      }
      const job = await backend.getJob(id);
      if (o.json) printJson(o, job);
      else o.stdout.write(`${describeJob(job)}\n`);
      process.exitCode = job.status === 'failed' || job.status === 'cancelled' ? exitCodes.failed : exitCodes.ok;
    });
  });

  targetOptions(
    program
      .command('jobs')
      .description('list jobs, newest first')
      .option('-q, --queue <queue>', 'only this queue', parse.name('queue'))
      .option('-s, --status <status>', 'waiting, active, completed, failed or cancelled', parse.status)
      .option('-n, --name <name>', 'only jobs with this name', parse.name('job name'))
      .option('--limit <n>', 'jobs per page, 1 to 500 (default 50)', parse.limit)
      .option('--cursor <cursor>', 'the next-page cursor a previous call printed'),
  ).action(async (options: TargetOptions & { queue?: string; status?: string; name?: string; limit?: number; cursor?: string }) => {
    const o = out();
    await withBackend(options, async (backend) => {
      const page = await backend.listJobs({
        queue: options.queue,
        status: options.status,
        name: options.name,
        limit: options.limit,
        cursor: options.cursor,
      });
      if (o.json) return printJson(o, page);
      if (page.jobs.length === 0) {
        o.stdout.write('no jobs match\n');
        return;
      }
      o.stdout.write(
        `${table(
          ['ID', 'QUEUE', 'NAME', 'STATUS', 'ATTEMPTS', 'PROGRESS', 'CREATED'],
          page.jobs.map((job) => [
            job.id,
            job.queue,
            job.name,
            job.status,
            `${job.attempts}/${job.maxAttempts}`,
            progressText(job) || '-',
            new Date(job.createdAt).toISOString(),
          ]),
        )}\n`,
      );
      if (page.nextCursor)
        o.stderr.write(`more: spool jobs --cursor ${page.nextCursor}${options.queue ? ` --queue ${options.queue}` : ''}\n`);
    });
  });

  targetOptions(program.command('queues').description('every queue with its jobs counted per status')).action(
    async (options: TargetOptions) => {
      const o = out();
      await withBackend(options, async (backend) => {
        const queues = await backend.queues();
        if (o.json) return printJson(o, { queues });
        if (queues.length === 0) {
          o.stdout.write('no queues yet\n');
          return;
        }
        o.stdout.write(
          `${table(
            ['QUEUE', 'WAITING', 'ACTIVE', 'COMPLETED', 'FAILED', 'CANCELLED', 'TOTAL'],
            queues.map((q) => [
              q.name,
              q.counts.waiting,
              q.counts.active,
              q.counts.completed,
              q.counts.failed,
              q.counts.cancelled,
              q.total,
            ]),
          )}\n`,
        );
      });
    },
  );

  targetOptions(
    program
      .command('workers')
      .description('the running workers of every process: host, pid, queue, names handled, concurrency, in flight, heartbeat')
      .option('-q, --queue <queue>', 'only this queue', parse.name('queue')),
  ).action(async (options: TargetOptions & { queue?: string }) => {
    const o = out();
    await withBackend(options, async (backend) => {
      const workers = await backend.workers(options.queue);
      if (o.json) return printJson(o, { workers });
      if (workers.length === 0) {
        o.stdout.write(
          `no worker is running${options.queue ? ` on queue ${options.queue}` : ''}; start one with \`spool worker\` or spool.work()\n`,
        );
        return;
      }
      const now = Date.now();
      o.stdout.write(
        `${table(
          ['QUEUE', 'NAMES', 'HOST', 'PID', 'CONCURRENCY', 'IN FLIGHT', 'HEARTBEAT', 'VERSION'],
          workers.map((w) => [
            w.queue,
            w.names === null ? '(any)' : w.names.join(','),
            w.host,
            w.pid,
            w.concurrency,
            w.inFlight,
            `${Math.max(0, Math.round((now - w.heartbeatAt) / 1_000))}s ago${w.sessionAlive === false ? ' (gone)' : ''}`,
            w.version,
          ]),
        )}\n`,
      );
    });
  });

  targetOptions(
    program
      .command('delete')
      .description('delete one finished job (completed, failed or cancelled), such as a dead letter')
      .addArgument(new Argument('<id>', 'job id').argParser(parse.jobId)),
  ).action(async (id: string, options: TargetOptions) => {
    const o = out();
    await withBackend(options, async (backend) => {
      await backend.deleteJob(id);
      if (o.json) printJson(o, { id, deleted: true });
      else o.stdout.write(`job ${id} deleted\n`);
    });
  });

  for (const action of ['cancel', 'retry'] as const) {
    targetOptions(
      program
        .command(action)
        .description(
          action === 'cancel'
            ? 'cancel a waiting job, or abort an active one'
            : 'run a failed or cancelled job again with fresh attempts (exit 1 for any other status)',
        )
        .addArgument(new Argument('<id>', 'job id').argParser(parse.jobId)),
    ).action(async (id: string, options: TargetOptions) => {
      const o = out();
      await withBackend(options, async (backend) => {
        const job = action === 'cancel' ? await backend.cancel(id) : await backend.retry(id);
        if (o.json) return printJson(o, job);
        if (action === 'cancel') {
          o.stdout.write(
            job.status === 'cancelled'
              ? `job ${id} cancelled\n`
              : job.status === 'active'
                ? `job ${id} is active; its handler was asked to stop and the job is cancelled when it does\n`
                : `job ${id} was already ${job.status}; nothing changed\n`,
          );
        } else {
          o.stdout.write(`job ${id} is waiting to run again\n`);
        }
      });
    });
  }
}

/** Follows a job to its end; prints the result (stdout) or the error (stderr); returns the exit code. */
export async function watch(backend: Backend, id: string, o: Out): Promise<number> {
  // Work must never wait silently: a job nobody handles would keep this watch open for good.
  const first = await backend.getJob(id);
  if (first.warning && !o.json) o.stderr.write(`warning: ${first.warning}\n`);
  const controller = new AbortController();
  const onSignal = () => controller.abort(new CliError('stopped watching', 130));
  process.once('SIGINT', onSignal);
  const line = new LiveLine(o.stderr);
  let job: JobView;
  try {
    job = await backend.watch(
      id,
      (snapshot) => {
        if (o.json) o.stdout.write(`${JSON.stringify(snapshot)}\n`);
        else line.update(watchLine(snapshot));
      },
      controller.signal,
    );
  } finally {
    line.end();
    process.off('SIGINT', onSignal);
  }
  if (o.json) return job.status === 'completed' ? exitCodes.ok : exitCodes.failed;
  if (job.status === 'completed') {
    o.stderr.write(`job ${job.id} completed after ${job.attempts} attempt(s); result:\n`);
    o.stdout.write(`${JSON.stringify(job.result, null, 2)}\n`);
    return exitCodes.ok;
  }
  if (job.status === 'failed') {
    const error = job.error ?? job.errors.at(-1);
    const said = error?.message ?? job.userMessage ?? 'unknown error';
    o.stderr.write(`job ${job.id} failed after ${job.attempts} attempt(s): ${said}${error?.code ? ` (${error.code})` : ''}\n`);
    if (error?.message !== undefined && job.userMessage) o.stderr.write(`the user sees: ${job.userMessage}\n`);
  } else {
    o.stderr.write(`job ${job.id} was cancelled\n`);
  }
  return exitCodes.failed;
}

/** `5000` is milliseconds; `5s` stays a duration string. */
function numericOrString(value: string | undefined): string | number | undefined {
  if (value === undefined) return undefined;
  return /^\d+$/.test(value) ? Number(value) : value;
}
