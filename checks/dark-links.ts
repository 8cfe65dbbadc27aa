/**
 * dark-links — 暗链, W-V4 严重问题: off-site links hidden from visitors, and off-site links whose text or address
 * carries gambling, pornography or fraud vocabulary. Hiding techniques, trusted hosts and service links (not dark
 * links) and the evidence policy: docs/check-reference.md "Security and privacy", docs/checks.md "W-V4".
 */
import type { CheerioAPI } from 'cheerio';
import type { AnyNode, Document, Element } from 'domhandler';
import { z } from 'zod';
import { defineCheck, failOnCollectFailure, type FindingInput } from '../src/check-api/api.js';
import { openccChangeTest, openccConverter } from '../src/analysis/text/opencc.js';
import { DEFAULT_SERVICE_LINKS, serviceLinkKind, serviceLinkSchema, type ServiceLink } from '../src/analysis/content/service-links.js';
import { DEFAULT_HIDDEN_OPTIONS, PLAIN_HIDDEN, px, selectorOf, visibility } from '../src/analysis/content/visibility.js';
import type { PageArtifact } from '../src/types.js';

const DEFAULT_VOCABULARY = [
  // gambling
  '博彩',
  '赌博',
  '赌场',
  '网赌',
  '赌球',
  '赌钱',
  '娱乐城',
  '百家乐',
  '六合彩',
  '时时彩',
  '北京赛车',
  '幸运飞艇',
  '真人视讯',
  '老虎机',
  '电子游艺',
  '棋牌游戏',
  '捕鱼游戏',
  '体育投注',
  '足球投注',
  '彩票投注',
  '投注网',
  '澳门葡京',
  '威尼斯人',
  '金沙娱乐',
  '太阳城',
  '皇冠体育',
  '开户送',
  '注册送',
  '首存',
  '彩金',
  '返水',
  // pornography
  '色情',
  '成人视频',
  '成人网站',
  '黄色网站',
  '黄色视频',
  '裸聊',
  '约炮',
  '一夜情',
  '援交',
  '情色',
  '激情视频',
  '伦理片',
  '三级片',
  'av女优',
  '无码',
  '偷拍',
  '自拍偷拍',
  // fraud and illegal services
  '代开发票',
  '发票代开',
  '办证',
  '刻章',
  '办理证件',
  '代办信用卡',
  '信用卡套现',
  '贷款秒批',
  '网络贷款',
  '刷单',
  '兼职刷单',
  '私服',
  '传奇私服',
  '外挂',
  '代孕',
  '枪支',
  '迷药',
  '窃听器',
  '黑客接单',
  '洗钱',
];

const DEFAULT_URL_TOKENS = [
  'casino',
  'baccarat',
  'bet365',
  'betting',
  'gamble',
  'gambling',
  'poker',
  'slots',
  'lottery',
  'porn',
  'porno',
  'xxx',
  'sex',
  'sexy',
  'hentai',
  'bocai',
  'dubo',
  'duchang',
  'yulecheng',
  'baijiale',
  'liuhecai',
  'amjs',
  'pujing',
  'weinisiren',
];

const TRUSTED = ['gov.cn', 'conac.cn', '12377.cn', 'cyberpolice.cn', 'miit.gov.cn', 'beian.gov.cn', 'www.gov.cn'];

const options = z.object({
  /** Links to services hidden on many sites that are not dark links (config/service-links.yaml). */
  serviceLinks: z.array(serviceLinkSchema).default(DEFAULT_SERVICE_LINKS),
  /** Words that mark a link as spam when in its text (Simplified; Traditional text is converted first). */
  vocabulary: z.array(z.string().min(1)).default(DEFAULT_VOCABULARY),
  /** Tokens that mark a link address as spam (matched against its host and path words). */
  urlTokens: z.array(z.string().min(1)).default(DEFAULT_URL_TOKENS),
  /** Host suffixes never reported (links to them are normal on government sites). */
  trustedHosts: z.array(z.string()).default(TRUSTED),
  /** Report off-site links hidden only by display:none/visibility:hidden (suspected tier). */
  reportPlainHidden: z.boolean().default(true),
  /** An element this small (px) or smaller counts as zero-size; an iframe this small is a tiny iframe. */
  tinyPx: z.number().nonnegative().default(DEFAULT_HIDDEN_OPTIONS.tinyPx),
  /** Negative offset (px) beyond which an element is off-screen. */
  offscreenPx: z.number().positive().default(DEFAULT_HIDDEN_OPTIONS.offscreenPx),
  /** Links kept per page in the artifact (bounded on link-flood pages). */
  maxPerPage: z.number().int().positive().default(200),
  /** <style> rules applied per page at most (only rules with a property that can hide). */
  maxStyleRules: z.number().int().nonnegative().default(DEFAULT_HIDDEN_OPTIONS.maxStyleRules),
  /** Links listed in one finding's evidence. */
  maxListed: z.number().int().positive().default(20),
  /** The veto rule: W-V4 for websites. */
  severity: z.enum(['veto', 'warning']).default('veto'),
});

