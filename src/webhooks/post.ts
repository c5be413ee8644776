/**
 * @module
 * One webhook POST, with the address policy enforced where it cannot be raced: on the addresses
 * the socket is about to connect to. A host name is resolved by our own `lookup` inside the
 * connect, so a name that resolves to 127.0.0.1 (or re-resolves there after a check, as in DNS
 * rebinding) is refused; an IP literal never goes through `lookup`, so it is checked first.
 * Redirects are never followed: node:http does not follow them, and a 3xx is returned as is.
 */
import { type LookupAddress, type LookupAllOptions, lookup as dnsLookup } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { type LookupFunction, isIP } from 'node:net';
import type { AddressPolicy } from './address-policy.js';

/** A connection the address policy refused; `message` names the address and its range (for admins only). */
export class RefusedAddressError extends Error {
  readonly code = 'WEBHOOK_ADDRESS_REFUSED';

  constructor(
    readonly host: string,
    readonly address: string,
    readonly range: string,
  ) {
    super(
      host === address
        ? `${address} is ${range}, which webhooks may not reach unless webhooks.allowHosts lists it`
        : `${host} resolves to ${address}, ${range}, which webhooks may not reach unless webhooks.allowHosts lists it`,
    );
    this.name = 'RefusedAddressError';
  }
}

export interface PostOptions {
  policy: AddressPolicy;
  lookup?: LookupFunction;
  signal: AbortSignal;
}

export interface PostResponse {
  status: number;
  statusText: string;
}

function guardedLookup(policy: AddressPolicy, base: LookupFunction): LookupFunction {
  return (hostname, options, callback) => {
    base(hostname, { ...options, all: true } as LookupAllOptions, (err, found, family) => {
      if (err) return callback(err, '', 4);
      const addresses: LookupAddress[] = Array.isArray(found) ? found : [{ address: found, family: family ?? isIP(found) }];
      if (addresses.length === 0)
        return callback(Object.assign(new Error(`${hostname} resolved to no address`), { code: 'ENOTFOUND' }), '', 4);
      // Every address, not only the first: the socket may try the others (happy eyeballs).
      for (const { address } of addresses) {
        const range = policy.refusal(address);
        if (range) return callback(new RefusedAddressError(hostname, address, range), '', 4);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const [first] = addresses as [LookupAddress];
      callback(null, first.address, first.family);
    });
  };
}

/** POSTs `body` to `url` and resolves with the answer's status; rejects with RefusedAddressError or the network error. */
export function postWebhook(url: URL, headers: Record<string, string>, body: string, options: PostOptions): Promise<PostResponse> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let lookup: LookupFunction | undefined = options.lookup;
  if (isIP(host)) {
    const range = options.policy.refusal(host);
    if (range) return Promise.reject(new RefusedAddressError(host, host, range));
  } else if (!options.policy.allowsName(host)) {
    lookup = guardedLookup(options.policy, options.lookup ?? (dnsLookup as LookupFunction));
  }
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(
      {
        protocol: url.protocol,
        hostname: host,
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        // A fresh connection per delivery: a pooled socket would skip the lookup above.
        agent: false,
        signal: options.signal,
        ...(lookup ? { lookup } : {}),
      },
      (response) => {
        // Only the status matters; the answer's body is not read, so a receiver cannot make the worker download anything.
        response.destroy();
        resolve({ status: response.statusCode ?? 0, statusText: response.statusMessage ?? '' });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}
