import { describe, expect, it } from 'vitest';
import { assertUrlAllowed, guardedLookup, isPrivateAddress } from '../src/net/guard.js';

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
