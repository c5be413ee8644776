/**
 * @module
 * `GET /v1/auth/whoami`: the name and scopes of the token that made the request, so a client
 * (the dashboard) can show only what the token may do. Any valid token may ask.
 */
import { createRoute } from '@hono/zod-openapi';
import { requireToken } from '../auth.js';
import type { RouteContext, SpoolApi } from '../context.js';
import { WhoamiResponse, problemResponses } from '../schemas.js';

export function whoamiRoutes(app: SpoolApi, ctx: RouteContext): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/auth/whoami',
      summary: 'Who the token is',
      description: 'The name and scopes of the bearer token; any valid token may ask. Secrets are never echoed.',
      tags: ['auth'],
      security: [{ Bearer: [] }],
      middleware: [requireToken(ctx.auth)] as const,
      responses: {
        200: { description: 'The token.', content: { 'application/json': { schema: WhoamiResponse } } },
        ...problemResponses(),
      },
    }),
    (c) => {
      const principal = c.get('principal');
      return c.json({ name: principal.name, scopes: [...principal.scopes], insecure: ctx.auth.mode === 'insecure' }, 200);
    },
  );
}
