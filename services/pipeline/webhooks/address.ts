import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/** True for an address a webhook may not reach: loopback, private, link-local, unspecified, reserved… */
export function isPrivateAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return true;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  // IPv4-compatible (::a.b.c.d, deprecated): ipaddr.js calls it unicast, but it embeds an IPv4
  // address that some networks route, and Node connects to an IP literal without any lookup check.
  if (parsed.kind() === 'ipv6' && parsed.match(ipaddr.parseCIDR('::/96'))) return true;
  return parsed.range() !== 'unicast';
}

/**
 * Why a webhook URL is refused at provisioning, or undefined when it is acceptable. Host names
 * are checked again at each delivery, on the addresses they then resolve to.
 */
export function urlProblem(url: string, allowPrivate: boolean): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'not a URL';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'only http and https URLs';
  if (parsed.username || parsed.password) return 'no credentials in the URL';
  if (allowPrivate) return undefined;
  // `localhost.` (a fully qualified name, its trailing dot) is localhost too.
  const host = parsed.hostname.replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback host';
  if (isLiteralPrivate(host)) return 'private or loopback address';
  return undefined;
}

/** True when a URL's host (`[::1]` as URL gives it, or `127.0.0.1`) is an IP literal of a private address. */
export function isLiteralPrivate(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  return ipaddr.isValid(host) && isPrivateAddress(host);
}

/**
 * A `lookup` for http.request that refuses private addresses: the check happens on the address the
 * connection will use, so a name that resolves differently later (DNS rebinding) gains nothing.
 */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const refused = addresses.find((a) => isPrivateAddress(a.address));
    if (refused) {
      const denied: NodeJS.ErrnoException = new Error(`${hostname} resolves to a private address`);
      denied.code = 'WEBHOOK_ADDRESS_PRIVATE';
      return callback(denied, []);
    }
    if (options.all) return callback(null, addresses);
    const first = addresses[0] as LookupAddress;
    callback(null, first.address, first.family);
  });
};
