/**
 * An HTTP-Observatory-compatible evaluation of one response (the home page as crawled): the ten tests of the MDN HTTP
 * Observatory, their outcome ids, score and grade (chart: observatory-table.ts), headers read the way it reads them.
 * Known differences (reported in `partial`): docs/modules.md.
 */
import { createRequire } from 'node:module';
import type { CookieJar } from 'tough-cookie';
import type { getDomain as GetDomain } from 'tldts';
import { CSP_DUPLICATE_WARNINGS, parseCsp, parseMetaCsp, splitPolicies, type CspMap } from './csp.js';
import { OBSERVATORY_BASE, OBSERVATORY_EXTRA_CREDIT_LINE, OBSERVATORY_GRADES, OBSERVATORY_MODIFIERS } from './observatory-table.js';

// tough-cookie and tldts (the public-suffix list) cost ≈ 120 ms of CPU and ≈ 1.5 MB to load: loaded at the first page
// that sets a cookie or loads a script by absolute URL, not at every start.
const require = createRequire(import.meta.url);
let Jar: typeof CookieJar | undefined;
let domainOf: typeof GetDomain | undefined;
const getDomain = (host: string): string | null => (domainOf ??= (require('tldts') as { getDomain: typeof GetDomain }).getDomain)(host);

export interface ScriptTag {
  /** src attribute as written (absent for inline scripts). */
  src?: string;
  integrity?: string;
  crossorigin?: string;
}

export interface ObservatoryInput {
  /** URL of the evaluated response (after redirects). */
  url: string;
  status: number | null;
  /** Lower-case header names; repeated headers joined with ", ", except set-cookie joined with "\n". */
  headers: Record<string, string>;
  /** <meta http-equiv="Content-Security-Policy"> contents, in document order. */
  metaCsp: string[];
  /** Content of the last <meta name="referrer"> with a non-empty content. */
  metaReferrer?: string;
  /** Every <script> of the page (null when the body was not parsed as HTML). */
  scripts: ScriptTag[] | null;
  /** Redirect route when the site was requested over http:// first: [http URL, hop 1, …]. Undefined = not observed. */
  httpRoute?: string[];
  /** Whether http:// could be reached at all (false → redirection not needed). */
  httpReachable?: boolean;
}

export interface ObservatoryTestResult {
  result: string;
  pass: boolean;
  modifier: number;
  data?: unknown;
}

export interface CspPolicyFlags {
  antiClickjacking: boolean;
  defaultNone: boolean;
  insecureBaseUri: boolean;
  insecureFormAction: boolean;
  insecureSchemeActive: boolean;
  insecureSchemePassive: boolean;
  strictDynamic: boolean;
  unsafeEval: boolean;
  unsafeInline: boolean;
  unsafeInlineStyle: boolean;
  unsafeObjects: boolean;
}

export interface CspResult extends ObservatoryTestResult {
  numPolicies: number;
  http: boolean;
  meta: boolean;
  policy: CspPolicyFlags | null;
  directives: Record<string, string[]> | null;
}

export interface HstsResult extends ObservatoryTestResult {
  maxAge: number | null;
  includeSubDomains: boolean;
  preload: boolean;
  header: string | null;
}

export interface ObservatoryReport {
  score: number;
  grade: string;
  testsPassed: number;
  testsFailed: number;
  tests: {
    'content-security-policy': CspResult;
    cookies: ObservatoryTestResult & { cookies: CookieInfo[] };
    'cross-origin-resource-sharing': ObservatoryTestResult;
    redirection: ObservatoryTestResult;
    'referrer-policy': ObservatoryTestResult & { policy: string | null };
    'strict-transport-security': HstsResult;
    'subresource-integrity': ObservatoryTestResult;
    'x-content-type-options': ObservatoryTestResult;
    'x-frame-options': ObservatoryTestResult;
    'cross-origin-resource-policy': ObservatoryTestResult;
  };
  /** Parts evaluated differently from a live Observatory scan (see the file comment). */
  partial: string[];
}

const HTML_TYPES = new Set(['text/html', 'application/xhtml+xml']);
const BROAD = new Set(['ftp:', 'http:', 'https:', '*', 'http://*', 'http://*.*', 'https://*', 'https://*.*']);
const INLINE = new Set(["'unsafe-inline'", 'data:']);
const BROAD_OR_INLINE = new Set([...BROAD, ...INLINE]);
const PASSIVE = ['img-src', 'media-src'];
const NONCE_OR_HASH = ["'sha256-", "'sha384-", "'sha512-", "'nonce-"];
/** The Observatory's HSTS six-month line (15 552 000 s; the nominal 15 768 000 is relaxed for common configs). */
export const OBSERVATORY_SIX_MONTHS = 15_552_000;

