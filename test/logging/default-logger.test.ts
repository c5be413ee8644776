/**
 * Spool's default logger in a real process, on both stores: JSON lines on stderr with level,
 * time and msg, every line about the job with jobId, queue, name, attempt (and traceId when an
 * OpenTelemetry SDK is registered); the last line before a `process.exit` is not lost; in a
 * terminal the same lines are readable text.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type TestStore, storeKinds } from '../server/helpers.js';
import { tsx } from '../cli/run.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixture = join(root, 'test', 'fixtures', 'logging-worker.ts');
const kinds = await storeKinds();

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} did not exit within 20 s; stderr: ${stderr}; stdout: ${stdout}`));
    }, 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const env = (): NodeJS.ProcessEnv => {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('SPOOL_')));
  return { ...clean, SPOOL_LOG_LEVEL: 'info', NO_COLOR: '1' };
};

describe.each(kinds)('the default logger on $kind', ({ make }) => {
  let store: TestStore;
  beforeEach(async () => {
    store = await make();
  });
  afterEach(async () => {
    await store.cleanup();
  });
  const args = (mode: string) => ['--import', tsx, fixture, store.url, store.schema ?? '-', mode];

  for (const mode of ['traced', 'plain'] as const) {
    it(`writes JSON lines with the job's fields (${mode})`, async () => {
      const { code, stderr } = await run(process.execPath, args(mode), env());
      expect(code, stderr).toBe(3);
      const lines = stderr.trimEnd().split('\n');
      const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      for (const record of records) {
        expect(record).toMatchObject({ level: expect.any(String), time: expect.any(Number), msg: expect.any(String) });
      }
      const ofJob = records.filter((r) => r.jobId !== undefined);
      // The retry may start before the first attempt's failure is logged (the line follows the
      // write that made the job claimable again), so only the order within an attempt is fixed.
      const attempt = (n: number) => ofJob.filter((r) => r.attempt === n).map((r) => [r.level, r.msg]);
      expect(ofJob).toHaveLength(4);
      expect(attempt(1)).toEqual([
        ['info', 'rendering'],
        ['warn', expect.stringMatching(/attempt 1 of 2 failed: renderer crashed on page 3$/)],
      ]);
      expect(attempt(2)).toEqual([
        ['info', 'rendering'],
        ['error', expect.stringMatching(/failed for good after 2 attempt\(s\): renderer crashed on page 3$/)],
      ]);
      for (const record of ofJob) {
        expect(record).toMatchObject({ jobId: ofJob[0]?.jobId, queue: 'reports', name: 'broken' });
        if (mode === 'traced') expect(record.traceId).toMatch(/^[0-9a-f]{32}$/);
        else expect(record).not.toHaveProperty('traceId');
      }
      // Both attempts are children of the enqueue: one trace.
      if (mode === 'traced') expect(new Set(ofJob.map((r) => r.traceId)).size).toBe(1);
      // The process exited on the "failed" event, right after logging it: the line was written.
      expect(records.at(-1)?.level).toBe('error');
      expect(ofJob.find((r) => r.level === 'warn')?.page).toBeUndefined();
      expect(ofJob.find((r) => r.msg === 'rendering')?.page).toBe(3);
    });
  }

  it('writes readable lines when stderr is a terminal', async () => {
    const command = [process.execPath, ...args('plain')].map((part) => `'${part}'`).join(' ');
    // script(1) runs the command on a pseudo-terminal and copies what it printed to stdout.
    const { stdout } = await run('script', ['-qec', command, '/dev/null'], env());
    const lines = stdout.replace(/\r/g, '').trimEnd().split('\n');
    expect(lines.some((line) => line.startsWith('{'))).toBe(false);
    expect(lines).toContainEqual(
      expect.stringMatching(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}rendering {2}jobId=\d+ queue=reports name=broken attempt=1 page=3$/),
    );
    expect(lines.at(-1)).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} ERROR Job \d+ \(reports\/broken\) failed for good after 2 attempt\(s\): renderer crashed on page 3 {2}jobId=\d+ queue=reports name=broken attempt=2$/,
    );
  });
});
