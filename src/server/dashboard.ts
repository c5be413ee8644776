/**
 * @module
 * Serves the dashboard (the built `dashboard/dist/`) at `/`: hashed assets with long-lived
 * caching, and `index.html` for every other GET that is not the API, so client routes such as
 * `/jobs/42` load the app. When the build is missing, `/` answers a page that says how to build
 * it instead of failing. The dashboard talks to the server only through `/v1`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveStatic } from '@hono/node-server/serve-static';
import type { MiddlewareHandler } from 'hono';
import type { AuthEnv } from './auth.js';

/** Where `npm run build` puts the dashboard: `dashboard/dist/` at the repository root. */
export const defaultDashboardDir = fileURLToPath(new URL('../../dashboard/dist/', import.meta.url));

/** Paths that belong to the API (any version) and operations, never to the dashboard. */
const apiPath = /^\/(v\d+|healthz|readyz|metrics)(\/|$)/;

/** Client routes named after a queue or topic, whose names may hold dots ("shop.orders"): never a file. */
const namedRoute = /^\/(queues|topics)\/[^/]+\/?$/;

const securityHeaders: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export function dashboardHandler(dir: string): MiddlewareHandler<AuthEnv> {
  const index = join(dir, 'index.html');
  const assets = serveStatic<AuthEnv>({ root: dir });
  const page = serveStatic<AuthEnv>({ path: index });

  return async function serveDashboard(c, next) {
    if ((c.req.method !== 'GET' && c.req.method !== 'HEAD') || apiPath.test(c.req.path)) return next();
    if (!existsSync(index)) return c.html(missingBuildPage(dir), 503, { 'cache-control': 'no-store' });
    for (const [name, value] of Object.entries(securityHeaders)) c.header(name, value);
    // Vite names assets by content hash, so they never change; index.html is checked every time.
    c.header('cache-control', c.req.path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    // A file of the build, or a client route (no extension): the app's index.html.
    const response = await assets(c, async () => {});
    if (response) return response;
    if (/\.[a-z0-9]+$/i.test(c.req.path) && !namedRoute.test(c.req.path)) return next();
    return (await page(c, next)) ?? next();
  };
}

function missingBuildPage(dir: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Spool: the dashboard is not built</title></head>
<body style="font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem">
<h1>The Spool dashboard is not built yet</h1>
<p>The API is running (try <a href="/healthz">/healthz</a>), but there is no dashboard build in <code>${escapeHtml(dir)}</code>.</p>
<p>Build it from the repository root, then reload this page:</p>
<pre style="background:#f3f4f6;padding:.75rem 1rem;border-radius:6px">npm run build</pre>
<p><code>npm install</code> and <code>npm ci</code> build it too.</p>
</body></html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
