/**
 * @module
 * API tokens as configured: read from the config file or `SPOOL_TOKENS`, kept only as SHA-256
 * hashes of their secrets. The server checks presented tokens against these (`server/auth.ts`).
 */
import { createHash, randomBytes } from 'node:crypto';
import { InvalidArgumentError } from '../core/errors.js';
import { type Scope, scopes } from '../core/scopes.js';

/** One API token as configured: a name for logs, the SHA-256 hex of its secret, its scopes. */
export interface TokenEntry {
  name: string;
  hash: string;
  scopes: Scope[];
}

/** The SHA-256 hex digest of a token secret: what the config file and the server keep. */
export function hashToken(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** A new random token secret, `spool_` and 32 URL-safe characters. */
export function generateToken(): string {
  return `spool_${randomBytes(24).toString('base64url')}`;
}

const minSecretLength = 16;

/**
 * Reads `SPOOL_TOKENS`: comma-separated `name:secret:scope+scope` entries, hashed at once.
 * For example `ci:spool_abc…:enqueue+read,ops:spool_def…:admin`.
 */
export function parseTokensEnv(value: string): TokenEntry[] {
  return value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((entry, index) => {
      const [name, secret, scopeList, ...rest] = entry.split(':');
      const where = `SPOOL_TOKENS entry ${index + 1}${name ? ` ("${name}")` : ''}`;
      if (!name || !secret || !scopeList || rest.length > 0) {
        throw new InvalidArgumentError(
          `${where} must look like name:secret:scope+scope (for example ci:spool_xxxxxxxxxxxxxxxx:enqueue+read); separate entries with commas.`,
        );
      }
      if (secret.length < minSecretLength) {
        throw new InvalidArgumentError(
          `${where}: the secret is ${secret.length} characters; use at least ${minSecretLength} (\`spool token create\` makes one).`,
        );
      }
      return { name, hash: hashToken(secret), scopes: parseScopes(scopeList.split('+'), where) };
    });
}

export function parseScopes(list: readonly string[], where: string): Scope[] {
  const out: Scope[] = [];
  for (const raw of list) {
    const scope = raw.trim();
    if (!(scopes as readonly string[]).includes(scope)) {
      throw new InvalidArgumentError(`${where}: unknown scope ${JSON.stringify(scope)}; use ${scopes.join(', ')}.`);
    }
    if (!out.includes(scope as Scope)) out.push(scope as Scope);
  }
  if (out.length === 0) throw new InvalidArgumentError(`${where}: give at least one scope (${scopes.join(', ')}).`);
  return out;
}
