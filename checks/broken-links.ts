/**
 * broken-links — W-D1 链接不可用, W-D2 附件无法下载: every distinct target the crawled pages reference, verified once
 * per site through the run's shared client (scheduled per host), soft 404s included; each broken target reported
 * once with every page linking to it. Details: docs/check-reference.md "Link checking".
 */
import { createHash, randomBytes } from 'node:crypto';
import pLimit from 'p-limit';
import { z } from 'zod';
import { CollectFailure, defineCheck, type ExtractedPage, type FindingInput, type PageContext } from '../src/check-api/api.js';
import { isTransient } from '../src/net/errors.js';
import type { FetchErrorInfo, LinkRef, PageArtifact, RedirectHop } from '../src/types.js';

/** What a status or error class means for a link. `suspected` is the spec's warning tier (reported, not scored by default). */
type Outcome = 'broken' | 'suspected' | 'inconclusive' | 'ok';
/** `warning` is accepted as another name of `suspected`. */
const outcome = z.enum(['broken', 'suspected', 'warning', 'inconclusive', 'ok']).transform((v): Outcome => (v === 'warning' ? 'suspected' : v));

/** Title phrases of not-found pages (any length of page). A phrase of digits matches as the first or last word only. */
const TITLE_PHRASES = [
  '404',
  'not found',
  '页面不存在',
  '页面未找到',
  '找不到页面',
  '找不到该页面',
  '找不到网页',
  '网页不存在',
  '页面找不到',
  '信息不存在',
  '信息已删除',
  '文章不存在',
  '内容不存在',
  '错误页面',
  '頁面不存在',
  '找不到頁面',
  '網頁不存在',
  '找不到網頁',
];
/** Body phrases of not-found pages (only pages with little text: an article may quote them). */
const BODY_PHRASES = [
  '页面不存在',
  '您访问的页面不存在',
  '您要访问的页面不存在',
  '访问的页面不存在',
  '该页面不存在',
  '网页不存在',
  '页面未找到',
  '找不到页面',
  '找不到该页面',
  '找不到您要访问的页面',
  '页面找不到了',
  '该信息已删除',
  '该信息已被删除',
  '信息已删除',
  '信息已被删除',
  '该信息不存在',
  '页面已删除',
  '该页面已删除',
  '文章不存在',
  '该文章已删除',
  '内容不存在',
  '404 not found',
  'page not found',
  '頁面不存在',
  '您訪問的頁面不存在',
  '找不到頁面',
  '網頁不存在',
  '該信息已刪除',
  '信息已刪除',
];

/** Status → outcome defaults: 404/403 broken follow the spec (W-D1); 410 Gone is 404's twin. */
export const DEFAULT_STATUS_POLICY: Record<string, Outcome> = {
  '403': 'broken',
  '404': 'broken',
  '410': 'broken',
  '401': 'inconclusive',
  '407': 'inconclusive',
  '429': 'inconclusive',
  '999': 'inconclusive',
};
/** Error class → outcome defaults; unlisted classes (timeout, dns_error, connection_refused…) are suspected. */
export const DEFAULT_ERROR_POLICY: Record<string, Outcome> = {
  malformed_url: 'broken',
  redirect_loop: 'broken',
  private_address_blocked: 'inconclusive',
  unsupported_scheme: 'inconclusive',
};

