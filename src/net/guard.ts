import dns from 'node:dns';
import net from 'node:net';
import { GovcheckFetchError } from './errors.js';

/**
 * Private, loopback, link-local, CGNAT, metadata and reserved ranges. The checker runs inside government
 * networks and follows links written by others, so by default it refuses to connect to these
 * (checked after DNS resolution and on every redirect hop).
 */
const blocked = new net.BlockList();
for (const [addr, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(addr, prefix, 'ipv4');
}
for (const [addr, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  // Site-local (deprecated, still used inside some networks).
  ['fec0::', 10],
  ['ff00::', 8],
  ['100::', 64],
  ['2001:db8::', 32],
  // Local-use NAT64 (RFC 8215): translates into whatever IPv4 network the operator chose.
  ['64:ff9b:1::', 48],
] as const) {
  blocked.addSubnet(addr, prefix, 'ipv6');
}

/** The 16 bytes of an IPv6 address (zone id ignored, trailing dotted quad allowed), or null. */
export function ipv6Bytes(address: string): Uint8Array | null {
  const a = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (net.isIP(a) !== 6) return null;
  let text = a.toLowerCase();
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (quad) {
    const o = quad.split('.').map(Number);
    text = text.slice(0, -quad.length) + `${((o[0] << 8) | o[1]).toString(16)}:${((o[2] << 8) | o[3]).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  if (groups.length !== 8) return null;
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  });
  return out;
}

const zero = (b: Uint8Array, from: number, to: number) => b.subarray(from, to).every((x) => x === 0);
const quadAt = (b: Uint8Array, at: number, xor = 0) => [0, 1, 2, 3].map((i) => b[at + i] ^ xor).join('.');

/**
 * The IPv4 address an IPv6 address stands for, where its form embeds one: IPv4-mapped (::ffff:0:0/96),
 * IPv4-translated (::ffff:0:0:0/96), IPv4-compatible (::/96), NAT64 (64:ff9b::/96), 6to4 (2002::/16, the
 * 2nd–3rd groups) and Teredo (2001::/32, the client: last 32 bits XOR 0xffffffff). Such an address reaches
 * that IPv4 host (directly, or through a translator or relay), so the guard judges it by that address.
 */
export function embeddedIpv4(address: string): string | undefined {
  const b = ipv6Bytes(address);
  if (!b) return undefined;
  if (zero(b, 0, 10) && b[10] === 0xff && b[11] === 0xff) return quadAt(b, 12);
  if (zero(b, 0, 8) && b[8] === 0xff && b[9] === 0xff && zero(b, 10, 12)) return quadAt(b, 12);
  if (zero(b, 0, 12)) return quadAt(b, 12);
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zero(b, 4, 12)) return quadAt(b, 12);
  if (b[0] === 0x20 && b[1] === 0x02) return quadAt(b, 2);
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0 && b[3] === 0) return quadAt(b, 12, 0xff);
  return undefined;
}

/** The IPv4 address of an IPv4-mapped IPv6 address (the same host, spelt as IPv6), else undefined. */
function mappedIpv4(address: string): string | undefined {
  const b = ipv6Bytes(address);
  return b && zero(b, 0, 10) && b[10] === 0xff && b[11] === 0xff ? quadAt(b, 12) : undefined;
}

/** True for loopback addresses only: 127.0.0.0/8, ::1 and 127/8 spelt as IPv4-mapped IPv6. */
export function isLoopbackAddress(address: string): boolean {
  const a = address.replace(/^\[|\]$/g, '');
  const v4 = net.isIP(a) === 6 ? mappedIpv4(a) : a;
  if (v4 !== undefined) return net.isIPv4(v4) && v4.startsWith('127.');
  const b = ipv6Bytes(a);
  return !!b && zero(b, 0, 15) && b[15] === 1;
}

/**
 * True for private, loopback, link-local, CGNAT, metadata, documentation, multicast and reserved addresses,
 * in every spelling: IPv4, IPv6, and IPv6 forms that embed a refused IPv4 address (see embeddedIpv4).
 */
export function isPrivateAddress(address: string): boolean {
  const a = address.replace(/^\[|\]$/g, '');
  const family = net.isIP(a);
  if (family === 4) return blocked.check(a, 'ipv4');
  if (family === 6) {
    const lower = a.toLowerCase().replace(/%.*$/, '');
    if (blocked.check(lower, 'ipv6')) return true;
    const v4 = embeddedIpv4(lower);
    return v4 !== undefined && blocked.check(v4, 'ipv4');
  }
  return false;
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/**
 * Which private addresses may be fetched: `true` all (--allow-private-network), `false` none (the default),
 * or a list of CIDR ranges allowed although private (e.g. an intranet's own range, or 127.0.0.0/8 in tests),
 * every other private range staying refused.
 */
export type NetworkPolicy = boolean | readonly string[];

const allowCache = new WeakMap<readonly string[], net.BlockList>();
function allowList(cidrs: readonly string[]): net.BlockList {
  let list = allowCache.get(cidrs);
  if (!list) {
    list = new net.BlockList();
    for (const c of cidrs) {
      const [addr, bits] = c.split('/');
      const family = net.isIP(addr) === 6 ? 'ipv6' : 'ipv4';
      if (!net.isIP(addr)) throw new Error(`not a network range: ${c}`);
      list.addSubnet(addr, bits === undefined ? (family === 'ipv6' ? 128 : 32) : Number(bits), family);
    }
    allowCache.set(cidrs, list);
  }
  return list;
}

/** True when the address may not be fetched under the policy. */
export function isRefused(address: string, policy: NetworkPolicy): boolean {
  if (policy === true || !isPrivateAddress(address)) return false;
  if (policy === false) return true;
  // An allowed range allows its addresses and their IPv4-mapped spelling (the same host), nothing else.
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const a = (net.isIP(bare) === 6 ? mappedIpv4(bare) : undefined) ?? bare;
  return !allowList(policy).check(a, net.isIP(a) === 6 ? 'ipv6' : 'ipv4');
}

/** Throws private_address_blocked when a URL names a private IP literal (or localhost) that the policy refuses. */
export function assertUrlAllowed(url: string | URL, policy: NetworkPolicy): void {
  if (policy === true) return;
  const u = typeof url === 'string' ? new URL(url) : url;
  const host = stripBrackets(u.hostname);
  const literal = host === 'localhost' || host.endsWith('.localhost') ? '127.0.0.1' : host;
  if (net.isIP(literal) && isRefused(literal, policy)) {
    throw new GovcheckFetchError('private_address_blocked', `refused to fetch ${u.host}: private or loopback address (use --allow-private-network to allow)`, 'EPRIVATE');
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

/**
 * Host overrides, like /etc/hosts or curl's --resolve: name → address (or several: a dual-stack name has its IPv4
 * and IPv6 addresses, tried in the order given), or null for "does not resolve".
 * Inspectors pin a site to an address (before a DNS cut-over, inside an intranet); tests use it so that
 * no name ever reaches a real DNS server.
 */
export type HostOverrides = Record<string, string | readonly string[] | null>;

/**
 * The addresses a name is pinned to: undefined when the name is not pinned, [] when it is pinned as "does not
 * resolve" (null, or nothing that is an IP address).
 */
export function pinnedAddresses(hosts: HostOverrides | undefined, hostname: string): string[] | undefined {
  if (!hosts) return undefined;
  const key = hostname.toLowerCase().replace(/\.$/, '');
  if (!(key in hosts)) return undefined;
  const v = hosts[key];
  return (v === null || v === undefined ? [] : typeof v === 'string' ? [v] : [...v]).filter((a) => net.isIP(a));
}

function overrideLookup(hostname: string, hosts: HostOverrides | undefined, family: number | undefined, cb: (err: NodeJS.ErrnoException | null, list: dns.LookupAddress[]) => void): boolean {
  const pinned = pinnedAddresses(hosts, hostname);
  if (pinned === undefined) return false;
  // A lookup asking for one family gets the pinned addresses of that family only.
  const list = pinned.map((address) => ({ address, family: net.isIP(address) })).filter((a) => (family !== 4 && family !== 6 ? true : a.family === family));
  process.nextTick(() => {
    if (!list.length) cb(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname }), []);
    else cb(null, list);
  });
  return true;
}

/** A dns.lookup replacement that refuses private answers unless allowed. Works for net/tls `lookup` options. */
export function guardedLookup(policy: NetworkPolicy, hosts?: HostOverrides) {
  return function lookup(hostname: string, options: dns.LookupOptions | number | LookupCallback, callback?: LookupCallback): void {
    const cb = (typeof options === 'function' ? options : callback) as LookupCallback;
    const opts: dns.LookupOptions = typeof options === 'object' ? options : typeof options === 'number' ? { family: options } : {};
    const resolver = (h: string, o: dns.LookupAllOptions, done: (err: NodeJS.ErrnoException | null, list: dns.LookupAddress[]) => void) => {
      if (!overrideLookup(h, hosts, typeof o.family === 'number' ? o.family : undefined, done)) dns.lookup(h, o, (e, list) => done(e, list as dns.LookupAddress[]));
    };
    resolver(hostname, { ...opts, all: true }, (err, addresses) => {
      if (err) return cb(err, '');
      const list = addresses as dns.LookupAddress[];
      if (policy !== true) {
        const bad = list.find((a) => isRefused(a.address, policy));
        if (bad) {
          return cb(
            new GovcheckFetchError('private_address_blocked', `refused to connect to ${hostname} (${bad.address}): private or loopback address (use --allow-private-network to allow)`, 'EPRIVATE') as unknown as NodeJS.ErrnoException,
            '',
          );
        }
      }
      if (opts.all) return cb(null, list);
      const first = list[0];
      if (!first) return cb(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '');
      cb(null, first.address, first.family);
    });
  };
}
