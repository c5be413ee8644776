/**
 * The README and the guides in docs/ are true: their runnable examples (the code blocks after `<!-- test: run -->`) run as
 * written against a temporary SQLite file, and every error it shows (the lines of the blocks
 * after `<!-- test: errors -->`, the problem document, and the messages quoted in its prose) is
 * made here by doing what causes it, and compared word for word. An error line the README adds
 * without a way to make it here fails this test, and so does one Spool no longer says.
 *
 * The only changes made to an example before running it: `from 'spool'` points at src/, and
 * `sqlite:./spool.db` at a temporary file.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { type Server as HttpServer, createServer as createHttpServer } from 'node:http';
import { type Server, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unhandledWarning } from '../../src/client/workers.js';
import { createSpool, silentLogger, userMessages } from '../../src/index.js';
import type { WorkerRecord } from '../../src/store/contract.js';
import { root, spool } from '../cli/run.js';
import { freePort, postgresUrl, secrets, sqliteStore, startTestService, storeKinds } from '../server/helpers.js';

/** The README and the guides in docs/ it links to: their marked blocks are tested alike. */
const guides = readdirSync(join(root, 'docs'))
  .filter((file) => file.endsWith('.md'))
  .map((file) => join('docs', file));
const readme = ['README.md', ...guides].map((file) => readFileSync(join(root, file), 'utf8')).join('\n\n');
const hasPostgres = (await storeKinds()).some((k) => k.kind === 'postgres');

/** The fenced blocks that follow a `<!-- test: <kind> … -->` marker, with the marker's text. */
function marked(kind: string): { note: string; body: string }[] {
  const pattern = new RegExp(`<!-- test: ${kind}\\b([^>]*)-->\\s*\`\`\`[a-z]*\\n([\\s\\S]*?)\`\`\``, 'g');
  return [...readme.matchAll(pattern)].map((m) => ({ note: (m[1] ?? '').trim(), body: m[2] ?? '' }));
}

/** The README's prose with line breaks and indentation folded, to find quoted sentences in it. */
const prose = readme.replace(/\s+/g, ' ');

