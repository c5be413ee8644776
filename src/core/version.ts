/**
 * @module
 * The Spool version, read once from the package's own package.json (two folders up from both
 * `src/core/` and the compiled `dist/core/`), for the worker registry and `spool --version`.
 */
import { readFileSync } from 'node:fs';

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

export const spoolVersion: string = readVersion();
