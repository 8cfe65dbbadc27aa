/**
 * https (W-D6): real TLS servers on 127.0.0.1 with a test CA made for the run (trusted through the check's
 * caFiles option): valid, self-signed, wrong host, expired, expiring within 30 days, TLS 1.0/1.1 only, TLS 1.0
 * still accepted, HTTP-only, HTTP not redirecting, and mixed content on an HTTPS page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import httpsCheck from '../../checks/https.js';
import { loadConfig } from '../../src/config.js';
import { gatherSite } from '../../src/gather/crawl.js';
import { HttpClient } from '../../src/net/http.js';
import { runChecks } from '../../src/site-check.js';
import type { CheckResult } from '../../src/types.js';
import { serve, type Routes, type Served } from '../fixtures/site.js';
import { createTestPki, serveHttps, type TestPki } from '../fixtures/tls.js';
import { tmpDir } from '../helpers.js';

const tmp = tmpDir();
const config = loadConfig();
let pki: TestPki;
const servers: Served[] = [];
const hosts = { 'www.shifan.test': '127.0.0.1' };
const client = new HttpClient({ networkPolicy: true, retries: 0, hosts });

const page = (body: string) => `<!DOCTYPE html><html><head><meta charset="utf-8"><title>示例</title></head><body>${body}</body></html>`;
const site = (body = '<p>首页</p>'): Routes => new Map([['/', { headers: { 'content-type': 'text/html; charset=utf-8' }, body: page(body) }]]);

async function up<T extends Served>(p: Promise<T>): Promise<T> {
  const s = await p;
  servers.push(s);
  return s;
}

async function check(url: string, options: Record<string, unknown> = {}): Promise<CheckResult> {
  const checks = [{ module: httpsCheck, options: httpsCheck.meta.options.parse({ caFiles: [pki.caFile], timeoutMs: 5000, ...options }) }];
  const a = await gatherSite({ id: 't', url, kind: 'website' }, { networkPolicy: true, hosts, maxPages: 5, retries: 0 }, checks, '2024-07-01');
  const [r] = await runChecks(a, checks, { config, http: client });
  return r;
}

const codes = (r: CheckResult) => r.findings.map((f) => f.code).sort();

beforeAll(() => {
  pki = createTestPki(tmp.dir);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await client.close();
  tmp.cleanup();
});

describe('https (W-D6)', () => {
  it('passes a site whose HTTP redirects to HTTPS with a valid certificate, and reports mixed content', async () => {
    const plainAsset = await up(
      serve(
        new Map([
          ['/x.js', { body: '1' }],
          ['/a.png', { body: 'p' }],
        ]),
      ),
    );
    const secure = await up(serveHttps(site(`<script src="${plainAsset.origin}/x.js"></script><img src="${plainAsset.origin}/a.png"><a href="${plainAsset.origin}/">外链不算</a>`), pki.valid));
    const front = await up(serve(new Map([['/', { status: 301, headers: { location: `${secure.origin}/` } }]])));
    const r = await check(`${front.origin}/`);
    expect(codes(r)).toEqual(['mixed-content-active', 'mixed-content-passive']);
    expect(r.findings.find((f) => f.code === 'mixed-content-active')).toMatchObject({ severity: 'deduction', rule: 'W-D6', points: 1, url: `${secure.origin}/`, target: `${plainAsset.origin}/x.js` });
    expect(r.findings.find((f) => f.code === 'mixed-content-passive')?.severity).toBe('warning');
    const sum = r.summary as { https: { protocol: string; trusted: boolean; hostMatch: boolean; certificate: { daysLeft: number } }; http: { redirects: string[] } };
    expect(sum.https).toMatchObject({ protocol: 'TLSv1.3', trusted: true, hostMatch: true });
    expect(sum.https.certificate.daysLeft).toBeGreaterThan(300);
    expect(sum.http.redirects).toEqual([`${secure.origin}/`]);
  });

  it('reports a self-signed certificate and an HTTP side that does not redirect', async () => {
    const secure = await up(serveHttps(site(), pki.selfSigned));
    const plain = await up(serve(site()));
    const r = await check(`${secure.origin}/`, { httpPort: plain.port });
    expect(codes(r)).toEqual(['cert-self-signed', 'http-no-redirect']);
    expect(r.findings.find((f) => f.code === 'cert-self-signed')!.message).toBe('HTTPS 证书为自签名证书，浏览器不信任');
    expect(r.findings.find((f) => f.code === 'http-no-redirect')).toMatchObject({ target: `${plain.origin}/`, evidence: { actual: 'HTTP 200, no redirect' } });
  });

  it('reports a certificate for another host, an expired one and one expiring within 30 days', async () => {
    const wrong = await up(serveHttps(site(), pki.wrongHost));
    const w = await check(`${wrong.origin}/`, { checkLegacyTls: false });
    expect(codes(w)).toContain('cert-host-mismatch');
    expect(w.findings.find((f) => f.code === 'cert-host-mismatch')!.params).toMatchObject({ names: 'other.invalid-host.test', host: '127.0.0.1' });

    const expired = await up(serveHttps(site(), pki.expired));
    const e = await check(`${expired.origin}/`, { checkLegacyTls: false });
    expect(codes(e)).toContain('cert-expired');
    expect(codes(e)).not.toContain('cert-untrusted');

    const expiring = await up(serveHttps(site(), pki.expiring));
    const x = await check(`${expiring.origin}/`, { checkLegacyTls: false });
    const f = x.findings.find((y) => y.code === 'cert-expiring')!;
    expect(f.severity).toBe('warning');
    expect(Number(f.params.days)).toBeGreaterThanOrEqual(8);
    expect(Number(f.params.days)).toBeLessThanOrEqual(10);
    // A province that wants 7 days' notice only.
    expect(codes(await check(`${expiring.origin}/`, { checkLegacyTls: false, expiryWarnDays: 7 }))).not.toContain('cert-expiring');
  });

  it('checks the certificate against the host name sent in SNI (name pinned to 127.0.0.1)', async () => {
    const secure = await up(serveHttps(site(), pki.valid));
    const r = await check(`https://www.shifan.test:${secure.port}/`, { checkLegacyTls: false, httpPort: 1 });
    expect(r.findings).toEqual([]);
    expect((r.summary as { https: { hostMatch: boolean } }).https.hostMatch).toBe(true);
    const untrusted = await check(`https://www.shifan.test:${secure.port}/`, { checkLegacyTls: false, httpPort: 1, caFiles: [] });
    expect(codes(untrusted)).toEqual(['cert-untrusted']);
  });

  it('reports TLS below 1.2, and a server that still accepts TLS 1.0/1.1 besides newer versions', async () => {
    const old = await up(serveHttps(site(), pki.valid, { legacyOnly: true }));
    const r = await check(`${old.origin}/`, { httpPort: 1 });
    expect(codes(r)).toEqual(['tls-old']);
    expect(r.findings[0].params.protocol).toMatch(/^TLSv1(\.1)?$/);
    const both = await up(serveHttps(site(), pki.valid, { acceptLegacy: true }));
    const b = await check(`${both.origin}/`, { httpPort: 1 });
    expect(codes(b)).toEqual(['tls-legacy-accepted']);
    expect((b.summary as { https: { protocol: string } }).https.protocol).toBe('TLSv1.3');
  });

  it('reports an HTTP-only site', async () => {
    const plain = await up(serve(site()));
    const closed = await up(serve(new Map()));
    await closed.close(); // a port where nothing listens any more
    const r = await check(`${plain.origin}/`, { httpsPort: closed.port });
    expect(codes(r)).toEqual(['https-missing']);
    expect(r.findings[0]).toMatchObject({ severity: 'deduction', rule: 'W-D6', params: { host: '127.0.0.1', port: closed.port, reason: 'connection_refused' } });
    expect(r.findings[0].message).toContain('站点未提供 HTTPS 访问');
  });

  it('refuses private addresses unless allowed, like every other request', async () => {
    const secure = await up(serveHttps(site(), pki.valid));
    const a = await gatherSite({ id: 't', url: `${secure.origin}/`, kind: 'website' }, { networkPolicy: true, maxPages: 1 }, [], '2024-07-01');
    const strict = new HttpClient({ networkPolicy: false, retries: 0 });
    const [r] = await runChecks(a, [{ module: httpsCheck, options: httpsCheck.meta.options.parse({ checkLegacyTls: false }) }], { config, http: strict });
    await strict.close();
    expect((r.summary as { https: { error: string } }).https.error).toBe('private_address_blocked');
  });
});
