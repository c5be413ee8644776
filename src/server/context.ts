import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Spool } from '../client/spool.js';
import type { AuthEnv, AuthSettings } from './auth.js';
import type { ChangeFeed } from './change-feed.js';
import type { SseOptions, StreamRegistry } from './sse.js';

/** What every route module gets: the Spool, the auth settings, and the server's shared state. */
export interface RouteContext {
  spool: Spool;
  auth: AuthSettings;
  bodyLimit: number;
  /** Queues configured on this server; listed even while they hold no jobs. */
  queues: readonly string[];
  sse: SseOptions;
  streams: StreamRegistry;
  /** The one change feed every event stream of this server waits on. */
  feed: ChangeFeed;
  /** False once a shutdown began: readiness fails so load balancers move traffic away. */
  accepting(): boolean;
}

export type SpoolApi = OpenAPIHono<AuthEnv>;
