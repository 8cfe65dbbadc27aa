/**
 * security-headers — W-D6 安全防护: the home page's response headers as crawled (HSTS, CSP, clickjacking, nosniff,
 * Referrer-Policy, cookies), parsed as the MDN HTTP Observatory parses them (src/analysis/security/), whose score and
 * grade go in the summary. Details: docs/check-reference.md "Security and privacy".
 */
import { z } from 'zod';
import { failOnCollectFailure, defineCheck, type FindingInput } from '../src/check-api/api.js';
import type { Severity } from '../src/types.js';
import { observatoryScan, type ObservatoryInput, type ScriptTag } from '../src/analysis/security/observatory.js';

const severity = z.enum(['deduction', 'warning', 'info', 'off']);

/** Default severity of each problem; `severities` in the options overrides any of them. */
const DEFAULT_SEVERITY: Record<string, z.infer<typeof severity>> = {
  'hsts-missing': 'deduction',
  'hsts-short': 'deduction',
  'hsts-invalid': 'deduction',
  'hsts-no-https': 'info',
  'csp-missing': 'deduction',
  'csp-report-only': 'deduction',
  'csp-invalid': 'deduction',
  'csp-unsafe': 'deduction',
  'csp-weak': 'info',
  'xfo-missing': 'deduction',
  'xfo-invalid': 'deduction',
  'xcto-missing': 'deduction',
  'xcto-invalid': 'deduction',
  'referrer-missing': 'warning',
  'referrer-unsafe': 'deduction',
  'referrer-invalid': 'deduction',
  'cookie-not-secure': 'deduction',
  'cookie-over-http': 'warning',
  'cookie-no-httponly': 'deduction',
  'cookie-samesite-invalid': 'deduction',
  'cookie-no-samesite': 'warning',
};

/** An enforced CSP's weaknesses by the Observatory's result: the finding (unsafe, or only weak) and the reason it names. */
const CSP_WEAKNESSES: Record<string, { code: 'csp-unsafe' | 'csp-weak'; reason: string } | undefined> = {
  'csp-implemented-with-unsafe-inline': { code: 'csp-unsafe', reason: "script-src/object-src allow 'unsafe-inline', data: or overly broad sources" },
  'csp-implemented-with-unsafe-eval': { code: 'csp-unsafe', reason: "'unsafe-eval' allowed" },
  'csp-implemented-with-insecure-scheme': { code: 'csp-unsafe', reason: 'resources allowed over http: or ftp:' },
  'csp-implemented-with-insecure-scheme-in-passive-content-only': { code: 'csp-weak', reason: 'images or media allowed over http:' },
  'csp-implemented-with-unsafe-inline-in-style-src-only': { code: 'csp-weak', reason: "style-src allows 'unsafe-inline', data: or broad sources" },
};

const options = z.object({
  /** HSTS max-age below this (seconds) is too short: six months, as the HTTP Observatory counts it. */
  hstsMinMaxAge: z.number().int().nonnegative().default(15_552_000),
  /** Severity per problem code (deduction | warning | info | off), over the defaults. */
  severities: z.record(z.string(), severity).default({}),
  /** Scripts recorded from the home page for the SRI test. */
  maxScripts: z.number().int().positive().default(500),
});

interface Collected {
  metaCsp: string[];
  metaReferrer?: string;
  scripts: ScriptTag[];
}

