/**
 * @module
 * `spool/server`: the HTTP API as a Hono app to mount in your own server, and the service that
 * `spool serve` runs. Kept apart from the main entry so library users never load the web stack.
 */
export { createApp } from './app.js';
export type { AppOptions, SpoolApp } from './app.js';
export { generateToken, hashToken, parseTokensEnv } from './auth.js';
export type { AuthSettings, Scope, TokenEntry } from './auth.js';
export { toJobView } from './job-view.js';
export type { JobView } from './job-view.js';
export { listen } from './server.js';
export type { HttpServer, Listenable } from './server.js';
export { startService } from './service.js';
export type { Service, ServiceOptions } from './service.js';
export { loadConfig } from '../config/load-config.js';
export type { ResolvedConfig } from '../config/load-config.js';
export { startBacklogSampler } from './backlog-sampler.js';
export type { BacklogSampler } from './backlog-sampler.js';
