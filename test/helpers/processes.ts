/** Child worker processes for the multi-process tests: start, read their stdout lines, signal, reap. */
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually } from './eventually.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixture = join(root, 'test', 'fixtures', 'worker-process.ts');

/** How to start the node process itself: extra flags (such as `--import` of a preload) and environment. */
export interface NodeProcessOptions {
  nodeArgs?: string[];
  env?: Record<string, string>;
  /** The script to run. @defaultValue the worker fixture */
  script?: string;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class WorkerProcess {
  readonly lines: string[] = [];
  stderr = '';
  readonly exited: Promise<Exit>;
  private exit: Exit | null = null;
  private readonly child: ChildProcess;

  private constructor(args: string[], node: NodeProcessOptions = {}) {
    this.child = spawn(process.execPath, ['--import', 'tsx', ...(node.nodeArgs ?? []), node.script ?? fixture, ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SPOOL_LOG_LEVEL: 'warn', ...node.env },
    });
    let buffered = '';
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      this.lines.push(...parts.filter(Boolean));
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }

  /** Starts the fixture and waits for its "ready" line. */
  static async start(
    storeUrl: string,
    schema: string | undefined,
    queue: string,
    mode: string,
    options: Record<string, string | number> = {},
    node: NodeProcessOptions = {},
  ): Promise<WorkerProcess> {
    const args = [storeUrl, schema ?? '-', queue, mode, ...Object.entries(options).map(([k, v]) => `${k}=${v}`)];
    const worker = new WorkerProcess(args, node);
    running.add(worker);
    void worker.exited.then(() => running.delete(worker));
    await worker.waitForLine(/^ready \d+$/, 20_000);
    return worker;
  }

  get pid(): number {
    return this.child.pid as number;
  }

  /** Starts any script the same way (its arguments as given) without waiting for a line. */
  static spawn(script: string, args: string[], node: NodeProcessOptions = {}): WorkerProcess {
    const child = new WorkerProcess(args, { ...node, script });
    running.add(child);
    void child.exited.then(() => running.delete(child));
    return child;
  }

  get hasExited(): boolean {
    return this.exit !== null;
  }

  /** Resolves with the first stdout line matching `pattern`; fails early if the process exits first. */
  async waitForLine(pattern: RegExp, timeoutMs = 10_000): Promise<string> {
    return eventually(
      () => {
        const line = this.lines.find((l) => pattern.test(l));
        if (line) return line;
        if (this.exit)
          throw new Error(`worker process exited (${JSON.stringify(this.exit)}) before printing ${pattern}; stderr:\n${this.stderr}`);
        throw new Error(
          `no line matching ${pattern} yet; stdout: ${JSON.stringify(this.lines.slice(-5))}; stderr: ${this.stderr.slice(-2_000)}`,
        );
      },
      timeoutMs,
      20,
    );
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Waits for the process to exit; kills it and fails if it takes longer than `timeoutMs`. */
  async waitForExit(timeoutMs: number): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(new Error(`worker process ${this.pid} did not exit within ${timeoutMs} ms; stderr:\n${this.stderr}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

const running = new Set<WorkerProcess>();

/** Kills every fixture process still running (call after each test). */
export async function killAllWorkerProcesses(): Promise<void> {
  const left = [...running];
  for (const worker of left) worker.signal('SIGKILL');
  await Promise.all(left.map((worker) => worker.exited));
}
