/**
 * @module
 * The server of `server.metricsPort`: `GET /metrics` alone and without a token, for a scraper
 * inside a private network; nothing else is reachable there.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Spool } from '../client/spool.js';
import type { SpoolApp } from './app.js';
import type { AuthEnv } from './auth.js';
import { renderMetrics } from './routes/metrics.js';

export function metricsOnlyApp(spool: Spool): SpoolApp {
  const app = new OpenAPIHono<AuthEnv>();
  app.get('/metrics', (c) => renderMetrics(spool, c));
  app.notFound((c) => c.text('Only GET /metrics is served on this port.\n', 404));
  return { app, stopAccepting() {} };
}
