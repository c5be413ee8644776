/**
 * The SSRF guard's pure parts: which addresses a callback may not reach by default, the
 * allow-list, and the callback URL checks done at enqueue.
 */
import { describe, expect, it } from 'vitest';
import { parseCidr, parseIp, reservedRange } from '../../src/webhooks/address.js';
import { allowHostProblem, createAddressPolicy } from '../../src/webhooks/address-policy.js';
import { checkCallbackUrl } from '../../src/core/callback-url.js';

describe('reservedRange', () => {
  it.each([
    ['127.0.0.1', /loopback/],
    ['127.255.255.254', /loopback/],
    ['0.0.0.0', /unspecified/],
    ['0.1.2.3', /this network/],
    ['10.1.2.3', /private \(10\.0\.0\.0\/8\)/],
    ['172.16.0.1', /private/],
    ['172.31.255.255', /private/],
    ['192.168.1.1', /private/],
    ['100.64.0.1', /carrier-grade NAT/],
    ['100.127.255.255', /carrier-grade NAT/],
    ['169.254.169.254', /link-local/],
    ['192.0.0.170', /IETF/],
    ['192.0.2.10', /documentation/],
    ['198.18.0.1', /benchmarking/],
    ['224.0.0.251', /multicast/],
    ['239.255.255.250', /multicast/],
    ['255.255.255.255', /broadcast/],
    ['::', /unspecified/],
    ['::1', /loopback/],
    ['[::1]', /loopback/],
    ['::ffff:127.0.0.1', /loopback \(127/],
    ['::ffff:7f00:1', /loopback \(127/],
    ['::ffff:a9fe:a9fe', /link-local/],
    ['::127.0.0.1', /IPv4-compatible/],
    ['64:ff9b::7f00:1', /NAT64 of loopback/],
    ['64:ff9b:1::1', /NAT64 local/],
    ['fc00::1', /unique local/],
    ['fd12:3456::1', /unique local/],
    ['fe80::1', /link-local/],
    ['fe80::1%eth0', /link-local/],
    ['ff02::1', /multicast/],
    ['2001:db8::1', /documentation/],
    ['2001::1', /Teredo/],
    ['2002:7f00:1::1', /6to4/],
    ['3fff::1', /documentation/],
    ['100::1', /discard/],
    ['5f00::1', /outside global unicast/],
    ['not-an-ip', /not an IP/],
  ])('refuses %s', (address, why) => {
    expect(reservedRange(address)).toMatch(why);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '100.128.0.1',
    '169.255.0.1',
    '223.255.255.255',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2606:4700:4700::1111',
    '2a00:1450:4001:80b::200e',
  ])('allows the public address %s', (address) => {
    expect(reservedRange(address)).toBeNull();
  });

  it('parses IPv6 forms to the same bytes', () => {
    expect(parseIp('::ffff:127.0.0.1')).toEqual(parseIp('0:0:0:0:0:ffff:7f00:0001'));
    expect(parseIp('1::')).toEqual(Uint8Array.from([0, 1, ...new Array(14).fill(0)]));
    expect(parseIp('127.1')).toBeNull();
    expect(parseCidr('10.0.0.0/33')).toBeNull();
    expect(parseCidr('fd00::/8')).toMatchObject({ bits: 8 });
  });
});

describe('the allow-list', () => {
  it('lets listed names, addresses and ranges through, and nothing else', () => {
    const policy = createAddressPolicy(['hooks.internal', 'Receiver.Example.', '127.0.0.1', '10.20.0.0/16', 'fd00::/8']);
    expect(policy.allowsName('hooks.internal')).toBe(true);
    expect(policy.allowsName('HOOKS.internal.')).toBe(true);
    expect(policy.allowsName('receiver.example')).toBe(true);
    expect(policy.allowsName('other.internal')).toBe(false);
    expect(policy.refusal('127.0.0.1')).toBeNull();
    expect(policy.refusal('::ffff:127.0.0.1')).toBeNull();
    expect(policy.refusal('127.0.0.2')).toMatch(/loopback/);
    expect(policy.refusal('10.20.3.4')).toBeNull();
    expect(policy.refusal('10.21.0.1')).toMatch(/private/);
    expect(policy.refusal('fd00::5')).toBeNull();
    expect(policy.refusal('::1')).toMatch(/loopback/);
    expect(policy.refusal('93.184.215.14')).toBeNull();
  });

  it('names each bad entry and says what to write', () => {
    expect(allowHostProblem('10.0.0.0/40')).toMatch(/not a valid IP address or CIDR/);
    expect(allowHostProblem('127.1')).toMatch(/not a valid IP address/);
    expect(allowHostProblem('http://hooks.internal:8080')).toMatch(/no scheme, port or path/);
    expect(() => createAddressPolicy(['ok.internal', 'bad host'])).toThrow(/webhooks\.allowHosts is invalid: "bad host"/);
  });
});

describe('checkCallbackUrl', () => {
  it('accepts absolute http and https URLs', () => {
    expect(checkCallbackUrl('https://example.com/hooks/spool?x=1')).toBeNull();
    expect(checkCallbackUrl('http://127.0.0.1:8080/')).toBeNull();
  });

  it.each([
    ['https://user:secret@example.com/hooks', /must not contain credentials/],
    ['https://user@example.com/hooks', /must not contain credentials/],
    ['https://:secret@example.com/hooks', /must not contain credentials/],
    ['ftp://example.com/', /http:\/\/ or https:\/\/ URL, not ftp:/],
    ['file:///etc/passwd', /not file:/],
    ['/relative/path', /absolute/],
    ['https://exa mple.com/', /spaces or control characters/],
    ['https://example.com/\u0000', /spaces or control characters/],
    ['https://example.com/\n', /spaces or control characters/],
  ])('refuses %s', (url, why) => {
    expect(checkCallbackUrl(url)).toMatch(why);
  });
});
