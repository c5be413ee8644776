/**
 * `npm install` / `npm ci` in a clone runs this (the `prepare` script): it builds the library
 * into dist/ and the dashboard into dashboard/dist/, so a fresh clone can serve the dashboard
 * and run the CLI as it ships.
 *
 * It builds only when the build tools are installed. `prepare` also runs where they are not: an
 * `npm install --omit=dev` in a clone, or an install from git, which would otherwise fail on a
 * missing Vite. `npm pack` and `npm publish` run `prepare` too, right after `prepack` has built
 * everything, so it skips them rather than build twice.
 */
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const packing = ['pack', 'publish'].includes(process.env.npm_command ?? '');
const tools = ['typescript', 'vite'].filter((name) => !existsSync(new URL(`../node_modules/${name}/package.json`, import.meta.url)));

if (!packing && tools.length > 0) {
  console.log(`spool: not building dist/ and dashboard/dist/: ${tools.join(' and ')} missing (npm run build needs the dev dependencies).`);
} else if (!packing) {
  execSync('npm run build', { stdio: 'inherit' });
}
