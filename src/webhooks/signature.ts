/**
 * @module
 * Webhook signatures. Every delivery carries
 *
 *     Spool-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the secret>
 *
 * Receivers recompute the HMAC over the raw body bytes as received (before any JSON parsing),
 * compare in constant time, and refuse timestamps outside a tolerance to stop replays.
 * `verifyWebhook` does all three.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const signatureHeader = 'Spool-Signature';

export function computeSignature(secret: string, timestamp: number, rawBody: string | Uint8Array): string {
  const hmac = createHmac('sha256', secret);
  hmac.update(`${timestamp}.`);
  hmac.update(rawBody);
  return hmac.digest('hex');
}

/** The `Spool-Signature` header value for a body sent at `timestamp` (unix seconds). */
export function signWebhook(secret: string, rawBody: string | Uint8Array, timestamp = Math.floor(Date.now() / 1000)): string {
  return `t=${timestamp},v1=${computeSignature(secret, timestamp, rawBody)}`;
}

export interface VerifyOptions {
  /** Largest allowed difference between the signature's time and now, in seconds. @defaultValue 300 */
  toleranceSeconds?: number;
  /** Now, in unix seconds (for tests). @defaultValue the system clock */
  now?: number;
}

export type VerifyResult = { ok: true; timestamp: number } | { ok: false; reason: string };

/**
 * Checks a webhook's `Spool-Signature` header against the raw body. Returns `{ ok: true }` or
 * `{ ok: false, reason }`; never throws. Several `v1=` values may appear while a secret is being
 * rotated; any one matching is enough.
 *
 * ```ts
 * const result = verifyWebhook(process.env.SPOOL_WEBHOOK_SECRET!, req.headers['spool-signature'], rawBody);
 * if (!result.ok) return res.status(400).send(result.reason);
 * ```
 */
export function verifyWebhook(
  secret: string,
  header: string | string[] | null | undefined,
  rawBody: string | Uint8Array,
  options: VerifyOptions = {},
): VerifyResult {
  const value = Array.isArray(header) ? header.join(',') : header;
  if (!secret) return { ok: false, reason: 'no secret to verify with' };
  if (!value) return { ok: false, reason: `the ${signatureHeader} header is missing` };
  let timestamp: number | null = null;
  const signatures: string[] = [];
  for (const part of value.split(',')) {
    const [key, ...rest] = part.trim().split('=');
    const v = rest.join('=');
    if (key === 't' && /^\d{1,12}$/.test(v)) timestamp = Number(v);
    else if (key === 'v1' && /^[0-9a-f]{64}$/i.test(v)) signatures.push(v.toLowerCase());
  }
  if (timestamp === null || signatures.length === 0) {
    return { ok: false, reason: `the ${signatureHeader} header is malformed; expected t=<unix seconds>,v1=<hex>` };
  }
  const tolerance = options.toleranceSeconds ?? 300;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > tolerance) {
    return { ok: false, reason: `the signature's timestamp is ${Math.abs(now - timestamp)} s away from now (tolerance ${tolerance} s)` };
  }
  const expected = Buffer.from(computeSignature(secret, timestamp, rawBody), 'hex');
  const match = signatures.some((candidate) => {
    const given = Buffer.from(candidate, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return match
    ? { ok: true, timestamp }
    : { ok: false, reason: 'the signature does not match the body (wrong secret, or the body was changed)' };
}
