/**
 * The `spool` command as a spawned process: help and exit codes, the client commands against a
 * server over HTTP and straight on a store, and `status --watch` following a job to its end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NonRetryableError, signWebhook, verifyWebhook } from '../../src/index.js';
import {
  type TestService,
  type TestStore,
  freePort,
  postgresStore,
  secrets,
  sqliteStore,
  startTestService,
  storeKinds,
} from '../server/helpers.js';
import { spool } from './run.js';

const kinds = await storeKinds();

describe('spool: help and usage', () => {
  it('has --help on every command, exiting 0', { timeout: 180_000 }, async () => {
    const commands = [
      [],
      ['serve'],
      ['worker'],
      ['enqueue'],
      ['status'],
      ['steps'],
      ['logs'],
      ['jobs'],
      ['queues'],
      ['cancel'],
      ['retry'],
      ['delete'],
      ['workers'],
      ['migrate'],
      ['token', 'create'],
      ['webhook-secret', 'create'],
      ['bridges'],
    ];
    // Four at a time, each with room to start: a busy 2-core machine starts a TypeScript CLI in seconds.
    const results: Awaited<ReturnType<typeof spool>>[] = [];
    for (let i = 0; i < commands.length; i += 4) {
      const batch = commands.slice(i, i + 4).map((command) => spool([...command, '--help'], { timeoutMs: 60_000 }));
      results.push(...(await Promise.all(batch)));
    }
    for (const [index, result] of results.entries()) {
      const name = commands[index]?.join(' ') ?? '';
      expect(result.code, name).toBe(0);
      expect(result.stdout, name).toContain(`Usage: spool${name ? ` ${name}` : ''}`);
    }
    expect(results[0]?.stdout).toContain('Exit codes:\n  0  done\n  1  the job failed or was cancelled');
    expect(results[0]?.stdout).toContain('  2  usage or configuration error, fix the command');
    expect(results[0]?.stdout).toContain('  3  the server or the store cannot be reached');
    expect(results[4]?.stdout).toContain('--watch');
    expect(results[1]?.stdout).toContain('--insecure-no-auth');
  });

  it('exits 2 on usage errors, saying what was wrong', async () => {
    const [unknown, badId, badJson, badStatus] = await Promise.all([
      spool(['frobnicate']),
      spool(['status', 'abc']),
      spool(['enqueue', 'emails', 'send', '{not json']),
      spool(['jobs', '--status', 'exploded']),
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    expect(badId.code).toBe(2);
    expect(badId.stderr).toContain('"abc" is not a job id');
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toContain('not valid JSON');
    expect(badStatus.code).toBe(2);
    expect(badStatus.stderr).toContain(
      `spool: option '-s, --status <status>' argument 'exploded' is invalid. Must be one of "waiting", "active", "completed", "failed", "cancelled", "expired".`,
    );
  });

  it('exits 3 when the server or the store cannot be reached', async () => {
    const port = await freePort();
    const [server, store] = await Promise.all([
      spool(['status', '1', '--url', `http://127.0.0.1:${port}`]),
      spool(['queues', '--store', `postgres://postgres@127.0.0.1:${port}/test`]),
    ]);
    expect(server.code).toBe(3);
    expect(server.stderr).toContain(`Cannot reach the Spool server at http://127.0.0.1:${port} (ECONNREFUSED)`);
    expect(store.code).toBe(3);
    expect(store.stderr).toMatch(/Cannot reach PostgreSQL/);
  });

  it('creates tokens: the secret once, its hash for the config', async () => {
    const result = await spool(['token', 'create', '--name', 'ci', '--scopes', 'enqueue,read', '--json']);
    expect(result.code).toBe(0);
    const token = JSON.parse(result.stdout) as { secret: string; hash: string; scopes: string[] };
    expect(token.secret).toMatch(/^spool_[A-Za-z0-9_-]{32}$/);
    expect(token.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(token.scopes).toEqual(['enqueue', 'read']);
    const bad = await spool(['token', 'create', '--name', 'ci', '--scopes', 'write']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown scope "write"');
  });

  it('creates webhook secrets that the server and verifyWebhook accept', async () => {
    const result = await spool(['webhook-secret', 'create', '--json']);
    expect(result.code).toBe(0);
    const { secret } = JSON.parse(result.stdout) as { secret: string };
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const headers = signWebhook(secret, { id: '1', body: '{}' });
    expect(verifyWebhook(secret, headers, '{}').ok).toBe(true);
    expect((await spool(['webhook-secret', 'create'])).stdout).toMatch(/^secret {2}whsec_.*SPOOL_WEBHOOK_SECRET=whsec_/s);
  });
});

describe('spool against a server (HTTP)', () => {
  let store: TestStore;
  let s: TestService;
  const env = () => ({ SPOOL_URL: s.url, SPOOL_TOKEN: secrets.admin });

  beforeAll(async () => {
    store = sqliteStore();
    s = await startTestService({
      store,
      sse: { pollMs: 50 },
      queues: [
        {
          name: 'media',
          options: {},
          handlers: {
            resize: async (payload: { steps: number }, ctx: { progress(v: unknown, m?: string): Promise<void> }) => {
              for (let i = 1; i <= payload.steps; i++) {
                await new Promise((r) => setTimeout(r, 60));
                await ctx.progress({ done: i, total: payload.steps }, `step ${i}`);
              }
              return { variants: payload.steps };
            },
            corrupt: async () => {
              throw new NonRetryableError('The image is corrupt; upload it again.');
            },
          },
        },
      ],
    });
  });

  afterAll(async () => {
    await s?.close();
    await store?.cleanup();
  });

  it('enqueues, then watches a job to completion with progress, printing the result (exit 0)', async () => {
    const enqueued = await spool(['enqueue', 'media', 'resize', '{"steps":4}', '--json'], { env: env() });
    expect(enqueued.code).toBe(0);
    const { id, created } = JSON.parse(enqueued.stdout) as { id: string; created: boolean };
    expect(created).toBe(true);

    const watched = await spool(['status', id, '--watch'], { env: env() });
    expect(watched.code).toBe(0);
    expect(JSON.parse(watched.stdout)).toEqual({ variants: 4 });
    expect(watched.stderr).toMatch(new RegExp(`job ${id} media/resize +completed +\\[#{24}\\] 100%`));
    expect(watched.stderr).toContain(`job ${id} completed after 1 attempt(s)`);
  });

  it('watches a failing job to its error (exit 1)', async () => {
    const enqueued = await spool(['enqueue', 'media', 'corrupt', '--json'], { env: env() });
    const { id } = JSON.parse(enqueued.stdout) as { id: string };
    const watched = await spool(['status', id, '--watch'], { env: env() });
    expect(watched.code).toBe(1);
    expect(watched.stderr).toContain(`job ${id} failed after 1 attempt(s): The image is corrupt; upload it again.`);
    const status = await spool(['status', id], { env: env() });
    expect(status.code).toBe(1);
    expect(status.stdout).toContain('error     The image is corrupt; upload it again.');
  });

  it('enqueue --watch follows the new job, and --json prints each snapshot as a line', async () => {
    const result = await spool(['enqueue', 'media', 'resize', '{"steps":2}', '--watch', '--json'], { env: env() });
    expect(result.code).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { status: string; result: unknown });
    expect(lines.at(-1)).toMatchObject({ status: 'completed', result: { variants: 2 } });
  });

  it('lists jobs, counts queues, cancels and retries', { timeout: 90_000 }, async () => {
    const first = JSON.parse(
      (await spool(['enqueue', 'parked', 'later', '{"n":1}', '--delay', '1h', '--json'], { env: env() })).stdout,
    ) as { id: string };
    const again = await spool(['enqueue', 'parked', 'later', '--idempotency-key', 'k1'], { env: env() });
    expect(again.stdout).toMatch(/^enqueued job \d+ \(parked\/later\), waiting/);
    const dup = await spool(['enqueue', 'parked', 'later', '--idempotency-key', 'k1'], { env: env() });
    expect(dup.stdout).toMatch(/already exists for idempotency key "k1"/);

    const jobs = await spool(['jobs', '--queue', 'parked', '--json'], { env: env() });
    expect(jobs.code).toBe(0);
    expect((JSON.parse(jobs.stdout) as { jobs: unknown[] }).jobs).toHaveLength(2);
    const table = await spool(['jobs', '--queue', 'parked', '--limit', '1'], { env: env() });
    expect(table.stdout).toMatch(/^ID +QUEUE +NAME +STATUS +ATTEMPTS +PROGRESS +CREATED\n/);
    expect(table.stderr).toMatch(/more: spool jobs --cursor \S+ --queue parked/);

    const cancelled = await spool(['cancel', first.id], { env: env() });
    expect(cancelled).toMatchObject({ code: 0, stdout: `job ${first.id} cancelled\n` });
    const queues = await spool(['queues'], { env: env() });
    expect(queues.stdout).toMatch(/^QUEUE +WAITING +ACTIVE +COMPLETED +FAILED +CANCELLED +TOTAL\n/);
    expect(queues.stdout).toMatch(/\nparked +1 +0 +0 +0 +1 +2\n/);
    const retried = await spool(['retry', first.id], { env: env() });
    expect(retried).toMatchObject({ code: 0, stdout: `job ${first.id} is waiting to run again\n` });
    const conflict = await spool(['retry', first.id], { env: env() });
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain('only failed or cancelled jobs can be retried');
    const missing = await spool(['status', '999999'], { env: env() });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No job has the id "999999"');
  });

  it('reports auth problems from the server (exit 1)', async () => {
    const [none, wrong] = await Promise.all([
      spool(['queues'], { env: { SPOOL_URL: s.url } }),
      spool(['cancel', '1', '--token', secrets.read], { env: { SPOOL_URL: s.url } }),
    ]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('This route needs an API token');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('needs "admin"');
  });
});

describe.each(kinds)('spool straight on a $kind store', ({ kind }) => {
  let store: TestStore;

  beforeAll(async () => {
    store = kind === 'sqlite' ? sqliteStore() : await postgresStore();
  });

  afterAll(async () => {
    await store?.cleanup();
  });

  const target = () => ['--store', store.url, ...(store.schema ? ['--schema', store.schema] : [])];

  it('migrates, enqueues, reads, lists and cancels without a server', async () => {
    const migrated = await spool(['migrate', ...target()]);
    expect(migrated.code).toBe(0);
    expect(migrated.stdout).toContain(`the ${kind} store at`);
    expect(migrated.stdout).toContain('is up to date');

    const enqueued = await spool(['enqueue', 'emails', 'send', '-', ...target(), '--json'], { input: '{"to":"ada@example.com"}' });
    expect(enqueued.code).toBe(0);
    const { id } = JSON.parse(enqueued.stdout) as { id: string };
    const status = JSON.parse((await spool(['status', id, ...target(), '--json'])).stdout) as { status: string; payload: unknown };
    expect(status).toMatchObject({ status: 'waiting', payload: { to: 'ada@example.com' } });
    const cancelled = await spool(['cancel', id, ...target()]);
    expect(cancelled.stdout).toBe(`job ${id} cancelled\n`);
    const watched = await spool(['status', id, '--watch', ...target()]);
    expect(watched.code).toBe(1);
    expect(watched.stderr).toContain(`job ${id} was cancelled`);
  });

  it('publishes events, lists topics, events and subscriptions, and replays, without a server', { timeout: 120_000 }, async () => {
    const { createSpool, silentLogger } = await import('../../src/index.js');
    const spoolApi = await createSpool({
      store: store.url,
      ...(store.schema ? { schema: store.schema } : {}),
      logger: silentLogger,
      shutdownSignals: false,
    });
    try {
      await spoolApi.declareSubscription('orders', 'audit');
    } finally {
      await spoolApi.close();
    }
    const published = await spool([
      'publish',
      'orders',
      '{"orderId":1}',
      '--name',
      'order.placed',
      '--key',
      'o-1',
      '--header',
      'region=eu',
      '--id',
      'ev-1',
      ...target(),
    ]);
    expect(published.code).toBe(0);
    expect(published.stdout).toMatch(/^published event ev-1 \(seq \d+\) on orders: 1 delivery\n$/);
    const again = await spool(['publish', 'orders', '{}', '--id', 'ev-1', ...target()]);
    expect(again.stdout).toContain('was already published on orders');
    const topics = await spool(['topics', ...target()]);
    expect(topics.stdout).toMatch(/^TOPIC +EVENTS +SUBSCRIPTIONS/);
    expect(topics.stdout).toMatch(/orders +1 +1/);
    const events = JSON.parse((await spool(['events', 'orders', ...target(), '--json'])).stdout) as {
      events: { id: string; headers: unknown }[];
    };
    expect(events.events).toEqual([expect.objectContaining({ id: 'ev-1', headers: { region: 'eu' } })]);
    const subscriptions = await spool(['subscriptions', ...target()]);
    expect(subscriptions.stdout).toMatch(/audit +orders +- +yes +1/);
    const replayed = await spool(['replay', 'audit', '--from', 'beginning', ...target()]);
    expect(replayed.stdout).toBe('replayed 0 event(s) to audit\n');
    const badStart = await spool(['replay', 'audit', '--from', 'yesterday-ish', ...target()]);
    expect(badStart.code).toBe(2);
    expect(badStart.stderr).toContain('is not a starting point');
    const badHeader = await spool(['publish', 'orders', '{}', '--header', 'noequals', ...target()]);
    expect(badHeader.code).toBe(2);
    const badTopic = await spool(['publish', 'no spaces', '{}', ...target()]);
    expect(badTopic.code).toBe(2);
    expect(badTopic.stderr).toContain('Invalid topic "no spaces"');
  });

  it('sets limits, pauses, resumes and shows a queue, without a server', { timeout: 90_000 }, async () => {
    const limits = await spool([
      'limits',
      'orders',
      '--concurrency',
      '3',
      '--rate',
      '100/1m',
      '--rate-key',
      'tenant',
      '--max-depth',
      '50',
      ...target(),
    ]);
    expect(limits).toMatchObject({ code: 0, stdout: 'limits of queue orders set; `spool queue orders` shows them\n' });
    const paused = await spool(['pause', 'orders', '--refuse', ...target()]);
    expect(paused.stdout).toBe('queue orders paused in every process; new jobs are refused\n');
    const shown = await spool(['queue', 'orders', ...target()]);
    expect(shown.stdout).toContain('queue orders  PAUSED (refusing new jobs)');
    expect(shown.stdout).toContain('max depth    50');
    expect(shown.stdout).toContain('concurrency  3');
    expect(shown.stdout).toContain('rate limit   100 per 1 min per tenant');
    const refused = await spool(['enqueue', 'orders', 'n', ...target()]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('paused and refuses new jobs');
    expect((await spool(['resume', 'orders', ...target()])).stdout).toBe('queue orders resumed\n');
    const none = await spool(['breakers', ...target()]);
    expect(none.stdout).toBe('no breakers defined\n');
    const badRate = await spool(['limits', 'orders', '--rate', 'lots', ...target()]);
    expect(badRate.code).toBe(2);
    expect(badRate.stderr).toContain('is not a rate; write starts/window');
    const zero = await spool(['limits', 'orders', '--concurrency', '0', ...target()]);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain('concurrency: must be at least 1; remove the limit with null');
  });
});