type Opts = z.output<typeof options>;

interface HiddenLink {
  url: string;
  text: string;
  selector: string;
  element: string;
  /** Why it is hidden (empty when visible). */
  technique: string[];
  /** Spam word or token found in its text or address. */
  vocabulary?: string;
  /** A known service (找错, conac, vendor credit, statistics, share) the link goes to. */
  service?: ServiceLink['kind'];
}

/** Link texts repeat from page to page (navigation, footers): conversions are cached, boundedly. */
const simplifiedCache = new Map<string, string>();
const SIMPLIFIED_CACHE_MAX = 5000;
let mayChange: ((s: string) => boolean) | undefined;
function simplified(s: string): string {
  if (!/[^\x00-\x7f]/.test(s)) return s; // ASCII: nothing to convert
  mayChange ??= openccChangeTest(['t2s']);
  if (!mayChange(s)) return s; // no character or phrase OpenCC would convert
  const hit = simplifiedCache.get(s);
  if (hit !== undefined) return hit;
  const out = openccConverter('t', 'cn')(s);
  if (simplifiedCache.size >= SIMPLIFIED_CACHE_MAX) simplifiedCache.clear();
  simplifiedCache.set(s, out);
  return out;
}

/** Lower-cased vocabulary, computed once per options object. */
const lowerVocabulary = new WeakMap<Opts, string[]>();
function vocabularyLower(o: Opts): string[] {
  let v = lowerVocabulary.get(o);
  if (!v) lowerVocabulary.set(o, (v = o.vocabulary.map((w) => w.toLowerCase())));
  return v;
}

function isTrusted(hostname: string, o: Opts): boolean {
  const host = hostname.toLowerCase();
  return o.trustedHosts.some((t) => host === t || host.endsWith(`.${t}`));
}

/** Host of an absolute http(s) href (userinfo dropped), without parsing it again. */
function hostOfHref(href: string): string | undefined {
  if (!href.startsWith('http://') && !href.startsWith('https://')) return undefined;
  const from = href.indexOf('//') + 2;
  let to = href.indexOf('/', from);
  if (to < 0) to = href.length;
  const authority = href.slice(from, to);
  return authority.slice(authority.lastIndexOf('@') + 1).toLowerCase();
}

/**
 * Hosts the gatherer already marked as the site's own (from the page's extracted links): links to them are
 * dropped by `run` anyway, so the collector skips them before any style, colour or text work.
 */
function siteHostsOf(links: PageArtifact['links']): Set<string> {
  const hosts = new Set<string>();
  for (const l of links) {
    if (!l.internal || !l.url) continue;
    const h = hostOfHref(l.url);
    if (h) hosts.add(h);
  }
  return hosts;
}

function vocabularyHit(text: string, url: URL, o: Opts): string | undefined {
  const simple = simplified(text).toLowerCase();
  const lower = vocabularyLower(o);
  const i = lower.findIndex((w) => simple.includes(w));
  if (i >= 0) return o.vocabulary[i];
  const tokens = `${url.hostname} ${decodeURIComponentSafe(url.pathname)}`
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  const token = o.urlTokens.find((t) => tokens.some((x) => x === t || (x.startsWith(t) && /^\d*$/.test(x.slice(t.length)))));
  if (token) return token;
  const pathWord = o.vocabulary.find((w) => decodeURIComponentSafe(url.pathname + url.search).includes(w));
  return pathWord;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * The host a link resolves to when that is certain without parsing it: a relative reference (no scheme, not
 * starting with two slashes or backslashes, once tabs and newlines are dropped as the URL parser does) against an
 * http(s) base keeps the base's host. Undefined when the address has to be parsed.
 */
function relativeHost(raw: string, base: URL | undefined): string | undefined {
  if (!base) return undefined;
  // eslint-disable-next-line no-control-regex
  const s = raw.replace(/[\t\n\r]/g, '').replace(/^[\u0000-\u0020]+/, '');
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(s) || /^[/\\]{2}/.test(s)) return undefined;
  return base.host.toLowerCase();
}

