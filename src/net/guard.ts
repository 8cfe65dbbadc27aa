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
  ['ff00::', 8],
  ['100::', 64],
  ['2001:db8::', 32],
] as const) {
  blocked.addSubnet(addr, prefix, 'ipv6');
}

export function isPrivateAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family === 6) {
    const lower = address.toLowerCase();
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
    if (mapped) return blocked.check(mapped[1], 'ipv4');
    return blocked.check(lower, 'ipv6');
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
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const a = mapped ?? address;
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
 * Host overrides, like /etc/hosts or curl's --resolve: name → address, or null for "does not resolve".
 * Inspectors pin a site to an address (before a DNS cut-over, inside an intranet); tests use it so that
 * no name ever reaches a real DNS server.
 */
export type HostOverrides = Record<string, string | null>;

function overrideLookup(hostname: string, hosts: HostOverrides | undefined, cb: (err: NodeJS.ErrnoException | null, list: dns.LookupAddress[]) => void): boolean {
  if (!hosts) return false;
  const key = hostname.toLowerCase().replace(/\.$/, '');
  if (!(key in hosts)) return false;
  const address = hosts[key];
  process.nextTick(() => {
    if (address === null || address === undefined || !net.isIP(address)) {
      cb(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname }), []);
    } else {
      cb(null, [{ address, family: net.isIP(address) }]);
    }
  });
  return true;
}

/** A dns.lookup replacement that refuses private answers unless allowed. Works for net/tls `lookup` options. */
export function guardedLookup(policy: NetworkPolicy, hosts?: HostOverrides) {
  return function lookup(hostname: string, options: dns.LookupOptions | number | LookupCallback, callback?: LookupCallback): void {
    const cb = (typeof options === 'function' ? options : callback) as LookupCallback;
    const opts: dns.LookupOptions = typeof options === 'object' ? options : typeof options === 'number' ? { family: options } : {};
    const resolver = (h: string, o: dns.LookupAllOptions, done: (err: NodeJS.ErrnoException | null, list: dns.LookupAddress[]) => void) => {
      if (!overrideLookup(h, hosts, done)) dns.lookup(h, o, (e, list) => done(e, list as dns.LookupAddress[]));
    };
    resolver(hostname, { ...opts, all: true }, (err, addresses) => {
      if (err) return cb(err, '');
      const list = addresses as dns.LookupAddress[];
      if (policy !== true) {
        const bad = list.find((a) => isRefused(a.address, policy));
        if (bad) {
          return cb(new GovcheckFetchError('private_address_blocked', `refused to connect to ${hostname} (${bad.address}): private or loopback address (use --allow-private-network to allow)`, 'EPRIVATE') as unknown as NodeJS.ErrnoException, '');
        }
      }
      if (opts.all) return cb(null, list);
      const first = list[0];
      if (!first) return cb(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '');
      cb(null, first.address, first.family);
    });
  };
}
