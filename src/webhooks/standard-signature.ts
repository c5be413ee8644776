/**
 * @module
 * Standard Webhooks signatures (https://www.standardwebhooks.com), the default:
 *
 *     webhook-id: <delivery id, the same on every retry>
 *     webhook-timestamp: <unix seconds of this attempt>
 *     webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<raw body>"> [v1,<…> …]
 *
 * Secrets are `whsec_` followed by base64; the HMAC key is the decoded bytes. One signature per
 * secret, space-separated, so a secret can be rotated without downtime. Receivers can use any
 * Standard Webhooks library, or `verifyWebhook`.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { InvalidArgumentError } from '../core/errors.js';
import type { VerifyOptions, VerifyResult } from './verify-result.js';

export const secretPrefix = 'whsec_';

/** The spec asks for 24 to 64 random bytes; fewer is refused when Spool signs. */
const minimumKeyBytes = 24;

// A type, not an interface, so it can be passed where a plain headers record is expected.
export type StandardHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;

function decodeKey(secret: string): Buffer | null {
  const encoded = secret.startsWith(secretPrefix) ? secret.slice(secretPrefix.length) : secret;
  const unpadded = encoded.replace(/=+$/, '');
  // Buffer.from(…, 'base64') skips characters it does not know; check first, so a typo is an
  // error rather than a different key.
  if (!base64Pattern.test(encoded) || unpadded.length % 4 === 1) return null;
  const key = Buffer.from(unpadded, 'base64');
  return key.length > 0 ? key : null;
}

/** What is wrong with a secret Spool would sign with, or null. Accepts `whsec_<base64>` or the bare base64. */
export function standardSecretProblem(secret: string): string | null {
  const key = decodeKey(secret);
  if (!key) return `a Standard Webhooks secret is "${secretPrefix}" followed by base64`;
  if (key.length < minimumKeyBytes)
    return `a Standard Webhooks secret must decode to at least ${minimumKeyBytes} bytes; this one has ${key.length}`;
  return null;
}

/** A new random secret: `whsec_` and 32 random bytes in base64. */
export function generateWebhookSecret(): string {
  return `${secretPrefix}${randomBytes(32).toString('base64')}`;
}

function keyOf(secret: string): Buffer {
  const problem = standardSecretProblem(secret);
  if (problem) {
    throw new InvalidArgumentError(
      `The webhook secret is not usable: ${problem}. Generate one with \`echo "whsec_$(openssl rand -base64 32)"\`.`,
    );
  }
  return decodeKey(secret) as Buffer;
}

function hmac(key: Uint8Array, id: string, timestamp: number, rawBody: string | Uint8Array): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(rawBody).digest();
}

/** The three headers for one attempt; `webhook-signature` holds one `v1,` signature per secret. */
export function signStandard(
  secrets: readonly string[],
  message: { id: string; timestamp: number; body: string | Uint8Array },
): StandardHeaders {
  if (message.id.includes('.')) throw new InvalidArgumentError(`A webhook id may not contain "."; got "${message.id}".`);
  const signatures = secrets.map((secret) => `v1,${hmac(keyOf(secret), message.id, message.timestamp, message.body).toString('base64')}`);
  return { 'webhook-id': message.id, 'webhook-timestamp': String(message.timestamp), 'webhook-signature': signatures.join(' ') };
}

export function verifyStandard(
  secrets: readonly string[],
  header: (name: keyof StandardHeaders) => string | undefined,
  rawBody: string | Uint8Array,
  options: VerifyOptions = {},
): VerifyResult {
  const keys = secrets.map(decodeKey);
  if (keys.length === 0 || keys.some((k) => k === null)) {
    return { ok: false, reason: `no usable secret to verify with; expected "${secretPrefix}" followed by base64` };
  }
  const id = header('webhook-id');
  const stamp = header('webhook-timestamp');
  const signature = header('webhook-signature');
  const missing = [!id && 'webhook-id', !stamp && 'webhook-timestamp', !signature && 'webhook-signature'].filter(Boolean);
  if (!id || !stamp || !signature)
    return { ok: false, reason: `the ${missing.join(', ')} header${missing.length > 1 ? 's are' : ' is'} missing` };
  if (!/^\d{1,12}$/.test(stamp)) return { ok: false, reason: 'the webhook-timestamp header is not a unix time in seconds' };
  const timestamp = Number(stamp);
  const tolerance = options.toleranceSeconds ?? 300;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > tolerance) {
    return { ok: false, reason: `the signature's timestamp is ${Math.abs(now - timestamp)} s away from now (tolerance ${tolerance} s)` };
  }
  const given = signature
    .split(' ')
    .map((part) => part.split(','))
    .filter(([version, value]) => version === 'v1' && value)
    .map(([, value]) => Buffer.from(value as string, 'base64'));
  const match = (keys as Buffer[]).some((key) => {
    const expected = hmac(key, id, timestamp, rawBody);
    return given.some((candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected));
  });
  return match
    ? { ok: true, timestamp, id }
    : { ok: false, reason: 'no v1 signature matches the body (wrong secret, or the body was changed)' };
}
