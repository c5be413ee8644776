/**
 * Runs the `spool` command as a child process, as a user would, and collects what it printed. It
 * runs src/cli/main.ts through tsx, so the tests see the sources as they are, never a stale
 * dist/; test/package/pack.test.ts runs the compiled bin/spool.mjs from an installed tarball.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { eventually } from '../helpers/eventually.js';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// tsx resolved from here: `--import tsx` alone would look for it in the child's working directory.
export const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const command = ['--import', tsx, join(root, 'src', 'cli', 'main.ts')];

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment without any SPOOL_ variables of the developer's shell. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('SPOOL_')));
  return { ...env, SPOOL_LOG_LEVEL: 'warn', ...extra };
}

export function spool(
  args: string[],
  options: {
    env?: Record<string, string>;
    cwd?: string;
    timeoutMs?: number;
    input?: string;
    /** Sends SIGINT after this many milliseconds (a `--watch` that would not end by itself). */
    interruptAfterMs?: number;
  } = {},
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...command, ...args], {
      cwd: options.cwd ?? root,
      env: cleanEnv(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    child.stdin.end(options.input ?? '');
    const interrupt = options.interruptAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGINT'), options.interruptAfterMs);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`spool ${args.join(' ')} did not exit within ${options.timeoutMs ?? 20_000} ms\nstdout: ${stdout}\nstderr: ${stderr}`),
      );
    }, options.timeoutMs ?? 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      clearTimeout(interrupt);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A long-running `spool serve` or `spool worker`; kill it with stop(). */
export class SpoolProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  private exitCode: number | null | undefined;

  constructor(args: string[], options: { env?: Record<string, string>; cwd?: string } = {}) {
    this.child = spawn(process.execPath, [...command, ...args], {
      cwd: options.cwd ?? root,
      env: cleanEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.setEncoding('utf8').on('data', (c: string) => {
      this.stdout += c;
    });
    this.child.stderr?.setEncoding('utf8').on('data', (c: string) => {
      this.stderr += c;
    });
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code) => {
        this.exitCode = code;
        resolve(code);
      }),
    );
    running.add(this);
  }

  /** Waits until stdout or stderr matches. */
  async waitFor(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    return eventually(
      () => {
        const match = this.stdout.match(pattern) ?? this.stderr.match(pattern);
        if (!match && this.exitCode !== undefined) {
          throw new Error(`the process exited (${this.exitCode}) before printing ${pattern}; stderr: ${this.stderr.slice(-2_000)}`);
        }
        if (!match) throw new Error(`no ${pattern} yet; stdout: ${this.stdout.slice(-500)} stderr: ${this.stderr.slice(-1_000)}`);
        return match;
      },
      timeoutMs,
      50,
    );
  }

  /** SIGTERM, then waits for a graceful exit (SIGKILL after `timeoutMs`). */
  async stop(timeoutMs = 10_000): Promise<number | null> {
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const code = await this.exited;
    clearTimeout(timer);
    running.delete(this);
    return code;
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }

  /** Ctrl-C. */
  interrupt(): void {
    this.child.kill('SIGINT');
  }
}

const running = new Set<SpoolProcess>();

export async function killAll(): Promise<void> {
  for (const p of running) p.kill();
  await Promise.all([...running].map((p) => p.exited));
  running.clear();
}
