/**
 * @module
 * Makes sure `dashboard/dist/` is built from the current sources before the browser tests: `npm
 * ci` builds it (the `prepare` script), and this rebuilds it when a source file is newer.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const dashboardDist = join(root, 'dashboard', 'dist');

function newest(path: string): number {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((entry) => newest(join(path, entry))));
}

export function ensureDashboardBuilt(): void {
  const index = join(dashboardDist, 'index.html');
  const sources = ['src', 'index.html', 'vite.config.ts'].map((part) => newest(join(root, 'dashboard', part)));
  if (existsSync(index) && statSync(index).mtimeMs >= Math.max(...sources)) return;
  execFileSync(
    process.execPath,
    [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'dashboard/vite.config.ts', '--logLevel', 'warn'],
    {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
}
