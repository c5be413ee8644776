/**
 * @module
 * API token scopes, declared once for the server, the config file and the CLI. `admin` includes
 * every other scope.
 */
export const scopes = ['enqueue', 'publish', 'read', 'metrics', 'admin'] as const;

export type Scope = (typeof scopes)[number];

export const scopeDescriptions: Record<Scope, string> = {
  enqueue: 'add jobs',
  publish: 'publish events',
  read: 'read jobs, queues and statistics',
  metrics: 'scrape GET /metrics (Prometheus)',
  admin: 'everything, including cancel, retry and deleting dead letters',
};
