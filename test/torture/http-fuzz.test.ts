/**
 * The HTTP API under attack, on both stores:
 * - fuzz: thousands of random requests (methods, paths built from the OpenAPI document and from
 *   junk, query strings, bodies, headers, tokens) answer without a single 5xx;
 * - an auth matrix over every operation in GET /v1/openapi.json, so a new route cannot skip it;
 * - forged internal jobs: `spool.*` queues are refused with every scope.
 * The SSRF cases of callback URLs live in test/webhooks/ssrf.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.js';
import type { Scope } from '../../src/core/scopes.js';
import { type Spool, createSpool, silentLogger } from '../helpers/api.js';
import { secrets, testTokens } from '../server/helpers.js';
import { type TortureStore, makeStore, storeKinds } from './stores.js';
import { recordFigures, seed, seededRandom, sized } from './support.js';

const kinds = await storeKinds();
const requests = { sqlite: sized(20_000, 100_000), postgres: sized(10_000, 50_000) };
const bodyLimit = 64 * 1024;

/**
 * The scope each operation needs: a scope, a list of scopes any of which will do, `any` (any
 * valid token) or null (public: the health checks). A new route fails the matrix until it is
 * listed here.
 */
type Needs = Scope | Scope[] | 'any' | null;
const requiredScope: Record<string, Needs> = {
  'GET /healthz': null,
  'GET /readyz': null,
  'POST /v1/queues/{queue}/jobs': 'enqueue',
  'GET /v1/queues/{queue}/jobs': 'read',
  'GET /v1/jobs': 'read',
  'GET /v1/jobs/{id}': 'read',
  'GET /v1/jobs/{id}/events': 'read',
  'DELETE /v1/jobs/{id}': 'admin',
  'POST /v1/jobs/{id}/cancel': 'admin',
  'POST /v1/jobs/{id}/retry': 'admin',
  'GET /v1/jobs/{id}/errors': 'admin',
  'GET /v1/jobs/{id}/steps': 'read',
  'GET /v1/jobs/{id}/logs': 'read',
  'GET /v1/queues': 'read',
  'POST /v1/queues/{queue}/dead-letters/retry': 'admin',
  'DELETE /v1/queues/{queue}/dead-letters': 'admin',
  'GET /v1/stats/throughput': 'read',
  'GET /v1/stats/backlog': 'read',
  'GET /v1/auth/whoami': 'any',
  'GET /v1/queues/{queue}': 'read',
  'POST /v1/queues/{queue}/pause': 'admin',
  'POST /v1/queues/{queue}/resume': 'admin',
  'PUT /v1/queues/{queue}/limits': 'admin',
  'GET /v1/breakers': 'read',
  'PUT /v1/breakers/{name}': 'admin',
  'GET /v1/schedules': 'read',
  'GET /v1/schedules/{name}': 'read',
  'PUT /v1/schedules/{name}': 'admin',
  'DELETE /v1/schedules/{name}': 'admin',
  'POST /v1/groups': 'enqueue',
  'GET /v1/groups/{id}': 'read',
  'GET /v1/groups/{id}/events': 'read',
  'GET /v1/stats/events': 'read',
  'GET /v1/bridges': 'read',
  'GET /v1/workers': 'read',
  'POST /v1/topics/{topic}/events': ['publish', 'enqueue'],
  'GET /v1/topics/{topic}/events': 'read',
  'GET /v1/topics': 'read',
  'GET /v1/subscriptions': 'read',
  'POST /v1/subscriptions/{name}/replay': 'admin',
  'GET /metrics': 'metrics',
};

/** Credentials as a caller presents them: none, a stranger's, and one configured token per scope set. */
const credentials: { name: string; secret: string | null; scopes: readonly Scope[] }[] = [
  { name: 'no token', secret: null, scopes: [] },
  { name: 'unknown token', secret: 'not-a-configured-secret-0000', scopes: [] },
  { name: 'enqueue', secret: secrets.enqueue, scopes: ['enqueue'] },
  { name: 'read', secret: secrets.read, scopes: ['read'] },
  { name: 'enqueue+read', secret: secrets.producer, scopes: ['enqueue', 'read'] },
  { name: 'publish', secret: secrets.publish, scopes: ['publish'] },
  { name: 'admin', secret: secrets.admin, scopes: ['admin'] },
];

