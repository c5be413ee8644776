/**
 * @module
 * Which hosts and addresses a webhook may reach: public unicast addresses, plus what
 * `webhooks.allowHosts` lists (host names, IP addresses or CIDR ranges) for internal receivers
 * an operator trusts.
 */
import { InvalidArgumentError } from '../core/errors.js';
import { type Cidr, inCidr, parseCidr, parseIp, reservedRange, unmapIpv4 } from './address.js';

export interface AddressPolicy {
  /** True when the URL's host name itself is allow-listed, so its addresses are not checked. */
  allowsName(hostname: string): boolean;
  /** Why a connection to this resolved address is refused (the range it falls in), or null to allow it. */
  refusal(address: string): string | null;
}

const hostNamePattern = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

function normaliseName(hostname: string): string {
  return hostname.toLowerCase().replace(/\.$/, '');
}

/** What is wrong with one `allowHosts` entry, or null when it is a host name, an IP address or a CIDR range. */
export function allowHostProblem(entry: string): string | null {
  if (parseCidr(entry)) return null;
  if (/^[\d.]+(\/.*)?$|^[\da-f:.]*:[\da-f:.]*(\/.*)?$/i.test(entry))
    return `"${entry}" is not a valid IP address or CIDR range (e.g. 10.0.0.0/8)`;
  if (!hostNamePattern.test(normaliseName(entry))) {
    return `"${entry}" is not a host name, an IP address or a CIDR range; write hooks.internal, 10.0.0.5 or 10.0.0.0/8 (no scheme, port or path)`;
  }
  return null;
}

/** The default policy plus an allow-list. Throws InvalidArgumentError naming each bad entry. */
export function createAddressPolicy(allowHosts: readonly string[] = []): AddressPolicy {
  const problems = allowHosts.map(allowHostProblem).filter((p) => p !== null);
  if (problems.length > 0) throw new InvalidArgumentError(`webhooks.allowHosts is invalid: ${problems.join('; ')}.`);
  const names = new Set<string>();
  const ranges: Cidr[] = [];
  for (const entry of allowHosts) {
    const cidr = parseCidr(entry);
    if (cidr) ranges.push({ ...cidr, bytes: cidr.bits === cidr.bytes.length * 8 ? unmapIpv4(cidr.bytes) : cidr.bytes });
    else names.add(normaliseName(entry));
  }
  return {
    allowsName: (hostname) => names.has(normaliseName(hostname)),
    refusal(address) {
      const ip = parseIp(address);
      if (!ip) return `"${address}" is not an IP address`;
      const plain = unmapIpv4(ip);
      if (ranges.some((r) => inCidr(plain, r) || inCidr(ip, r))) return null;
      return reservedRange(plain);
    },
  };
}
