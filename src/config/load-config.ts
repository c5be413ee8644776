/**
 * @module
 * Finds, imports and validates the config file, loads the handler modules it names, and merges
 * in the environment and command-line flags. Precedence: flag, then environment, then file,
 * then default.
 *
 * Environment: `SPOOL_CONFIG`, `SPOOL_STORE`, `SPOOL_SCHEMA`, `SPOOL_TOKENS`,
 * `SPOOL_WEBHOOK_SECRET` (several space-separated while rotating), `SPOOL_HOST`, `SPOOL_PORT`.
 */
import { existsSync } from 'node:fs';
import { type BridgeConfig, resolveBridge } from '../bus/bridges/config.js';
import { dirname, isAbsolute, resolve } from 'node:path';
import { InvalidArgumentError } from '../core/errors.js';
import { describeIssues } from '../core/issues.js';
import type { SpoolOptions } from '../client/spool-options.js';
import type { WorkOptions } from '../core/options.js';
import { type TokenEntry, parseTokensEnv } from './tokens.js';
import { secretList, webhookDefaults, webhookSecretProblem } from '../webhooks/options.js';
import type { SignatureScheme } from '../webhooks/signature.js';
import type { SubscribeOptions } from '../bus/subscription.js';
import type { BreakerOptions, QueueLimits } from '../client/flow.js';
import type { ThreadHandlers } from '../worker/thread-pool.js';
import type { Handlers } from '../worker/types.js';
import { type ScheduleConfig, type SpoolConfig, configSchema } from './define-config.js';
import { describeLoadError, importModule } from './import-module.js';

export const configFileNames = ['spool.config.ts', 'spool.config.mts', 'spool.config.js', 'spool.config.mjs'];

export interface ConfigOverrides {
  /** A config file path; without it `SPOOL_CONFIG`, then `spool.config.{ts,mts,js,mjs}` in `cwd`. */
  config?: string;
  store?: string;
  schema?: string;
  host?: string;
  port?: number;
}

export interface ResolvedQueue {
  name: string;
  /** Handlers for the main thread, or the module a pool of worker threads runs. */
  handlers: Handlers | ThreadHandlers;
  options: WorkOptions;
  /** Limits set in the store at start, when the config gives any. */
  limits?: QueueLimits;
}

export interface ResolvedSubscription {
  name: string;
  topic: string;
  handler: (event: any, ctx: any) => unknown;
  options: SubscribeOptions;
}

export interface ResolvedConfig {
  /** The config file that was read, or null when there is none. */
  file: string | null;
  store: string;
  schema: string | undefined;
  /** Everything for createSpool except store and schema. */
  spoolOptions: Omit<SpoolOptions, 'store' | 'schema'>;
  queues: ResolvedQueue[];
  breakers: Record<string, BreakerOptions>;
  subscriptions: ResolvedSubscription[];
  /** Cron schedules to store at start, by name. */
  schedules?: Record<string, ScheduleConfig>;
  tokens: TokenEntry[];
  /** Newest first; empty when none is configured. */
  webhookSecrets: string[];
  webhookSignature: SignatureScheme;
  webhookAllowHosts: string[];
  webhookConcurrency: number;
  /** Bridges to start with the workers, by name. */
  bridges?: { name: string; config: BridgeConfig }[];
  server: {
    host: string;
    port: number;
    bodyLimit: number | undefined;
    maxInFlight?: number;
    maxStreams?: number;
    metrics?: boolean;
    metricsPort?: number;
  };
}

export class ConfigError extends InvalidArgumentError {}

export function findConfigFile(explicit: string | undefined, cwd: string, env: NodeJS.ProcessEnv): string | null {
  const given = explicit ?? env.SPOOL_CONFIG;
  if (given) {
    const path = isAbsolute(given) ? given : resolve(cwd, given);
    if (!existsSync(path)) throw new ConfigError(`The config file ${given} does not exist (resolved to ${path}).`);
    return path;
  }
  for (const name of configFileNames) {
    const path = resolve(cwd, name);
    if (existsSync(path)) return path;
  }
  return null;
}

