/**
 * @module
 * The webhook worker's options, declared once with their defaults, and the checks shared by the
 * config file and the library.
 */
import type { LookupFunction } from 'node:net';
import { InvalidArgumentError } from '../core/errors.js';
import { type AddressPolicy, createAddressPolicy } from './address-policy.js';
import type { SignatureScheme } from './signature.js';
import { signatureSchemes } from './signature.js';
import { spoolSecretProblem } from './spool-signature.js';
import { standardSecretProblem } from './standard-signature.js';

export interface WebhookOptions {
  /**
   * The secret(s) that sign deliveries: `whsec_<base64>` for Standard Webhooks; a raw string of
   * 16+ characters is enough for the legacy `signature: 'spool'`. Several while rotating, newest
   * first: each delivery carries one signature per secret. Without one, deliveries are refused
   * unless `allowUnsigned`.
   */
  secret: string | readonly string[] | null;
  /** The headers deliveries carry: Standard Webhooks, the legacy `Spool-Signature`, or both. @defaultValue 'standard' */
  signature?: SignatureScheme;
  /**
   * Host names, IP addresses or CIDR ranges that callbacks may reach although they are
   * loopback, private, link-local or otherwise reserved: internal receivers you trust.
   * @defaultValue []
   */
  allowHosts?: readonly string[];
  /** Send without a signature when there is no secret (the insecure dev mode only). @defaultValue false */
  allowUnsigned?: boolean;
  /** Deliveries in flight at once. @defaultValue 4 */
  concurrency?: number;
  /** Resolves host names (as `dns.lookup`); every address it returns is checked before connecting. @defaultValue dns.lookup */
  lookup?: LookupFunction;
}

export const webhookDefaults = {
  signature: 'standard',
  allowHosts: [],
  allowUnsigned: false,
  concurrency: 4,
} as const satisfies Required<Omit<WebhookOptions, 'secret' | 'lookup'>>;

export interface ResolvedWebhookOptions {
  secrets: readonly string[];
  signature: SignatureScheme;
  policy: AddressPolicy;
  allowUnsigned: boolean;
  concurrency: number;
  lookup: LookupFunction | undefined;
}

/** What is wrong with these secrets for this scheme, or null. */
export function webhookSecretProblem(secrets: readonly string[], signature: SignatureScheme): string | null {
  const check = signature === 'spool' ? spoolSecretProblem : standardSecretProblem;
  for (const [i, secret] of secrets.entries()) {
    const problem = check(secret);
    if (problem) return secrets.length > 1 ? `secret ${i + 1} of ${secrets.length}: ${problem}` : problem;
  }
  return null;
}

export function secretList(secret: string | readonly string[] | null | undefined): readonly string[] {
  if (!secret) return [];
  return typeof secret === 'string' ? [secret] : secret;
}

/** Applies the defaults and checks everything once, at start, so a bad secret or allow-list fails there and not per delivery. */
export function resolveWebhookOptions(options: WebhookOptions): ResolvedWebhookOptions {
  const signature = options.signature ?? webhookDefaults.signature;
  if (!signatureSchemes.includes(signature)) {
    throw new InvalidArgumentError(`webhooks.signature must be one of ${signatureSchemes.join(', ')}; got ${JSON.stringify(signature)}.`);
  }
  const secrets = secretList(options.secret);
  const problem = webhookSecretProblem(secrets, signature);
  if (problem) {
    throw new InvalidArgumentError(
      signature === 'spool'
        ? `The webhook secret is not usable: ${problem}.`
        : `The webhook secret is not usable for webhooks.signature '${signature}': ${problem}. Generate one with \`spool webhook-secret create\` (or \`echo "whsec_$(openssl rand -base64 32)"\`), or set webhooks.signature: 'spool' to keep the legacy Spool-Signature header with a raw secret.`,
    );
  }
  return {
    secrets,
    signature,
    policy: createAddressPolicy(options.allowHosts ?? webhookDefaults.allowHosts),
    allowUnsigned: options.allowUnsigned ?? webhookDefaults.allowUnsigned,
    concurrency: options.concurrency ?? webhookDefaults.concurrency,
    lookup: options.lookup,
  };
}
