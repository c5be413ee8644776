/**
 * Auth over real HTTP: every route × no token, an unknown token, the wrong scope and the right
 * scope; the insecure dev mode and where it is refused; token parsing and hashing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSpool, silentLogger } from '../../src/index.js';
import { createApp } from '../../src/server/app.js';
import { findToken, hashToken, hasScope, isLoopback, parseTokensEnv } from '../../src/server/auth.js';
import { startService } from '../../src/server/service.js';
import { type TestService, type TestStore, jsonBody, secrets, sqliteStore, startTestService, testConfig } from './helpers.js';

type Secret = keyof typeof secrets;

interface RouteCase {
  route: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: () => string;
  body?: unknown;
  needs: 'enqueue' | 'publish' | 'read' | 'admin';
  /** A token that is valid but lacks the scope. */
  wrong: Secret;
  ok: number;
}

describe('auth matrix over HTTP', () => {
  let store: TestStore;
  let s: TestService;
  let jobId = '';
  let finishedId = '';

  beforeAll(async () => {
    store = sqliteStore();
    s = await startTestService({ store });
    const handle = await s.spool.enqueue('idle', 'noop');
    await s.spool.cancel(handle.id);
    jobId = handle.id;
    const finished = await s.spool.enqueue('idle', 'noop');
    await s.spool.cancel(finished.id);
    finishedId = finished.id;
    await s.spool.declareSubscription('orders', 'audit');
  });

  afterAll(async () => {
    await s.close();
    await store.cleanup();
  });

  const routes: RouteCase[] = [
    {
      route: 'POST /v1/queues/{queue}/jobs',
      method: 'POST',
      path: () => '/v1/queues/idle/jobs',
      body: { name: 'noop' },
      needs: 'enqueue',
      wrong: 'read',
      ok: 202,
    },
    { route: 'GET /v1/jobs/{id}', method: 'GET', path: () => `/v1/jobs/${jobId}`, needs: 'read', wrong: 'enqueue', ok: 200 },
    { route: 'GET /v1/jobs/{id}/events', method: 'GET', path: () => `/v1/jobs/${jobId}/events`, needs: 'read', wrong: 'enqueue', ok: 200 },
    { route: 'GET /v1/jobs', method: 'GET', path: () => '/v1/jobs', needs: 'read', wrong: 'enqueue', ok: 200 },
    { route: 'GET /v1/queues/{queue}/jobs', method: 'GET', path: () => '/v1/queues/idle/jobs', needs: 'read', wrong: 'enqueue', ok: 200 },
    { route: 'GET /v1/queues', method: 'GET', path: () => '/v1/queues', needs: 'read', wrong: 'enqueue', ok: 200 },
    { route: 'GET /v1/openapi.json', method: 'GET', path: () => '/v1/openapi.json', needs: 'read', wrong: 'enqueue', ok: 200 },
    {
      route: 'POST /v1/jobs/{id}/cancel',
      method: 'POST',
      path: () => `/v1/jobs/${jobId}/cancel`,
      needs: 'admin',
      wrong: 'producer',
      ok: 200,
    },
    {
      route: 'POST /v1/jobs/{id}/retry',
      method: 'POST',
      path: () => `/v1/jobs/${jobId}/retry`,
      needs: 'admin',
      wrong: 'producer',
      ok: 200,
    },
    {
      route: 'GET /v1/jobs/{id}/errors',
      method: 'GET',
      path: () => `/v1/jobs/${jobId}/errors`,
      needs: 'admin',
      wrong: 'producer',
      ok: 200,
    },
    {
      route: 'POST /v1/topics/{topic}/events',
      method: 'POST',
      path: () => '/v1/topics/orders/events',
      body: { payload: { n: 1 } },
      needs: 'publish',
      wrong: 'read',
      ok: 202,
    },
    { route: 'GET /v1/topics', method: 'GET', path: () => '/v1/topics', needs: 'read', wrong: 'publish', ok: 200 },
    {
      route: 'GET /v1/topics/{topic}/events',
      method: 'GET',
      path: () => '/v1/topics/orders/events',
      needs: 'read',
      wrong: 'publish',
      ok: 200,
    },
    { route: 'GET /v1/subscriptions', method: 'GET', path: () => '/v1/subscriptions', needs: 'read', wrong: 'publish', ok: 200 },
    {
      route: 'POST /v1/subscriptions/{name}/replay',
      method: 'POST',
      path: () => '/v1/subscriptions/audit/replay',
      body: { from: 'beginning' },
      needs: 'admin',
      wrong: 'producer',
      ok: 200,
    },
    { route: 'GET /v1/stats/throughput', method: 'GET', path: () => '/v1/stats/throughput', needs: 'read', wrong: 'enqueue', ok: 200 },
    { route: 'GET /v1/queues/{queue}', method: 'GET', path: () => '/v1/queues/idle', needs: 'read', wrong: 'publish', ok: 200 },
    {
      route: 'POST /v1/queues/{queue}/pause',
      method: 'POST',
      path: () => '/v1/queues/paused-by-auth-test/pause',
      needs: 'admin',
      wrong: 'producer',
      ok: 200,
    },
    {
      route: 'POST /v1/queues/{queue}/resume',
      method: 'POST',
      path: () => '/v1/queues/paused-by-auth-test/resume',
      needs: 'admin',
      wrong: 'producer',
      ok: 200,
    },
    {
      route: 'PUT /v1/queues/{queue}/limits',
      method: 'PUT',
      path: () => '/v1/queues/limited-by-auth-test/limits',
      body: { maxDepth: 100 },
      needs: 'admin',
      wrong: 'producer',
      ok: 200,
    },
    { route: 'GET /v1/breakers', method: 'GET', path: () => '/v1/breakers', needs: 'read', wrong: 'publish', ok: 200 },
    {
      route: 'PUT /v1/breakers/{name}',
      method: 'PUT',
      path: () => '/v1/breakers/auth-test',
      body: { failures: 2 },
      needs: 'admin',
      wrong: 'producer',
      ok: 204,
    },
    { route: 'GET /v1/stats/events', method: 'GET', path: () => '/v1/stats/events', needs: 'read', wrong: 'publish', ok: 200 },
    { route: 'GET /v1/stats/backlog', method: 'GET', path: () => '/v1/stats/backlog', needs: 'read', wrong: 'enqueue', ok: 200 },
    {
      route: 'POST /v1/queues/{queue}/dead-letters/retry',
      method: 'POST',
      path: () => '/v1/queues/idle/dead-letters/retry',
      needs: 'admin',
      wrong: 'producer',
      ok: 200,
    },
    { route: 'GET /v1/workers', method: 'GET', path: () => '/v1/workers', needs: 'read', wrong: 'enqueue', ok: 200 },
    {
      route: 'DELETE /v1/jobs/{id}',
      method: 'DELETE',
      path: () => `/v1/jobs/${finishedId}`,
      needs: 'admin',
      wrong: 'producer',
      ok: 200,
    },
    {
      route: 'DELETE /v1/queues/{queue}/dead-letters',
      method: 'DELETE',
      path: () => '/v1/queues/idle/dead-letters',
      needs: 'admin',
      wrong: 'producer',
      ok: 200,
    },
  ];

  const call = (r: RouteCase, token?: string) =>
    s.api(r.path(), {
      ...(r.body ? { ...jsonBody(r.body), method: r.method } : { method: r.method }),
      headers: r.body ? { 'content-type': 'application/json' } : {},
      token,
    });

  describe.each(routes)('$route (needs $needs)', (r) => {
    it('answers 401 with WWW-Authenticate and no token', async () => {
      const response = await call(r);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="spool"');
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(await response.json()).toMatchObject({ code: 'SPOOL_UNAUTHORIZED', detail: expect.stringContaining('Authorization: Bearer') });
    });

    it('answers 401 for a token nobody configured', async () => {
      const response = await call(r, 'not-a-configured-secret-123');
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
      await response.body?.cancel();
    });

    it('answers 403 for a valid token without the scope, naming the scope', async () => {
      const response = await call(r, secrets[r.wrong]);
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ code: 'SPOOL_FORBIDDEN', detail: expect.stringContaining(`needs "${r.needs}"`) });
    });

    it('lets the right scope through', async () => {
      const response = await call(r, secrets[r.needs]);
      expect(response.status).toBe(r.ok);
      await response.text();
    });

    if (r.needs !== 'admin') {
      it('lets admin through, as admin includes every scope', async () => {
        const response = await call(r, secrets.admin);
        expect(response.status).toBe(r.ok);
        await response.text();
      });
    }
  });

  describe('GET /v1/auth/whoami (needs any valid token)', () => {
    it('answers 401 without a token or with an unknown one', async () => {
      const none = await s.api('/v1/auth/whoami');
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer realm="spool"');
      await none.body?.cancel();
      const unknown = await s.api('/v1/auth/whoami', { token: 'not-a-configured-secret-123' });
      expect(unknown.status).toBe(401);
      await unknown.body?.cancel();
    });

    it.each([
      ['enqueue', 'enqueuer', ['enqueue']],
      ['read', 'reader', ['read']],
      ['admin', 'operator', ['admin']],
      ['producer', 'producer', ['enqueue', 'read']],
    ] as const)('tells a %s token its name and scopes, never its secret', async (secret, name, scopes) => {
      const response = await s.api('/v1/auth/whoami', { token: secrets[secret] });
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(JSON.parse(text)).toEqual({ name, scopes, insecure: false });
      expect(text).not.toContain(secrets[secret]);
    });
  });

  it('needs no token for /healthz and /readyz', async () => {
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${s.url}/readyz`)).status).toBe(200);
  });

  it('checks auth before validation, so strangers learn nothing about the request shape', async () => {
    const response = await s.api('/v1/jobs/not-an-id');
    expect(response.status).toBe(401);
    await response.body?.cancel();
  });
});

describe('insecure dev mode', () => {
  it('lets requests through without a token on 127.0.0.1', async () => {
    const store = sqliteStore();
    const s = await startTestService({ store, insecureNoAuth: true });
    try {
      const response = await s.api('/v1/queues/idle/jobs', { ...jsonBody({ name: 'noop' }) });
      expect(response.status).toBe(202);
      expect((await s.api('/v1/queues')).status).toBe(200);
      expect(await (await s.api('/v1/auth/whoami')).json()).toEqual({ name: 'insecure-dev-mode', scopes: ['admin'], insecure: true });
    } finally {
      await s.close();
      await store.cleanup();
    }
  });

  it('is refused on a non-loopback address, before anything is opened', async () => {
    const store = sqliteStore();
    try {
      await expect(
        startService({ config: testConfig({ store, host: '0.0.0.0' }), http: true, insecureNoAuth: true, logger: silentLogger }),
      ).rejects.toThrow(/Refusing --insecure-no-auth on 0\.0\.0\.0/);
    } finally {
      await store.cleanup();
    }
  });

  it('refuses to serve without tokens unless the dev mode is asked for', async () => {
    const store = sqliteStore();
    try {
      const config = { ...testConfig({ store }), tokens: [] };
      await expect(startService({ config, http: true, logger: silentLogger })).rejects.toThrow(
        /No API tokens are configured.*SPOOL_TOKENS/,
      );
      // Workers alone need no tokens.
      const workers = await startService({ config, http: false, logger: silentLogger });
      await workers.close();
    } finally {
      await store.cleanup();
    }
  });

  it('knows which hosts are loopback', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost']) expect(isLoopback(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.168.1.4', 'example.com', '128.0.0.1']) expect(isLoopback(host)).toBe(false);
  });
});

describe('tokens', () => {
  it('reads SPOOL_TOKENS and keeps only hashes', () => {
    const tokens = parseTokensEnv('ci:secret-for-ci-000001:enqueue+read, ops:secret-for-ops-00001:admin');
    expect(tokens).toEqual([
      { name: 'ci', hash: hashToken('secret-for-ci-000001'), scopes: ['enqueue', 'read'] },
      { name: 'ops', hash: hashToken('secret-for-ops-00001'), scopes: ['admin'] },
    ]);
    expect(JSON.stringify(tokens)).not.toContain('secret-for');
  });

  it('explains malformed SPOOL_TOKENS entries', () => {
    expect(() => parseTokensEnv('ci:short:read')).toThrow(/at least 16/);
    expect(() => parseTokensEnv('ci:secret-for-ci-000001:write')).toThrow(
      /unknown scope "write"; use enqueue, publish, read, metrics, admin/,
    );
    expect(() => parseTokensEnv('just-a-secret')).toThrow(/name:secret:scope\+scope/);
  });

  it('finds a token by its hash and checks scopes, admin including the others', () => {
    const tokens = parseTokensEnv('a:aaaaaaaaaaaaaaaa1:read,b:bbbbbbbbbbbbbbbb1:admin');
    expect(findToken(tokens, 'aaaaaaaaaaaaaaaa1')?.name).toBe('a');
    expect(findToken(tokens, 'aaaaaaaaaaaaaaaa2')).toBeNull();
    expect(hasScope(tokens[0] as never, 'enqueue')).toBe(false);
    expect(hasScope(tokens[1] as never, 'enqueue')).toBe(true);
  });
});

describe('readiness without a network', () => {
  it('answers 503 on /readyz once shutdown begins (app.request)', async () => {
    const store = sqliteStore();
    const spool = await createSpool({ store: store.url, logger: silentLogger, shutdownSignals: false });
    try {
      const { app, stopAccepting } = createApp({ spool, auth: { mode: 'tokens', tokens: [] } });
      expect((await app.request('/readyz')).status).toBe(200);
      stopAccepting();
      const response = await app.request('/readyz');
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ code: 'SPOOL_SHUTTING_DOWN' });
    } finally {
      await spool.close();
      await store.cleanup();
    }
  });
});