async function importConfig(file: string): Promise<unknown> {
  let module: Record<string, unknown>;
  try {
    module = await importModule(file);
  } catch (err) {
    const message = describeLoadError(err);
    const hint = /require\(\) ES Module|Cannot use import statement|exports is not defined/.test(message)
      ? ' Spool loads it as an ES module: add "type": "module" to your package.json, or name the file spool.config.mts.'
      : '';
    throw new ConfigError(`Could not load the config file ${file}: ${message}${hint}`, { cause: err });
  }
  const config = module.default ?? module.config;
  if (config === undefined) {
    throw new ConfigError(`The config file ${file} has no default export; end it with \`export default defineConfig({ … })\`.`);
  }
  return config;
}

/** Validates a config object, naming every bad field. */
export function parseConfig(input: unknown, where: string): SpoolConfig {
  const result = configSchema.safeParse(input, { reportInput: true });
  if (result.success) return result.data as SpoolConfig;
  throw new ConfigError(`${where} is invalid: ${describeIssues(result.error.issues, { noun: 'field' }).join('; ')}.`);
}

async function loadHandlers(
  spec: string | Handlers,
  baseDir: string,
  queue: string,
  kind: 'queue' | 'subscription' = 'queue',
): Promise<Handlers> {
  if (typeof spec !== 'string') return spec;
  const path = isAbsolute(spec) ? spec : resolve(baseDir, spec);
  if (!existsSync(path))
    throw new ConfigError(`The handlers of ${kind} "${queue}" point at ${spec}, which does not exist (resolved to ${path}).`);
  let module: Record<string, unknown>;
  try {
    module = await importModule(path);
  } catch (err) {
    throw new ConfigError(`Could not load the handlers of ${kind} "${queue}" from ${spec}: ${describeLoadError(err)}`, { cause: err });
  }
  const chosen = module.default ?? module.handlers;
  if (typeof chosen === 'function' || (typeof chosen === 'object' && chosen !== null)) return chosen as Handlers;
  const named = Object.fromEntries(Object.entries(module).filter(([, value]) => typeof value === 'function'));
  if (Object.keys(named).length === 0) {
    throw new ConfigError(
      `${spec} (handlers of ${kind} "${queue}") exports no handlers: export default a handler or an object mapping job names to handlers.`,
    );
  }
  return named as Handlers;
}

/** A queue with `threads`: its handlers module is loaded in each thread, not here. */
function threadModule(spec: string | Handlers, threads: 'auto' | number, baseDir: string, queue: string): ThreadHandlers {
  if (typeof spec !== 'string') {
    throw new ConfigError(
      `Queue "${queue}" runs in worker threads (threads: ${JSON.stringify(threads)}), so its handlers must be a module path such as './handlers/${queue}.js', not functions.`,
    );
  }
  const path = isAbsolute(spec) ? spec : resolve(baseDir, spec);
  if (!existsSync(path))
    throw new ConfigError(`The handlers of queue "${queue}" point at ${spec}, which does not exist (resolved to ${path}).`);
  return { module: path, threads };
}

function parsePort(value: string | undefined, what: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new ConfigError(`${what} must be a port number from 0 to 65535; got ${JSON.stringify(value)}.`);
  return port;
}