function header(h: Record<string, string>, name: string): string | undefined {
  return h[name];
}

function withModifier<T extends { result: string }>(t: T, pass: boolean): T & { pass: boolean; modifier: number } {
  return { ...t, pass, modifier: OBSERVATORY_MODIFIERS[t.result] ?? 0 };
}

const hasNonceOrHash = (s: Iterable<string>) => [...s].some((v) => NONCE_OR_HASH.some((p) => v.startsWith(p)));

export function cspTest(input: ObservatoryInput): CspResult {
  const raw = header(input.headers, 'content-security-policy');
  const httpPolicies = raw === undefined ? [] : splitPolicies([raw]);
  const metaPolicies = splitPolicies(input.metaCsp);
  const base = { numPolicies: httpPolicies.length + metaPolicies.length, http: false, meta: false, policy: null, directives: null };
  let csp: CspMap;
  try {
    csp = parseCsp([...httpPolicies, ...metaPolicies]);
  } catch {
    return withModifier({ ...base, result: 'csp-header-invalid' }, false);
  }
  let httpOnly: CspMap;
  let metaOnly: CspMap;
  try {
    httpOnly = parseCsp(httpPolicies);
  } catch {
    httpOnly = new Map();
  }
  try {
    metaOnly = parseMetaCsp(metaPolicies);
  } catch {
    metaOnly = new Map();
  }
  if (httpOnly.size + metaOnly.size === 0) {
    // Report-only policies are not enforced, and only count from a header.
    const reportOnly = header(input.headers, 'content-security-policy-report-only');
    return withModifier({ ...base, result: reportOnly ? 'csp-not-implemented-but-reporting-enabled' : 'csp-not-implemented' }, false);
  }
  const https = input.url.startsWith('https:');
  const get = (d: string) => csp.get(d);
  const baseUri = get('base-uri') ?? new Set(['*']);
  const frameAncestors = httpOnly.get('frame-ancestors') ?? new Set(['*']);
  const formAction = get('form-action') ?? new Set(['*']);
  // The same Set objects as in the parsed map (as the Observatory does): removing 'unsafe-inline' or
  // strict-dynamic's ignored sources from a default-src fallback changes default-src too.
  const objectSrc = get('object-src') ?? get('default-src') ?? new Set(['*']);
  const scriptSrc = get('script-src') ?? get('default-src') ?? new Set(['*']);
  const styleSrc = get('style-src') ?? get('default-src') ?? new Set(['*']);
  let result: string | null = null;
  const flags: CspPolicyFlags = {
    antiClickjacking: false,
    defaultNone: false,
    insecureBaseUri: false,
    insecureFormAction: false,
    insecureSchemeActive: false,
    insecureSchemePassive: false,
    strictDynamic: false,
    unsafeEval: false,
    unsafeInline: false,
    unsafeInlineStyle: false,
    unsafeObjects: false,
  };
  // A nonce or hash makes 'unsafe-inline' ignored by CSP2+ browsers.
  for (const list of [scriptSrc, styleSrc]) if (hasNonceOrHash(list)) list.delete("'unsafe-inline'");
  if (scriptSrc.has("'strict-dynamic'")) {
    if (hasNonceOrHash(scriptSrc)) {
      for (const s of [...scriptSrc]) if ([...BROAD].some((b) => s.startsWith(b)) || s === "'self'" || s === "'unsafe-inline'") scriptSrc.delete(s);
      flags.strictDynamic = true;
    } else {
      result = 'csp-header-invalid';
    }
  }
  const active = [...csp.entries()].filter(([d]) => !PASSIVE.includes(d) && d !== 'script-src').flatMap(([, s]) => [...s]);
  active.push(...scriptSrc);
  const passive = PASSIVE.flatMap((d) => [...(get(d) ?? get('default-src') ?? [])]);
  const insecure = (s: string) => s.startsWith('http:') || s.startsWith('ftp:');

  if ([...scriptSrc].some((s) => BROAD_OR_INLINE.has(s)) || [...objectSrc].some((s) => BROAD.has(s))) {
    result ??= 'csp-implemented-with-unsafe-inline';
    flags.unsafeInline = true;
  }
  if (https && active.some(insecure)) {
    result ??= 'csp-implemented-with-insecure-scheme';
    flags.insecureSchemeActive = true;
  }
  if (scriptSrc.has("'unsafe-eval'") || styleSrc.has("'unsafe-eval'")) {
    result ??= 'csp-implemented-with-unsafe-eval';
    flags.unsafeEval = true;
  }
  if (https && passive.some(insecure)) {
    result ??= 'csp-implemented-with-insecure-scheme-in-passive-content-only';
    flags.insecureSchemePassive = true;
  }
  if ([...styleSrc].some((s) => BROAD_OR_INLINE.has(s))) {
    result ??= 'csp-implemented-with-unsafe-inline-in-style-src-only';
    flags.unsafeInlineStyle = true;
  }
  const def = get('default-src');
  if (def && def.size === 1 && def.has("'none'")) {
    result ??= 'csp-implemented-with-no-unsafe-default-src-none';
    flags.defaultNone = true;
  } else {
    result ??= 'csp-implemented-with-no-unsafe';
  }
  flags.antiClickjacking = ![...frameAncestors].some((s) => BROAD.has(s));
  flags.insecureBaseUri = [...baseUri].some((s) => BROAD_OR_INLINE.has(s));
  flags.insecureFormAction = [...formAction].some((s) => BROAD.has(s));
  flags.unsafeObjects = [...objectSrc].some((s) => BROAD.has(s));
  const pass = ['csp-implemented-with-no-unsafe', 'csp-implemented-with-no-unsafe-default-src-none', 'csp-implemented-with-unsafe-inline-in-style-src-only', 'csp-implemented-with-insecure-scheme-in-passive-content-only'].includes(result);
  if (pass && csp.has(CSP_DUPLICATE_WARNINGS)) result = 'csp-implemented-but-duplicate-directives';
  const directives: Record<string, string[]> = {};
  for (const [k, v] of csp) if (k !== CSP_DUPLICATE_WARNINGS) directives[k] = [...v].sort();
  return withModifier({ ...base, http: httpPolicies.length > 0, meta: metaPolicies.length > 0, result, policy: flags, directives }, pass);
}

