/**
 * Spool as a user gets it: `npm pack`, then `npm install --omit=dev` of the tarball in a fresh
 * project, as the README's Install section says. A plain `.mjs` script works a job on SQLite, a
 * strict TypeScript consumer type-checks against both entry points, `npx spool --help` runs,
 * `spool serve` serves the dashboard, a TypeScript config file asks for tsx until it is
 * installed and then loads, and the tarball holds only what ships. publint and
 * arethetypeswrong check the package.
 *
 * Installing compiles better-sqlite3 when no prebuilt binary can be had (about 90 s here), so
 * everything shares one install, made once.
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const installTimeout = 6 * 60_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment without the npm_* and SPOOL_* variables of the `npm test` that runs this. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(npm_|spool_)/i.test(key)));
  return { ...env, ...extra };
}

function run(command: string, args: string[], cwd: string, extraEnv: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd, env: cleanEnv(extraEnv), maxBuffer: 64 * 1024 * 1024, timeout: installTimeout },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function must(result: Run, what: string): Run {
  if (result.code !== 0) throw new Error(`${what} exited ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  return result;
}

/** A devDependency's bin, found where `npm run` would find it. */
function devBin(pkg: string, bin: string): string {
  const dirs = createRequire(join(root, 'package.json')).resolve.paths(pkg) ?? [];
  const dir = dirs.map((modules) => join(modules, pkg)).find((candidate) => existsSync(join(candidate, 'package.json')));
  if (!dir) throw new Error(`${pkg} is missing: it is a devDependency, so \`npm install\` in the repository installs it.`);
  const bins = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin;
  return join(dir, bins[bin] ?? '');
}

/**
 * The repository's files as a clone has them (tracked, plus new files not ignored), without
 * dist/ or dashboard/dist/. Packing this copy builds from scratch, as a fresh clone would, and
 * leaves the working tree's builds alone while other test files serve them.
 */
async function copySources(to: string): Promise<void> {
  const listed = must(await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], root), 'git ls-files');
  for (const file of new Set(listed.stdout.split('\0').filter(Boolean))) {
    const from = join(root, file);
    // Deleted in the working tree but not yet committed; or a node_modules symlink (a worktree's).
    if (!existsSync(from) || file.split('/')[0] === 'node_modules') continue;
    mkdirSync(dirname(join(to, file)), { recursive: true });
    cpSync(from, join(to, file));
  }
  symlinkSync(realpathSync(join(root, 'node_modules')), join(to, 'node_modules'), 'dir');
}

const consumerScript = `import { createSpool } from 'spool';

const spool = await createSpool({ store: 'sqlite:./consumer.db' });
spool.work('math', { double: async (payload) => payload.n * 2 });
const job = await spool.enqueue('math', 'double', { n: 21 });
console.log(JSON.stringify({ result: await job.wait() }));
await spool.close();
`;

const consumerTs = `import { type Handlers, NonRetryableError, createSpool, defineConfig } from 'spool';
import { type AppOptions, type SpoolApp, createApp, hashToken } from 'spool/server';

const handlers: Handlers = {
  double: async (payload: { n: number }) => {
    if (!Number.isFinite(payload.n)) throw new NonRetryableError('n must be a number');
    return payload.n * 2;
  },
};
const spool = await createSpool({ store: 'sqlite:./typed.db' });
spool.work('math', handlers, { concurrency: 2 });
const job = await spool.enqueue('math', 'double', { n: 21 }, { maxAttempts: 3 });
const result: unknown = await job.wait();
const makeApp: (options: AppOptions) => SpoolApp = createApp;
const hash: string = hashToken('a secret');
export const config = defineConfig({ queues: { math: { handlers: './handlers.ts', concurrency: 2 } } });
console.log(result, typeof makeApp, hash.length);
`;

const strictTsconfig = {
  compilerOptions: { target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, skipLibCheck: false },
  files: ['consumer.ts'],
};