/** Reads the config file (if any), its handler modules, the environment and the overrides. */
export async function loadConfig(
  overrides: ConfigOverrides = {},
  { cwd = process.cwd(), env = process.env }: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<ResolvedConfig> {
  const file = findConfigFile(overrides.config, cwd, env);
  const config = file ? parseConfig(await importConfig(file), file) : {};
  const baseDir = file ? dirname(file) : cwd;
  const queues: ResolvedQueue[] = [];
  for (const [name, { handlers, limits, threads, ...options }] of Object.entries(config.queues ?? {})) {
    const loaded = threads === undefined ? await loadHandlers(handlers, baseDir, name) : threadModule(handlers, threads, baseDir, name);
    queues.push({ name, handlers: loaded, options, ...(limits ? { limits } : {}) });
  }
  const subscriptions: ResolvedSubscription[] = [];
  for (const [name, { topic, handler, ...options }] of Object.entries(config.subscriptions ?? {})) {
    const loaded = await loadHandlers(handler as string | Handlers, baseDir, name, 'subscription');
    if (typeof loaded !== 'function') {
      throw new ConfigError(
        `The handler of subscription "${name}" must be a function (event, ctx) => result; its module exports an object.`,
      );
    }
    subscriptions.push({ name, topic, handler: loaded, options });
  }
  const tokens: TokenEntry[] = (config.auth?.tokens ?? []).map((t) => ({ name: t.name, hash: t.hash.toLowerCase(), scopes: t.scopes }));
  if (env.SPOOL_TOKENS) tokens.push(...parseTokensEnv(env.SPOOL_TOKENS));
  const webhookSecrets = env.SPOOL_WEBHOOK_SECRET?.trim()
    ? env.SPOOL_WEBHOOK_SECRET.trim().split(/\s+/)
    : [...secretList(config.webhooks?.secret)];
  const webhookSignature = config.webhooks?.signature ?? webhookDefaults.signature;
  const secretProblem = webhookSecretProblem(webhookSecrets, webhookSignature);
  if (secretProblem) {
    const from = env.SPOOL_WEBHOOK_SECRET?.trim() ? 'SPOOL_WEBHOOK_SECRET' : 'webhooks.secret';
    throw new ConfigError(
      webhookSignature === 'spool'
        ? `${from} is not usable: ${secretProblem}.`
        : `${from} is not usable with webhooks.signature '${webhookSignature}': ${secretProblem}. Generate one with \`spool webhook-secret create\` (or \`echo "whsec_$(openssl rand -base64 32)"\`), or set webhooks.signature: 'spool' to keep the legacy Spool-Signature header with a raw secret.`,
    );
  }
  const { maxPayloadBytes, defaults, retention, pollInterval, shutdownTimeout, jobLogLimit } = config;
  const spoolOptions = Object.fromEntries(
    Object.entries({ maxPayloadBytes, defaults, retention, pollInterval, shutdownTimeout, jobLogLimit }).filter(([, v]) => v !== undefined),
  );
  const bridges = Object.entries(config.bridges ?? {}).map(([name, bridge]) => {
    try {
      resolveBridge(name, bridge); // durations and bounds, checked now rather than at start
    } catch (err) {
      throw new ConfigError(`${file ?? 'The config'} is invalid: ${(err as Error).message}`, { cause: err });
    }
    return { name, config: bridge };
  });
  const rawStore = overrides.store ?? env.SPOOL_STORE ?? config.store ?? 'sqlite:./spool.db';
  return {
    file,
    // A relative SQLite path is relative to the working directory, as with every other tool.
    store: rawStore,
    schema: overrides.schema ?? (env.SPOOL_SCHEMA || undefined) ?? config.schema,
    spoolOptions,
    queues,
    breakers: config.breakers ?? {},
    subscriptions,
    schedules: config.schedules ?? {},
    tokens,
    webhookSecrets,
    webhookSignature,
    webhookAllowHosts: config.webhooks?.allowHosts ?? [...webhookDefaults.allowHosts],
    webhookConcurrency: config.webhooks?.concurrency ?? webhookDefaults.concurrency,
    bridges,
    server: {
      host: overrides.host ?? (env.SPOOL_HOST || undefined) ?? config.server?.host ?? '127.0.0.1',
      port: overrides.port ?? parsePort(env.SPOOL_PORT, 'SPOOL_PORT') ?? config.server?.port ?? 8080,
      bodyLimit: config.server?.bodyLimit,
      maxInFlight: config.server?.maxInFlight,
      maxStreams: config.server?.maxStreams,
      metrics: config.server?.metrics,
      metricsPort: config.server?.metricsPort,
    },
  };
}