const options = z.object({
  /**
   * Status → outcome, merged over the defaults. Keys are codes ("404") or classes ("5xx"); a code wins over
   * its class. Unlisted: 2xx/3xx ok, other 4xx and 5xx suspected.
   */
  statusPolicy: z
    .record(z.string().regex(/^([1-9]\d\d|[1-9]xx)$/, 'a status code such as 404, or a class such as 5xx'), outcome)
    .optional()
    .transform((m) => ({ ...DEFAULT_STATUS_POLICY, ...m })),
  /**
   * Error class → outcome, merged over the defaults. Network failures are suspected (reported, not scored)
   * by default, per the spec's practice line; a malformed URL or a redirect loop fails in every browser.
   */
  errorPolicy: z
    .record(z.string(), outcome)
    .optional()
    .transform((m) => ({ ...DEFAULT_ERROR_POLICY, ...m })),
  /** A failing answer carrying one of these headers comes from a bot wall (Cloudflare's challenge): inconclusive. */
  inconclusiveHeaders: z.array(z.string()).default(['cf-mitigated']),
  /** Verify links to other sites too. */
  checkExternal: z.boolean().default(true),
  /** Concurrent probes in all (each host is further limited by the shared client's per-host concurrency). */
  concurrency: z.number().int().positive().default(16),
  /**
   * After this many targets of one host timed out (each after its retries), the host's remaining targets are
   * not requested: they are reported as suspected timeouts, marked not probed. 0 = always probe.
   */
  hostTimeoutLimit: z.number().int().nonnegative().default(3),
  /** Crawl answers that may be transient (5xx, 429, 408, network errors) are verified again with retries. */
  recheckTransient: z.boolean().default(true),
  /** Parent pages listed per broken target in the evidence (all are counted in parentCount). */
  maxParents: z.number().int().positive().default(100),
  /** Reference kinds verified. */
  kinds: z.array(z.enum(['page', 'image', 'script', 'style', 'frame', 'media', 'object', 'attachment', 'other'])).default(['page', 'image', 'script', 'style', 'frame', 'media', 'object', 'attachment']),
  /** Soft 404s: pages answered 2xx that are the site's "page not found" page. */
  softNotFound: z
    .object({
      enabled: z.boolean().default(true),
      /** Request one random path per site to learn its not-found page, and compare internal pages with it. */
      probe: z.boolean().default(true),
      titlePhrases: z.array(z.string()).default(TITLE_PHRASES),
      bodyPhrases: z.array(z.string()).default(BODY_PHRASES),
      /** Body phrases count only on pages with at most this many characters of visible text. */
      maxBodyText: z.number().int().nonnegative().default(3000),
      /** Internal pages not crawled (beyond the crawl's bounds), and attachments answered as HTML, fetched to look at. */
      maxFetches: z.number().int().nonnegative().default(300),
      /** Bytes read of such a body. */
      maxBytes: z
        .number()
        .int()
        .positive()
        .default(256 * 1024),
    })
    .prefault({}),
  /** Verify `#fragment` links against the ids and names of the target page (crawled internal pages only). */
  checkFragments: z.boolean().default(false),
});
type Options = z.output<typeof options>;

/** What `collect` keeps per page: a few dozen bytes (never HTML). */
interface Fingerprint {
  /** Hash of the visible text without digits, URLs and paths (a not-found page echoing the path still matches). */
  h?: string;
  /** The not-found phrase seen in the title or in a short body. */
  p?: string;
  /** Element ids and anchor names (only with checkFragments). */
  ids?: string[];
}

interface Parent {
  page: string;
  element: string;
  attribute: string;
  selector: string;
  text: string;
  raw: string;
}

interface Target {
  url: string;
  kind: LinkRef['kind'];
  attachment: boolean;
  internal: boolean;
  parents: Parent[];
  parentCount: number;
  onHome: boolean;
}

interface SoftNotFound {
  reason: 'phrase' | 'same-as-not-found-page' | 'redirects-to-not-found-page';
  phrase?: string;
  title: string;
  notFoundProbe?: string;
}

interface Verified {
  status: number | null;
  error?: FetchErrorInfo;
  headers: Record<string, string>;
  chain: RedirectHop[];
  finalUrl: string;
  method: string;
  attempts: number;
  verifiedBy: 'crawl' | 'probe' | 'crawl+probe';
  crawl?: { status: number | null; error?: string };
  notProbed?: boolean;
  soft?: SoftNotFound;
}

interface NotFoundProfile {
  url: string;
  status: number | null;
  finalUrl: string;
  redirected: boolean;
  h?: string;
  n?: number;
  title?: string;
  /** False when the site has proper 404s, or answers unknown paths with its home page (nothing to compare). */
  usable: boolean;
  note?: string;
}

function classify(v: Verified, o: Options): Outcome {
  if (v.soft) return 'broken';
  const { status, error, headers } = v;
  if (error && error.kind !== 'http_error') return o.errorPolicy[error.kind] ?? 'suspected';
  if (status === null) return 'suspected';
  if (status >= 400 && o.inconclusiveHeaders.some((h) => headers[h.toLowerCase()] !== undefined)) return 'inconclusive';
  const byPolicy = o.statusPolicy[String(status)] ?? o.statusPolicy[`${Math.floor(status / 100)}xx`];
  if (byPolicy) return byPolicy;
  if (status >= 200 && status < 400) return 'ok';
  return 'suspected';
}

