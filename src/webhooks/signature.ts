/**
 * @module
 * Signing and verifying webhooks, for senders and receivers. The default scheme is Standard
 * Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`, `whsec_` secrets); the
 * legacy `Spool-Signature` header stays available. Receivers verify over the raw body bytes as
 * received, before any JSON parsing.
 */
import { InvalidArgumentError } from '../core/errors.js';
import { signSpool, spoolSecretProblem, spoolSignatureHeader, verifySpool } from './spool-signature.js';
import { type StandardHeaders, signStandard, verifyStandard } from './standard-signature.js';
import type { VerifyOptions, VerifyResult } from './verify-result.js';

export type { StandardHeaders } from './standard-signature.js';
export type { VerifyOptions, VerifyResult } from './verify-result.js';

/** Which signature headers deliveries carry. @defaultValue 'standard' */
export type SignatureScheme = 'standard' | 'spool' | 'both';

export const signatureSchemes = ['standard', 'spool', 'both'] as const satisfies readonly SignatureScheme[];

/** A request's headers: a fetch `Headers`, or Node's `req.headers` (names in any case). */
export type HeadersLike = Headers | Record<string, string | string[] | undefined>;

const asList = (secret: string | readonly string[]): readonly string[] => (typeof secret === 'string' ? [secret] : secret);

function headerReader(headers: HeadersLike): (name: string) => string | undefined {
  if (typeof (headers as Headers).get === 'function') return (name) => (headers as Headers).get(name) ?? undefined;
  const lower = new Map(Object.entries(headers).map(([key, value]) => [key.toLowerCase(), value]));
  return (name) => {
    const value = lower.get(name);
    return Array.isArray(value) ? value.join(' ') : value;
  };
}

/**
 * Signs one delivery attempt. With a message `{ id, body, timestamp? }`, returns the Standard
 * Webhooks headers, signed with each secret (`whsec_…`; the newest first while rotating).
 *
 * The legacy form `signWebhook(secret, rawBody, timestamp?)` returns a `Spool-Signature` value.
 */
export function signWebhook(
  secret: string | readonly string[],
  message: { id: string; body: string | Uint8Array; timestamp?: number },
): StandardHeaders;
/** @deprecated The legacy `Spool-Signature` value; pass `{ id, body }` for Standard Webhooks headers. */
export function signWebhook(secret: string | readonly string[], rawBody: string | Uint8Array, timestamp?: number): string;
export function signWebhook(
  secret: string | readonly string[],
  message: string | Uint8Array | { id: string; body: string | Uint8Array; timestamp?: number },
  timestamp = Math.floor(Date.now() / 1000),
): StandardHeaders | string {
  const secrets = asList(secret);
  if (secrets.length === 0) throw new InvalidArgumentError('signWebhook needs at least one secret.');
  if (typeof message === 'string' || message instanceof Uint8Array) {
    const problem = secrets.map(spoolSecretProblem).find(Boolean);
    if (problem) throw new InvalidArgumentError(`The webhook secret is not usable: ${problem}.`);
    return signSpool(secrets, message, timestamp);
  }
  return signStandard(secrets, { id: message.id, body: message.body, timestamp: message.timestamp ?? timestamp });
}

/**
 * Checks a delivery's signature against its raw body. Returns `{ ok: true, id, timestamp }` or
 * `{ ok: false, reason }`; never throws. Give several secrets while rotating: any one matching
 * is enough. Timestamps further than `toleranceSeconds` (300) from now are refused, against replays.
 *
 * ```ts
 * const check = verifyWebhook(process.env.SPOOL_WEBHOOK_SECRET!, req.headers, rawBody);
 * if (!check.ok) return res.status(400).end(check.reason);
 * // check.id is the same on every retry of this delivery: deduplicate by it.
 * ```
 *
 * `scheme: 'spool'` checks the legacy `Spool-Signature` header of the same headers instead. The
 * legacy form `verifyWebhook(secret, req.headers['spool-signature'], rawBody)` still works.
 */
export function verifyWebhook(
  secret: string | readonly string[],
  headers: HeadersLike,
  rawBody: string | Uint8Array,
  options?: VerifyOptions & { scheme?: 'standard' | 'spool' },
): VerifyResult;
/** @deprecated Pass the request's headers object to verify Standard Webhooks signatures. */
export function verifyWebhook(
  secret: string | readonly string[],
  spoolSignature: string | string[] | null | undefined,
  rawBody: string | Uint8Array,
  options?: VerifyOptions,
): VerifyResult;
export function verifyWebhook(
  secret: string | readonly string[],
  headers: HeadersLike | string | string[] | null | undefined,
  rawBody: string | Uint8Array,
  options: VerifyOptions & { scheme?: 'standard' | 'spool' } = {},
): VerifyResult {
  const secrets = asList(secret);
  if (headers === null || headers === undefined || typeof headers === 'string' || Array.isArray(headers)) {
    return verifySpool(secrets, headers, rawBody, options);
  }
  const read = headerReader(headers);
  if (options.scheme === 'spool') return verifySpool(secrets, read(spoolSignatureHeader.toLowerCase()), rawBody, options);
  return verifyStandard(secrets, read, rawBody, options);
}
