/**
 * @module
 * Where a client command sends its work. `--store` (or SPOOL_STORE) talks straight to a store;
 * otherwise `--url` (or SPOOL_URL, default http://127.0.0.1:8080) with `--token` (or SPOOL_TOKEN).
 * Precedence: --store, --url, SPOOL_URL, SPOOL_STORE, the default URL.
 */
import type { Command } from 'commander';
import type { Backend } from './backend.js';
import { HttpBackend } from './http-backend.js';

export interface TargetOptions {
  url?: string;
  token?: string;
  store?: string;
  schema?: string;
  json?: boolean;
}

export const defaultServerUrl = 'http://127.0.0.1:8080';

export function targetOptions(command: Command): Command {
  return command
    .option('--url <url>', `Spool server URL (env SPOOL_URL; default ${defaultServerUrl})`)
    .option('--token <token>', 'API token for the server (env SPOOL_TOKEN, which keeps it out of `ps`)')
    .option('--store <url>', 'talk straight to a store instead: sqlite:./spool.db or postgres://… (env SPOOL_STORE)')
    .option('--schema <name>', 'PostgreSQL schema with --store (env SPOOL_SCHEMA; default spool)')
    .option('--json', 'print JSON for scripts');
}

export async function openBackend(options: TargetOptions, env: NodeJS.ProcessEnv = process.env): Promise<Backend> {
  const store = options.store ?? (options.url === undefined && !env.SPOOL_URL ? env.SPOOL_STORE : undefined);
  if (store) {
    const { StoreBackend } = await import('./store-backend.js');
    return StoreBackend.open(store, options.schema ?? (env.SPOOL_SCHEMA || undefined));
  }
  return new HttpBackend(options.url ?? env.SPOOL_URL ?? defaultServerUrl, options.token ?? (env.SPOOL_TOKEN || undefined));
}

/** Runs `fn` with a backend and closes it afterwards. */
export async function withBackend<T>(options: TargetOptions, fn: (backend: Backend) => Promise<T>): Promise<T> {
  const backend = await openBackend(options);
  try {
    return await fn(backend);
  } finally {
    await backend.close();
  }
}
