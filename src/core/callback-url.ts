/**
 * @module
 * The checks on a `callbackUrl` that need no network and no config, for enqueue validation.
 * Which addresses it may reach is decided later, at connect time, by the address policy: a
 * host name can resolve differently by then.
 */

/** What is wrong with a callback URL, as a sentence that says what to do, or null when it is acceptable. */
export function checkCallbackUrl(url: string): string | null {
  // Spaces and control characters (NUL included) are refused before parsing: the URL parser
  // would quietly strip some of them, so the URL stored would not be the URL that was checked.
  const unsafe = [...url].some((ch) => /\s/.test(ch) || ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);
  if (unsafe) return 'must not contain spaces or control characters';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be an absolute http:// or https:// URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return `must be an http:// or https:// URL, not ${parsed.protocol}//`;
  }
  if (!parsed.hostname) return 'must name a host';
  if (parsed.username || parsed.password) {
    return 'must not contain credentials (user:password@host); deliveries are signed, so have the receiver verify the signature instead';
  }
  return null;
}
