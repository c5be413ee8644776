/**
 * The dashboard's static files as the app serves them (no network: `app.request`): content
 * types, caching, index.html for client routes, the API untouched, and a page that says how to
 * build when the build is missing.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Spool, createSpool, silentLogger } from '../../src/index.js';
import { createApp } from '../../src/server/app.js';

describe('dashboard static files', () => {
  let dir: string;
  let spool: Spool;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'spool-dashboard-'));
    mkdirSync(join(dir, 'dist', 'assets'), { recursive: true });
    writeFileSync(join(dir, 'dist', 'index.html'), '<!doctype html><title>Spool</title><div id="root"></div>');
    writeFileSync(join(dir, 'dist', 'assets', 'index-abc123.js'), 'console.log("spool")');
    writeFileSync(join(dir, 'dist', 'assets', 'index-abc123.css'), 'body{}');
    spool = await createSpool({ store: `sqlite:${join(dir, 'spool.db')}`, logger: silentLogger, shutdownSignals: false });
  });

  afterAll(async () => {
    await spool.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const app = (dashboard: string | false) => createApp({ spool, auth: { mode: 'tokens', tokens: [] }, dashboard }).app;

  it('serves index.html at / with a strict content security policy', async () => {
    const response = await app(join(dir, 'dist')).request('/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await response.text()).toContain('<div id="root">');
  });

  it('serves hashed assets with their content type and long-lived caching', async () => {
    const js = await app(join(dir, 'dist')).request('/assets/index-abc123.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await js.text()).toBe('console.log("spool")');
    const css = await app(join(dir, 'dist')).request('/assets/index-abc123.css');
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    await css.text();
  });

  it('answers index.html for client routes, and 404 problem+json for a missing asset', async () => {
    for (const path of ['/jobs', '/jobs/42', '/dead-letters?queue=emails', '/queues/shop.orders', '/topics/order.events', '/breakers']) {
      const response = await app(join(dir, 'dist')).request(path);
      expect(response.status, path).toBe(200);
      expect(await response.text()).toContain('<div id="root">');
    }
    const missing = await app(join(dir, 'dist')).request('/assets/gone-123.js');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    await missing.text();
  });

  it('never answers the dashboard for API paths or other methods', async () => {
    // GET /metrics is an API route (it needs a token), never the dashboard.
    expect((await app(join(dir, 'dist')).request('/metrics')).status).toBe(401);
    for (const path of ['/v1/nothing-here', '/v2/jobs']) {
      const unknown = await app(join(dir, 'dist')).request(path);
      expect(unknown.status, path).toBe(404);
      expect(await unknown.json()).toMatchObject({ code: 'SPOOL_ROUTE_NOT_FOUND' });
    }
    const unauthorized = await app(join(dir, 'dist')).request('/v1/jobs');
    expect(unauthorized.status).toBe(401);
    await unauthorized.text();
    const post = await app(join(dir, 'dist')).request('/jobs', { method: 'POST' });
    expect(post.status).toBe(404);
    await post.text();
    expect((await app(join(dir, 'dist')).request('/healthz')).headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('refuses paths that climb out of the build folder', async () => {
    const response = await app(join(dir, 'dist')).request('/assets/..%2f..%2fspool.db');
    expect(response.status).not.toBe(200);
    const text = await response.text();
    expect(text).not.toContain('SQLite');
  });

  it('answers a page saying how to build when the build is missing', async () => {
    const response = await app(join(dir, 'no-such-dist')).request('/');
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const text = await response.text();
    expect(text).toContain('The Spool dashboard is not built yet');
    expect(text).toContain('npm run build');
    const api = await app(join(dir, 'no-such-dist')).request('/healthz');
    expect(api.status).toBe(200);
    await api.text();
  });

  it('serves the API alone with dashboard: false', async () => {
    const response = await app(false).request('/');
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'SPOOL_ROUTE_NOT_FOUND' });
  });
});