/** Error classes in Chinese, for the zh messages (the en messages use the class names). */
const ERROR_ZH: Record<string, string> = {
  dns_error: '域名无法解析',
  connection_refused: '连接被拒绝',
  connection_reset: '连接被重置',
  timeout: '超时未响应',
  tls_error: '证书或加密连接错误',
  redirect_loop: '循环跳转',
  too_many_redirects: '跳转次数过多',
  private_address_blocked: '内网地址，未检查',
  too_large: '内容过大',
  decode_error: '内容无法解码',
  malformed_url: '地址格式错误',
  unsupported_scheme: '跳转到不支持的协议',
  protocol_error: '协议错误',
  unknown: '未知错误',
};
/** Reasons of malformed references (src/gather/extract.ts) in Chinese. */
const MALFORMED_ZH: Record<string, string> = {
  'mistyped scheme': '协议名写错',
  'missing colon after scheme': '协议名后缺少冒号',
  'missing scheme (http://)': '缺少 http://',
  'bad percent-encoding': '百分号编码错误',
  'not a valid URL': '不是有效的网址',
  'no host name': '缺少主机名',
};

/** Text normalised for comparing pages: no digits, URLs, paths or whitespace; hashed short. */
export function textHash(text: string): string {
  const norm = text.replace(/[a-z][a-z0-9+.-]*:\/\/\S+|\/[\w\-.~%/?=&;:@+,]*|[0-9０-９]+|\s+/gi, '');
  return createHash('sha1').update(norm).digest('hex').slice(0, 16);
}

const escapeRe = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A phrase of digits ("404") matches only as a word of its own at the start or the end ("404 Not Found",
 * "页面错误-404"), never inside a title such as "关于G404国道施工的通知" or "……（第404期）_某某市人民政府",
 * nor in brackets ("工作动态（404）").
 * Other phrases match anywhere, whitespace ignored. Compiled once per option set: one regular expression
 * per list, longest phrase first.
 */
interface PhraseMatcher {
  title: RegExp | null;
  titleNumbers: RegExp[];
  body: RegExp | null;
}
/** Opening brackets (escaped for a character class). */
const OPEN = '（(\\[【〔［〈《';
const matchers = new WeakMap<object, PhraseMatcher>();
function matcherFor(o: Options['softNotFound']): PhraseMatcher {
  let m = matchers.get(o);
  if (m) return m;
  const compactAlt = (ps: string[]) => {
    const parts = [...new Set(ps.map((p) => p.toLowerCase().replace(/\s+/g, '')).filter(Boolean))].sort((a, b) => b.length - a.length).map(escapeRe);
    return parts.length ? new RegExp(parts.join('|'), 'g') : null;
  };
  const isNumber = (p: string) => /^\d+$/.test(p.trim());
  m = {
    title: compactAlt(o.titlePhrases.filter((p) => !isNumber(p))),
    // Not in brackets: "工作动态（404）" numbers an article; a real error title with brackets also has a phrase.
    titleNumbers: o.titlePhrases.filter(isNumber).map((p) => new RegExp(`^[^\\p{L}\\p{N}${OPEN}]*${p.trim()}(?![\\p{L}\\p{N}])|(?<![\\p{L}\\p{N}${OPEN}])${p.trim()}[^\\p{L}\\p{N}]*$`, 'u')),
    body: compactAlt(o.bodyPhrases.filter((p) => !isNumber(p))),
  };
  matchers.set(o, m);
  return m;
}

/** The longest phrase of `re` in `hay` (lower-case, whitespace removed), as written in the options. */
function longestMatch(re: RegExp | null, hay: string, phrases: string[]): string | undefined {
  if (!re) return undefined;
  let best: string | undefined;
  for (const [hit] of hay.matchAll(re)) if (!best || hit.length > best.length) best = hit;
  return best === undefined ? undefined : (phrases.find((p) => p.toLowerCase().replace(/\s+/g, '') === best) ?? best);
}

/** The not-found phrase a page shows (the longest that matches): in its title, or in its body when the body is short. */
export function notFoundPhrase(title: string, text: string, o: Options['softNotFound']): string | undefined {
  const m = matcherFor(o);
  const t = title.toLowerCase();
  const inTitle = longestMatch(m.title, t.replace(/\s+/g, ''), o.titlePhrases);
  if (inTitle) return inTitle;
  const n = m.titleNumbers.findIndex((re) => re.test(t.trim()));
  if (n !== -1) return o.titlePhrases.filter((p) => /^\d+$/.test(p.trim()))[n];
  if (text.length > o.maxBodyText) return undefined;
  return longestMatch(m.body, text.toLowerCase().replace(/\s+/g, ''), o.bodyPhrases);
}

function fingerprintOf(title: string, text: string, o: Options['softNotFound']): Fingerprint {
  const fp: Fingerprint = { h: textHash(text) };
  const p = notFoundPhrase(title, text, o);
  if (p) fp.p = p;
  return fp;
}

/** Title, text length and fingerprint of a page fetched beyond the crawl (ctx.pages: decoded like the crawl decodes pages). */
function fingerprintPage(page: ExtractedPage, o: Options['softNotFound']): { title: string; n: number; fp: Fingerprint } {
  return { title: page.title, n: page.text.length, fp: fingerprintOf(page.title, page.text, o) };
}

