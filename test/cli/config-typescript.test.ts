/**
 * TypeScript config files where Node reads `.ts` as CommonJS (no `"type": "module"` in the
 * package.json): a valid one loads, with its handler module; a syntax error names the file, the
 * line and the error instead of Node's "require() … in a cycle". The installed package, which
 * registers tsx itself, is tested the same way in test/package/pack.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spool } from './run.js';

describe('a TypeScript config outside a "type": "module" package', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'spool-config-cjs-'));
    writeFileSync(join(dir, 'package.json'), '{ "name": "app" }\n');
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('loads, with its TypeScript handler module', async () => {
    writeFileSync(join(dir, 'emails.ts'), 'export default { send: async (payload: { to: string }) => payload.to };\n');
    writeFileSync(
      join(dir, 'spool.config.ts'),
      "const store: string = 'sqlite:./app.db';\nexport default { store, queues: { emails: { handlers: './emails.ts' } } };\n",
    );
    const result = await spool(['migrate'], { cwd: dir });
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('sqlite:./app.db');
    expect(result.code).toBe(0);
  });

  it('reports a syntax error with the file, the line and the error', async () => {
    const file = join(dir, 'spool.config.ts');
    writeFileSync(file, "export default {\n  store: 'sqlite:./app.db',\n  queues: {}\n  server: {},\n};\n");
    const result = await spool(['migrate'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`syntax error in ${file} on line 4: Expected "}" but found "server"`);
    expect(result.stderr).toContain('4 |   server: {},');
    expect(result.stderr).not.toContain('cycle');
  });
});
