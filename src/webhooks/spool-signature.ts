/**
 * @module
 * The legacy `Spool-Signature` scheme, kept for receivers written before Standard Webhooks
 * (`webhooks.signature: 'spool'` or `'both'`):
 *
 *     Spool-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">[,v1=<hex>…]
 *
 * The HMAC key is the secret string's UTF-8 bytes, as given. One `v1=` per secret, so a secret
 * can be rotated without downtime.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { VerifyOptions, VerifyResult } from './verify-result.js';

export const spoolSignatureHeader = 'Spool-Signature';

/** Legacy secrets are used as they are; this is their one rule. */
export function spoolSecretProblem(secret: string): string | null {
  return secret.length >= 16 ? null : 'a Spool-Signature secret must have at least 16 characters';
}

export function computeSpoolSignature(secret: string, timestamp: number, rawBody: string | Uint8Array): string {
  const hmac = createHmac('sha256', secret);
  hmac.update(`${timestamp}.`);
  hmac.update(rawBody);
  return hmac.digest('hex');
}

/** The `Spool-Signature` header value for a body sent at `timestamp` (unix seconds), one `v1=` per secret. */
export function signSpool(secrets: readonly string[], rawBody: string | Uint8Array, timestamp: number): string {
  return [`t=${timestamp}`, ...secrets.map((secret) => `v1=${computeSpoolSignature(secret, timestamp, rawBody)}`)].join(',');
}

export function verifySpool(
  secrets: readonly string[],
  header: string | string[] | null | undefined,
  rawBody: string | Uint8Array,
  options: VerifyOptions = {},
): VerifyResult {
  const value = Array.isArray(header) ? header.join(',') : header;
  if (secrets.length === 0 || secrets.some((s) => !s)) return { ok: false, reason: 'no secret to verify with' };
  if (!value) return { ok: false, reason: `the ${spoolSignatureHeader} header is missing` };
  let timestamp: number | null = null;
  const signatures: string[] = [];
  for (const part of value.split(',')) {
    const [key, ...rest] = part.trim().split('=');
    const v = rest.join('=');
    if (key === 't' && /^\d{1,12}$/.test(v)) timestamp = Number(v);
    else if (key === 'v1' && /^[0-9a-f]{64}$/i.test(v)) signatures.push(v.toLowerCase());
  }
  if (timestamp === null || signatures.length === 0) {
    return { ok: false, reason: `the ${spoolSignatureHeader} header is malformed; expected t=<unix seconds>,v1=<hex>` };
  }
  const tolerance = options.toleranceSeconds ?? 300;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > tolerance) {
    return { ok: false, reason: `the signature's timestamp is ${Math.abs(now - timestamp)} s away from now (tolerance ${tolerance} s)` };
  }
  const at = timestamp;
  const match = secrets.some((secret) => {
    const expected = Buffer.from(computeSpoolSignature(secret, at, rawBody), 'hex');
    return signatures.some((candidate) => {
      const given = Buffer.from(candidate, 'hex');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
  });
  return match
    ? { ok: true, timestamp }
    : { ok: false, reason: 'the signature does not match the body (wrong secret, or the body was changed)' };
}