export default defineCheck({
  meta: {
    id: 'security-headers',
    scope: ['website'],
    rules: ['W-D6'],
    options,
  },
  collect({ $, isHome }, o) {
    if (!isHome) return undefined;
    const out: Collected = { metaCsp: [], scripts: [] };
    $('meta').each((_, el) => {
      const a = (el as { attribs?: Record<string, string> }).attribs ?? {};
      if ('http-equiv' in a && 'content' in a) {
        if (a['http-equiv'].toLowerCase().trim() === 'content-security-policy' && a.content) out.metaCsp.push(a.content);
      } else if (a.name?.toLowerCase().trim() === 'referrer' && a.content) {
        out.metaReferrer = a.content;
      }
    });
    $('script').each((_, el) => {
      if (out.scripts.length >= o.maxScripts) return;
      const a = (el as { attribs?: Record<string, string> }).attribs ?? {};
      out.scripts.push({ src: a.src, integrity: a.integrity, crossorigin: a.crossorigin });
    });
    return out;
  },
  run(site, ctx) {
    const o = ctx.options;
    const home = site.home;
    if (!home || home.error || home.status === null || home.status < 200 || home.status >= 300) {
      return { findings: [], notApplicable: 'home page not fetched with a 2xx status' };
    }
    // A home page whose collector failed leaves its scripts unknown: the check cannot conclude.
    const col = failOnCollectFailure(ctx.collected(home), 'security-headers', home);
    const isHtml = col !== undefined;
    const start = site.startUrl;
    const input: ObservatoryInput = {
      url: home.finalUrl,
      status: home.status,
      headers: home.headers,
      metaCsp: col?.metaCsp ?? [],
      metaReferrer: col?.metaReferrer,
      scripts: isHtml ? col.scripts : null,
      // The crawl's redirect chain is the Observatory's http route when the crawl began on http://.
      httpRoute: start.startsWith('http:') ? [start, ...home.redirectChain.map((h) => h.location)] : undefined,
    };
    const obs = observatoryScan(input);
    const t = obs.tests;
    const points = ctx.rulePoints('W-D6') ?? 1;
    const findings: FindingInput[] = [];
    const sev = (code: string) => o.severities[code] ?? DEFAULT_SEVERITY[code] ?? 'warning';
    const add = (code: string, location: string, expected: string, actual: string, params: Record<string, string | number> = {}, extra: Record<string, unknown> = {}) => {
      const s = sev(code);
      if (s === 'off') return;
      findings.push({
        code,
        params,
        severity: s as Severity,
        rule: s === 'deduction' ? 'W-D6' : undefined,
        points: s === 'deduction' ? points : undefined,
        url: home.finalUrl,
        target: location,
        evidence: { location, expected, actual, ...extra },
      });
    };
    const https = home.finalUrl.startsWith('https:');

    // HSTS (our own threshold; an unparseable max-age is invalid here, unlike in the Observatory).
    const hsts = t['strict-transport-security'];
    if (!https) add('hsts-no-https', 'Strict-Transport-Security', 'HTTPS with HSTS', home.finalUrl);
    else if (hsts.header === null) add('hsts-missing', 'Strict-Transport-Security', `max-age ≥ ${o.hstsMinMaxAge}`, '(absent)');
    else if (hsts.result === 'hsts-header-invalid' || hsts.maxAge === null || Number.isNaN(hsts.maxAge)) add('hsts-invalid', 'Strict-Transport-Security', `max-age ≥ ${o.hstsMinMaxAge}`, hsts.header, { value: hsts.header.slice(0, 120) });
    else if (hsts.maxAge < o.hstsMinMaxAge)
      add('hsts-short', 'Strict-Transport-Security', `max-age ≥ ${o.hstsMinMaxAge}`, hsts.header, { maxAge: hsts.maxAge, min: o.hstsMinMaxAge }, { includeSubDomains: hsts.includeSubDomains, preload: hsts.preload });

    // CSP
    const csp = t['content-security-policy'];
    const cspActual = [home.headers['content-security-policy'], ...(col?.metaCsp ?? []).map((m) => `<meta> ${m}`)].filter(Boolean).join(' | ').slice(0, 300) || '(absent)';
    const cspExpected = "enforced policy; script-src without 'unsafe-inline', 'unsafe-eval', data:, http: or broad sources";
    const weakness = CSP_WEAKNESSES[csp.result];
    if (csp.result === 'csp-not-implemented') add('csp-missing', 'Content-Security-Policy', cspExpected, cspActual);
    else if (csp.result === 'csp-not-implemented-but-reporting-enabled') add('csp-report-only', 'Content-Security-Policy-Report-Only', cspExpected, String(home.headers['content-security-policy-report-only']).slice(0, 300));
    else if (csp.result === 'csp-header-invalid') add('csp-invalid', 'Content-Security-Policy', cspExpected, cspActual, { reason: csp.directives ? "'strict-dynamic' without a nonce or hash" : 'empty policy or repeated directive' });
    else if (weakness) add(weakness.code, 'Content-Security-Policy', cspExpected, cspActual, { reason: weakness.reason }, { observatory: csp.result });

    // Clickjacking
    const xfo = t['x-frame-options'];
    if (xfo.result === 'x-frame-options-not-implemented') add('xfo-missing', 'X-Frame-Options', 'DENY or SAMEORIGIN, or CSP frame-ancestors', '(absent)');
    else if (xfo.result === 'x-frame-options-header-invalid') add('xfo-invalid', 'X-Frame-Options', 'DENY or SAMEORIGIN', String(xfo.data), { value: String(xfo.data).slice(0, 120) });

    // MIME sniffing
    const xcto = t['x-content-type-options'];
    if (xcto.result === 'x-content-type-options-not-implemented') add('xcto-missing', 'X-Content-Type-Options', 'nosniff', '(absent)');
    else if (xcto.result === 'x-content-type-options-header-invalid') add('xcto-invalid', 'X-Content-Type-Options', 'nosniff', String(xcto.data), { value: String(xcto.data).slice(0, 120) });

    // Referrer-Policy
    const rp = t['referrer-policy'];
    const rpExpected = 'no-referrer, same-origin, strict-origin or strict-origin-when-cross-origin';
    if (rp.result === 'referrer-policy-not-implemented') add('referrer-missing', 'Referrer-Policy', rpExpected, '(absent)');
    else if (rp.result === 'referrer-policy-unsafe') add('referrer-unsafe', 'Referrer-Policy', rpExpected, String(rp.data), { value: rp.policy ?? '' });
    else if (rp.result === 'referrer-policy-header-invalid') add('referrer-invalid', 'Referrer-Policy', rpExpected, String(rp.data), { value: String(rp.data).slice(0, 120) });

    // Cookies
    const ck = t.cookies;
    const names = (f: (c: (typeof ck.cookies)[number]) => boolean) =>
      ck.cookies
        .filter(f)
        .map((c) => c.name)
        .slice(0, 10)
        .join(', ');
    const cookieLoc = 'Set-Cookie';
    if (ck.result === 'cookies-samesite-flag-invalid' || ck.cookies.some((c) => c.sameSite === 'none' && !c.secure)) add('cookie-samesite-invalid', cookieLoc, 'SameSite=Strict or Lax', ck.result);
    const insecure = names((c) => !c.secure);
    if (insecure) add(https ? 'cookie-not-secure' : 'cookie-over-http', cookieLoc, 'Secure', 'no Secure flag', { names: insecure });
    const noHttpOnly = names((c) => c.session && !c.httpOnly);
    if (noHttpOnly) add('cookie-no-httponly', cookieLoc, 'HttpOnly on session cookies', 'no HttpOnly', { names: noHttpOnly });
    const noSameSite = names((c) => !c.sameSite);
    if (noSameSite) add('cookie-no-samesite', cookieLoc, 'SameSite=Strict or Lax', 'no SameSite', { names: noSameSite });

    return {
      findings,
      summary: {
        url: home.finalUrl,
        observatory: {
          score: obs.score,
          grade: obs.grade,
          testsPassed: obs.testsPassed,
          testsFailed: obs.testsFailed,
          partial: obs.partial,
          tests: Object.fromEntries(Object.entries(obs.tests).map(([k, v]) => [k, { result: v.result, modifier: v.modifier, pass: v.pass }])),
        },
        hsts: https ? { maxAge: hsts.maxAge, includeSubDomains: hsts.includeSubDomains, preload: hsts.preload } : null,
        csp: { policies: csp.numPolicies, http: csp.http, meta: csp.meta, directives: csp.directives },
        cookies: ck.cookies,
      },
    };
  },
});
