/** A bridge in a child process (test/fixtures/bridge-process.ts): start, read its status lines, kill it. */
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BridgeStatus } from '../../src/index.js';
import { eventually } from '../helpers/eventually.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixture = join(root, 'test', 'fixtures', 'bridge-process.ts');

export class BridgeProcess {
  status: BridgeStatus | null = null;
  ready = false;
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;

  private constructor(storeUrl: string, schema: string | undefined, name: string, config: object) {
    this.child = spawn(process.execPath, ['--import', 'tsx', fixture, storeUrl, schema ?? '-', name, JSON.stringify(config)], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SPOOL_LOG_LEVEL: 'warn' },
    });
    let buffered = '';
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('ready ')) this.ready = true;
        else if (line.startsWith('status ')) this.status = JSON.parse(line.slice(7)) as BridgeStatus;
      }
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
    running.add(this);
    void this.exited.then(() => running.delete(this));
  }

  static async start(storeUrl: string, schema: string | undefined, name: string, config: object): Promise<BridgeProcess> {
    const bridge = new BridgeProcess(storeUrl, schema, name, config);
    let exited = false;
    void bridge.exited.then(() => {
      exited = true;
    });
    await eventually(() => {
      if (exited) throw new Error(`the bridge process exited before it was ready; stderr:\n${bridge.stderr}`);
      return bridge.ready;
    }, 30_000);
    return bridge;
  }

  get pid(): number {
    return this.child.pid as number;
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    this.child.kill(signal);
    await this.exited;
  }
}

const running = new Set<BridgeProcess>();

/** Kills every bridge process still running (after each test). */
export async function killBridgeProcesses(): Promise<void> {
  await Promise.all([...running].map((b) => b.kill('SIGKILL')));
}
