/**
 * The examples are what users copy, so they are run: the media handlers' sleep leaves no abort
 * listener behind (it uses `setTimeout` from `node:timers/promises` with the job's signal), and
 * `npm run example` works in a database file of its own, never the `./spool.db` that `npm start`
 * serves, and ends with every job settled.
 */
import { spawn } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import handlers from '../../examples/handlers/media.js';
import type { JobContext } from '../../src/index.js';
import { root, tsx } from '../cli/run.js';

describe('examples', () => {
  it("the media handlers' sleep removes its abort listener after every step", async () => {
    const controller = new AbortController();
    const listeners: number[] = [];
    const ctx = {
      signal: controller.signal,
      attempt: 1,
      async progress() {
        listeners.push(getEventListeners(controller.signal, 'abort').length);
      },
    } as unknown as JobContext;
    const resize = (handlers as Record<string, (payload: unknown, ctx: JobContext) => Promise<unknown>>)['resize-image'];
    await expect(resize?.({ file: 'cat.png', sizes: [1, 2, 3] }, ctx)).resolves.toEqual({ file: 'cat.png', variants: 3 });
    expect(listeners).toEqual([0, 0, 0]);
    // And it stops at once when the job is stopped.
    const stopped = resize?.({ sizes: [1, 2, 3] }, ctx);
    controller.abort(new Error('cancelled'));
    await expect(stopped).rejects.toMatchObject({ name: 'AbortError', cause: new Error('cancelled') });
  });

  it('npm run example uses its own spool-example.db, and every job settles', { timeout: 60_000 }, async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'spool-example-'));
    try {
      const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import', tsx, join(root, 'examples', 'quickstart.ts')], {
          cwd,
          env: {
            ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('SPOOL_'))),
            SPOOL_LOG_LEVEL: 'error',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (c: string) => {
          stdout += c;
        });
        child.stderr.setEncoding('utf8').on('data', (c: string) => {
          stderr += c;
        });
        child.on('exit', (code) => resolve({ code, stdout, stderr }));
      });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain('enqueued jobs 1, 2, 3, 4 on sqlite');
      expect(result.stdout).toContain('done: 3 completed, 1 not');
      expect(result.stderr).not.toContain('MaxListenersExceededWarning');
      expect(existsSync(join(cwd, 'spool-example.db'))).toBe(true);
      expect(existsSync(join(cwd, 'spool.db'))).toBe(false);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('examples/workflows.ts runs every workflow feature and prints what each did', { timeout: 60_000 }, async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'spool-workflows-example-'));
    try {
      const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import', tsx, join(root, 'examples', 'workflows.ts')], {
          cwd,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (c: string) => {
          stdout += c;
        });
        child.stderr.setEncoding('utf8').on('data', (c: string) => {
          stderr += c;
        });
        child.on('exit', (code) => resolve({ code, stdout, stderr }));
      });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toBe(
        [
          'order: {"chargeId":"ch-42","n":1,"paid":990}',
          'order steps: charge=completed payment=completed cool-off=completed',
          'album: ["a.thumb.png","b.thumb.png","c.thumb.png"]',
          'trip failed: the airline refused the booking. Its saga ran: every compensation completed.',
          'undone: refund ch-9, release seat 12A',
          'signup: {"version":2}',
          '',
        ].join('\n'),
      );
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
