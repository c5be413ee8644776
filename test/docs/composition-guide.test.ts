/**
 * The schedules, groups, pipelines and queue position guide is true: each code block after a
 * `<!-- test: run -->` marker runs as written against a temporary SQLite file (`from 'spool'`
 * points at src/), and the lines it prints that the block shows as `// prints: …` comments
 * match.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { root, tsx } from '../cli/run.js';

const guide = readFileSync(join(root, 'docs', 'schedules-groups-pipelines.md'), 'utf8');
const blocks = [...guide.matchAll(/<!-- test: run -->\s*```ts\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');

describe('docs/schedules-groups-pipelines.md examples', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spool-guide-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has examples to run', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(1);
  });

  it.each(blocks.map((body, index) => ({ index, body })))(
    'runs example $index as written',
    { timeout: 60_000 },
    async ({ index, body }) => {
      const file = join(dir, `example-${index}.ts`);
      writeFileSync(
        file,
        body
          .replaceAll("from 'spool'", `from ${JSON.stringify(join(root, 'src', 'index.ts'))}`)
          .replaceAll('sqlite:./spool.db', `sqlite:${join(dir, `example-${index}.db`)}`),
      );
      writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
      const result = await run(file);
      expect(result.code, result.stderr).toBe(0);
      const printed = [...body.matchAll(/\/\/ prints: (.*)$/gm)].map((m) => m[1]);
      expect(result.stdout.trim().split('\n')).toEqual(printed);
    },
  );
});

function run(file: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', tsx, file], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