interface Operation {
  method: string;
  path: string;
  secured: boolean;
}

describe.each(kinds)('the HTTP API under attack on %s', (kind) => {
  let store: TortureStore;
  let spool: Spool;
  let request: (path: string, init?: RequestInit) => Promise<Response>;
  let stop: () => void;
  let operations: Operation[] = [];
  let jobId = '';

  beforeAll(async () => {
    store = await makeStore(kind);
    spool = await createSpool({ store: store.url, schema: store.schema, logger: silentLogger, shutdownSignals: false, pollInterval: 50 });
    spool.work('work', (payload: { fail?: boolean }) => {
      if (payload?.fail) throw new Error('asked to fail');
      return payload;
    });
    const spoolApp = createApp({ spool, auth: { mode: 'tokens', tokens: testTokens }, dashboard: false, bodyLimit });
    stop = spoolApp.stopAccepting;
    request = async (path, init) => spoolApp.app.request(path, init);
    jobId = (await spool.enqueue('matrix', 'n')).id;
    const res = await request('/v1/openapi.json', { headers: { authorization: `Bearer ${secrets.read}` } });
    const doc = (await res.json()) as { paths: Record<string, Record<string, { security?: unknown[] }>> };
    operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        secured: Array.isArray(op.security) && op.security.length > 0,
      })),
    );
  });

  afterAll(async () => {
    stop?.();
    await spool?.close({ timeout: 2_000 });
    await store?.cleanup();
  });

  const concrete = (path: string, queue = 'matrix') =>
    path.replace('{queue}', queue).replace('{topic}', queue).replace('{name}', queue).replace('{id}', jobId);

  it('every operation in the OpenAPI document declares its scope, and each answers the auth matrix', async () => {
    const keys = operations.map((op) => `${op.method} ${op.path}`);
    expect(
      keys.filter((key) => !(key in requiredScope)),
      'operations missing from requiredScope: add their scope',
    ).toEqual([]);
    expect(
      Object.keys(requiredScope).filter((key) => !keys.includes(key)),
      'requiredScope lists routes the API no longer has',
    ).toEqual([]);
    let checked = 0;
    for (const op of operations) {
      const needs = requiredScope[`${op.method} ${op.path}`] as Needs;
      const accepted = needs === null || needs === 'any' ? [] : typeof needs === 'string' ? [needs] : needs;
      expect(op.secured, `${op.method} ${op.path} declares a bearer token in the document`).toBe(needs !== null);
      for (const who of credentials) {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (who.secret) headers.authorization = `Bearer ${who.secret}`;
        const res = await request(concrete(op.path), {
          method: op.method,
          headers,
          ...(op.method === 'POST' ? { body: JSON.stringify({ name: 'n' }) } : {}),
        });
        await res.body?.cancel();
        const label = `${op.method} ${op.path} with ${who.name} → ${res.status}`;
        expect(res.status, label).toBeLessThan(500);
        const allowed = needs === 'any' || who.scopes.includes('admin') || accepted.some((scope) => who.scopes.includes(scope));
        if (needs === null) expect([401, 403], label).not.toContain(res.status);
        else if (who.scopes.length === 0) expect(res.status, label).toBe(401);
        else if (!allowed) expect(res.status, label).toBe(403);
        else expect([401, 403], label).not.toContain(res.status);
        checked++;
      }
    }
    const openapi = await request('/v1/openapi.json');
    expect(openapi.status).toBe(401);
    recordFigures(`auth-matrix-${kind}`, { store: kind, operations: operations.length, checks: checked });
  });

  it('forged internal jobs: spool.* queues are refused with every scope, and nothing is stored', async () => {
    const forged = { name: 'deliver', payload: { jobId, url: 'http://127.0.0.1:1/', status: 'completed' } };
    let refused = 0;
    for (const queue of ['spool.webhooks', 'spool.schedules', 'spool.anything', 'spool%2Ewebhooks']) {
      for (const who of credentials) {
        const res = await request(`/v1/queues/${queue}/jobs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(who.secret ? { authorization: `Bearer ${who.secret}` } : {}) },
          body: JSON.stringify(forged),
        });
        const label = `${queue} with ${who.name} → ${res.status}`;
        expect([400, 401, 403], label).toContain(res.status);
        if (who.scopes.includes('enqueue') || who.scopes.includes('admin')) {
          expect(res.status, label).toBe(400);
          expect(((await res.json()) as { detail: string }).detail, label).toMatch(/reserved/);
        }
        refused++;
      }
    }
    const err = await spool.enqueue('spool.webhooks', 'deliver', forged.payload).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('SPOOL_INVALID_ARGUMENT');
    const batch = await spool
      .enqueueMany([
        { queue: 'ok', name: 'n' },
        { queue: 'spool.webhooks', name: 'deliver' },
      ])
      .catch((e: unknown) => e);
    expect((batch as { code?: string }).code).toBe('SPOOL_INVALID_ARGUMENT');
    const counts = await spool.counts();
    expect(Object.keys(counts).filter((queue) => queue.startsWith('spool.') || queue === 'ok')).toEqual([]);
    recordFigures(`forged-internal-${kind}`, { store: kind, forgedRequests: refused });
  });

  it(`fuzz: ${requests[kind]} random requests, no 5xx`, { timeout: 300_000 }, async () => {
    const random = seededRandom(seed + (kind === 'sqlite' ? 2 : 3));
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const chance = (p: number) => random() < p;
    const junk = (max: number) =>
      Array.from({ length: Math.floor(random() * max) }, () => String.fromCharCode(Math.floor(random() * 0x3000))).join('');
    const queues = [
      'work',
      'matrix',
      'q-1',
      'a.b:c',
      'spool.webhooks',
      'x'.repeat(129),
      '%00',
      '..',
      '%2e%2e',
      'sp ace',
      '%F0%9F%92%A9',
      '',
    ];
    const ids = () => [jobId, '1', '0', '-1', '99999999999999999999', 'abc', '1e3', '%00', String(Math.floor(random() * 100))];
    const numbers = [0, -1, 1.5, 1e20, -1e20, 2 ** 31, 2 ** 53, 1e308, 'NaN', '"30d"', '"1e20ms"', '"-5s"', 'null', '"soon"', '[]', '{}'];
    const stringish = [
      '""',
      '"ok"',
      '"\\u0000"',
      '"\\ud800"',
      `"${'k'.repeat(300)}"`,
      '"https://example.com/hook"',
      '"http://127.0.0.1/"',
      '1',
    ];
    const nested = (levels: number) => `${'['.repeat(levels)}1${']'.repeat(levels)}`;
    const value = (): string =>
      pick([
        () => String(pick(numbers)),
        () => pick(stringish),
        () => JSON.stringify(junk(20)),
        () => nested(Math.floor(random() * 6_000)),
        () => `{"a":${JSON.stringify(junk(10))},"b":[1,2,{"c":null}]}`,
        () => 'true',
      ])();
    const fields = [
      'delay',
      'runAt',
      'timeout',
      'priority',
      'maxAttempts',
      'backoff',
      'idempotencyKey',
      'metadata',
      'callbackUrl',
      'extra',
    ];
    const body = (): string | undefined =>
      pick([
        () => undefined,
        () => '',
        () => '{',
        () => junk(200),
        () => value(),
        () => JSON.stringify({ name: 'n', payload: { fail: chance(0.3) } }),
        // Valid, with odd but acceptable values: these reach the store.
        () =>
          JSON.stringify({
            name: pick(['n', 'a.b', 'x'.repeat(128)]),
            payload: { text: junk(30).toWellFormed().replaceAll('\u0000', ''), fail: chance(0.3), n: random() * 1e9 },
            ...(chance(0.5) ? { delay: pick([0, 1, '1ms', '0.5s']) } : {}),
            ...(chance(0.3) ? { priority: Math.floor(random() * 2_000_001) - 1_000_000 } : {}),
            ...(chance(0.3) ? { maxAttempts: 1 + Math.floor(random() * 5) } : {}),
            ...(chance(0.3) ? { idempotencyKey: `key-${Math.floor(random() * 50)}` } : {}),
            ...(chance(0.2) ? { metadata: { source: junk(10).toWellFormed().replaceAll('\u0000', '') } } : {}),
          }),
        () => {
          const parts = [`"name":${chance(0.8) ? '"n"' : value()}`];
          if (chance(0.7)) parts.push(`"payload":${value()}`);
          for (const field of fields) if (chance(0.25)) parts.push(`"${field}":${value()}`);
          return `{${parts.join(',')}}`;
        },
        () => JSON.stringify({ name: 'n', payload: 'x'.repeat(bodyLimit + 10) }),
      ])();
    const paths = [
      ...operations.map((op) => op.path),
      '/v1/openapi.json',
      '/',
      '/v1',
      '/v1/queues/{queue}',
      '/v1/queues/{queue}/jobs/{id}',
      '/v2/jobs',
      '/v1/jobs/{id}/steps',
    ];
    const query = () =>
      chance(0.5)
        ? ''
        : `?${pick(['limit', 'cursor', 'status', 'name', 'queue', 'window', 'bucket', 'after', 'x'])}=${encodeURIComponent(
            pick(['-1', '0', '501', 'abc', '1e999', 'completed', 'bogus', junk(10), 'aWQ6MQ', '1h', '0s', '99999999d']),
          )}`;
    const tokens = [null, ...credentials.map((c) => c.secret), 'Basic dXNlcjpwYXNz', 'Bearer', `Bearer ${'x'.repeat(5_000)}`];
    const contentTypes = [
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      'multipart/form-data',
      'application/x-www-form-urlencoded',
      null,
    ];
    const methods = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'POST', 'GET'];

    const failures: string[] = [];
    const statuses: Record<string, number> = {};
    for (let i = 0; i < requests[kind]; i++) {
      // Mostly real operations with plausible parts and a token that may pass, so requests get past
      // routing and auth into validation and the store; the rest anything at all.
      const real = chance(0.7);
      const enqueue = operations.find((o) => o.method === 'POST' && o.path === '/v1/queues/{queue}/jobs') as Operation;
      const op = chance(0.3) ? enqueue : pick(operations);
      const method = real ? op.method : pick(methods);
      const template = real ? op.path : pick(paths);
      const queue = real && chance(0.7) ? pick(['work', 'matrix']) : pick(queues);
      const id = real && chance(0.7) ? jobId : pick(ids());
      const path = `${concrete(template, queue).replace('{id}', id)}${query()}`;
      const headers: Record<string, string> = {};
      const token =
        real && chance(0.7) ? pick([secrets.admin, secrets.producer, secrets.enqueue, secrets.read, secrets.publish]) : pick(tokens);
      if (token) headers.authorization = token.startsWith('Bearer') || token.startsWith('Basic') ? token : `Bearer ${token}`;
      const type = real && chance(0.8) ? 'application/json' : pick(contentTypes);
      if (type) headers['content-type'] = type;
      if (chance(0.1)) headers['idempotency-key'] = pick(['k', 'x'.repeat(300), junk(5).replace(/[^\x20-\x7e]/g, '') || 'z']);
      if (chance(0.05)) headers['last-event-id'] = pick(['1-abc', 'garbage', '99999999999999999999-x']);
      const text = method === 'GET' || method === 'HEAD' ? undefined : body();
      let res: Response;
      try {
        res = await request(path, { method, headers, ...(text === undefined ? {} : { body: text }) });
      } catch (err) {
        // A request the runtime refuses to build (an invalid URL or header) never reaches Spool.
        if (err instanceof TypeError) continue;
        throw err;
      }
      await res.body?.cancel();
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      if (res.status >= 500)
        failures.push(`#${i} ${method} ${path} ${JSON.stringify(headers).slice(0, 200)} ${String(text).slice(0, 200)} → ${res.status}`);
    }
    const served = Object.values(statuses).reduce((a, b) => a + b, 0);
    recordFigures(`http-fuzz-${kind}`, { store: kind, requests: served, status5xx: failures.length, statuses });
    expect(failures, `seed ${seed} (SPOOL_TORTURE_SEED=${seed} replays it)`).toEqual([]);
    expect(served).toBeGreaterThanOrEqual(requests[kind] * 0.95);
  });
});
