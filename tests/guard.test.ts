import { describe, expect, it } from 'vitest';
import { assertUrlAllowed, embeddedIpv4, guardedLookup, isLoopbackAddress, isPrivateAddress, isRefused } from '../src/net/guard.js';

describe('private network guard', () => {
  it.each([
    ['127.0.0.1', true],
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['172.32.0.1', false],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['0.0.0.0', true],
    ['::1', true],
    ['fe80::1', true],
    ['fd00::1', true],
    ['::ffff:127.0.0.1', true],
    ['8.8.8.8', false],
    ['2001:4860::8888', false],
    ['202.96.128.86', false],
  ])('%s private=%s', (addr, expected) => {
    expect(isPrivateAddress(addr)).toBe(expected);
  });

  it('refuses loopback URLs unless allowed', () => {
    expect(() => assertUrlAllowed('http://127.0.0.1:8080/', false)).toThrow(/private or loopback/);
    expect(() => assertUrlAllowed('http://[::1]/', false)).toThrow(/private or loopback/);
    expect(() => assertUrlAllowed('http://localhost/', false)).toThrow(/private or loopback/);
    expect(() => assertUrlAllowed('http://127.0.0.1:8080/', true)).not.toThrow();
  });

  it('refuses names that resolve to private addresses (checked after DNS)', async () => {
    const lookup = guardedLookup(false);
    const err = await new Promise<Error | null>((resolve) => lookup('localhost', {}, (e) => resolve(e)));
    expect(err?.message).toMatch(/private or loopback/);
    const ok = await new Promise<string>((resolve, reject) => guardedLookup(true)('localhost', {}, (e, a) => (e ? reject(e) : resolve(String(a)))));
    expect(ok).toMatch(/127\.0\.0\.1|::1/);
  });

  it('applies host overrides before DNS: pinned names and names that must not resolve', async () => {
    const hosts = { 'www.example.gov.cn': '127.0.0.1', 'gone.example.gov.cn': null };
    const lookup = guardedLookup(true, hosts);
    const pinned = await new Promise<string>((resolve, reject) => lookup('WWW.example.gov.cn.', {}, (e, a) => (e ? reject(e) : resolve(String(a)))));
    expect(pinned).toBe('127.0.0.1');
    const gone = await new Promise<NodeJS.ErrnoException | null>((resolve) => lookup('gone.example.gov.cn', {}, (e) => resolve(e)));
    expect(gone?.code).toBe('ENOTFOUND');
    const guarded = await new Promise<Error | null>((resolve) => guardedLookup(false, hosts)('www.example.gov.cn', {}, (e) => resolve(e)));
    expect(guarded?.message).toMatch(/private or loopback/);
  });

  it('pins a dual-stack name to several addresses, in order, and answers a lookup of one family with that family only', async () => {
    const hosts = { 'www.dual.example.gov.cn': ['127.0.0.1', '::1'], 'www.v4.example.gov.cn': '127.0.0.1' };
    const lookup = guardedLookup(['127.0.0.0/8', '::1/128'], hosts);
    const ask = (host: string, opts: object) => new Promise<{ err: NodeJS.ErrnoException | null; list: unknown }>((resolve) => lookup(host, opts as never, (err, list) => resolve({ err, list })));
    expect((await ask('www.dual.example.gov.cn', { all: true })).list).toEqual([
      { address: '127.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ]);
    expect((await ask('www.dual.example.gov.cn', {})).list).toBe('127.0.0.1');
    expect((await ask('www.dual.example.gov.cn', { family: 6 })).list).toBe('::1');
    expect((await ask('www.v4.example.gov.cn', { family: 6 })).err?.code).toBe('ENOTFOUND');
    // Every pinned address is checked by the policy, not only the first.
    const strict = await new Promise<Error | null>((resolve) => guardedLookup(['127.0.0.0/8'], hosts)('www.dual.example.gov.cn', {}, (e) => resolve(e)));
    expect(strict?.message).toMatch(/::1.*private or loopback/);
  });
});

describe('IPv6 forms that embed an IPv4 address (issue 17, item 12)', () => {
  // Each private IPv4 address spelt in every IPv6 form that reaches it: all must be refused.
  it.each([
    ['IPv4-mapped, hex', '::ffff:7f00:1', '127.0.0.1'],
    ['IPv4-mapped, dotted', '::ffff:10.1.2.3', '10.1.2.3'],
    ['IPv4-translated', '::ffff:0:a9fe:a9fe', '169.254.169.254'],
    ['IPv4-compatible, dotted', '::127.0.0.1', '127.0.0.1'],
    ['IPv4-compatible, hex', '::a00:1', '10.0.0.1'],
    ['NAT64, hex', '64:ff9b::7f00:1', '127.0.0.1'],
    ['NAT64, dotted', '64:ff9b::192.168.1.1', '192.168.1.1'],
    ['NAT64, metadata', '64:ff9b::a9fe:a9fe', '169.254.169.254'],
    ['6to4', '2002:7f00:1::1', '127.0.0.1'],
    ['6to4, with subnet and host', '2002:c0a8:101:5:1:2:3:4', '192.168.1.1'],
    ['6to4, CGNAT', '2002:6440:1::', '100.64.0.1'],
    ['Teredo (client XOR 0xffffffff)', '2001:0:4136:e378:8000:63bf:80ff:fffe', '127.0.0.1'],
    ['Teredo, private client', '2001::f5ff:fffe', '10.0.0.1'],
  ])('%s: %s stands for %s and is refused', (_form, v6, v4) => {
    expect(embeddedIpv4(v6)).toBe(v4);
    expect(isPrivateAddress(v6)).toBe(true);
    expect(isRefused(v6, false)).toBe(true);
    expect(isRefused(v6, ['192.0.2.0/24'])).toBe(true);
    expect(() => assertUrlAllowed(`http://[${v6}]:8080/`, false)).toThrow(/private or loopback/);
  });

  it('refuses the whole local-use NAT64 prefix 64:ff9b:1::/48 and site-local fec0::/10', () => {
    for (const a of ['64:ff9b:1::808:808', '64:ff9b:1:ffff:ffff:ffff:ffff:ffff', 'fec0::1']) expect(isPrivateAddress(a), a).toBe(true);
  });

  it('allows the same forms when the embedded IPv4 address is public', () => {
    for (const a of ['::ffff:808:808', '::8.8.8.8', '64:ff9b::808:808', '2002:808:808::1', '2001:0:4136:e378:8000:63bf:f7f7:f7f7', '2001:4860::8888', '2400:3200::1']) expect(isPrivateAddress(a), a).toBe(false);
    expect(embeddedIpv4('2001:4860::8888')).toBeUndefined();
  });

  it('an allowed range allows its addresses and their IPv4-mapped spelling, not NAT64/6to4 forms of them', () => {
    const allow = ['127.0.0.1/32'];
    expect(isRefused('127.0.0.1', allow)).toBe(false);
    expect(isRefused('::ffff:7f00:1', allow)).toBe(false);
    expect(isRefused('127.0.0.2', allow)).toBe(true);
    expect(isRefused('64:ff9b::7f00:1', allow)).toBe(true);
    expect(isRefused('2002:7f00:1::', allow)).toBe(true);
  });

  it('counts as loopback only 127/8, ::1 and their IPv4-mapped spelling', () => {
    for (const a of ['127.0.0.1', '127.9.9.9', '::1', '[::1]', '::ffff:7f00:1', '::ffff:127.0.0.2']) expect(isLoopbackAddress(a), a).toBe(true);
    for (const a of ['10.0.0.1', '::', '64:ff9b::7f00:1', '::127.0.0.1', '2002:7f00:1::', 'localhost']) expect(isLoopbackAddress(a), a).toBe(false);
  });
});

describe('error classification', async () => {
  const { classifyError } = await import('../src/net/errors.js');
  it('reads the code out of wrapped error messages', () => {
    expect(classifyError(new Error('Detected a session error, rotating session... connect ECONNREFUSED 127.0.0.1:1')).kind).toBe('connection_refused');
    expect(classifyError(new Error('getaddrinfo ENOTFOUND gone.example.gov.cn')).kind).toBe('dns_error');
    expect(classifyError(new Error('request failed: CERT_HAS_EXPIRED')).kind).toBe('tls_error');
    expect(classifyError(Object.assign(new Error('x'), { cause: Object.assign(new Error('y'), { code: 'ECONNRESET' }) })).kind).toBe('connection_reset');
    expect(classifyError(new Error('something odd')).kind).toBe('unknown');
  });
});
