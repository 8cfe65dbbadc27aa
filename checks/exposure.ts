/**
 * exposure — W-D6 安全防护: what a site gives away to an attacker (version headers, sensitive paths confirmed by their
 * content, directory listings, front-end libraries with known vulnerabilities). Its requests go through the run's
 * shared client within `maxRequests`. Details: docs/check-reference.md "Security and privacy".
 */
import { z } from 'zod';
import { unlessFailed, defineCheck, type FindingInput } from '../src/check-api/api.js';
import type { HttpClient } from '../src/net/http.js';
import { DIRECTORY_LISTING_PATTERNS, SENSITIVE_PATHS, VULNERABLE_LIBRARIES, type SensitivePath } from '../src/analysis/security/exposure-rules.js';
import { findingMaker, securitySeverity, type SecuritySeverity } from '../src/analysis/security/severity.js';

/** Sensitive-path probes in flight at once (at most the client's per-host limit). */
const PROBES_AT_ONCE = 4;

const DEFAULTS: Record<string, SecuritySeverity> = {
  'version-disclosure': 'deduction',
  'product-disclosure': 'info',
  'sensitive-path': 'deduction',
  'directory-listing': 'deduction',
  'vulnerable-library': 'deduction',
};

const pathSchema = z.object({
  path: z.string().startsWith('/'),
  what: z.object({ zh: z.string(), en: z.string() }),
  magic: z.array(z.string().regex(/^[0-9a-f]+$/i)).optional(),
  pattern: z.string().optional(),
});

const options = z.object({
  /** Sensitive paths probed (each confirmed by `magic` bytes or `pattern`). */
  paths: z.array(pathSchema).default(SENSITIVE_PATHS),
  /** Folders of the site's own files probed for a directory listing. */
  maxDirectoryProbes: z.number().int().nonnegative().default(4),
  /** Library files whose banner is read when the URL carries no version. */
  maxBannerFetches: z.number().int().nonnegative().default(5),
  /** Requests this check makes at most (paths + folders + banners). */
  maxRequests: z.number().int().nonnegative().default(24),
  /** Bytes read from each probed URL. */
  probeBytes: z.number().int().positive().default(8192),
  severities: z.record(z.string(), securitySeverity).default({}),
});

const SLOW = new Set(['timeout', 'connection_reset', 'connection_refused']);
const VERSION_HEADERS = ['server', 'x-powered-by', 'x-aspnet-version', 'x-aspnetmvc-version', 'x-generator'];
const HAS_VERSION = /\d+\.\d+/;

function matches(body: Buffer, p: SensitivePath): boolean {
  if (p.magic?.length) {
    const head = body.subarray(0, 32).toString('hex').toLowerCase();
    return p.magic.some((m) => head.startsWith(m.toLowerCase()));
  }
  if (p.pattern) return new RegExp(p.pattern, 'm').test(body.subarray(0, 4096).toString('utf8'));
  return false;
}

const listingRes = DIRECTORY_LISTING_PATTERNS.map((p) => new RegExp(p, 'i'));
const isListing = (text: string) => listingRes.some((r) => r.test(text));

interface Collected {
  generator: string[];
  listing: boolean;
}

type Answer = { p: SensitivePath; r: Awaited<ReturnType<HttpClient['fetchBody']>> };

/**
 * The sensitive paths of `origin`, a few at a time (the client's per-host limit keeps them polite); a server that
 * stops answering is not probed further: once two probes in a row (in the order they finish) got no answer, no new
 * probe starts.
 */
async function probePaths(http: HttpClient, origin: string, paths: SensitivePath[], maxBytes: number, maxRequests: number): Promise<{ answers: Array<Answer | undefined>; sent: number }> {
  const answers: Array<Answer | undefined> = [];
  let next = 0;
  let sent = 0;
  let unanswered = 0;
  let stopped = false;
  const worker = async () => {
    while (!stopped && next < paths.length && sent < maxRequests) {
      const i = next++;
      const p = paths[i];
      sent++;
      const r = await http.fetchBody(origin + p.path, { maxBytes });
      answers[i] = { p, r };
      if (r.error && SLOW.has(r.error.kind)) {
        if (++unanswered >= 2) stopped = true;
      } else unanswered = 0;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(PROBES_AT_ONCE, http.options.perHostConcurrency)) }, worker));
  return { answers, sent };
}