/** Links, <base>, <style> and <marquee> elements in document order: one iterative walk of the tree. */
function scan(dom: Document) {
  const links: Element[] = [];
  const styles: Element[] = [];
  const marquees: Element[] = [];
  let baseHref: string | undefined;
  const stack: AnyNode[] = [...dom.children].reverse();
  while (stack.length) {
    const n = stack.pop()!;
    if (!('children' in n)) continue;
    const el = n as Element;
    const a = el.attribs;
    if (el.name && a) {
      const name = el.name;
      if (name === 'style') styles.push(el);
      else if (name === 'marquee') marquees.push(el);
      else if (name === 'base') {
        if (a.href !== undefined) baseHref ??= a.href;
      } else if (((name === 'a' || name === 'area') && a.href !== undefined) || ((name === 'iframe' || name === 'frame') && a.src !== undefined)) links.push(el);
    }
    const ch = el.children;
    for (let i = ch.length - 1; i >= 0; i--) stack.push(ch[i]);
  }
  return { links, styles, marquees, baseHref };
}

function collectLinks($: CheerioAPI, dom: Document, base: string, o: Opts, ownHosts: ReadonlySet<string>): HiddenLink[] {
  const { links, styles, marquees, baseHref } = scan(dom);
  let baseUrl = base;
  if (baseHref) {
    try {
      baseUrl = new URL(baseHref, base).href;
    } catch {
      /* keep the page URL */
    }
  }
  // Links to the site itself or to trusted hosts are never reported (see run): they are skipped first, before
  // any style, colour or text work (on a normal page that is every link).
  const offSite = (url: URL) => !ownHosts.has(url.host.toLowerCase()) && !isTrusted(url.hostname, o);
  let parsedBase: URL | undefined;
  try {
    parsedBase = new URL(baseUrl);
    if (parsedBase.protocol !== 'http:' && parsedBase.protocol !== 'https:') parsedBase = undefined;
  } catch {
    parsedBase = undefined;
  }
  const candidates: Array<{ el: Element; url: URL }> = [];
  for (const el of links) {
    const raw = (el.attribs.href ?? el.attribs.src).trim();
    const sameHost = relativeHost(raw, parsedBase);
    if (sameHost !== undefined && ownHosts.has(sameHost)) continue; // on the site: no need to parse it
    let url: URL;
    try {
      url = new URL(raw, baseUrl);
    } catch {
      continue;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') continue;
    if (offSite(url)) candidates.push({ el, url });
  }
  if (!candidates.length && !marquees.length) return [];

  const vis = visibility($, styles, o);
  const out: HiddenLink[] = [];
  const byElement = new Map<Element, HiddenLink>();
  for (const { el, url } of candidates) {
    if (out.length >= o.maxPerPage) break;
    const technique = [...vis.hiddenBy(el)];
    if (vis.sameColour(el) && !technique.includes('same colour')) technique.push('same colour');
    const text = $(el).text().replace(/\s+/g, ' ').trim().slice(0, 80) || el.attribs.title || '';
    const vocabulary = vocabularyHit(text, url, o);
    if (!technique.length && !vocabulary) continue;
    const service = serviceLinkKind(url, o.serviceLinks);
    url.hash = '';
    const link: HiddenLink = { url: url.href, text, selector: selectorOf(el), element: el.name, technique, vocabulary, service };
    out.push(link);
    byElement.set(el, link);
  }
  // Marquees squeezed to nothing (an old way to scroll spam out of sight).
  for (const el of marquees) {
    const d = vis.declsOf(el);
    const h = px(d.height) ?? px(el.attribs.height ?? '');
    const w = px(d.width) ?? px(el.attribs.width ?? '');
    const fast = Number(el.attribs.scrollamount ?? 0) >= 1000;
    if (!((h !== undefined && h <= o.tinyPx) || (w !== undefined && w <= o.tinyPx) || fast)) continue;
    $(el)
      .find('a[href]')
      .each((__, node) => {
        const a = node as Element;
        const link = byElement.get(a);
        if (link) {
          if (!link.technique.includes('tiny marquee')) link.technique.push('tiny marquee');
          return;
        }
        let url: URL;
        try {
          url = new URL(a.attribs.href, baseUrl);
        } catch {
          return; // malformed
        }
        if (url.protocol !== 'http:' && url.protocol !== 'https:') return; // javascript:, mailto:… lead nowhere
        if (!offSite(url)) return;
        const added: HiddenLink = {
          url: url.href,
          text: $(a).text().trim().slice(0, 80),
          selector: selectorOf(a),
          element: 'a',
          technique: ['tiny marquee'],
          vocabulary: vocabularyHit($(a).text(), url, o),
          service: serviceLinkKind(url, o.serviceLinks),
        };
        out.push(added);
        byElement.set(a, added);
      });
  }
  return out;
}

export default defineCheck({
  meta: {
    id: 'dark-links',
    scope: ['website'],
    rules: ['W-V4'],
    options,
  },
  collect({ $, dom, page }, o) {
    const links = collectLinks($, dom, page.finalUrl, o, siteHostsOf(page.links));
    return links.length ? links : undefined;
  },
  run(site, ctx) {
    const o = ctx.options;
    const siteHosts = new Set(site.siteHosts.map((h) => h.toLowerCase()));
    const findings: FindingInput[] = [];
    let hiddenCount = 0;
    let spamCount = 0;
    let suspectedCount = 0;
    for (const p of site.pages) {
      // A page whose collector failed leaves its hidden links unknown: the check cannot conclude.
      const links = failOnCollectFailure(ctx.collected(p), 'dark-links', p) ?? [];
      const groups: Record<'spam-link' | 'hidden-link' | 'hidden-link-suspected', HiddenLink[]> = { 'spam-link': [], 'hidden-link': [], 'hidden-link-suspected': [] };
      for (const l of links) {
        const u = new URL(l.url);
        // Older artifacts carry no `service`: the list is applied again here (options may also have changed).
        const service = l.vocabulary ? undefined : serviceLinkKind(u, o.serviceLinks);
        if (service) continue;
        if (siteHosts.has(u.host.toLowerCase()) || isTrusted(u.hostname, o)) continue;
        if (l.vocabulary) groups['spam-link'].push(l);
        else if (l.technique.some((t) => !PLAIN_HIDDEN.has(t))) groups['hidden-link'].push(l);
        else if (l.technique.length && o.reportPlainHidden) groups['hidden-link-suspected'].push(l);
      }
      for (const [code, list] of Object.entries(groups) as Array<[keyof typeof groups, HiddenLink[]]>) {
        if (!list.length) continue;
        if (code === 'spam-link') spamCount += list.length;
        else if (code === 'hidden-link') hiddenCount += list.length;
        else suspectedCount += list.length;
        const first = list[0];
        const techniques = [...new Set(list.flatMap((l) => l.technique))];
        findings.push({
          code,
          params: { count: list.length, example: first.url, word: first.vocabulary ?? '', technique: techniques.join('、') || '-' },
          severity: o.severity,
          tier: code === 'hidden-link-suspected' ? 'suspected' : 'confirmed',
          rule: o.severity === 'veto' ? 'W-V4' : undefined,
          url: p.finalUrl,
          target: first.url,
          evidence: {
            location: first.selector,
            snippet: first.text,
            expected: 'no hidden or prohibited off-site links',
            actual: `${first.element} → ${first.url}${first.technique.length ? ` (hidden: ${first.technique.join(', ')})` : ''}${first.vocabulary ? ` (vocabulary: ${first.vocabulary})` : ''}`,
            links: list.slice(0, o.maxListed),
          },
        });
      }
    }
    return { findings, summary: { pagesChecked: site.pages.length, spamLinks: spamCount, hiddenLinks: hiddenCount, suspectedHiddenLinks: suspectedCount } };
  },
});
