/**
 * @module
 * Bearer tokens with scopes. Secrets are never kept: only their SHA-256 hashes, compared in
 * constant time. `admin` includes every other scope. The insecure dev mode lets every request
 * through and is refused on anything but a loopback address.
 */
import { timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { type TokenEntry, hashToken } from '../config/tokens.js';
import type { Scope } from '../core/scopes.js';
import { makeProblem, problemResponse } from './problem.js';
import { requestHeader } from './request-header.js';

export { scopes } from '../core/scopes.js';
export type { Scope } from '../core/scopes.js';
export { generateToken, hashToken, parseScopes, parseTokensEnv } from '../config/tokens.js';
export type { TokenEntry } from '../config/tokens.js';

export type AuthSettings = { mode: 'tokens'; tokens: TokenEntry[] } | { mode: 'insecure' };

/**
 * Secrets already verified, per token list: hashing and comparing every entry is the same work on
 * every request of a client that keeps sending one token (a few µs each, measured in the enqueue
 * profile). Only matches are kept, so guesses never fill it; it is bounded and starts over when full.
 */
const verified = new WeakMap<readonly TokenEntry[], Map<string, TokenEntry>>();
const maxVerified = 1_024;

/** findToken, remembering matches (see `verified`). */
export function findTokenCached(tokens: readonly TokenEntry[], secret: string): TokenEntry | null {
  let known = verified.get(tokens);
  if (!known) verified.set(tokens, (known = new Map()));
  const hit = known.get(secret);
  if (hit) return hit;
  const token = findToken(tokens, secret);
  if (token) {
    if (known.size >= maxVerified) known.clear();
    known.set(secret, token);
  }
  return token;
}

/** Finds the token whose hash matches the presented secret. Every entry is compared, in constant time. */
export function findToken(tokens: readonly TokenEntry[], secret: string): TokenEntry | null {
  const presented = Buffer.from(hashToken(secret), 'hex');
  let found: TokenEntry | null = null;
  for (const token of tokens) {
    const stored = Buffer.from(token.hash, 'hex');
    if (stored.length === presented.length && timingSafeEqual(stored, presented) && !found) found = token;
  }
  return found;
}

export function hasScope(token: Pick<TokenEntry, 'scopes'>, scope: Scope): boolean {
  return token.scopes.includes(scope) || token.scopes.includes('admin');
}

/** True for 127.0.0.0/8, ::1 and localhost: the only hosts the insecure dev mode may listen on. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || h === '::ffff:127.0.0.1';
}

/** The token that authenticated a request, for handlers and logs. */
export interface Principal {
  name: string;
  scopes: readonly Scope[];
}

export type AuthEnv = { Variables: { principal: Principal } };

/** True when the request's token may see what operators see (admin): developers' error messages. */
export function isOperator(principal: Principal | undefined): boolean {
  return principal?.scopes.includes('admin') === true;
}

/** Middleware: 401 without a valid bearer token; any scope will do (for `GET /v1/auth/whoami`). */
export function requireToken(auth: AuthSettings): MiddlewareHandler<AuthEnv> {
  return requireScope(auth, null);
}

/**
 * Middleware: 401 without a valid bearer token, 403 when the token has none of the scopes the
 * route accepts (null: any scope will do). Authentication runs before the request is validated,
 * so nothing is revealed to strangers.
 */
export function requireScope(auth: AuthSettings, accepted: Scope | readonly Scope[] | null): MiddlewareHandler<AuthEnv> {
  const wanted = accepted === null ? null : typeof accepted === 'string' ? [accepted] : accepted;
  const named = wanted?.map((s) => `"${s}"`).join(' or ') ?? '';
  return async function authorize(c, next) {
    if (auth.mode === 'insecure') {
      c.set('principal', { name: 'insecure-dev-mode', scopes: ['admin'] });
      return next();
    }
    const header = requestHeader(c, 'authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const token = match ? findTokenCached(auth.tokens, match[1] as string) : null;
    if (!token) {
      const detail = header
        ? 'The bearer token is not valid. Check it for typos, or ask an admin for a token.'
        : 'This route needs an API token: send "Authorization: Bearer <token>".';
      return problemResponse(makeProblem(401, 'SPOOL_UNAUTHORIZED', detail), {
        'www-authenticate': `Bearer realm="spool"${header ? ', error="invalid_token"' : ''}`,
      });
    }
    if (wanted !== null && !wanted.some((scope) => hasScope(token, scope))) {
      const includesAdmin = wanted.includes('admin') ? '' : ' (or "admin", which includes every scope)';
      return problemResponse(
        makeProblem(
          403,
          'SPOOL_FORBIDDEN',
          `The token "${token.name}" has the scope${token.scopes.length > 1 ? 's' : ''} ${token.scopes.join(', ')}; this route needs ${named}${includesAdmin}. Use a token with that scope.`,
        ),
        { 'www-authenticate': `Bearer realm="spool", error="insufficient_scope", scope="${wanted.join(' ')}"` },
      );
    }
    c.set('principal', { name: token.name, scopes: token.scopes });
    return next();
  };
}
