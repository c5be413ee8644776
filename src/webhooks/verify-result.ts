/** What verifying a webhook takes and returns, shared by both signature schemes. */

export interface VerifyOptions {
  /** Largest allowed difference between the signature's time and now, in seconds. @defaultValue 300 */
  toleranceSeconds?: number;
  /** Now, in unix seconds (for tests). @defaultValue the system clock */
  now?: number;
}

/** `id` is the `webhook-id` (the same on every retry of one delivery: deduplicate by it); the legacy scheme has none. */
export type VerifyResult = { ok: true; timestamp: number; id?: string } | { ok: false; reason: string };
