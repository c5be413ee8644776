/**
 * @module
 * The flow-control commands: `queue <name>` (its limits and their live state), `pause`, `resume`,
 * `limits` (set a queue's limits) and `breakers`. Over HTTP, or straight on a store with --store.
 */
import { type Command, InvalidArgumentError as CommanderInvalidArgument } from 'commander';
import type { QueueLimits } from '../../client/flow.js';
import { describeMs } from '../../core/duration.js';
import * as parse from '../args.js';
import { type Out, printJson, table } from '../output.js';
import { type TargetOptions, targetOptions, withBackend } from '../target.js';

/** `100/1m`: starts per window. */
export function rate(value: string): { limit: number; per: string } {
  const match = /^(\d+)\/(\d+(?:ms|s|m|h|d))$/.exec(value.trim());
  if (!match) throw new CommanderInvalidArgument(`"${value}" is not a rate; write starts/window, e.g. 100/1m or 5/1s.`);
  return { limit: Number(match[1]), per: match[2] as string };
}

/** A number, or `none` to remove the limit. */
function limit(value: string): number | null {
  if (value === 'none') return null;
  return parse.integer(value);
}

export function registerFlowCommands(program: Command, out: () => Out): void {
  targetOptions(
    program.command('queue').description("a queue's counts, limits and their live state").argument('<queue>', 'queue name'),
  ).action(async (queue: string, options: TargetOptions) => {
    const o = out();
    await withBackend(options, async (backend) => {
      const state = await backend.queueState(queue);
      if (o.json) return printJson(o, state);
      const { policy } = state;
      const lines = [
        `queue ${state.name}${state.paused ? `  PAUSED${state.refuseWhenPaused ? ' (refusing new jobs)' : ''}` : ''}`,
        `  jobs         ${Object.entries(state.counts)
          .map(([s, n]) => `${s} ${n}`)
          .join(', ')}`,
        `  max depth    ${state.maxDepth ?? 'none'}`,
        `  concurrency  ${policy.concurrency ?? 'no cap'}${policy.keyConcurrency ? `; ${policy.keyConcurrency} per key` : ''}`,
        `  rate limit   ${policy.rateLimit ? `${policy.rateLimit.limit} per ${describeMs(policy.rateLimit.perMs)}${policy.rateLimit.keyPath ? ` per ${policy.rateLimit.keyPath}` : ''}` : 'none'}`,
        ...state.rate.map((w) => `    ${w.key || '(queue)'}: ${w.used}/${w.limit} in the window`),
        ...state.breakers.map(
          (b) =>
            `  breaker      ${b.name}: ${b.status}${b.until ? ` until ${new Date(b.until).toISOString()}` : ''}${b.reason ? ` (${b.reason})` : ''}`,
        ),
        ...Object.entries(state.activeByKey).map(([key, n]) => `  running      ${key}: ${n}`),
      ];
      o.stdout.write(`${lines.join('\n')}\n`);
    });
  });

  targetOptions(
    program
      .command('pause')
      .description('stop claims on a queue in every process (jobs still wait; --refuse refuses new ones too)')
      .argument('<queue>', 'queue name')
      .option('--refuse', 'also refuse new jobs while paused (HTTP 503 with Retry-After)'),
  ).action(async (queue: string, options: TargetOptions & { refuse?: boolean }) => {
    const o = out();
    await withBackend(options, async (backend) => {
      const record = await backend.pause(queue, options.refuse === true);
      if (o.json) return printJson(o, record);
      o.stdout.write(`queue ${queue} paused in every process${options.refuse ? '; new jobs are refused' : '; new jobs still wait'}\n`);
    });
  });

  targetOptions(
    program.command('resume').description('let every process claim from a paused queue again').argument('<queue>', 'queue name'),
  ).action(async (queue: string, options: TargetOptions) => {
    const o = out();
    await withBackend(options, async (backend) => {
      const record = await backend.resume(queue);
      if (o.json) return printJson(o, record);
      o.stdout.write(`queue ${queue} resumed\n`);
    });
  });

  targetOptions(
    program
      .command('limits')
      .description("set a queue's limits, shared by every worker on every machine (only the flags given change)")
      .argument('<queue>', 'queue name')
      .option('--concurrency <n>', 'at most n running at once across every process; "none" removes it', limit)
      .option('--key-concurrency <n>', 'at most n running per concurrencyKey; "none" removes it', limit)
      .option('--rate <starts/window>', 'a rate limit such as 100/1m; "none" removes it', (v: string) => (v === 'none' ? null : rate(v)))
      .option('--rate-key <path>', 'count the rate limit per value of this payload path, e.g. tenantId')
      .option('--max-depth <n>', 'most waiting jobs (enqueue past it answers 429); "none" removes it', limit)
      .option('--breaker <name>', 'the circuit breaker guarding the queue; "none" removes it'),
  ).action(
    async (
      queue: string,
      options: TargetOptions & {
        concurrency?: number | null;
        keyConcurrency?: number | null;
        rate?: { limit: number; per: string } | null;
        rateKey?: string;
        maxDepth?: number | null;
        breaker?: string;
      },
    ) => {
      const o = out();
      const limits: QueueLimits = {};
      if (options.concurrency !== undefined) limits.concurrency = options.concurrency;
      if (options.keyConcurrency !== undefined) limits.keyConcurrency = options.keyConcurrency;
      if (options.rate !== undefined)
        limits.rateLimit =
          options.rate && ({ ...options.rate, ...(options.rateKey ? { key: options.rateKey } : {}) } as QueueLimits['rateLimit']);
      if (options.maxDepth !== undefined) limits.maxDepth = options.maxDepth;
      if (options.breaker !== undefined) limits.breaker = options.breaker === 'none' ? null : options.breaker;
      if (Object.keys(limits).length === 0)
        throw new CommanderInvalidArgument('give at least one limit to set, such as --concurrency 5 (see --help).');
      await withBackend(options, async (backend) => {
        const record = await backend.setLimits(queue, limits);
        if (o.json) return printJson(o, record);
        o.stdout.write(`limits of queue ${queue} set; \`spool queue ${queue}\` shows them\n`);
      });
    },
  );

  targetOptions(program.command('breakers').description('every shared circuit breaker and its status')).action(
    async (options: TargetOptions) => {
      const o = out();
      await withBackend(options, async (backend) => {
        const breakers = await backend.breakers();
        if (o.json) return printJson(o, { breakers });
        if (breakers.length === 0) return void o.stdout.write('no breakers defined\n');
        o.stdout.write(
          `${table(
            ['BREAKER', 'STATUS', 'UNTIL', 'REASON'],
            breakers.map((b) => [b.name, b.status, b.until === null ? '-' : new Date(b.until).toISOString(), b.reason ?? '-']),
          )}\n`,
        );
      });
    },
  );
}