export function hstsTest(input: ObservatoryInput): HstsResult {
  const base = { maxAge: null as number | null, includeSubDomains: false, preload: false, header: null as string | null };
  if (!input.url.startsWith('https:')) return withModifier({ ...base, result: 'hsts-not-implemented-no-https' }, false);
  const raw = header(input.headers, 'strict-transport-security');
  if (raw === undefined) return withModifier({ ...base, result: 'hsts-not-implemented' }, false);
  const value = raw.slice(0, 1024);
  const out = { ...base, header: value };
  let result: string;
  if (value.includes(',')) {
    result = 'hsts-header-invalid'; // set more than once
  } else {
    for (const part of value.split(';').map((p) => p.trim().toLowerCase())) {
      if (part.startsWith('max-age=')) out.maxAge = Number.parseInt(part.slice(8, 128), 10);
      else if (part === 'includesubdomains') out.includeSubDomains = true;
      else if (part === 'preload') out.preload = true;
    }
    // NaN compares false: the Observatory lets an unparseable max-age through as "at least six months".
    result = out.maxAge === null ? 'hsts-header-invalid' : out.maxAge < OBSERVATORY_SIX_MONTHS ? 'hsts-implemented-max-age-less-than-six-months' : 'hsts-implemented-max-age-at-least-six-months';
  }
  return withModifier({ ...out, result }, result === 'hsts-implemented-max-age-at-least-six-months');
}

const SAMESITE_VALUES = ['lax', 'strict', 'none'];

function invalidSameSite(raw: string): boolean {
  for (const part of raw.trim().split(';')) {
    const [k, v] = part.trim().split('=');
    if (k.trim().toLowerCase() !== 'samesite') continue;
    if (!v || !SAMESITE_VALUES.includes(v.trim().toLowerCase())) return true;
  }
  return false;
}

const COOKIE_ORDER = [
  'cookies-without-secure-flag-but-protected-by-hsts',
  'cookies-without-secure-flag',
  'cookies-session-without-secure-flag-but-protected-by-hsts',
  'cookies-samesite-flag-invalid',
  'cookies-anticsrf-without-samesite-flag',
  'cookies-session-without-httponly-flag',
  'cookies-session-without-secure-flag',
];

