/**
 * Property tests of the private-address guard (fast-check): random addresses in every refused range and every
 * spelling that reaches them are refused by every decision point; random public addresses are allowed; allowNetworks
 * ranges allow exactly their range. Decisions only: nothing here connects anywhere. Notes: docs/modules.md.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GuardProxy } from '../src/browser/proxy.js';
import { assertUrlAllowed, guardedLookup, isPrivateAddress, isRefused, type NetworkPolicy } from '../src/net/guard.js';

/** The refused IPv4 ranges, as the specification of this test (not read from the guard). */
const V4_REFUSED: Array<[string, number, string]> = [
  ['0.0.0.0', 8, 'this network'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'CGNAT (and Alibaba Cloud metadata 100.100.100.200)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (and cloud metadata 169.254.169.254)'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved and broadcast'],
];
const V6_REFUSED: Array<[string, number, string]> = [
  ['fc00::', 7, 'unique local'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local'],
  ['ff00::', 8, 'multicast'],
  ['100::', 64, 'discard'],
  ['2001:db8::', 32, 'documentation'],
  ['64:ff9b:1::', 48, 'local-use NAT64'],
];

const v4ToInt = (a: string) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const intToV4 = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
const inV4 = (n: number, [base, bits]: [string, number, string]) => Math.floor(n / 2 ** (32 - bits)) === Math.floor(v4ToInt(base) / 2 ** (32 - bits));
const refusedV4 = (n: number) => V4_REFUSED.some((r) => inV4(n, r));
const hex = (n: number) => n.toString(16);
const hi = (n: number) => hex(Math.floor(n / 65536));
const lo = (n: number) => hex(n % 65536);

function v6ToBig(a: string): bigint {
  const [h, t] = a.includes('::') ? a.split('::') : [a, undefined];
  const hs = h ? h.split(':') : [];
  const ts = t ? t.split(':') : [];
  const groups = t === undefined ? hs : [...hs, ...Array<string>(8 - hs.length - ts.length).fill('0'), ...ts];
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}
const bigToV6 = (n: bigint) => Array.from({ length: 8 }, (_, i) => ((n >> BigInt(112 - 16 * i)) & 0xffffn).toString(16)).join(':');

/** A random address in an IPv4 range. */
const v4In = ([base, bits]: [string, number, string]) => fc.integer({ min: 0, max: 2 ** (32 - bits) - 1 }).map((k) => v4ToInt(base) + k);
/** A random address in one of the refused IPv4 ranges. */
const refusedV4Arb = fc.constantFrom(...V4_REFUSED).chain(v4In);
/** A random public IPv4 address. */
const publicV4Arb = fc.integer({ min: 0, max: 2 ** 32 - 1 }).filter((n) => !refusedV4(n));
const group = fc.integer({ min: 0, max: 0xffff });

/** Every IPv6 spelling that embeds (and so reaches) IPv4 address n. */
const embeddedForms = (n: number) =>
  fc.record({ g1: group, g2: group, g3: group, g4: group, g5: group }).map(({ g1, g2, g3, g4, g5 }) => {
    const d = intToV4(n);
    const x = 0xffffffff - n; // Teredo: the client address XOR 0xffffffff
    return {
      'IPv4-mapped (hex)': `::ffff:${hi(n)}:${lo(n)}`,
      'IPv4-mapped (dotted)': `::ffff:${d}`,
      'IPv4-translated': `::ffff:0:${hi(n)}:${lo(n)}`,
      'IPv4-compatible (hex)': `::${hi(n)}:${lo(n)}`,
      'IPv4-compatible (dotted)': `::${d}`,
      'NAT64 (hex)': `64:ff9b::${hi(n)}:${lo(n)}`,
      'NAT64 (dotted)': `64:ff9b::${d}`,
      '6to4': `2002:${hi(n)}:${lo(n)}:${hex(g1)}:${hex(g2)}:${hex(g3)}:${hex(g4)}:${hex(g5)}`,
      Teredo: `2001:0:${hex(g1)}:${hex(g2)}:${hex(g3)}:${hex(g4)}:${hi(x)}:${lo(x)}`,
    };
  });

/** Host spellings of IPv4 address n that URL parsers accept: decimal, hex, octal, short forms, mixed. */
function hostSpellings(n: number): string[] {
  const [a, b, c, d] = intToV4(n).split('.').map(Number);
  return [String(n), `0x${hex(n)}`, `0${n.toString(8)}`, `${a}.${b * 65536 + c * 256 + d}`, `${a}.${b}.${c * 256 + d}`, `0x${hex(a)}.0${b.toString(8)}.${c}.0x${hex(d)}`, `0${a.toString(8)}.0x${hex(b)}.${c * 256 + d}`, `${intToV4(n)}.`];
}

const refusesUrl = (url: string, policy: NetworkPolicy) => {
  try {
    assertUrlAllowed(url, policy);
    return false;
  } catch (e) {
    return /private or loopback/.test((e as Error).message);
  }
};

function lookupRefuses(address: string, policy: NetworkPolicy): Promise<boolean> {
  return new Promise((resolve) => guardedLookup(policy, { 'pinned.example.gov.cn': address })('pinned.example.gov.cn', { all: true }, (e) => resolve(!!e && /private or loopback/.test(e.message))));
}

let proxy: GuardProxy;
let loopbackProxy: GuardProxy;
beforeAll(async () => {
  proxy = await GuardProxy.start({ policy: false, loopbackOnly: false, connectTimeoutMs: 1000 });
  loopbackProxy = await GuardProxy.start({ policy: true, loopbackOnly: true, connectTimeoutMs: 1000, hosts: { 'site.example.gov.cn': '127.0.0.1' } });
});
afterAll(async () => {
  await proxy?.close();
  await loopbackProxy?.close();
});
const proxyRefuses = (p: GuardProxy, host: string) =>
  p.resolve(host).then(
    () => false,
    (e: Error) => /refused to connect/.test(e.message),
  );

describe('property: refused ranges are refused in every spelling', () => {
  it('dotted IPv4 and every embedding IPv6 form of a refused IPv4 address', async () => {
    await fc.assert(
      fc.asyncProperty(
        refusedV4Arb.chain((n) => fc.tuple(fc.constant(n), embeddedForms(n))),
        async ([n, forms]) => {
          const d = intToV4(n);
          expect(isPrivateAddress(d)).toBe(true);
          expect(isRefused(d, false)).toBe(true);
          for (const [form, a] of Object.entries(forms)) {
            expect(isPrivateAddress(a), `${form} ${a}`).toBe(true);
            expect(isRefused(a, false), `${form} ${a}`).toBe(true);
            expect(isRefused(a, ['203.0.113.0/24', 'fd00::/8']) || (form.startsWith('IPv4-mapped') && inV4(n, ['203.0.113.0', 24, ''])), `${form} ${a}`).toBe(true);
            expect(refusesUrl(`http://[${a}]:8080/x`, false), `${form} ${a}`).toBe(true);
            expect(await lookupRefuses(a, false), `${form} ${a}`).toBe(true);
          }
          expect(await lookupRefuses(d, false)).toBe(true);
          expect(await proxyRefuses(proxy, d)).toBe(true);
          expect(await proxyRefuses(proxy, forms.Teredo)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('decimal, octal, hex and short IPv4 host spellings, as new URL() reads them', () => {
    fc.assert(
      fc.property(refusedV4Arb, (n) => {
        for (const host of hostSpellings(n)) {
          expect(new URL(`http://${host}/`).hostname, host).toBe(intToV4(n));
          expect(refusesUrl(`http://${host}:81/`, false), host).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('refused IPv6 ranges', async () => {
    const arb = fc.constantFrom(...V6_REFUSED).chain(([base, bits]) => fc.bigInt({ min: 0n, max: (1n << BigInt(128 - bits)) - 1n }).map((k) => bigToV6(v6ToBig(base) + k)));
    await fc.assert(
      fc.asyncProperty(arb, async (a) => {
        expect(isPrivateAddress(a), a).toBe(true);
        expect(isRefused(a, false), a).toBe(true);
        expect(refusesUrl(`http://[${a}]/`, false), a).toBe(true);
        expect(await proxyRefuses(proxy, a), a).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('loopback only: anything but 127/8 and ::1 is refused, names neither pinned nor localhost without DNS', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.domain(), async (n, name) => {
        expect(await proxyRefuses(loopbackProxy, intToV4(n))).toBe(!inV4(n, ['127.0.0.0', 8, '']));
        expect(await proxyRefuses(loopbackProxy, `64:ff9b::${hi(n)}:${lo(n)}`)).toBe(true);
        if (name !== 'localhost' && !name.endsWith('.localhost') && name !== 'site.example.gov.cn') expect(await proxyRefuses(loopbackProxy, name), name).toBe(true);
      }),
      { numRuns: 200 },
    );
    expect(await proxyRefuses(loopbackProxy, 'SITE.example.gov.cn.')).toBe(false);
    expect(await proxyRefuses(loopbackProxy, 'localhost')).toBe(false);
    expect(await proxyRefuses(loopbackProxy, '::1')).toBe(false);
  });
});

describe('property: public addresses are allowed', () => {
  it('public IPv4, and its embedding IPv6 forms', async () => {
    await fc.assert(
      fc.asyncProperty(
        publicV4Arb.chain((n) => fc.tuple(fc.constant(n), embeddedForms(n))),
        async ([n, forms]) => {
          const d = intToV4(n);
          expect(isPrivateAddress(d), d).toBe(false);
          expect(isRefused(d, false), d).toBe(false);
          expect(refusesUrl(`http://${d}/`, false)).toBe(false);
          expect(refusesUrl(`http://${n}/`, false)).toBe(false);
          for (const [form, a] of Object.entries(forms)) expect(isRefused(a, false), `${form} ${a}`).toBe(false);
          expect(await lookupRefuses(d, false)).toBe(false);
          expect((await proxy.resolve(d)).address).toBe(d);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('global unicast IPv6 outside the special prefixes', () => {
    const arb = fc
      .tuple(fc.integer({ min: 0x2000, max: 0x3fff }), fc.array(group, { minLength: 7, maxLength: 7 }))
      .filter(([g0, rest]) => g0 !== 0x2002 && !(g0 === 0x2001 && (rest[0] === 0 || rest[0] === 0xdb8)))
      .map(([g0, rest]) => [g0, ...rest].map(hex).join(':'));
    fc.assert(
      fc.property(arb, (a) => {
        expect(isPrivateAddress(a), a).toBe(false);
        expect(isRefused(a, false), a).toBe(false);
        expect(refusesUrl(`http://[${a}]/`, false), a).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});

describe('property: allowNetworks allows exactly its range', () => {
  it('an IPv4 CIDR inside a refused range', () => {
    const arb = fc.constantFrom(...V4_REFUSED).chain((range) =>
      fc.record({
        net: v4In(range),
        bits: fc.integer({ min: range[1], max: 32 }),
        probe: v4In(range),
      }),
    );
    fc.assert(
      fc.property(arb, ({ net, bits, probe }) => {
        const base = net - (net % 2 ** (32 - bits));
        const cidr = `${intToV4(base)}/${bits}`;
        const inside = inV4(probe, [intToV4(base), bits, '']);
        expect(isRefused(intToV4(probe), [cidr]), `${intToV4(probe)} with ${cidr}`).toBe(!inside);
        expect(isRefused(`::ffff:${hi(probe)}:${lo(probe)}`, [cidr])).toBe(!inside);
        // The NAT64 and 6to4 forms reach it through a translator or relay: not what the range allows.
        expect(isRefused(`64:ff9b::${hi(probe)}:${lo(probe)}`, [cidr])).toBe(true);
        expect(isRefused(intToV4(base + 2 ** (32 - bits) < 2 ** 32 ? base + 2 ** (32 - bits) : base - 1), [cidr])).toBe(refusedV4(base + 2 ** (32 - bits) < 2 ** 32 ? base + 2 ** (32 - bits) : base - 1));
      }),
      { numRuns: 500 },
    );
  });

  it('an IPv6 CIDR inside a refused range', () => {
    const arb = fc.constantFrom(...V6_REFUSED).chain(([base, bits]) =>
      fc.record({
        net: fc.bigInt({ min: 0n, max: (1n << BigInt(128 - bits)) - 1n }).map((k) => v6ToBig(base) + k),
        len: fc.integer({ min: bits, max: 128 }),
        probe: fc.bigInt({ min: 0n, max: (1n << BigInt(128 - bits)) - 1n }).map((k) => v6ToBig(base) + k),
      }),
    );
    fc.assert(
      fc.property(arb, ({ net, len, probe }) => {
        const shift = BigInt(128 - len);
        const base = (net >> shift) << shift;
        const cidr = `${bigToV6(base)}/${len}`;
        const inside = probe >> shift === base >> shift;
        expect(isRefused(bigToV6(probe), [cidr]), `${bigToV6(probe)} with ${cidr}`).toBe(!inside);
      }),
      { numRuns: 500 },
    );
  });
});