export default defineCheck({
  meta: {
    id: 'exposure',
    scope: ['website'],
    rules: ['W-D6'],
    options,
  },
  collect({ $, html, isHome }) {
    const out: Collected = { generator: [], listing: isListing(html.slice(0, 4096)) };
    if (isHome) {
      $('meta').each((_, el) => {
        const a = (el as { attribs?: Record<string, string> }).attribs ?? {};
        if (a.name?.toLowerCase().trim() === 'generator' && a.content) out.generator.push(a.content.slice(0, 200));
      });
    }
    return out.listing || out.generator.length ? out : undefined;
  },
  // With the crawl: once its request for the start URL has answered, the sensitive paths of the origin it ended at.
  async early({ http, options, home }) {
    const answer = await home;
    if (!answer || answer.status === null) return undefined;
    const origin = new URL(answer.finalUrl).origin;
    return { origin, ...(await probePaths(http, origin, options.paths, options.probeBytes, options.maxRequests)) };
  },
  async run(site, ctx) {
    const o = ctx.options;
    const make = findingMaker(ctx, DEFAULTS);
    const findings: FindingInput[] = [];
    const push = (f: FindingInput | undefined) => f && findings.push(f);
    const home = site.home;
    let requests = 0;
    const budget = () => requests < o.maxRequests;

    // 1. Version disclosure (home page headers and generator meta).
    const disclosed: Array<{ header: string; value: string; version: boolean }> = [];
    if (home && !home.error) {
      for (const h of VERSION_HEADERS) {
        const v = home.headers[h];
        if (v) disclosed.push({ header: h, value: v.slice(0, 200), version: HAS_VERSION.test(v) });
      }
      // A home page whose collector failed shows no generator.
      for (const g of unlessFailed(ctx.collected(home))?.generator ?? []) disclosed.push({ header: 'meta generator', value: g, version: HAS_VERSION.test(g) });
      for (const d of disclosed) {
        push(
          make(d.version ? 'version-disclosure' : 'product-disclosure', {
            url: home.finalUrl,
            target: d.header,
            params: { header: d.header, value: d.value },
            evidence: { location: d.header === 'meta generator' ? '<meta name="generator">' : `${d.header} header`, expected: 'no product or version', actual: d.value },
          }),
        );
      }
    }

    // 2. Sensitive paths, confirmed by signature.
    let origin: string | undefined;
    try {
      origin = new URL(home?.finalUrl ?? site.startUrl).origin;
    } catch {
      origin = undefined;
    }
    const exposed: string[] = [];
    if (origin && home && !(home.error && home.status === null)) {
      // Probed with the crawl (`early`) when the site stayed on its registered origin; else now.
      const early = ctx.early?.origin === origin ? ctx.early : undefined;
      const { answers, sent } = early ?? (await probePaths(ctx.http, origin, o.paths, o.probeBytes, o.maxRequests));
      requests += sent;
      for (const a of answers) {
        if (!a) continue;
        const { p, r } = a;
        if (r.status === null || r.status < 200 || r.status >= 300 || !r.body || !r.body.length) continue;
        if (!matches(r.body, p)) continue;
        exposed.push(p.path);
        push(
          make('sensitive-path', {
            url: site.startUrl,
            target: r.finalUrl,
            params: { path: p.path, what: ctx.lang === 'en' ? p.what.en : p.what.zh },
            evidence: { location: p.path, expected: 'HTTP 403/404 (not served)', actual: `HTTP ${r.status}, ${r.headers['content-type'] ?? 'no content type'}, content signature of ${p.what.en}`, bytesRead: r.body.length },
          }),
        );
      }
    }

    // 3. Directory listings: crawled pages, then a few folders holding the site's own files.
    const listings = new Set<string>();
    for (const p of site.pages) if (unlessFailed(ctx.collected(p))?.listing) listings.add(p.finalUrl); // a failed collector: no listing seen
    const folders = new Set<string>();
    for (const p of site.pages) {
      for (const l of p.links) {
        if (!l.url || !l.internal || (l.kind === 'page' && !l.attachment)) continue;
        const u = new URL(l.url);
        const dir = u.pathname.slice(0, u.pathname.lastIndexOf('/') + 1);
        if (dir.length > 1) folders.add(`${u.origin}${dir}`);
      }
    }
    let dirProbes = 0;
    const toProbe: string[] = [];
    for (const f of folders) {
      if (dirProbes >= o.maxDirectoryProbes || !budget()) break;
      if (listings.has(f) || site.pages.some((p) => p.finalUrl === f)) continue;
      dirProbes++;
      requests++;
      toProbe.push(f);
    }
    // Side by side (the client's per-host limit keeps them polite; one after another they were the slow end of a
    // check on a slow site), read in the folders' order.
    const answers = await Promise.all(toProbe.map((f) => ctx.http.fetchBody(f, { maxBytes: o.probeBytes })));
    for (const r of answers) if (r.status !== null && r.status >= 200 && r.status < 300 && r.body && isListing(r.body.toString('utf8'))) listings.add(r.finalUrl);
    for (const url of listings) {
      push(make('directory-listing', { url, target: url, params: { url }, evidence: { location: url, expected: 'HTTP 403/404 for folders', actual: 'server directory listing ("Index of /")' } }));
    }

    // 4. Vulnerable front-end libraries.
    const scripts = new Map<string, string[]>();
    for (const p of site.pages) {
      for (const l of p.links) {
        if (l.kind !== 'script' || !l.url) continue;
        const pages = scripts.get(l.url) ?? [];
        if (pages.length < 5 && !pages.includes(p.finalUrl)) pages.push(p.finalUrl);
        scripts.set(l.url, pages);
      }
    }
    const found = new Map<string, { library: string; version: string; advisories: string[]; summary: string; scripts: string[]; pages: string[]; source: string }>();
    let banners = 0;
    for (const [url, pages] of scripts) {
      for (const rule of VULNERABLE_LIBRARIES) {
        let version: string | undefined;
        let source = 'url';
        for (const pat of rule.urlPatterns) {
          const m = new RegExp(pat, 'i').exec(url);
          if (m?.[1]) {
            version = m[1];
            break;
          }
        }
        if (!version && new RegExp(rule.namePattern, 'i').test(new URL(url).pathname + new URL(url).search) && banners < o.maxBannerFetches && budget()) {
          banners++;
          requests++;
          const r = await ctx.http.fetchBody(url, { maxBytes: 2048 });
          const m = r.body && r.status !== null && r.status < 300 ? new RegExp(rule.bannerPattern, 'i').exec(r.body.toString('utf8')) : null;
          version = m ? (m[1] ?? m[2]) : undefined;
          source = 'banner';
        }
        if (!version) continue;
        // semver (≈ 40 ms to load) only once a library's version is known
        const semver = (await import('semver')).default;
        const v = semver.coerce(version)?.version;
        if (!v) continue;
        const hit = rule.vulnerable.filter((x) => semver.satisfies(v, x.range));
        if (!hit.length) break;
        const key = `${rule.library}@${v}`;
        const e = found.get(key) ?? { library: rule.library, version: v, advisories: [...new Set(hit.flatMap((h) => h.advisories))], summary: hit.map((h) => h.summary).join('; '), scripts: [], pages: [], source };
        e.scripts.push(url);
        for (const p of pages) if (!e.pages.includes(p) && e.pages.length < 10) e.pages.push(p);
        found.set(key, e);
        break;
      }
    }
    for (const e of found.values()) {
      push(
        make('vulnerable-library', {
          url: e.pages[0] ?? site.startUrl,
          target: e.scripts[0],
          params: { library: e.library, version: e.version, advisories: e.advisories.slice(0, 3).join(', ') },
          evidence: {
            location: `<script src="${e.scripts[0]}">`,
            expected: `${e.library} outside ${VULNERABLE_LIBRARIES.find((r) => r.library === e.library)!
              .vulnerable.map((x) => x.range)
              .join(' and ')}`,
            actual: `${e.library} ${e.version} (from the ${e.source})`,
            advisories: e.advisories,
            summary: e.summary,
            scripts: e.scripts,
            pages: e.pages,
          },
        }),
      );
    }

    return {
      findings,
      summary: { requests, disclosed, sensitivePaths: exposed, directoryListings: [...listings], vulnerableLibraries: [...found.keys()], scriptsSeen: scripts.size },
    };
  },
});