export interface CookieInfo {
  name: string;
  secure: boolean;
  httpOnly: boolean;
  sameSite: string | null;
  session: boolean;
  antiCsrf: boolean;
}

/** Set-Cookie lines of a header record (the crawl joins them with "\n"). */
export function setCookieLines(headers: Record<string, string>): string[] {
  const v = headers['set-cookie'];
  return v ? v.split('\n').filter((l) => l.trim()) : [];
}

export function cookiesTest(input: ObservatoryInput, hstsPass: boolean): ObservatoryTestResult & { cookies: CookieInfo[] } {
  let result: string | null = null;
  const worse = (r: string) => {
    if (result === null || COOKIE_ORDER.indexOf(r) > COOKIE_ORDER.indexOf(result)) result = r;
  };
  const lines = setCookieLines(input.headers);
  for (const l of lines) if (invalidSameSite(l)) worse('cookies-samesite-flag-invalid');
  // Cookies as a browser keeps them (a cookie jar rejects Secure cookies over http, foreign domains…).
  const jar = lines.length ? new (Jar ??= (require('tough-cookie') as { CookieJar: typeof CookieJar }).CookieJar)() : undefined;
  for (const l of lines) {
    try {
      jar!.setCookieSync(l, input.url);
    } catch {
      /* rejected by the jar, as a browser would */
    }
  }
  const kept = (jar?.serializeSync()?.cookies ?? []).filter((c) => c.key && c.key !== 'heroku-session-affinity');
  const cookies: CookieInfo[] = kept.map((c) => {
    const name = String(c.key);
    const lower = name.toLowerCase();
    const sameSite = typeof c.sameSite === 'string' && c.sameSite !== 'unspecified' ? c.sameSite : null;
    return { name, secure: Boolean(c.secure), httpOnly: Boolean(c.httpOnly), sameSite, session: ['login', 'sess'].some((k) => lower.includes(k)), antiCsrf: lower.includes('csrf') };
  });
  if (!cookies.length) return { ...withModifier({ result: 'cookies-not-found' }, true), cookies };
  let missingSameSite = false;
  for (const c of cookies) {
    if (!c.secure && c.sameSite?.toLowerCase() === 'none') worse('cookies-samesite-flag-invalid');
    if (!c.secure) worse(hstsPass ? 'cookies-without-secure-flag-but-protected-by-hsts' : 'cookies-without-secure-flag');
    if (c.antiCsrf && !c.sameSite) worse('cookies-anticsrf-without-samesite-flag');
    if (c.session && !c.secure) worse(hstsPass ? 'cookies-session-without-secure-flag-but-protected-by-hsts' : 'cookies-session-without-secure-flag');
    if (c.session && !c.httpOnly) worse('cookies-session-without-httponly-flag');
    if (!c.sameSite) missingSameSite = true;
  }
  const final: string = result ?? (missingSameSite ? 'cookies-secure-with-httponly-sessions' : 'cookies-secure-with-httponly-sessions-and-samesite');
  return { ...withModifier({ result: final }, ['cookies-not-found', 'cookies-secure-with-httponly-sessions-and-samesite', 'cookies-secure-with-httponly-sessions'].includes(final)), cookies };
}

export function corsTest(input: ObservatoryInput): ObservatoryTestResult {
  const acao = header(input.headers, 'access-control-allow-origin');
  if (!acao) return withModifier({ result: 'cross-origin-resource-sharing-not-implemented' }, true);
  const v = acao.slice(0, 256).trim().toLowerCase();
  // No Origin header was sent by the crawl, so an origin reflected with credentials cannot be seen here.
  const result = v === '*' ? 'cross-origin-resource-sharing-implemented-with-public-access' : 'cross-origin-resource-sharing-implemented-with-restricted-access';
  return { ...withModifier({ result }, true), data: v };
}

