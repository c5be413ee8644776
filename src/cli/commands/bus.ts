/**
 * @module
 * The event bus commands: publish, topics, events (a topic's retained log), subscriptions (with
 * backlog and lag) and replay. Over HTTP, or straight on a store with --store.
 */
import { Argument, type Command, InvalidArgumentError as CommanderInvalidArgument } from 'commander';
import { describeMs } from '../../core/duration.js';
import * as parse from '../args.js';
import type { ReplayStart } from '../backend.js';
import { type Out, printJson, table } from '../output.js';
import { type TargetOptions, targetOptions, withBackend } from '../target.js';

/** `region=eu`, repeated: the event's headers. */
function header(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = value.indexOf('=');
  if (at < 1) throw new CommanderInvalidArgument(`"${value}" is not a header; write name=value, e.g. --header region=eu.`);
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}

/** `beginning`, an ISO time, epoch milliseconds, `event:<id>` or `seq:<n>`. */
export function replayStart(value: string): ReplayStart {
  if (value === 'beginning') return 'beginning';
  if (/^\d{1,15}$/.test(value)) return Number(value);
  if (value.startsWith('event:') && value.length > 6) return { eventId: value.slice(6) };
  if (/^seq:\d{1,19}$/.test(value)) return { afterSeq: String(BigInt(value.slice(4)) - 1n) };
  const time = Date.parse(value);
  if (Number.isFinite(time)) return time;
  throw new CommanderInvalidArgument(
    `"${value}" is not a starting point; use beginning, an ISO time (2026-11-25T14:00:00Z), epoch milliseconds, event:<id> or seq:<n>.`,
  );
}

export function registerBusCommands(program: Command, out: () => Out): void {
  targetOptions(
    program
      .command('publish')
      .description('publish an event on a topic; every matching subscription gets a delivery')
      .argument('<topic>', 'topic name, e.g. orders')
      .addArgument(new Argument('[payload]', 'JSON payload, @file.json, or - for stdin').argParser(parse.jsonValue))
      .option('--name <name>', 'what happened, e.g. order.placed (subscriptions can filter on it)')
      .option('--key <key>', 'events with the same key reach each subscription one at a time, in order')
      .option('--id <id>', 'your id for the event: publishing it again delivers nothing new')
      .option('--header <name=value>', 'a header (repeat for more); subscriptions can filter on them', header),
  ).action(
    async (
      topic: string,
      payload: unknown,
      options: TargetOptions & { name?: string; key?: string; id?: string; header?: Record<string, string> },
    ) => {
      const o = out();
      await withBackend(options, async (backend) => {
        const published = await backend.publish({
          topic,
          payload,
          options: Object.fromEntries(
            Object.entries({ name: options.name, key: options.key, id: options.id, headers: options.header }).filter(
              ([, v]) => v !== undefined,
            ),
          ),
        });
        if (o.json) return printJson(o, published);
        o.stdout.write(
          published.created
            ? `published event ${published.id} (seq ${published.seq}) on ${topic}: ${published.deliveries} deliver${published.deliveries === 1 ? 'y' : 'ies'}\n`
            : `event ${published.id} was already published on ${topic} (seq ${published.seq}); nothing new was delivered\n`,
        );
      });
    },
  );

  targetOptions(program.command('topics').description('every topic with its retained events and subscriptions')).action(
    async (options: TargetOptions) => {
      const o = out();
      await withBackend(options, async (backend) => {
        const topics = await backend.topics();
        if (o.json) return printJson(o, { topics });
        if (topics.length === 0) return void o.stdout.write('no topics yet: publish an event to create one\n');
        o.stdout.write(
          `${table(
            ['TOPIC', 'EVENTS', 'SUBSCRIPTIONS', 'LAST PUBLISHED', 'RETENTION'],
            topics.map((t) => [
              t.name,
              t.events,
              t.subscriptions,
              t.lastPublishedAt === null ? '-' : new Date(t.lastPublishedAt).toISOString(),
              t.retentionMs === null ? 'default' : describeMs(t.retentionMs),
            ]),
          )}\n`,
        );
      });
    },
  );

  targetOptions(
    program
      .command('events')
      .description("a topic's retained events, oldest first")
      .argument('<topic>', 'topic name')
      .option('--after <seq>', 'only events after this seq (the "more:" line of a previous page)')
      .option('--limit <n>', 'events per page, 1 to 500 (default 50)', parse.limit),
  ).action(async (topic: string, options: TargetOptions & { after?: string; limit?: number }) => {
    const o = out();
    await withBackend(options, async (backend) => {
      const page = await backend.events(topic, { after: options.after, limit: options.limit });
      if (o.json) return printJson(o, page);
      if (page.events.length === 0)
        return void o.stdout.write(`no events on ${topic}${options.after ? ` after seq ${options.after}` : ''}\n`);
      o.stdout.write(
        `${table(
          ['SEQ', 'ID', 'NAME', 'KEY', 'PUBLISHED', 'PAYLOAD'],
          page.events.map((e) => [
            e.seq,
            e.id,
            e.name ?? '-',
            e.key ?? '-',
            new Date(e.publishedAt).toISOString(),
            JSON.stringify(e.payload).slice(0, 60),
          ]),
        )}\n`,
      );
      if (page.next) o.stderr.write(`more: spool events ${topic} --after ${page.next}\n`);
    });
  });

  targetOptions(program.command('subscriptions').description('every subscription with its backlog and lag')).action(
    async (options: TargetOptions) => {
      const o = out();
      await withBackend(options, async (backend) => {
        const subscriptions = await backend.subscriptions();
        if (o.json) return printJson(o, { subscriptions });
        if (subscriptions.length === 0) return void o.stdout.write('no subscriptions yet\n');
        o.stdout.write(
          `${table(
            ['SUBSCRIPTION', 'TOPIC', 'FILTER', 'ORDERED', 'BACKLOG', 'LAG'],
            subscriptions.map((s) => [
              s.name,
              s.topic,
              s.filter
                ? [...(s.filter.names ?? []), ...Object.entries(s.filter.headers ?? {}).map(([k, v]) => `${k}=${v}`)].join(',')
                : '-',
              s.ordered ? 'yes' : 'no',
              s.backlog,
              s.lagMs === 0 ? '-' : describeMs(s.lagMs),
            ]),
          )}\n`,
        );
      });
    },
  );

  targetOptions(
    program
      .command('replay')
      .description('deliver retained events to a subscription again; deliveries still pending are not duplicated')
      .argument('<subscription>', 'subscription name')
      .requiredOption('--from <start>', 'beginning, an ISO time, epoch ms, event:<id> (that event included) or seq:<n>', replayStart),
  ).action(async (subscription: string, options: TargetOptions & { from: ReplayStart }) => {
    const o = out();
    await withBackend(options, async (backend) => {
      const deliveries = await backend.replay(subscription, options.from);
      if (o.json) return printJson(o, { subscription, deliveries });
      o.stdout.write(`replayed ${deliveries} event(s) to ${subscription}\n`);
    });
  });
}
