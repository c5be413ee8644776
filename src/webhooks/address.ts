/**
 * @module
 * IP address classification for the webhook SSRF guard: which addresses a callback may not reach
 * by default. Node's `net.BlockList` can match ranges but cannot say which range matched, nor
 * look inside IPv4-mapped and NAT64 addresses, so this parses addresses to bytes and matches
 * prefixes itself.
 *
 * The ranges follow the IANA special-purpose registries (RFC 6890 and its updates). IPv6 is
 * allowed only inside global unicast, 2000::/3, less the special blocks within it; IPv4 is
 * allowed unless it falls in a listed block.
 */
import { isIP } from 'node:net';

/** An address or a network: its bytes (4 for IPv4, 16 for IPv6) and prefix length. */
export interface Cidr {
  bytes: Uint8Array;
  bits: number;
}

/** The bytes of an IPv4 or IPv6 address (a zone such as `%eth0` is ignored), or null if it is not one. */
export function parseIp(text: string): Uint8Array | null {
  const plain = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const address = plain.split('%')[0] ?? '';
  const version = isIP(address);
  if (version === 4) return Uint8Array.from(address.split('.').map(Number));
  if (version === 6) return parseIpv6(address);
  return null;
}

function parseIpv6(address: string): Uint8Array {
  const groups = (part: string): number[] => {
    if (part === '') return [];
    const out: number[] = [];
    for (const group of part.split(':')) {
      if (group.includes('.')) {
        const [a = 0, b = 0, c = 0, d = 0] = group.split('.').map(Number);
        out.push((a << 8) | b, (c << 8) | d);
      } else {
        out.push(Number.parseInt(group, 16));
      }
    }
    return out;
  };
  const [head = '', tail] = address.split('::');
  const before = groups(head);
  const after = tail === undefined ? [] : groups(tail);
  const all = [...before, ...new Array(8 - before.length - after.length).fill(0), ...after];
  const bytes = new Uint8Array(16);
  all.forEach((group, i) => {
    bytes[i * 2] = group >> 8;
    bytes[i * 2 + 1] = group & 0xff;
  });
  return bytes;
}

/** `10.0.0.0/8`, `fd00::/8`, or a single address (a full-length prefix); null if malformed. */
export function parseCidr(text: string): Cidr | null {
  const [address = '', prefix, extra] = text.split('/');
  if (extra !== undefined) return null;
  const bytes = parseIp(address);
  if (!bytes) return null;
  const max = bytes.length * 8;
  if (prefix === undefined) return { bytes, bits: max };
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max) return null;
  return { bytes, bits: Number(prefix) };
}

export function inCidr(ip: Uint8Array, cidr: Cidr): boolean {
  if (ip.length !== cidr.bytes.length) return false;
  for (let bit = 0; bit < cidr.bits; bit += 8) {
    const i = bit / 8;
    const width = Math.min(8, cidr.bits - bit);
    const mask = (0xff << (8 - width)) & 0xff;
    if (((ip[i] ?? 0) & mask) !== ((cidr.bytes[i] ?? 0) & mask)) return false;
  }
  return true;
}

/** An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) as the IPv4 address it stands for; anything else unchanged. */
export function unmapIpv4(ip: Uint8Array): Uint8Array {
  return ip.length === 16 && inCidr(ip, ipv4Mapped) ? ip.slice(12) : ip;
}

const range = (label: string, cidr: string): { label: string; cidr: Cidr } => {
  const parsed = parseCidr(cidr);
  if (!parsed) throw new Error(`bad built-in range ${cidr}`);
  return { label: `${label} (${cidr})`, cidr: parsed };
};

const ipv4Mapped = parseCidr('::ffff:0:0/96') as Cidr;
const nat64 = parseCidr('64:ff9b::/96') as Cidr;

const ipv4Reserved = [
  range('unspecified / "this network"', '0.0.0.0/8'),
  range('private', '10.0.0.0/8'),
  range('shared address space (carrier-grade NAT)', '100.64.0.0/10'),
  range('loopback', '127.0.0.0/8'),
  range('link-local (cloud metadata services live here)', '169.254.0.0/16'),
  range('private', '172.16.0.0/12'),
  range('IETF protocol assignments', '192.0.0.0/24'),
  range('documentation', '192.0.2.0/24'),
  range('6to4 relay anycast', '192.88.99.0/24'),
  range('private', '192.168.0.0/16'),
  range('benchmarking', '198.18.0.0/15'),
  range('documentation', '198.51.100.0/24'),
  range('documentation', '203.0.113.0/24'),
  range('multicast', '224.0.0.0/4'),
  range('reserved and broadcast', '240.0.0.0/4'),
];

const ipv6GlobalUnicast = parseCidr('2000::/3') as Cidr;

const ipv6Named = [
  range('unspecified', '::/128'),
  range('loopback', '::1/128'),
  range('IPv4-compatible (deprecated)', '::/96'),
  range('NAT64 local use', '64:ff9b:1::/48'),
  range('discard-only', '100::/64'),
  range('unique local (private)', 'fc00::/7'),
  range('link-local', 'fe80::/10'),
  range('site-local (deprecated)', 'fec0::/10'),
  range('multicast', 'ff00::/8'),
];

const ipv6InsideGlobal = [
  range('documentation', '2001:db8::/32'),
  range('IETF protocol assignments (Teredo, benchmarking, ORCHID)', '2001::/23'),
  range('6to4 (tunnels to an embedded IPv4 address)', '2002::/16'),
  range('documentation', '3fff::/20'),
];

/**
 * Why a callback may not reach this address by default, such as `loopback (127.0.0.0/8)`, or
 * null for a public unicast address. `address` is text or parsed bytes; text that is not an IP
 * address is refused.
 */
export function reservedRange(address: string | Uint8Array): string | null {
  const parsed = typeof address === 'string' ? parseIp(address) : address;
  if (!parsed) return 'not an IP address';
  const ip = unmapIpv4(parsed);
  if (ip.length === 4) return ipv4Reserved.find((r) => inCidr(ip, r.cidr))?.label ?? null;
  if (inCidr(ip, nat64)) {
    // A NAT64 gateway forwards to the IPv4 address in the last 32 bits: judge that one, so
    // IPv6-only hosts behind DNS64 can still reach public receivers.
    const inner = reservedRange(ip.slice(12));
    return inner && `NAT64 of ${inner}`;
  }
  const named = ipv6Named.find((r) => inCidr(ip, r.cidr));
  if (named) return named.label;
  if (!inCidr(ip, ipv6GlobalUnicast)) return 'reserved IPv6 (outside global unicast 2000::/3)';
  return ipv6InsideGlobal.find((r) => inCidr(ip, r.cidr))?.label ?? null;
}