export function redirectionTest(input: ObservatoryInput): ObservatoryTestResult {
  if (input.httpReachable === false) return withModifier({ result: 'redirection-not-needed-no-http' }, true);
  const route = input.httpRoute;
  if (!route || !route.length) return { ...withModifier({ result: 'redirection-not-needed-no-http' }, true), data: { observed: false } };
  const urls = route.map((u) => new URL(u));
  let result: string;
  if (urls.length === 1) result = 'redirection-missing';
  else if (urls[urls.length - 1].protocol !== 'https:') result = 'redirection-not-to-https';
  else if (urls[1].protocol === 'http:') result = 'redirection-not-to-https-on-initial-redirection';
  else if (urls[0].protocol === 'http:' && urls[1].protocol === 'https:' && urls[0].hostname !== urls[1].hostname) result = 'redirection-off-host-from-http';
  else result = 'redirection-to-https';
  return { ...withModifier({ result }, result === 'redirection-to-https'), data: { route } };
}

const REFERRER_GOOD = ['no-referrer', 'same-origin', 'strict-origin', 'strict-origin-when-cross-origin'];
const REFERRER_BAD = ['origin', 'origin-when-cross-origin', 'unsafe-url', 'no-referrer-when-downgrade'];

export function referrerTest(input: ObservatoryInput): ObservatoryTestResult & { policy: string | null } {
  const http = header(input.headers, 'referrer-policy');
  const parts = [...(http !== undefined ? [http] : []), ...(input.metaReferrer ? [input.metaReferrer] : [])];
  if (!parts.length) return { ...withModifier({ result: 'referrer-policy-not-implemented' }, true), policy: null };
  const data = parts.join(', ');
  // The last recognised token wins (a meta tag after the header takes precedence).
  const valid = new Set([...REFERRER_GOOD, ...REFERRER_BAD]);
  const tokens = data
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter((t) => valid.has(t));
  const policy = tokens.length ? tokens[tokens.length - 1] : '';
  const result = REFERRER_GOOD.includes(policy) ? 'referrer-policy-private' : REFERRER_BAD.includes(policy) ? 'referrer-policy-unsafe' : 'referrer-policy-header-invalid';
  return { ...withModifier({ result }, result === 'referrer-policy-private'), data, policy: policy || null };
}

export function sriTest(input: ObservatoryInput): ObservatoryTestResult {
  const order = [
    'sri-implemented-and-all-scripts-loaded-securely',
    'sri-implemented-and-external-scripts-loaded-securely',
    'sri-implemented-but-external-scripts-not-loaded-securely',
    'sri-not-implemented-but-external-scripts-loaded-securely',
    'sri-not-implemented-and-external-scripts-not-loaded-securely',
    'sri-not-implemented-response-not-html',
  ];
  const passing = [
    'sri-implemented-and-all-scripts-loaded-securely',
    'sri-implemented-and-external-scripts-loaded-securely',
    'sri-not-implemented-response-not-html',
    'sri-not-implemented-but-all-scripts-loaded-from-secure-origin',
    'sri-not-implemented-but-no-scripts-loaded',
  ];
  const mime = (header(input.headers, 'content-type') ?? '').split(';')[0];
  if ((mime && !HTML_TYPES.has(mime)) || input.scripts === null) return withModifier({ result: 'sri-not-implemented-response-not-html' }, true);
  let result: string | null = null;
  const worse = (r: string) => {
    if (result === null || order.indexOf(r) > order.indexOf(result)) result = r;
  };
  let siteDomain: string | null | undefined;
  const pageHttps = input.url.startsWith('https:');
  let foreign = false;
  const external: Record<string, { integrity: string | null; crossorigin: string | null }> = {};
  for (const s of input.scripts) {
    if (!s.src) continue;
    const protocolRelative = /^\/\/[^/]/.test(s.src);
    const absolute = /^https?:\/\//.test(s.src);
    const relative = !protocolRelative && !absolute;
    const sameDomain = protocolRelative || relative || (absolute && getDomain(safeHost(s.src)) === (siteDomain === undefined ? (siteDomain = getDomain(new URL(input.url).hostname)) : siteDomain));
    const secureOrigin = relative || (sameDomain && !protocolRelative);
    const secureScheme = (absolute && s.src.startsWith('https:')) || (relative && pageHttps);
    const integrity = s.integrity || null;
    if (!secureOrigin) {
      foreign = true;
      external[s.src] = { integrity, crossorigin: s.crossorigin ?? null };
      if (integrity && !secureScheme) worse('sri-implemented-but-external-scripts-not-loaded-securely');
      else if (!integrity && secureScheme) worse('sri-not-implemented-but-external-scripts-loaded-securely');
      else if (!integrity && !secureScheme) worse('sri-not-implemented-and-external-scripts-not-loaded-securely');
    } else if (integrity && secureScheme && result === null) {
      result = 'sri-implemented-and-all-scripts-loaded-securely';
    }
  }
  if (input.scripts.length === 0) result = 'sri-not-implemented-but-no-scripts-loaded';
  else result ??= foreign ? 'sri-implemented-and-external-scripts-loaded-securely' : 'sri-not-implemented-but-all-scripts-loaded-from-secure-origin';
  const final: string = result;
  return { ...withModifier({ result: final }, passing.includes(final)), data: external };
}