function isHtml(headers: Record<string, string>): boolean {
  return /^\s*(text\/html|application\/xhtml\+xml)/i.test(headers['content-type'] ?? '');
}

function closeLength(a: number, b: number): boolean {
  return Math.abs(a - b) <= Math.max(40, 0.1 * Math.max(a, b));
}

/** Fragments that are not element ids: the top of the page, SPA routes, text fragments, PDF open parameters. */
function verifiableFragment(f: string): boolean {
  return f !== '' && f.toLowerCase() !== 'top' && !/^[/!]/.test(f) && !f.startsWith(':~:') && !f.includes('=');
}

export default defineCheck({
  meta: {
    id: 'broken-links',
    scope: ['website'],
    rules: ['W-D1', 'W-D2'],
    options,
  },

  collect(ctx: PageContext, o: Options): Fingerprint | undefined {
    const { page } = ctx;
    if (page.status === null || page.status < 200 || page.status >= 300) return undefined;
    const fp: Fingerprint = {};
    if (o.softNotFound.enabled) Object.assign(fp, fingerprintOf(page.title, ctx.text, o.softNotFound));
    if (o.checkFragments) {
      const ids = new Set<string>();
      ctx.$('[id], a[name]').each((_, el) => {
        if (ids.size >= 5000) return false;
        const a = (el as { attribs?: Record<string, string> }).attribs ?? {};
        if (a.id) ids.add(a.id);
        if (a.name && (el as { name?: string }).name === 'a') ids.add(a.name);
        return undefined;
      });
      fp.ids = [...ids];
    }
    return fp.h || fp.p || fp.ids ? fp : undefined;
  },

  async run(site, ctx) {
    const o = ctx.options;
    const home = site.home;
    const homeUrls = new Set([site.startUrl, home?.url, home?.finalUrl].filter(Boolean) as string[]);
    const crawled = new Map<string, PageArtifact>();
    for (const p of site.pages) {
      crawled.set(p.url, p);
      if (!crawled.has(p.finalUrl)) crawled.set(p.finalUrl, p);
    }
    // A page whose collector threw has no fingerprint: compared and fragment-checked as a page without one.
    const fpOf = (p: PageArtifact | undefined): Fingerprint | undefined => {
      const c = ctx.collected(p);
      return c instanceof CollectFailure ? undefined : c;
    };

    // 1. Distinct targets, each with every page that references it.
    const targets = new Map<string, Target>();
    const malformed = new Map<string, { ref: LinkRef; parents: Parent[]; parentCount: number; onHome: boolean }>();
    const fragments = new Map<string, { url: string; fragment: string; parents: Parent[]; parentCount: number }>();
    const skipped: Record<string, number> = {};
    for (const page of site.pages) {
      const isHome = homeUrls.has(page.url) || homeUrls.has(page.finalUrl);
      for (const ref of page.links) {
        const parent: Parent = { page: page.finalUrl, element: ref.element, attribute: ref.attribute, selector: ref.selector, text: ref.text, raw: ref.raw };
        if (o.checkFragments && ref.fragment !== undefined && verifiableFragment(ref.fragment) && (ref.url === null ? ref.skipped === 'fragment' : ref.internal)) {
          const url = ref.url ?? page.finalUrl;
          const key = `${url}#${ref.fragment}`;
          const f = fragments.get(key) ?? { url, fragment: ref.fragment, parents: [], parentCount: 0 };
          f.parentCount++;
          if (f.parents.length < o.maxParents) f.parents.push(parent);
          fragments.set(key, f);
        }
        if (ref.skipped) {
          skipped[ref.skipped] = (skipped[ref.skipped] ?? 0) + 1;
          continue;
        }
        if (ref.malformed) {
          const m = malformed.get(ref.raw) ?? { ref, parents: [], parentCount: 0, onHome: false };
          m.parentCount++;
          if (m.parents.length < o.maxParents && !m.parents.some((p) => p.page === parent.page && p.selector === parent.selector)) m.parents.push(parent);
          m.onHome ||= isHome;
          malformed.set(ref.raw, m);
          continue;
        }
        if (!ref.url || !o.kinds.includes(ref.kind)) continue;
        if (!ref.internal && !o.checkExternal) continue;
        let t = targets.get(ref.url);
        if (!t) {
          t = { url: ref.url, kind: ref.kind, attachment: ref.attachment, internal: ref.internal, parents: [], parentCount: 0, onHome: false };
          targets.set(ref.url, t);
        }
        t.parentCount++;
        if (t.parents.length < o.maxParents && !t.parents.some((p) => p.page === parent.page && p.selector === parent.selector && p.attribute === parent.attribute)) t.parents.push(parent);
        t.onHome ||= isHome;
        t.attachment ||= ref.attachment;
        if (t.kind !== 'page' && ref.kind === 'page') t.kind = 'page';
      }
    }

    // 2. Scheduling: per host first (a slot of the shared client's per-host concurrency), then the global limit,
    //    so tasks waiting for a slow host never hold global slots that other hosts could use.
    const global = pLimit(o.concurrency);
    const timeouts = new Map<string, number>();
    const schedule = <T>(url: string, fn: () => Promise<T>): Promise<T> => ctx.http.onHost(url, () => global(fn));
    const hostGivenUp = (url: string) => o.hostTimeoutLimit > 0 && (timeouts.get(new URL(url).host) ?? 0) >= o.hostTimeoutLimit;
    const noteTimeout = (url: string, e?: FetchErrorInfo) => {
      if (e?.kind === 'timeout') timeouts.set(new URL(url).host, (timeouts.get(new URL(url).host) ?? 0) + 1);
    };

    const probe = (url: string): Promise<Verified> =>
      schedule(url, async () => {
        if (hostGivenUp(url)) {
          const host = new URL(url).host;
          return {
            status: null,
            error: { kind: 'timeout', message: `not requested: ${timeouts.get(host)} other targets on ${host} did not answer within the time limit` },
            headers: {},
            chain: [],
            finalUrl: url,
            method: 'none',
            attempts: 0,
            verifiedBy: 'probe',
            notProbed: true,
          } satisfies Verified;
        }
        const r = await ctx.http.probe(url);
        noteTimeout(url, r.error);
        return {
          status: r.status,
          error: r.error,
          headers: r.headers,
          chain: r.redirectChain,
          finalUrl: r.finalUrl,
          method: r.method,
          attempts: r.attempts,
          verifiedBy: 'probe',
          ...(r.skipped ? { notProbed: true } : {}),
        } satisfies Verified;
      });

    let fetches = 0;
    const fetchFingerprint = async (url: string): Promise<{ v: Verified; title: string; n: number; fp?: Fingerprint } | undefined> => {
      if (fetches >= o.softNotFound.maxFetches) return undefined;
      fetches++;
      return schedule(url, async () => {
        const { response: r, page } = await ctx.pages.fetch(url, { maxBytes: o.softNotFound.maxBytes });
        noteTimeout(url, r.error);
        const v: Verified = { status: r.status, error: r.error, headers: r.headers, chain: r.redirectChain, finalUrl: r.finalUrl, method: r.method, attempts: r.attempts, verifiedBy: 'probe' };
        if (!page) return { v, title: '', n: 0 };
        const f = fingerprintPage(page, o.softNotFound);
        return { v, title: f.title, n: f.n, fp: f.fp };
      });
    };

    // 3. The site's not-found page, learnt from one random path (once per site).
    let profile: NotFoundProfile | undefined;
    const wantProfile = o.softNotFound.enabled && o.softNotFound.probe && [...targets.values()].some((t) => t.internal && (t.kind === 'page' || t.kind === 'frame' || t.attachment));
    if (wantProfile) {
      const origin = new URL(home?.finalUrl ?? site.startUrl).origin;
      const url = `${origin}/govcheck-notfound-${randomBytes(6).toString('hex')}.html`;
      const { response: r, page } = await ctx.pages.fetch(url, { maxBytes: o.softNotFound.maxBytes });
      profile = { url, status: r.status, finalUrl: r.finalUrl, redirected: r.redirectChain.length > 0, usable: false };
      if (page) {
        const f = fingerprintPage(page, o.softNotFound);
        Object.assign(profile, { h: f.fp.h, n: f.n, title: f.title });
        const homeFp = fpOf(home);
        if (homeUrls.has(r.finalUrl) || (homeFp?.h !== undefined && homeFp.h === f.fp.h)) profile.note = 'unknown paths are answered with the home page: pages are compared by their not-found phrases only';
        else profile.usable = true;
      } else {
        profile.note = r.status !== null && r.status >= 400 ? `the site answers unknown paths with HTTP ${r.status}` : `no usable answer (${r.error?.kind ?? `HTTP ${r.status}`})`;
      }
    }

    const softOf = (url: string, finalUrl: string, title: string, n: number, fp: Fingerprint | undefined): SoftNotFound | undefined => {
      if (!o.softNotFound.enabled || homeUrls.has(url) || homeUrls.has(finalUrl)) return undefined;
      if (fp?.p) return { reason: 'phrase', phrase: fp.p, title };
      if (!profile?.usable) return undefined;
      if (profile.redirected && finalUrl === profile.finalUrl && url !== finalUrl) return { reason: 'redirects-to-not-found-page', title, notFoundProbe: profile.url };
      if (fp?.h && fp.h === profile.h && closeLength(n, profile.n ?? 0)) return { reason: 'same-as-not-found-page', title, notFoundProbe: profile.url };
      return undefined;
    };

    // 4. Verify every target once.
    const results = new Map<string, Verified>();
    let recheckedFromCrawl = 0;
    await Promise.all(
      [...targets.values()].map(async (t) => {
        const page = crawled.get(t.url);
        if (page) {
          const crawlInfo = { status: page.status, error: page.error ? `${page.error.kind}${page.error.message ? `: ${page.error.message}` : ''}` : undefined };
          const transient = page.error !== undefined && (page.error.kind !== 'http_error' || isTransient({ kind: 'http_error', status: page.status ?? 0, message: '' }));
          if (transient && o.recheckTransient) {
            recheckedFromCrawl++;
            const v = await probe(t.url);
            results.set(t.url, { ...v, verifiedBy: 'crawl+probe', crawl: crawlInfo });
            return;
          }
          const v: Verified = { status: page.status, error: page.error, headers: page.headers, chain: page.redirectChain, finalUrl: page.finalUrl, method: 'GET', attempts: 1, verifiedBy: 'crawl' };
          if (!page.error && page.status !== null && page.status < 300) v.soft = softOf(page.url, page.finalUrl, page.title, page.textLength, fpOf(page));
          results.set(t.url, v);
          return;
        }
        // Internal pages the crawl did not reach: fetched (not only probed), to see a soft 404.
        if (o.softNotFound.enabled && t.internal && (t.kind === 'page' || t.kind === 'frame') && !t.attachment) {
          const got = await fetchFingerprint(t.url);
          if (got) {
            if (got.fp) got.v.soft = softOf(t.url, got.v.finalUrl, got.title, got.n, got.fp);
            results.set(t.url, got.v);
            return;
          }
        }
        const v = await probe(t.url);
        // An attachment answered with a web page: look at it, it is often the CMS's "信息已删除" page.
        if (o.softNotFound.enabled && t.attachment && !v.error && v.status !== null && v.status < 300 && isHtml(v.headers)) {
          const got = await fetchFingerprint(t.url);
          if (got?.fp) {
            const soft = got.fp.p ? { reason: 'phrase' as const, phrase: got.fp.p, title: got.title } : t.internal ? softOf(t.url, got.v.finalUrl, got.title, got.n, got.fp) : undefined;
            if (soft) {
              results.set(t.url, { ...got.v, soft });
              return;
            }
          }
        }
        results.set(t.url, v);
      }),
    );

    // 5. Findings.
    const findings: FindingInput[] = [];
    const counts = {
      checked: targets.size,
      broken: 0,
      soft404: 0,
      suspected: 0,
      inconclusive: 0,
      homeBroken: 0,
      otherBroken: 0,
      attachmentsBroken: 0,
      malformed: malformed.size,
      recheckedFromCrawl,
      notProbed: 0,
      deadHosts: 0,
    };
    const homePoints = ctx.rulePoints('W-D1', 'home') ?? 1;
    const otherPoints = ctx.rulePoints('W-D1', 'other') ?? 0.1;
    const attachmentPoints = ctx.rulePoints('W-D2', 'each') ?? 0.5;
    const homeFirst = (ps: Parent[]) => [...ps].sort((a, b) => Number(homeUrls.has(b.page)) - Number(homeUrls.has(a.page)));
    // A dead host (does not resolve, refuses connections, or timed out again and again) is one finding per host
    // and error kind with all its URLs, not one per URL; a host with one failing URL keeps its per-URL finding.
    const deadGroups = new Map<string, { host: string; kind: string; verdict: Outcome; members: Array<{ t: Target; r: Verified }> }>();
    const deadKeyOf = (t: Target, r: Verified, verdict: Outcome): string | undefined => {
      const kind = r.error?.kind;
      if (verdict === 'ok' || r.soft || (kind !== 'dns_error' && kind !== 'connection_refused' && kind !== 'timeout')) return undefined;
      if (!r.notProbed && !ctx.http.deadHost(r.finalUrl)) return undefined;
      let u: URL;
      try {
        u = new URL(r.finalUrl);
      } catch {
        return undefined;
      }
      const host = kind === 'dns_error' ? u.hostname : u.host;
      const key = `${kind} ${host} ${verdict}`;
      let g = deadGroups.get(key);
      if (!g) deadGroups.set(key, (g = { host, kind, verdict, members: [] }));
      g.members.push({ t, r });
      return key;
    };
    const sortedTargets = [...targets.values()].sort((a, b) => a.url.localeCompare(b.url));
    const grouped = new Set<string>();
    for (const t of sortedTargets) {
      const r = results.get(t.url)!;
      deadKeyOf(t, r, classify(r, o));
    }
    for (const g of deadGroups.values()) {
      if (g.members.length < 2) continue;
      counts.deadHosts++;
      const allAttachments = g.members.every((m) => m.t.attachment);
      const onHome = g.members.some((m) => m.t.onHome);
      for (const m of g.members) {
        grouped.add(m.t.url);
        if (m.r.notProbed) counts.notProbed++;
        if (g.verdict === 'broken') {
          counts.broken++;
          if (m.t.attachment) counts.attachmentsBroken++;
          else if (m.t.onHome) counts.homeBroken++;
          else counts.otherBroken++;
        } else if (g.verdict === 'suspected') counts.suspected++;
        else counts.inconclusive++;
      }
      const first = g.members[0];
      const err = (g.members.find((m) => !m.r.notProbed) ?? first).r.error!;
      const parents = homeFirst(first.t.parents);
      const reason = g.kind === 'timeout' ? `timeout (${g.members.length} URLs)` : g.kind;
      const evidence = {
        location: parents[0] ? `${parents[0].selector} [${parents[0].attribute}]` : undefined,
        snippet: parents[0]?.text || parents[0]?.raw,
        expected: 'HTTP 2xx/3xx',
        actual: `${err!.kind}: ${err!.message}`,
        errorKind: g.kind,
        host: g.host,
        deadHost: true,
        count: g.members.length,
        attempts: g.members.reduce((n, m) => n + m.r.attempts, 0),
        notProbed: g.members.filter((m) => m.r.notProbed).length,
        urls: g.members.slice(0, 20).map((m) => ({
          url: m.t.url,
          kind: m.t.kind,
          seenOn: homeFirst(m.t.parents)
            .slice(0, 3)
            .map((p) => p.page),
          parentCount: m.t.parentCount,
        })),
        onHome,
      };
      const base = {
        url: parents[0]?.page ?? site.startUrl,
        target: g.host,
        params: { host: g.host, count: g.members.length, reason, reasonZh: ERROR_ZH[g.kind] ?? g.kind },
        evidence,
      };
      const points = allAttachments ? attachmentPoints : onHome ? homePoints : otherPoints;
      const rule = allAttachments ? 'W-D2' : 'W-D1';
      if (g.verdict === 'broken') findings.push({ ...base, code: 'dead-host', severity: 'deduction', rule, points });
      else if (g.verdict === 'suspected') findings.push({ ...base, code: 'dead-host', severity: 'deduction', tier: 'suspected', rule, points });
      else findings.push({ ...base, code: 'dead-host', severity: 'info', tier: 'suspected' });
    }
    for (const t of sortedTargets) {
      if (grouped.has(t.url)) continue;
      const r = results.get(t.url)!;
      const verdict = classify(r, o);
      if (verdict === 'ok') continue;
      if (r.notProbed) counts.notProbed++;
      const networkError = r.error && r.error.kind !== 'http_error' ? r.error : undefined;
      const reason = networkError ? networkError.kind : `HTTP ${r.status}`;
      const parents = homeFirst(t.parents);
      const evidence = {
        location: parents[0] ? `${parents[0].selector} [${parents[0].attribute}]` : undefined,
        snippet: parents[0]?.text || parents[0]?.raw,
        expected: 'HTTP 2xx/3xx',
        actual: r.soft ? `HTTP ${r.status}, ${r.soft.phrase ? `“${r.soft.phrase}”` : `same as ${r.soft.notFoundProbe}`}` : networkError ? `${networkError.kind}: ${networkError.message}` : `HTTP ${r.status}`,
        status: r.status,
        errorKind: networkError?.kind ?? (r.status !== null && r.status >= 400 ? 'http_error' : undefined),
        method: r.method,
        attempts: r.attempts,
        verifiedBy: r.verifiedBy,
        ...(r.crawl ? { crawl: r.crawl } : {}),
        ...(r.notProbed ? { notProbed: true } : {}),
        redirectChain: r.chain,
        finalUrl: r.finalUrl,
        kind: t.kind,
        internal: t.internal,
        ...(r.soft ? { softNotFound: r.soft } : {}),
        parents,
        parentCount: t.parentCount,
      };
      const base = {
        url: parents[0]?.page ?? site.startUrl,
        target: t.url,
        params: { target: t.url, reason, reasonZh: networkError ? `${ERROR_ZH[networkError.kind] ?? networkError.kind}` : reason, count: t.parentCount } as Record<string, string | number>,
        evidence,
      };
      if (verdict === 'broken') {
        counts.broken++;
        if (r.soft) {
          counts.soft404++;
          Object.assign(base.params, { status: r.status ?? '', phrase: r.soft.phrase ?? r.soft.title, probe: r.soft.notFoundProbe ?? '' });
        }
        const softCode = r.soft ? (r.soft.reason === 'phrase' ? 'soft-404' : 'soft-404-match') : undefined;
        if (t.attachment) {
          counts.attachmentsBroken++;
          findings.push({ ...base, code: r.soft ? 'soft-404-attachment' : 'broken-attachment', severity: 'deduction', rule: 'W-D2', points: attachmentPoints });
        } else {
          if (t.onHome) counts.homeBroken++;
          else counts.otherBroken++;
          findings.push({ ...base, code: softCode ?? 'broken', severity: 'deduction', rule: 'W-D1', points: t.onHome ? homePoints : otherPoints, evidence: { ...evidence, onHome: t.onHome } });
        }
      } else if (verdict === 'suspected') {
        counts.suspected++;
        findings.push({
          ...base,
          code: 'suspected',
          severity: 'deduction',
          tier: 'suspected',
          rule: t.attachment ? 'W-D2' : 'W-D1',
          points: t.attachment ? attachmentPoints : t.onHome ? homePoints : otherPoints,
          evidence: { ...evidence, onHome: t.onHome },
        });
      } else {
        counts.inconclusive++;
        findings.push({ ...base, code: 'inconclusive', severity: 'info', tier: 'suspected' });
      }
    }
    for (const [raw, m] of malformed) {
      counts.broken++;
      if (m.onHome) counts.homeBroken++;
      else counts.otherBroken++;
      const parents = homeFirst(m.parents);
      findings.push({
        code: 'malformed',
        params: { raw, reason: m.ref.malformed ?? '', reasonZh: MALFORMED_ZH[m.ref.malformed ?? ''] ?? m.ref.malformed ?? '' },
        severity: 'deduction',
        rule: 'W-D1',
        points: m.onHome ? homePoints : otherPoints,
        url: parents[0]?.page ?? site.startUrl,
        target: raw,
        evidence: {
          location: parents[0] ? `${parents[0].selector} [${parents[0].attribute}]` : undefined,
          snippet: parents[0]?.text || raw,
          expected: 'a valid URL',
          actual: raw,
          errorKind: 'malformed_url',
          reason: m.ref.malformed,
          parents,
          parentCount: m.parentCount,
          onHome: m.onHome,
        },
      });
    }

    // 6. Fragments (optional): against the ids and anchor names of crawled pages.
    const fragmentCounts = { checked: 0, missing: 0, unverifiable: 0 };
    if (o.checkFragments) {
      for (const f of [...fragments.values()].sort((a, b) => `${a.url}#${a.fragment}`.localeCompare(`${b.url}#${b.fragment}`))) {
        const page = crawled.get(f.url);
        const ids = fpOf(page)?.ids;
        const ok = results.get(f.url);
        if (!page || !ids || (ok && classify(ok, o) !== 'ok')) {
          fragmentCounts.unverifiable++;
          continue;
        }
        fragmentCounts.checked++;
        if (ids.includes(f.fragment)) continue;
        fragmentCounts.missing++;
        const parents = homeFirst(f.parents);
        findings.push({
          code: 'missing-fragment',
          params: { target: `${f.url}#${f.fragment}`, fragment: f.fragment },
          severity: 'warning',
          tier: 'suspected',
          rule: 'W-D1',
          url: parents[0]?.page ?? site.startUrl,
          target: `${f.url}#${f.fragment}`,
          evidence: {
            location: parents[0] ? `${parents[0].selector} [${parents[0].attribute}]` : undefined,
            snippet: parents[0]?.text || parents[0]?.raw,
            expected: `an element with id or name “${f.fragment}”`,
            actual: 'none on the target page',
            parents,
            parentCount: f.parentCount,
          },
        });
      }
    }

    return {
      findings,
      summary: {
        ...counts,
        skipped,
        ...(o.checkFragments ? { fragments: fragmentCounts } : {}),
        ...(profile ? { notFoundProbe: { url: profile.url, status: profile.status, finalUrl: profile.finalUrl, usable: profile.usable, ...(profile.note ? { note: profile.note } : {}) } } : {}),
      },
    };
  },
});