describe('the packed package, installed with --omit=dev', () => {
  let work: string;
  let project: string;
  let tarball: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'spool-pack-'));
    const sources = join(work, 'sources');
    const packed = join(work, 'packed');
    project = join(work, 'project');
    mkdirSync(packed);
    mkdirSync(project);
    await copySources(sources);
    // prepack builds dist/ and dashboard/dist/ in the copy.
    must(await run('npm', ['pack', '--pack-destination', packed], sources), 'npm pack');
    const name = readdirSync(packed).find((file) => file.endsWith('.tgz'));
    if (!name) throw new Error(`npm pack wrote no tarball into ${packed}`);
    tarball = join(packed, name);

    writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2)}\n`);
    // node-gyp takes Node's headers from the system instead of downloading them. Only the npm
    // registry is reachable here, so better-sqlite3 is built from source without trying GitHub
    // for a prebuilt binary; a user's install downloads one where it can.
    writeFileSync(join(project, '.npmrc'), 'nodedir=/usr\n');
    must(
      await run('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', tarball], project, {
        npm_config_build_from_source: 'better-sqlite3',
      }),
      'npm install --omit=dev <tarball>',
    );
  }, installTimeout);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('ships dist/, the built dashboard, the bin and the docs, and no sources, tests or benchmarks', async () => {
    // Listed from the copy that was packed, whose dist/ the real pack just built.
    const listed = must(await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], join(work, 'sources')), 'npm pack --dry-run');
    const [pack] = JSON.parse(listed.stdout) as [{ files: { path: string }[] }];
    const files = pack.files.map((file) => file.path);
    expect(files.filter((file) => /^(src|test|bench|examples|docs|scripts)\//.test(file))).toEqual([]);
    for (const file of ['dist/index.js', 'dist/index.d.ts', 'dist/server/index.js', 'dist/server/index.d.ts', 'dist/cli/main.js']) {
      expect(files).toContain(file);
    }
    for (const file of ['dashboard/dist/index.html', 'bin/spool.mjs', 'README.md', 'LICENSE', 'CHANGELOG.md', 'package.json']) {
      expect(files).toContain(file);
    }
    expect(files.filter((file) => file.endsWith('.map'))).toEqual([]);
  });

  it('installs without tsx or any dev dependency', () => {
    const modules = join(project, 'node_modules');
    for (const name of ['tsx', 'typescript', 'vite', 'vitest', 'esbuild']) expect(existsSync(join(modules, name)), name).toBe(false);
    expect(existsSync(join(modules, 'spool', 'dist', 'index.js'))).toBe(true);
  });

  it('works a job on SQLite from a plain Node ES module', async () => {
    writeFileSync(join(project, 'consumer.mjs'), consumerScript);
    const result = must(await run(process.execPath, ['consumer.mjs'], project), 'node consumer.mjs');
    expect(result.stdout.trim()).toBe('{"result":42}');
  });

  it('runs `npx spool --help`', async () => {
    const result = must(await run('npx', ['--no-install', 'spool', '--help'], project), 'npx spool --help');
    expect(result.stdout).toMatch(/^Usage: spool \[options\] \[command\]/);
    expect(result.stdout).toContain('serve [options]');
  });

  it('serves the API and the built dashboard with `spool serve`', async () => {
    const dir = join(project, 'serve');
    mkdirSync(dir);
    const bin = join(project, 'node_modules', 'spool', 'bin', 'spool.mjs');
    const args = [bin, 'serve', '--insecure-no-auth', '--port', '0', '--json', '--store', 'sqlite:./serve.db'];
    const child = spawn(process.execPath, args, { cwd: dir, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    try {
      // With --json, the first line on stdout is {"url", …} once the server listens.
      const lines = createInterface({ input: child.stdout });
      const [line] = (await once(lines, 'line', { signal: AbortSignal.timeout(20_000) }).catch(() => [stderr])) as [string];
      expect(line, 'spool serve printed no URL').toMatch(/^\{"url"/);
      const { url } = JSON.parse(line) as { url: string };
      const page = await fetch(`${url}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/^<!doctype html>/i);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }
    }
  });

  it('asks for tsx to load a TypeScript config, then loads it with its handlers', async () => {
    writeFileSync(
      join(project, 'handlers.ts'),
      'export default { double: async (payload: { n: number }): Promise<number> => payload.n * 2 };\n',
    );
    writeFileSync(
      join(project, 'spool.config.ts'),
      "import { defineConfig } from 'spool';\n\nexport default defineConfig({ store: 'sqlite:./cli.db', queues: { math: { handlers: './handlers.ts' } } });\n",
    );
    const missing = await run('npx', ['--no-install', 'spool', 'migrate'], project);
    expect(missing.code, missing.stderr).toBe(2);
    expect(missing.stderr).toContain(`Could not load the config file ${join(realpathSync(project), 'spool.config.ts')}`);
    expect(missing.stderr).toContain('npm install -D tsx');

    // tsx as a user's `npm install -D tsx` leaves it: found from the project's node_modules.
    symlinkSync(realpathSync(join(root, 'node_modules', 'tsx')), join(project, 'node_modules', 'tsx'), 'dir');
    const loaded = must(await run('npx', ['--no-install', 'spool', 'migrate'], project), 'npx spool migrate with tsx');
    expect(loaded.stdout).toContain('sqlite:./cli.db');
  });

  it('loads a TypeScript config where .ts is CommonJS, and reports a syntax error by file and line', async () => {
    const legacy = join(project, 'legacy');
    mkdirSync(legacy, { recursive: true });
    writeFileSync(join(legacy, 'package.json'), '{ "name": "legacy" }\n');
    writeFileSync(
      join(legacy, 'spool.config.ts'),
      "import { defineConfig } from 'spool';\n\nexport default defineConfig({ store: 'sqlite:./legacy.db' });\n",
    );
    writeFileSync(join(legacy, 'broken.config.ts'), "export default {\n  store: 'sqlite:./legacy.db'\n  queues: {},\n};\n");
    if (!existsSync(join(project, 'node_modules', 'tsx'))) {
      symlinkSync(realpathSync(join(root, 'node_modules', 'tsx')), join(project, 'node_modules', 'tsx'), 'dir');
    }
    const loaded = must(await run('npx', ['--no-install', 'spool', 'migrate'], legacy), 'spool migrate in a CommonJS package');
    expect(loaded.stdout).toContain('sqlite:./legacy.db');

    const broken = await run('npx', ['--no-install', 'spool', 'migrate', '--config', 'broken.config.ts'], legacy);
    expect(broken.code, broken.stderr).toBe(2);
    expect(broken.stderr).toContain(
      `syntax error in ${join(realpathSync(legacy), 'broken.config.ts')} on line 3: Expected "}" but found "queues"`,
    );
    expect(broken.stderr).not.toContain('cycle');
  });

  it('type-checks a strict TypeScript consumer (nodenext) against spool and spool/server', async () => {
    // Spool's types refer to Node's, as any Node library's do; a TypeScript project has them.
    must(await run('npm', ['install', '--save-dev', '--no-audit', '--no-fund', '@types/node@^20'], project), 'npm install @types/node');
    writeFileSync(join(project, 'consumer.ts'), consumerTs);
    writeFileSync(join(project, 'tsconfig.json'), `${JSON.stringify(strictTsconfig, null, 2)}\n`);
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    must(await run(process.execPath, [tsc, '-p', 'tsconfig.json'], project), 'tsc against the installed package');
  });

  it('passes publint and arethetypeswrong', async () => {
    must(await run(process.execPath, [devBin('publint', 'publint'), 'run', tarball, '--strict'], project), 'publint');
    // esm-only: Spool ships ES modules, so CommonJS resolutions (node10, node16 from require) are not goals.
    const attw = [devBin('@arethetypeswrong/cli', 'attw'), tarball, '--profile', 'esm-only', '--format', 'ascii'];
    must(await run(process.execPath, attw, project), 'attw');
  });
});
