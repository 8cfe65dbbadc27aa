/**
 * https — W-D6 安全防护: HTTPS offered, http:// redirecting to https://, a trusted certificate for the host and in
 * its validity (judged by the current clock, not --as-of), TLS ≥ 1.2, no mixed content. The http:// probe goes
 * through the shared client, the TLS handshakes through src/net/tls.ts with the same guard and host overrides.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { defineCheck, type FindingInput } from '../src/check-api/api.js';
import { acceptsLegacyTls, inspectTls, type TlsInspection } from '../src/net/tls.js';
import { findingMaker, securitySeverity, type SecuritySeverity } from '../src/analysis/security/severity.js';
import type { RedirectHop } from '../src/types.js';

const DEFAULTS: Record<string, SecuritySeverity> = {
  'https-missing': 'deduction',
  'http-no-redirect': 'deduction',
  'http-redirect-offhost': 'warning',
  'cert-self-signed': 'deduction',
  'cert-untrusted': 'deduction',
  'cert-host-mismatch': 'deduction',
  'cert-expired': 'deduction',
  'cert-not-yet-valid': 'deduction',
  'cert-expiring': 'warning',
  'tls-old': 'deduction',
  'tls-legacy-accepted': 'deduction',
  'mixed-content-active': 'deduction',
  'mixed-content-passive': 'warning',
};

const options = z.object({
  /** Port tried for HTTPS when the site gives no https:// URL. */
  httpsPort: z.number().int().min(1).max(65535).default(443),
  /** Port tried for plain HTTP when the site was given as https://. */
  httpPort: z.number().int().min(1).max(65535).default(80),
  /** Extra trusted CA certificates: PEM file paths (an intranet CA, a test CA). */
  caFiles: z.array(z.string()).default([]),
  /** Extra trusted CA certificates as PEM text. */
  ca: z.array(z.string()).default([]),
  /** A certificate expiring within this many days is a warning. */
  expiryWarnDays: z.number().int().nonnegative().default(30),
  /** Also try a TLS 1.0/1.1-only handshake to see whether the server still accepts old protocols. */
  checkLegacyTls: z.boolean().default(true),
  /** Time limit of one TLS handshake (ms). */
  timeoutMs: z.number().int().positive().default(10_000),
  /** Pages and resources listed in a mixed-content finding's evidence. */
  maxListed: z.number().int().positive().default(20),
  severities: z.record(z.string(), securitySeverity).default({}),
});

const ACTIVE = new Set(['script', 'style', 'frame', 'object']);
const PASSIVE = new Set(['image', 'media']);

function originOf(u: URL): string {
  return `${u.protocol}//${u.host}/`;
}