function safeHost(u: string): string {
  try {
    return new URL(u).hostname;
  } catch {
    return '';
  }
}

export function xctoTest(input: ObservatoryInput): ObservatoryTestResult {
  const v = header(input.headers, 'x-content-type-options');
  if (!v) return withModifier({ result: 'x-content-type-options-not-implemented' }, false);
  const ok = v.slice(0, 256).trim().toLowerCase() === 'nosniff';
  return { ...withModifier({ result: ok ? 'x-content-type-options-nosniff' : 'x-content-type-options-header-invalid' }, ok), data: v.slice(0, 256) };
}

export function xfoTest(input: ObservatoryInput, csp: CspResult): ObservatoryTestResult {
  const v = header(input.headers, 'x-frame-options');
  let result: string;
  if (!v) result = 'x-frame-options-not-implemented';
  else {
    const x = v.slice(0, 1024).trim().toLowerCase();
    result = x === 'deny' || x === 'sameorigin' ? 'x-frame-options-sameorigin-or-deny' : x.startsWith('allow-from') ? 'x-frame-options-allow-from-origin' : 'x-frame-options-header-invalid';
  }
  if (csp.directives?.['frame-ancestors']) result = 'x-frame-options-implemented-via-csp';
  const pass = ['x-frame-options-allow-from-origin', 'x-frame-options-sameorigin-or-deny', 'x-frame-options-implemented-via-csp'].includes(result);
  return { ...withModifier({ result }, pass), data: v?.slice(0, 1024) ?? null };
}

export function corpTest(input: ObservatoryInput): ObservatoryTestResult {
  const v = header(input.headers, 'cross-origin-resource-policy');
  if (!v) return withModifier({ result: 'corp-not-implemented' }, true);
  const x = v.slice(0, 256).trim().toLowerCase();
  const result = x === 'same-site' ? 'corp-implemented-with-same-site' : x === 'same-origin' ? 'corp-implemented-with-same-origin' : x === 'cross-origin' ? 'corp-implemented-with-cross-origin' : 'corp-header-invalid';
  return { ...withModifier({ result }, result !== 'corp-header-invalid'), data: x };
}

/** Score (any number) → grade from the chart. */
export function observatoryGrade(score: number): string {
  const s = Math.max(0, score);
  const bucket = Math.min(s - (s % 5), 100);
  return OBSERVATORY_GRADES.find(([min]) => bucket >= min)?.[1] ?? 'F';
}

/** Runs the ten tests and scores them as the Observatory does. */
export function observatoryScan(input: ObservatoryInput): ObservatoryReport {
  const csp = cspTest(input);
  const hsts = hstsTest(input);
  const tests: ObservatoryReport['tests'] = {
    'content-security-policy': csp,
    cookies: cookiesTest(input, hsts.pass),
    'cross-origin-resource-sharing': corsTest(input),
    redirection: redirectionTest(input),
    'referrer-policy': referrerTest(input),
    'strict-transport-security': hsts,
    'subresource-integrity': sriTest(input),
    'x-content-type-options': xctoTest(input),
    'x-frame-options': xfoTest(input, csp),
    'cross-origin-resource-policy': corpTest(input),
  };
  let withCredit = OBSERVATORY_BASE;
  let uncurved = OBSERVATORY_BASE;
  let passed = 0;
  for (const t of Object.values(tests)) {
    withCredit += t.modifier;
    if (t.modifier < 0) uncurved += t.modifier;
    if (t.pass) passed++;
  }
  const score = Math.max(0, uncurved >= OBSERVATORY_EXTRA_CREDIT_LINE ? withCredit : uncurved);
  const partial = ['hsts-preload-list', 'cors-origin-reflection', 'cookies-of-redirects'];
  if (input.httpRoute === undefined && input.httpReachable === undefined) partial.unshift('redirection');
  return { score, grade: observatoryGrade(score), testsPassed: passed, testsFailed: Object.keys(tests).length - passed, tests, partial };
}
