/**
 * @module
 * Shared by the server, CLI and webhook tests: isolated stores (a SQLite file in a temp folder,
 * or a PostgreSQL schema with a random name dropped afterwards), API tokens per scope, and a
 * Spool service on 127.0.0.1 with a random port.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, it } from 'vitest';
import type { ResolvedConfig, ResolvedQueue, ResolvedSubscription } from '../../src/config/load-config.js';
import { silentLogger } from '../../src/index.js';
import { hashToken } from '../../src/server/auth.js';
import { type Service, startService } from '../../src/server/service.js';
import type { SseOptions } from '../../src/server/sse.js';

import { postgresUrl, probePostgres } from '../helpers/stores.js';

export { postgresUrl };

export interface TestStore {
  kind: 'sqlite' | 'postgres';
  url: string;
  schema?: string;
  cleanup(): Promise<void>;
}

export type StoreMaker = () => Promise<TestStore>;

export function sqliteStore(): TestStore {
  const dir = mkdtempSync(join(tmpdir(), 'spool-api-'));
  return {
    kind: 'sqlite',
    url: `sqlite:${join(dir, 'spool.db')}`,
    async cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function postgresStore(): Promise<TestStore> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  return {
    kind: 'postgres',
    url: postgresUrl,
    schema,
    async cleanup() {
      const client = new pg.Client({ connectionString: postgresUrl });
      client.on('error', () => {});
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

/**
 * Both stores, for `describe.each`. PostgreSQL unreachable: in CI (`CI` set) a failing test says
 * so; locally its tests are skipped with a message.
 */
export async function storeKinds(): Promise<{ kind: 'sqlite' | 'postgres'; make: StoreMaker }[]> {
  const kinds: { kind: 'sqlite' | 'postgres'; make: StoreMaker }[] = [{ kind: 'sqlite', make: async () => sqliteStore() }];
  const problem = await probePostgres();
  if (problem === null) {
    kinds.push({ kind: 'postgres', make: postgresStore });
  } else {
    const message = `PostgreSQL is not reachable at ${postgresUrl} (${problem}); set SPOOL_TEST_POSTGRES_URL.`;
    if (process.env.CI) {
      describe('postgres', () => {
        it('needs a reachable PostgreSQL in CI', () => {
          throw new Error(message);
        });
      });
    } else {
      process.stderr.write(`\n[spool tests] SKIPPING PostgreSQL API tests: ${message}\n`);
    }
  }
  return kinds;
}

/** One token per scope, plus a token with every scope but admin. Secrets are fixed for readability. */
export const secrets = {
  enqueue: 'test-enqueue-secret-0001',
  read: 'test-read-secret-00000001',
  admin: 'test-admin-secret-0000001',
  producer: 'test-producer-secret-0001',
  publish: 'test-publish-secret-00001',
} as const;

export const testTokens = [
  { name: 'enqueuer', hash: hashToken(secrets.enqueue), scopes: ['enqueue' as const] },
  { name: 'reader', hash: hashToken(secrets.read), scopes: ['read' as const] },
  { name: 'operator', hash: hashToken(secrets.admin), scopes: ['admin' as const] },
  { name: 'producer', hash: hashToken(secrets.producer), scopes: ['enqueue' as const, 'read' as const] },
  { name: 'publisher', hash: hashToken(secrets.publish), scopes: ['publish' as const] },
];

export interface TestServiceOptions {
  store: TestStore;
  queues?: ResolvedQueue[];
  subscriptions?: ResolvedSubscription[];
  breakers?: ResolvedConfig['breakers'];
  schedules?: ResolvedConfig['schedules'];
  limits?: { maxInFlight?: number; maxStreams?: number };
  http?: boolean;
  insecureNoAuth?: boolean;
  /** Null for none. @defaultValue a fixed whsec_ secret */
  webhookSecret?: string | string[] | null;
  webhookSignature?: ResolvedConfig['webhookSignature'];
  /** @defaultValue none: tests that deliver to a local receiver list it */
  webhookAllowHosts?: string[];
  bodyLimit?: number;
  sse?: Partial<SseOptions>;
  host?: string;
  spoolOptions?: ResolvedConfig['spoolOptions'];
  backlogSampleInterval?: number;
  dashboard?: string | false;
  /** Server settings beyond the address (metrics, metricsPort). */
  server?: Partial<ResolvedConfig['server']>;
}

export const testWebhookSecret = 'whsec_dGVzdC13ZWJob29rLXNlY3JldC0wMDAwMDAwMDAwMDE=';

function webhookSecrets(secret: string | string[] | null | undefined): string[] {
  if (secret === undefined) return [testWebhookSecret];
  if (secret === null) return [];
  return typeof secret === 'string' ? [secret] : secret;
}

export function testConfig(options: TestServiceOptions): ResolvedConfig {
  return {
    file: null,
    store: options.store.url,
    schema: options.store.schema,
    spoolOptions: { pollInterval: 100, shutdownTimeout: 2_000, ...options.spoolOptions },
    queues: options.queues ?? [],
    subscriptions: options.subscriptions ?? [],
    breakers: options.breakers ?? {},
    schedules: options.schedules ?? {},
    tokens: testTokens,
    webhookSecrets: webhookSecrets(options.webhookSecret),
    webhookSignature: options.webhookSignature ?? 'standard',
    webhookAllowHosts: options.webhookAllowHosts ?? [],
    webhookConcurrency: 4,
    server: { host: options.host ?? '127.0.0.1', port: 0, bodyLimit: options.bodyLimit, ...options.limits, ...options.server },
  };
}

export interface TestService extends Service {
  url: string;
  /** fetch against the service with an optional bearer secret. */
  api(path: string, init?: RequestInit & { token?: string }): Promise<Response>;
}

export async function startTestService(options: TestServiceOptions): Promise<TestService> {
  const service = await startService({
    config: testConfig(options),
    http: options.http ?? true,
    insecureNoAuth: options.insecureNoAuth,
    logger: silentLogger,
    sse: options.sse,
    backlogSampleInterval: options.backlogSampleInterval,
    dashboard: options.dashboard,
  });
  const url = service.url ?? '';
  return Object.assign(service, {
    url,
    api(path: string, { token, headers, ...init }: RequestInit & { token?: string } = {}) {
      return fetch(`${url}${path}`, {
        ...init,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(headers as Record<string, string>) },
      });
    },
  });
}

export function jsonBody(body: unknown): RequestInit {
  return { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
}

/** A port nothing listens on: bound once, then released. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