export default defineCheck({
  meta: {
    id: 'https',
    scope: ['website'],
    rules: ['W-D6'],
    options,
  },
  async run(site, ctx) {
    const o = ctx.options;
    const make = findingMaker(ctx, DEFAULTS);
    const findings: FindingInput[] = [];
    const push = (f: FindingInput | undefined) => f && findings.push(f);
    let start: URL;
    try {
      start = new URL(site.startUrl);
    } catch {
      return { findings, notApplicable: 'invalid start URL' };
    }
    const home = site.home;
    const hostname = start.hostname.replace(/^\[|\]$/g, '');
    const hostForUrl = start.hostname;

    // Where HTTPS lives: the start URL, where http:// led, or the default port.
    const homeFinal = home?.finalUrl ? new URL(home.finalUrl) : undefined;
    const httpsUrl = start.protocol === 'https:' ? start : homeFinal?.protocol === 'https:' ? homeFinal : new URL(`https://${hostForUrl}${o.httpsPort === 443 ? '' : `:${o.httpsPort}`}/`);

    // How http:// behaves: the crawl's own chain when it started on http://, else one probe (shared client).
    let httpUrl: string;
    let chain: RedirectHop[] = [];
    let httpStatus: number | null = null;
    let httpFinal: string | undefined;
    let httpError: string | undefined;
    if (start.protocol === 'http:') {
      httpUrl = start.href;
      chain = home?.redirectChain ?? [];
      httpStatus = home?.status ?? null;
      httpFinal = home?.finalUrl;
      httpError = home?.error && home.error.kind !== 'http_error' ? home.error.kind : undefined;
    } else {
      httpUrl = `http://${hostForUrl}${o.httpPort === 80 ? '' : `:${o.httpPort}`}${start.pathname}`;
      const p = await ctx.http.probe(httpUrl, { method: 'GET' });
      chain = p.redirectChain;
      httpStatus = p.status;
      httpFinal = p.finalUrl;
      httpError = p.error?.kind;
    }

    // TLS
    const ca = [...o.ca];
    for (const f of o.caFiles) ca.push(readFileSync(f, 'utf8'));
    const tlsOpts = { policy: ctx.http.options.networkPolicy, hosts: ctx.http.options.hosts, timeoutMs: o.timeoutMs, ca };
    const target = { host: httpsUrl.hostname.replace(/^\[|\]$/g, ''), port: Number(httpsUrl.port || 443) };
    const tlsInfo: TlsInspection = await inspectTls(target, tlsOpts);
    // A host that let the first handshake time out (filtered port) is not given a second wait.
    const legacy = o.checkLegacyTls && tlsInfo.error?.kind !== 'timeout' && tlsInfo.error?.kind !== 'private_address_blocked' ? await acceptsLegacyTls(target, tlsOpts) : undefined;
    const httpsWorks = tlsInfo.connected || Boolean(legacy?.accepted);
    const httpsOrigin = originOf(httpsUrl);

    if (!httpsWorks && (!home || home.status === null) && start.protocol === 'http:') {
      // The site did not answer at all: availability reports it; "no HTTPS" would say nothing more.
      return { findings, notApplicable: 'site unreachable', summary: { https: { url: httpsOrigin, connected: false, error: tlsInfo.error?.kind ?? null } } };
    }
    if (!httpsWorks) {
      push(
        make('https-missing', {
          url: site.startUrl,
          target: httpsOrigin,
          params: { host: target.host, port: target.port, reason: tlsInfo.error?.kind ?? 'no TLS handshake' },
          evidence: { location: `${target.host}:${target.port}`, expected: 'TLS handshake (TLS 1.2+)', actual: `${tlsInfo.error?.kind ?? '-'}: ${tlsInfo.error?.message ?? ''}`.slice(0, 300), errorKind: tlsInfo.error?.kind },
        }),
      );
    } else {
      const c = tlsInfo.cert;
      const ev = { location: `${target.host}:${target.port}`, subject: c?.subject, issuer: c?.issuer, validFrom: c?.validFrom, validTo: c?.validTo, names: c?.names, protocol: tlsInfo.protocol, fingerprint256: c?.fingerprint256 };
      if (tlsInfo.connected && c) {
        const selfSigned = tlsInfo.trustError === 'DEPTH_ZERO_SELF_SIGNED_CERT' || (!tlsInfo.trusted && c.selfSigned);
        if (selfSigned) push(make('cert-self-signed', { url: httpsOrigin, target: httpsOrigin, evidence: { ...ev, expected: 'certificate issued by a trusted CA', actual: `self-signed (${tlsInfo.trustError ?? 'issuer = subject'})` } }));
        else if (!tlsInfo.trusted && tlsInfo.trustError !== 'CERT_HAS_EXPIRED' && tlsInfo.trustError !== 'CERT_NOT_YET_VALID')
          push(make('cert-untrusted', { url: httpsOrigin, target: httpsOrigin, params: { reason: tlsInfo.trustError ?? '' }, evidence: { ...ev, expected: 'trusted chain', actual: tlsInfo.trustError } }));
        if (tlsInfo.hostMatch === false) {
          push(
            make('cert-host-mismatch', {
              url: httpsOrigin,
              target: httpsOrigin,
              params: { names: c.names.slice(0, 5).join(', ') || c.subject, host: target.host },
              evidence: { ...ev, expected: `certificate for ${target.host}`, actual: tlsInfo.hostMismatch?.slice(0, 300) },
            }),
          );
        }
        if (c.expired) push(make('cert-expired', { url: httpsOrigin, target: httpsOrigin, params: { validTo: c.validTo.slice(0, 10) }, evidence: { ...ev, expected: 'not expired', actual: `expired ${c.validTo}` } }));
        else if (c.notYetValid)
          push(make('cert-not-yet-valid', { url: httpsOrigin, target: httpsOrigin, params: { validFrom: c.validFrom.slice(0, 10) }, evidence: { ...ev, expected: 'in its validity period', actual: `valid from ${c.validFrom}` } }));
        else if (c.daysLeft <= o.expiryWarnDays)
          push(
            make('cert-expiring', {
              url: httpsOrigin,
              target: httpsOrigin,
              params: { days: c.daysLeft, validTo: c.validTo.slice(0, 10) },
              evidence: { ...ev, expected: `more than ${o.expiryWarnDays} days left`, actual: `${c.daysLeft} days left` },
            }),
          );
      }
      const best = tlsInfo.connected ? tlsInfo.protocol : legacy?.protocol;
      if (best && /^(SSLv|TLSv1(\.[01])?$)/.test(best)) {
        push(make('tls-old', { url: httpsOrigin, target: httpsOrigin, params: { protocol: best }, evidence: { location: `${target.host}:${target.port}`, expected: 'TLSv1.2 or TLSv1.3', actual: best } }));
      } else if (legacy?.accepted) {
        push(
          make('tls-legacy-accepted', {
            url: httpsOrigin,
            target: httpsOrigin,
            params: { protocol: legacy.protocol ?? 'TLSv1.0/1.1' },
            evidence: { location: `${target.host}:${target.port}`, expected: 'TLS 1.0 and 1.1 refused', actual: `handshake completed with ${legacy.protocol}` },
          }),
        );
      }

      // http:// must lead to https:// on the same host first.
      if (!httpError && httpStatus !== null) {
        const first = chain[0] ? new URL(chain[0].location) : undefined;
        const finalUrl = httpFinal ? new URL(httpFinal) : undefined;
        const redirectsToHttps = (first && first.protocol === 'https:') || (finalUrl?.protocol === 'https:' && chain.length > 0);
        if (!redirectsToHttps) {
          push(
            make('http-no-redirect', {
              url: httpUrl,
              target: httpUrl,
              params: { url: httpUrl },
              evidence: { location: httpUrl, expected: `redirect to ${httpsOrigin}`, actual: chain.length ? `redirects to ${chain[chain.length - 1].location}` : `HTTP ${httpStatus}, no redirect`, redirectChain: chain },
            }),
          );
        } else if (first && first.hostname !== hostname && first.hostname.replace(/^\[|\]$/g, '') !== hostname) {
          push(make('http-redirect-offhost', { url: httpUrl, target: first.href, params: { from: httpUrl, to: first.href }, evidence: { location: httpUrl, expected: `https://${hostname}/…`, actual: first.href, redirectChain: chain } }));
        }
      }
    }

    // Mixed content on pages served over HTTPS (from the crawl).
    const mixed = { active: { count: 0, pages: new Set<string>(), items: [] as Array<Record<string, string>> }, passive: { count: 0, pages: new Set<string>(), items: [] as Array<Record<string, string>> } };
    for (const p of site.pages) {
      if (!p.finalUrl.startsWith('https:')) continue;
      for (const l of p.links) {
        if (!l.url || !l.url.startsWith('http:') || l.element === 'a' || l.element === 'area' || l.element === 'form') continue;
        const kind = ACTIVE.has(l.kind) ? mixed.active : PASSIVE.has(l.kind) ? mixed.passive : undefined;
        if (!kind) continue;
        kind.count++;
        kind.pages.add(p.finalUrl);
        if (kind.items.length < o.maxListed) kind.items.push({ page: p.finalUrl, url: l.url, element: l.element, attribute: l.attribute, selector: l.selector });
      }
    }
    for (const [code, m] of [
      ['mixed-content-active', mixed.active],
      ['mixed-content-passive', mixed.passive],
    ] as const) {
      if (!m.count) continue;
      const first = m.items[0];
      push(
        make(code, {
          url: first.page,
          target: first.url,
          params: { count: m.count, pages: m.pages.size },
          evidence: { location: `${first.selector} [${first.attribute}]`, expected: 'https:// subresources', actual: first.url, items: m.items },
        }),
      );
    }

    return {
      findings,
      summary: {
        https: {
          url: httpsOrigin,
          connected: tlsInfo.connected,
          error: tlsInfo.error?.kind ?? null,
          protocol: tlsInfo.protocol ?? null,
          cipher: tlsInfo.cipher ?? null,
          trusted: tlsInfo.trusted ?? null,
          trustError: tlsInfo.trustError ?? null,
          hostMatch: tlsInfo.hostMatch ?? null,
          certificate: tlsInfo.cert ?? null,
        },
        legacyTls: legacy ? { accepted: legacy.accepted, protocol: legacy.protocol ?? null, supported: legacy.supported } : null,
        http: { url: httpUrl, status: httpStatus, error: httpError ?? null, finalUrl: httpFinal ?? null, redirects: chain.map((h) => h.location) },
        mixedContent: { active: mixed.active.count, passive: mixed.passive.count },
      },
    };
  },
});
