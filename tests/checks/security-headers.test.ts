/**
 * security-headers (W-D6): the HTTP Observatory's header cases, each served byte for byte by a raw server on
 * 127.0.0.1, crawled by the real gatherer and judged by the check; plus the Observatory score and grade and our own
 * W-D6 findings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import securityHeaders from '../../checks/security-headers.js';
import { loadConfig } from '../../src/config.js';
import { gatherSite } from '../../src/gather/crawl.js';
import { HttpClient } from '../../src/net/http.js';
import { observatoryGrade } from '../../src/analysis/security/observatory.js';
import { runChecks } from '../../src/site-check.js';
import type { CheckResult } from '../../src/types.js';
import { serveRaw, type RawResponse, type RawServed } from '../fixtures/security.js';
import { createTestPki } from '../fixtures/tls.js';
import { tmpDir } from '../helpers.js';

type Lines = Array<[string, string]>;
interface Case {
  test: string;
  lines: Lines;
  expect: string;
  https?: boolean;
  body?: string;
  label?: string;
}

const page = (head = '', body = 'ok') => `<!DOCTYPE html><html><head><meta charset="utf-8"><title>t</title>${head}</head><body>${body}</body></html>`;
const H = (name: string, ...values: string[]): Lines => values.map((v) => [name, v] as [string, string]);
const CSP = 'Content-Security-Policy';

const cases: Case[] = [];
const add = (test: string, expected: string, rows: Array<Lines | { lines: Lines; body?: string; https?: boolean; label?: string }>, https = true) => {
  for (const r of rows) {
    const c = Array.isArray(r) ? { lines: r } : r;
    cases.push({ test, expect: expected, https: c.https ?? https, lines: c.lines, body: c.body, label: c.label });
  }
};

// X-Content-Type-Options
add('x-content-type-options', 'x-content-type-options-not-implemented', [[]]);
add('x-content-type-options', 'x-content-type-options-header-invalid', [H('X-Content-Type-Options', 'whimsy'), H('X-Content-Type-Options', 'nosniff, nosniff'), H('X-Content-Type-Options', 'nosniff', 'nosniff')]);
add('x-content-type-options', 'x-content-type-options-nosniff', [H('X-Content-Type-Options', 'nosniff'), H('X-Content-Type-Options', 'nosniff '), H('x-content-type-options', 'NoSniff')]);
// X-Frame-Options
add('x-frame-options', 'x-frame-options-not-implemented', [[], { lines: [], body: page('<meta http-equiv="X-Frame-Options" content="DENY">'), label: 'meta XFO is ignored' }]);
add('x-frame-options', 'x-frame-options-header-invalid', [H('X-Frame-Options', 'whimsy'), H('X-Frame-Options', 'SAMEORIGIN, SAMEORIGIN'), H('X-Frame-Options', 'SAMEORIGIN', 'SAMEORIGIN')]);
add('x-frame-options', 'x-frame-options-allow-from-origin', [H('X-Frame-Options', 'ALLOW-FROM https://www.example.gov.cn')]);
add('x-frame-options', 'x-frame-options-sameorigin-or-deny', [H('X-Frame-Options', 'DENY'), H('X-Frame-Options', 'DENY '), H('x-frame-options', 'sameorigin')]);
add('x-frame-options', 'x-frame-options-implemented-via-csp', [[...H('X-Frame-Options', 'DENY'), ...H(CSP, 'frame-ancestors https://www.example.gov.cn')]]);
// Referrer-Policy
add('referrer-policy', 'referrer-policy-private', [
  ...['no-referrer', 'same-origin', 'strict-origin', 'STRICT-ORIGIN', 'strict-origin-when-cross-origin'].map((v) => H('Referrer-Policy', v)),
  { lines: [], body: page('<meta name="referrer" content="no-referrer, same-origin">'), label: 'meta referrer' },
  { lines: H('Referrer-Policy', 'unsafe-url'), body: page('<meta name="referrer" content="no-referrer, same-origin">'), label: 'meta after header wins' },
  { lines: [], body: page('<meta name="referRer" content="no-referrer, same-origin">'), label: 'meta name case' },
  H('Referrer-Policy', 'no-referrer, whimsy'),
]);
add('referrer-policy', 'referrer-policy-not-implemented', [[]]);
add('referrer-policy', 'referrer-policy-header-invalid', [H('Referrer-Policy', 'whimsy'), H('Referrer-Policy', 'whimsy, whimsy1, whimsy2')]);
add('referrer-policy', 'referrer-policy-unsafe', [
  ...['origin', 'origin-when-cross-origin', 'unsafe-url'].map((v) => H('Referrer-Policy', v)),
  H('Referrer-Policy', 'origin-when-cross-origin, no-referrer, unsafe-url'),
  H('Referrer-Policy', 'no-referrer, unsafe-url'),
  { lines: H('Referrer-Policy', 'no-referrer', 'unsafe-url'), label: 'two header lines: the last valid token wins' },
]);
// Strict-Transport-Security
const STS = 'Strict-Transport-Security';
add('strict-transport-security', 'hsts-not-implemented', [[]]);
add('strict-transport-security', 'hsts-header-invalid', [H(STS, 'includeSubDomains; preload'), H(STS, 'max-age=15768000; includeSubDomains, max-age=15768000; includeSubDomains'), H(STS, 'max-age=15768000', 'max-age=15768000')]);
add('strict-transport-security', 'hsts-implemented-max-age-less-than-six-months', [H(STS, 'max-age=86400')]);
add('strict-transport-security', 'hsts-implemented-max-age-at-least-six-months', [H(STS, 'max-age=15768000; includeSubDomains; preload'), H(STS, 'MAX-AGE=15552000 ')]);
add('strict-transport-security', 'hsts-not-implemented-no-https', [{ lines: H(STS, 'max-age=15768000'), https: false }]);
// Content-Security-Policy (the Observatory's own value table)
add('content-security-policy', 'csp-not-implemented', [
  [],
  { lines: [], body: page(`<meta http-equiv="Content-Security-Policy" content="frame-ancestors 'none'">`), label: 'meta frame-ancestors is ignored' },
  { lines: [], body: page(`<meta http-equiv="Content-Security-Policy-Report-Only" content="default-src 'none'">`), label: 'meta report-only is ignored' },
]);
add('content-security-policy', 'csp-not-implemented-but-reporting-enabled', [H('Content-Security-Policy-Report-Only', "default-src 'none'; report-to /_/csp-reports")]);
add(
  'content-security-policy',
  'csp-header-invalid',
  ['  ', "default-src 'none'; default-src 'none'", "default-src 'none'; img-src 'self'; default-src 'none'", "default-src 'none'; script-src 'strict-dynamic'", 'defa'].map((v) => H(CSP, v)),
);
add('content-security-policy', 'csp-implemented-with-unsafe-inline', [
  ...[
    "default-src 'none'; script-src https://*",
    "default-src 'none'; script-src 'unsafe-inline'",
    "script-src 'unsafe-inline'",
    'script-src data:',
    'script-src http:',
    'script-src ftp:',
    "default-src 'unsafe-inline'",
    "default-src 'UNSAFE-INLINE'",
    'upgrade-insecure-requests',
    "script-src 'none'",
    'script-src https:',
    'script-src https://mozilla.org https:',
    'default-src https://mozilla.org https:',
    "default-src 'none'; script-src *",
    "default-src *; script-src *; object-src 'none'",
    "default-src 'none'; script-src 'none'; object-src *",
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'",
    "default-src 'none'; script-src 'unsafe-inline' http:",
    "object-src https:; script-src 'none'",
  ].map((v) => H(CSP, v)),
  { lines: H(CSP, "frame-anchestors 'none'"), body: page(`<meta http-equiv="Content-Security-Policy" content="frame-ancestors 'none'">`), label: 'misspelt header + meta frame-ancestors' },
]);
add(
  'content-security-policy',
  'csp-implemented-with-insecure-scheme',
  ['default-src http://mozilla.org', "default-src 'none'; script-src http://mozilla.org", "default-src 'none'; script-src ftp://mozilla.org"].map((v) => H(CSP, v)),
);
add(
  'content-security-policy',
  'csp-implemented-with-insecure-scheme-in-passive-content-only',
  [
    "default-src 'none'; img-src http://mozilla.org",
    "default-src 'self'; img-src ftp:",
    "default-src 'self'; img-src http:",
    "default-src 'none'; img-src https:; media-src http://mozilla.org",
    "default-src 'none'; img-src http: https:; script-src 'self'; style-src 'self'",
    "default-src 'none'; img-src 'none'; media-src http:; script-src 'self'; style-src 'self'",
    "default-src 'none'; img-src 'none'; media-src http:; script-src 'self'; style-src 'unsafe-inline'",
  ].map((v) => H(CSP, v)),
);
add('content-security-policy', 'csp-implemented-but-duplicate-directives', [H(CSP, "default-src 'none'; report-uri /a; report-uri /b")]);
add('content-security-policy', 'csp-implemented-with-unsafe-eval', [H(CSP, "default-src 'none'; script-src 'unsafe-eval'")]);
add(
  'content-security-policy',
  'csp-implemented-with-unsafe-inline-in-style-src-only',
  [
    "object-src 'none'; script-src 'none'; style-src 'unsafe-inline'",
    "default-src 'none'; script-src https://mozilla.org; style-src 'unsafe-inline'",
    "default-src 'unsafe-inline'; script-src https://mozilla.org",
    "default-src 'none';;; ;;;style-src 'self' 'unsafe-inline'",
    "default-src 'none'; style-src data:",
    "default-src 'none'; style-src *",
    "default-src 'none'; style-src https:",
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-hqBEA/HXB3aJU2FgOnYN8rkAgEVgyfi3Vs1j2/XMPBB=' 'unsafe-inline'",
  ].map((v) => H(CSP, v)),
);
add('content-security-policy', 'csp-implemented-with-no-unsafe', [
  ...[
    'default-src https://mozilla.org',
    "default-src https://mozilla.org;;; ;;;script-src 'none'",
    "object-src 'none'; script-src https://mozilla.org; style-src https://mozilla.org; upgrade-insecure-requests;",
    "object-src 'none'; script-src 'strict-dynamic' 'nonce-abc' 'unsafe-inline'; style-src 'none'",
    "object-src 'none'; style-src 'self';script-src 'sha256-hqBEA/HXB3aJU2FgOnYN8rkAgEVgyfi3Vs1j2/XMPBA='",
    "object-src 'none'; script-src 'unsafe-inline' 'nonce-abc123' 'unsafe-inline'; style-src 'none'",
    "default-src https://mozilla.org; style-src 'unsafe-inline' 'nonce-abc123' 'unsafe-inline'",
  ].map((v) => H(CSP, v)),
]);
add('content-security-policy', 'csp-implemented-with-no-unsafe-default-src-none', [
  { lines: H(CSP, "default-src 'none'; script-src 'self'", "default-src 'none'; script-src 'self'"), label: 'two policies in two header lines' },
  ...['default-src', "default-src 'none'; script-src 'strict-dynamic' 'nonce-abc123' 'unsafe-inline'", "default-src 'none'; object-src https://mozilla.org", "default-src 'none'; script-src 'strict-dynamic' 'sha256-abc123' https://*"].map(
    (v) => H(CSP, v),
  ),
  { lines: H(CSP, 'default-src http:'), body: page(`<meta http-equiv="Content-Security-Policy" content="default-src https:">`), label: 'header and meta intersect to none' },
  {
    lines: [],
    body: page(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; object-src 'none'; media-src 'none';"><meta http-equiv="Content-SECURITY-Policy" content="connect-src 'self'; font-src 'self'; child-src 'self'"><meta http-equiv=" Content-Security-Policy " content="img-src 'self'; style-src 'self' 'nonce-gAeQO8jI4VJCsrsXkcUVRCzQjiihKteQ"><meta http-equiv="Content-security-Policy" content="script-src 'self' 'unsafe-inline' 'nonce-gAeQO8jI4VJCsrsXkcUVRCzQjiihKteQ'">`,
    ),
    label: 'four meta policies, any case and spacing',
  },
]);
// Cookies (no Domain attribute: the server is 127.0.0.1)
const SC = 'Set-Cookie';
add('cookies', 'cookies-not-found', [[]]);
add('cookies', 'cookies-secure-with-httponly-sessions', [H(SC, 'SESSIONID=bar; Path=/; Secure; HttpOnly', 'foo=bar; Secure; Path=/', 'heroku-session-affinity=bar; Path=/')]);
add('cookies', 'cookies-secure-with-httponly-sessions-and-samesite', [
  H(SC, 'SESSIONID_STRICT=bar; Path=/; Secure; HttpOnly; SameSite=Strict', 'SESSIONID_LAX=bar; Path=/; Secure; HttpOnly; SameSite=Lax', 'SESSIONID_NONE=bar; Path=/; Secure; HttpOnly; SameSite=None'),
  { lines: H(SC, 'JSESSIONID=1; Expires=Wed, 21 Oct 2099 07:28:00 GMT; Path=/; Secure; HttpOnly; SameSite=Lax', 'lang=zh; Secure; SameSite=Strict'), label: 'Expires with a comma survives the join' },
]);
add('cookies', 'cookies-anticsrf-without-samesite-flag', [H(SC, 'CSRFTOKEN=bar; Path=/; Secure; HttpOnly')]);
add(
  'cookies',
  'cookies-samesite-flag-invalid',
  ['SESSIONID=bar; Path=/; Secure; HttpOnly; SameSite=', 'SESSIONID=bar; Path=/; Secure; HttpOnly; SameSite=True', 'SESSIONID=bar; Path=/; Secure; HttpOnly; SameSite=Invalid'].map((v) => H(SC, v)),
);
add('cookies', 'cookies-without-secure-flag-but-protected-by-hsts', [[...H(SC, 'foo=bar; Path=/'), ...H(STS, 'max-age=15768000')]]);
add('cookies', 'cookies-session-without-secure-flag-but-protected-by-hsts', [[...H(SC, 'SESSIONID=bar; Path=/; HttpOnly'), ...H(STS, 'max-age=15768000')]]);
add('cookies', 'cookies-without-secure-flag', [H(SC, 'foo=bar; Path=/')]);
add('cookies', 'cookies-session-without-httponly-flag', [H(SC, 'SESSIONID=bar; Path=/; Secure')]);
add('cookies', 'cookies-session-without-secure-flag', [H(SC, 'SESSIONID=bar; Path=/; HttpOnly'), H(SC, 'SESSIONID=bar; Path=/')]);
// Cross-Origin-Resource-Policy
const CORP = 'Cross-Origin-Resource-Policy';
add('cross-origin-resource-policy', 'corp-not-implemented', [[]]);
add('cross-origin-resource-policy', 'corp-implemented-with-same-site', [H(CORP, 'same-site')]);
add('cross-origin-resource-policy', 'corp-implemented-with-same-origin', [H(CORP, 'SAME-ORIGIN ')]);
add('cross-origin-resource-policy', 'corp-implemented-with-cross-origin', [H(CORP, 'cross-origin')]);
add('cross-origin-resource-policy', 'corp-header-invalid', [H(CORP, 'whimsy'), H(CORP, 'same-site', 'same-site')]);
// Subresource integrity
const withScripts = (s: string) => ({ lines: [] as Lines, body: page(s) });
add('subresource-integrity', 'sri-not-implemented-but-no-scripts-loaded', [withScripts('')]);
add('subresource-integrity', 'sri-not-implemented-but-all-scripts-loaded-from-secure-origin', [withScripts('<script src="/js/a.js"></script><script>var x=1</script>')]);
add('subresource-integrity', 'sri-not-implemented-and-external-scripts-not-loaded-securely', [withScripts('<script src="http://cdn.other-site.test/x.js"></script>')]);
add('subresource-integrity', 'sri-implemented-and-external-scripts-loaded-securely', [withScripts('<script src="https://cdn.other-site.test/x.js" integrity="sha384-abc" crossorigin="anonymous"></script>')]);
add('subresource-integrity', 'sri-not-implemented-but-external-scripts-loaded-securely', [withScripts('<script src="https://cdn.other-site.test/x.js"></script>')]);
add('subresource-integrity', 'sri-implemented-but-external-scripts-not-loaded-securely', [withScripts('<script src="//cdn.other-site.test/x.js" integrity="sha384-abc"></script>')]);
add('subresource-integrity', 'sri-not-implemented-response-not-html', [{ lines: H('Content-Type', 'application/json'), body: '{}' }]);
// CORS (no Origin is sent by the crawl)
add('cross-origin-resource-sharing', 'cross-origin-resource-sharing-not-implemented', [[]]);
add('cross-origin-resource-sharing', 'cross-origin-resource-sharing-implemented-with-public-access', [H('Access-Control-Allow-Origin', '*')]);
add('cross-origin-resource-sharing', 'cross-origin-resource-sharing-implemented-with-restricted-access', [H('Access-Control-Allow-Origin', 'https://www.example.gov.cn')]);

const tmp = tmpDir();
let http: RawServed;
let https: RawServed;
const config = loadConfig();
const client = new HttpClient({ networkPolicy: true, retries: 0 });

function responses(): Map<string, RawResponse> {
  const m = new Map<string, RawResponse>();
  cases.forEach((c, i) => {
    const hasType = c.lines.some(([k]) => k.toLowerCase() === 'content-type');
    m.set(`/c${i}`, { headers: [...(hasType ? [] : ([['Content-Type', 'text/html; charset=utf-8']] as Lines)), ...c.lines], body: c.body ?? page() });
  });
  m.set('/index', { headers: [['Content-Type', 'text/html; charset=utf-8']], body: page('', cases.map((_, i) => `<a href="/c${i}">${i}</a>`).join(' ')) });
  return m;
}

async function check(url: string): Promise<CheckResult> {
  const collectors = [{ module: securityHeaders, options: securityHeaders.meta.options.parse({}) }];
  const a = await gatherSite({ id: 't', url, kind: 'website' }, { networkPolicy: true, maxPages: 1, maxDepth: 0, retries: 0 }, collectors, '2024-07-01');
  const [r] = await runChecks(a, collectors, { config, http: client });
  return r;
}

beforeAll(async () => {
  const pki = createTestPki(tmp.dir);
  const m = responses();
  // Redirection routes on the plain server.
  http = await serveRaw(m);
  https = await serveRaw(m, pki.valid);
  m.set('/to-https', { status: 301, headers: [['Location', `${https.origin}/c0`]] });
  m.set('/to-http-first', { status: 302, headers: [['Location', '/to-https']] });
  m.set('/off-host', { status: 301, headers: [['Location', `https://localhost:${https.port}/c0`]] });
});
afterAll(async () => {
  await Promise.all([http?.close(), https?.close(), client.close()]);
  tmp.cleanup();
});

describe('security-headers: HTTP Observatory header cases on a local server', () => {
  it(`gives the Observatory's outcome for each of ${cases.length} header cases`, async () => {
    // One crawl per server (an index links every case page); each page is then judged as a home page.
    const wrong: string[] = [];
    for (const server of [http, https]) {
      const asHome = { ...securityHeaders, collect: (ctx: Parameters<NonNullable<typeof securityHeaders.collect>>[0], o: unknown) => securityHeaders.collect!({ ...ctx, isHome: true }, o as never) };
      const collectors = [{ module: asHome, options: securityHeaders.meta.options.parse({}) }];
      const a = await gatherSite({ id: 't', url: `${server.origin}/index`, kind: 'website' }, { networkPolicy: true, maxPages: 500, maxDepth: 1, retries: 0 }, collectors, '2024-07-01');
      for (const [i, c] of cases.entries()) {
        if (Boolean(c.https) !== server.origin.startsWith('https:')) continue;
        const p = a.pages.find((x) => x.url === `${server.origin}/c${i}`);
        if (!p) {
          wrong.push(`c${i} not crawled`);
          continue;
        }
        const [r] = await runChecks({ ...a, startUrl: p.url, home: p }, collectors, { config, http: client });
        const got = (r.summary!.observatory as { tests: Record<string, { result: string }> }).tests[c.test].result;
        if (got !== c.expect) wrong.push(`${c.test} ${JSON.stringify(c.lines)} ${c.label ?? ''} → ${got}, expected ${c.expect}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('reads the redirect route of an http:// start as the Observatory does', async () => {
    const res = async (path: string) => ((await check(`${http.origin}${path}`)).summary!.observatory as { tests: Record<string, { result: string }> }).tests.redirection.result;
    expect(await res('/c0')).toBe('redirection-missing');
    expect(await res('/to-https')).toBe('redirection-to-https');
    expect(await res('/to-http-first')).toBe('redirection-not-to-https-on-initial-redirection');
    expect(await res('/off-host')).toBe('redirection-off-host-from-http');
  });

  it('scores and grades like the Observatory: bonuses only above the extra-credit line', async () => {
    expect([100, 125, 95, 90, 87, 60, 24, 0, -30].map(observatoryGrade)).toEqual(['A+', 'A+', 'A', 'A', 'A-', 'C+', 'F', 'F', 'F']);
    // A bare plain-HTTP page: CSP −25, XFO −20, XCTO −5, HSTS (no https) −20, no redirect to https −20 → 10, F.
    const bare = await check(`${http.origin}/c0`);
    expect(bare.summary?.observatory).toMatchObject({ score: 10, grade: 'F' });
    // A hardened HTTPS page: every bonus counts (CSP +10, Referrer +5, CORP +10) → 125, A+.
    const hardened = await servedOnce([
      ...H(CSP, "default-src 'none'; form-action 'self'"),
      ...H('X-Content-Type-Options', 'nosniff'),
      ...H('X-Frame-Options', 'DENY'),
      ...H('Referrer-Policy', 'no-referrer'),
      ...H(STS, 'max-age=31536000; includeSubDomains; preload'),
      ...H(CORP, 'same-origin'),
    ]);
    expect(hardened.summary?.observatory).toMatchObject({ score: 125, grade: 'A+' });
    expect(hardened.findings.filter((f) => f.severity === 'deduction')).toEqual([]);
    expect(hardened.summary?.hsts).toEqual({ maxAge: 31536000, includeSubDomains: true, preload: true });
  });

  it('turns missing or unsafe headers into W-D6 deductions with evidence, configurable per problem', async () => {
    const r = await check(`${https.origin}/c0`); // no security header at all, over HTTPS
    const codes = r.findings.map((f) => `${f.code}:${f.severity}`).sort();
    expect(codes).toEqual(['csp-missing:deduction', 'hsts-missing:deduction', 'referrer-missing:warning', 'xcto-missing:deduction', 'xfo-missing:deduction']);
    for (const f of r.findings.filter((x) => x.severity === 'deduction')) expect(f).toMatchObject({ rule: 'W-D6', points: 1, url: `${https.origin}/c0` });
    expect(r.findings.find((f) => f.code === 'csp-missing')!.message).toBe('未设置内容安全策略（Content-Security-Policy）');
    expect(r.status).toBe('fail');

    const unsafe = cases.findIndex((c) => c.expect === 'csp-implemented-with-unsafe-eval');
    const u = await check(`${https.origin}/c${unsafe}`);
    expect(u.findings.find((f) => f.code === 'csp-unsafe')).toMatchObject({ severity: 'deduction', params: { reason: "'unsafe-eval' allowed" } });
    const ro = cases.findIndex((c) => c.expect === 'csp-not-implemented-but-reporting-enabled');
    expect((await check(`${https.origin}/c${ro}`)).findings.map((f) => f.code)).toContain('csp-report-only');
    const short = cases.findIndex((c) => c.expect === 'hsts-implemented-max-age-less-than-six-months');
    expect((await check(`${https.origin}/c${short}`)).findings.find((f) => f.code === 'hsts-short')).toMatchObject({ params: { maxAge: 86400, min: 15552000 } });
    const cookie = cases.findIndex((c) => c.expect === 'cookies-session-without-httponly-flag');
    expect((await check(`${https.origin}/c${cookie}`)).findings.find((f) => f.code === 'cookie-no-httponly')).toMatchObject({ params: { names: 'SESSIONID' } });

    // Over plain HTTP, HSTS is the https check's matter: information only here.
    const plain = await check(`${http.origin}/c0`);
    expect(plain.findings.find((f) => f.code === 'hsts-no-https')?.severity).toBe('info');

    // A province may turn an item down or off.
    const collectors = [{ module: securityHeaders, options: securityHeaders.meta.options.parse({ severities: { 'csp-missing': 'off', 'xfo-missing': 'warning' } }) }];
    const a = await gatherSite({ id: 't', url: `${https.origin}/c0`, kind: 'website' }, { networkPolicy: true, maxPages: 1, maxDepth: 0 }, collectors, '2024-07-01');
    const [tuned] = await runChecks(a, collectors, { config, http: client });
    expect(tuned.findings.some((f) => f.code === 'csp-missing')).toBe(false);
    expect(tuned.findings.find((f) => f.code === 'xfo-missing')?.severity).toBe('warning');
  });

  it('is not applicable when the home page did not load', async () => {
    const r = await check(`${http.origin}/missing`);
    expect(r.status).toBe('not_applicable');
  });
});

let extra: RawServed | undefined;
async function servedOnce(lines: Lines): Promise<CheckResult> {
  const pki = createTestPki(`${tmp.dir}/once`);
  extra = await serveRaw(new Map([['/', { headers: [['Content-Type', 'text/html; charset=utf-8'], ...lines], body: page() }]]), pki.valid);
  try {
    return await check(`${extra.origin}/`);
  } finally {
    await extra.close();
  }
}
