/**
 * @module
 * Imports a module the user names (the config file, a queue's handlers), TypeScript included, and
 * turns a failure to load one into a sentence that says where and what.
 *
 * Node 20 cannot load TypeScript on its own, so TypeScript goes through tsx, an optional peer
 * dependency, registered the first time a TypeScript file is imported. A process whose files are
 * JavaScript never loads it: registered, tsx costs a worker process about 30 MB of resident memory
 * (an idle SQLite worker: 61 MB without it, 94 MB with it; after 2,000 jobs: 104 MB and 132 MB).
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const typeScriptFile = /\.[cm]?tsx?$/;

// Running as TypeScript itself (in this repository's tests and `npm start`), this module is
// proof that a loader is already in place; registering tsx a second time would chain two.
const loaderInPlace = import.meta.url.endsWith('.ts');

let registering: Promise<void> | undefined;

async function registerTypeScript(): Promise<void> {
  let esm: typeof import('tsx/esm/api');
  let cjs: typeof import('tsx/cjs/api');
  try {
    [esm, cjs] = await Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND' || !/'tsx'/.test((err as Error).message)) throw err;
    // Node 22.18 and later strip types on their own (without tsx's extras: enums, paths, ".js" for ".ts").
    if ((process.features as { typescript?: unknown }).typescript) return;
    throw new Error(
      `it is TypeScript, and Node ${process.versions.node} needs tsx to load TypeScript: install it with \`npm install -D tsx\`, or write the file in JavaScript (.js or .mjs).`,
      { cause: err },
    );
  }
  // Both hooks, as the tsx command registers them: in a package without "type": "module", Node
  // reads a .ts file as CommonJS, and the ESM hook alone fails on it with "require() … in a cycle".
  esm.register();
  cjs.register();
}

/**
 * Imports `file` (an absolute path) and returns its exports. A TypeScript file read as CommonJS
 * comes back with its exports under `default`; they are unwrapped, so callers see one shape.
 */
export async function importModule(file: string): Promise<Record<string, unknown>> {
  if (typeScriptFile.test(file) && !loaderInPlace) {
    registering ??= registerTypeScript().catch((err: unknown) => {
      registering = undefined;
      throw err;
    });
    await registering;
  }
  const namespace = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const inner = namespace.default as { __esModule?: unknown } | undefined;
  return typeof inner === 'object' && inner !== null && inner.__esModule === true ? (inner as Record<string, unknown>) : namespace;
}

/**
 * Why `err` kept a module from loading. A syntax error (esbuild's, through tsx) names the file,
 * the line and the error, with the line itself, instead of the transform's raw output.
 */
export function describeLoadError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const syntax = /^(?<file>.+?):(?<line>\d+):\d+: ERROR: (?<text>.+)$/m.exec(message)?.groups;
  if (!syntax?.file || !syntax.line || !syntax.text) return message;
  const line = Number(syntax.line);
  return `syntax error in ${syntax.file} on line ${line}: ${syntax.text}${quoteLine(syntax.file, line)}`;
}

function quoteLine(file: string, line: number): string {
  try {
    const text = readFileSync(file, 'utf8').split('\n')[line - 1];
    return text === undefined ? '' : `\n  ${line} | ${text.trimEnd()}`;
  } catch {
    return '';
  }
}