describe('README examples', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spool-readme-'));
  let mail: HttpServer;
  const sent: string[] = [];

  beforeAll(async () => {
    // The "Use it" example sends its mail to 127.0.0.1:8025.
    mail = createHttpServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        sent.push(body);
        res.end(`msg-${sent.length}`);
      });
    });
    await new Promise<void>((resolve, reject) => {
      mail.once('error', reject);
      mail.listen(8025, '127.0.0.1', resolve);
    });
  });

  afterAll(async () => {
    await new Promise((resolve) => mail.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const examples = marked('run');

  it('marks the examples to run', () => {
    expect(examples.length).toBeGreaterThanOrEqual(2);
  });

  it.each(examples.map((example, index) => ({ index, ...example })))('runs example $index as written', async ({ index, body }) => {
    const file = join(dir, `example-${index}.ts`);
    const source = body
      .replaceAll("from 'spool'", `from ${JSON.stringify(join(root, 'src', 'index.ts'))}`)
      .replaceAll('sqlite:./spool.db', `sqlite:${join(dir, `example-${index}.db`)}`);
    expect(source).not.toContain("'spool'");
    writeFileSync(file, source);
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
    const result = await run(file);
    expect(result.code, result.stderr).toBe(0);
    if (body.includes('send-welcome')) {
      expect(result.stdout).toContain("{ messageId: 'msg-1' }");
      expect(JSON.parse(sent[0] ?? '{}')).toEqual({ to: 'ada@example.com' });
    }
    if (body.includes('JobError')) expect(result.stdout).toBe('Your card was declined. Try another card.\n');
  });
});

/** Runs a TypeScript file with tsx, as `npx tsx file` would. */
function run(file: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('README errors, word for word', () => {
  const shown = marked('errors').flatMap((block) => block.body.split('\n').filter(Boolean));
  const made = new Set<string>();

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spool-readme-errors-'));
    const message = async (fn: () => unknown): Promise<string> => {
      try {
        await fn();
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error('expected an error');
    };

    // The library.
    const lib = await createSpool({ store: `sqlite:${join(dir, 'lib.db')}`, logger: silentLogger, shutdownSignals: false });
    made.add(await message(() => lib.enqueue('orders', 'ship', { items: [1, 2, { at: 10n }] })));
    made.add(await message(() => lib.enqueue('new orders', 'ship')));
    made.add(await message(() => lib.listJobs({ limit: 0 })));
    const waiting = await lib.enqueue('orders', 'ship', null, { delay: '1h' });
    made.add(await message(() => lib.deleteJob(waiting.id)));
    await lib.close();

    // The HTTP API: each problem's detail.
    const store = sqliteStore();
    const service = await startTestService({ store });
    const detail = async (path: string, init: RequestInit & { token?: string }) =>
      ((await (await service.api(path, init)).json()) as { detail: string }).detail;
    const post = (body: string) => ({ method: 'POST', body, headers: { 'content-type': 'application/json' }, token: secrets.admin });
    made.add(await detail('/v1/queues/new%20orders/jobs', post('{"name":"ship"}')));
    made.add(await detail('/v1/jobs?limit=0', { token: secrets.read }));
    made.add(await detail('/v1/queues/orders/jobs', post('[1]')));
    made.add(await detail('/v1/queues/orders/jobs', post('{}')));
    made.add(await detail(`/v1/jobs/${waiting.id}/cancel`, { method: 'POST', token: secrets.read }));
    made.add(await detail('/v1/jobs', { token: secrets.enqueue }));
    for (const problem of marked('problem')) {
      const [method, path, body] = problem.note.split(' ', 3);
      const response = await service.api(path as string, {
        method,
        body,
        headers: { 'content-type': 'application/json' },
        token: secrets.admin,
      });
      expect(await response.json(), problem.note).toEqual(JSON.parse(problem.body));
    }
    await service.close();
    await store.cleanup();

    // The CLI, as spawned processes. Something must listen on 8080 for the first: this test, or whoever already does.
    const holder: Server = createServer();
    await new Promise<void>((resolve) => {
      holder.once('error', () => resolve());
      holder.listen(8080, '127.0.0.1', resolve);
    });
    const down = await freePort();
    const noDb = new URL(postgresUrl);
    noDb.pathname = '/app';
    const env = { SPOOL_TOKENS: 'ops:readme-errors-secret-01:admin' };
    const results = await Promise.all([
      spool(['serve', '--store', `sqlite:${join(dir, 'serve.db')}`, '--port', '8080'], { env }),
      spool(['serve', '--store', 'sqllite:./spool.db'], { env }),
      hasPostgres ? spool(['serve', '--store', noDb.toString()], { env }) : null,
      spool(['serve', '--store', `postgres://postgres@127.0.0.1:${down}/app`], { env }),
      spool(['jobs', '--limit', '0', '--store', `sqlite:${join(dir, 'cli.db')}`]),
    ]);
    await new Promise((resolve) => holder.close(resolve));
    for (const result of results) {
      if (!result) continue;
      const first = result.stderr.split('\n').find((line) => line.startsWith('spool: '));
      if (first) {
        made.add(
          first
            .replace(`127.0.0.1:${down}/`, '127.0.0.1:5433/')
            .replace(`server at ${noDb.hostname}:${noDb.port || 5432}.`, 'server at 127.0.0.1:5432.'),
        );
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('shows only errors Spool makes, word for word', () => {
    expect(shown.length).toBeGreaterThan(10);
    const unknown = shown.filter((line) => !made.has(line) && !(line.includes('database "app"') && !hasPostgres));
    expect(unknown).toEqual([]);
  });

  it('shows every error this test makes', () => {
    expect([...made].filter((line) => !shown.includes(line))).toEqual([]);
  });

  it('quotes the warning of a job nobody handles, and the user messages, as Spool says them', () => {
    const row = (names: string[]): WorkerRecord => ({
      id: 'w',
      session: 's',
      host: 'h',
      pid: 1,
      version: '0',
      queue: names.includes('send-welcome') ? 'emails' : 'media',
      names,
      concurrency: 1,
      inFlight: 0,
      startedAt: 0,
      heartbeatAt: 0,
      sessionAlive: null,
    });
    expect(prose).toContain(unhandledWarning({ queue: 'emails', name: 'send-welcom', status: 'waiting' }, [row(['send-welcome'])]));
    expect(readme).toContain(
      `  warning   ${unhandledWarning({ queue: 'media', name: 'resize-imgae', status: 'waiting' }, [row(['resize-image', 'flaky-upload', 'broken-thumbnail'])])}`,
    );
    for (const text of [userMessages.slow, userMessages.failed, userMessages.retry(40_000, 2, 5)]) expect(prose).toContain(text);
  });
});
