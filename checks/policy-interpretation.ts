/**
 * policy-interpretation — W-D7 解读回应 (notice (一)): a policy interpretation (解读, 图解…) links to the policy it
 * interprets and the policy links back. How pages are recognised and paired, and the evidence each finding needs:
 * docs/check-reference.md "Notice items" and docs/checks.md "W-D7".
 */
import type { AnyNode, Element } from 'domhandler';
import { DomUtils } from 'htmlparser2';
import { z } from 'zod';
import { CollectFailure, defineCheck, pagesByUrl, type Collected as CollectedOf, type FindingInput, type PageContext } from '../src/check-api/api.js';
import { analyzePage, ARTICLE_URL, DEFAULT_PLACEHOLDERS, findHeading } from '../src/analysis/content/page-analysis.js';
import { clean, escapeRegExp, inBoilerplate, lineText, normalizeWidth, toSimplified, visibleText } from '../src/analysis/content/text.js';
import type { PageArtifact, SiteArtifacts } from '../src/types.js';

const ID = 'policy-interpretation';
const RULE = 'W-D7';

/** Title words of an interpretation. */
export const DEFAULT_INTERPRETATION_WORDS = ['解读', '图解', '一图读懂', '一图看懂', '一图了解', '图说', '答记者问', '政策问答', '起草说明'];
/** Column names of interpretation columns. */
export const DEFAULT_INTERPRETATION_COLUMNS = ['政策解读', '文件解读', '解读回应', '图解政策', '图文解读', '解读'];
/** Column names of policy-document columns. */
export const DEFAULT_POLICY_COLUMNS = ['政策文件', '规范性文件', '政府文件', '部门文件', '文件资料', '政策法规', '法规文件', '政府规章', '政策发布', '最新文件', '政府令'];
/** Words of a document that is a policy (in the title an interpretation names). */
export const DEFAULT_POLICY_WORDS = [
  '办法',
  '条例',
  '规定',
  '规则',
  '意见',
  '通知',
  '方案',
  '规划',
  '决定',
  '细则',
  '措施',
  '政策',
  '纲要',
  '指引',
  '指南',
  '标准',
  '目录',
  '清单',
  '制度',
  '计划',
  '公告',
  '通告',
  '规范',
  '准则',
  '若干',
  '实施',
];
/** Not policies: statistics and reports (their 解读 is 数据解读). */
const NOT_POLICY = /统计公报|公报$|经济运行|统计数据|工作报告|报告$/;
/** Labels of the link to the policy on an interpretation. */
const ORIGINAL_LABEL = /原文|相关文件|政策文件|关联文件|相关政策|文件下载/;
const ORIGINAL_TEXT = /^(原文链接|政策原文|文件原文|原文|点击查看原文|查看原文|原文件|文件链接)[:：]?$/;
/** Label of a box of interpretations on a policy page. */
const INTERPRETATION_BOX = /^(相关|关联|配套)?(政策)?解读(材料|信息|文章)?\s*[:：]?$/;
const LINK_LABEL = /解读|原文|相关文件|政策文件|关联文件|关联稿件|相关稿件|相关链接|相关政策|文件下载/;

/** One expression per list of words (the options' lists are the same arrays on every page). */
const wordsRes = new WeakMap<string[], RegExp>();

function wordsRe(words: string[]): RegExp {
  let re = wordsRes.get(words);
  if (!re) wordsRes.set(words, (re = new RegExp(words.map(escapeRegExp).join('|'))));
  return re;
}

/** Text for comparing titles: Simplified, width-normalised, no spaces, quotes or bracket-shape differences. */
export function normTitle(s: string): string {
  return toSimplified(normalizeWidth(s))
    .replace(/[\uff01-\uff5e]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/[\s\u3000\u00a0“”"'‘’「」『』]/g, '')
    .replace(/[(（〔【[]/g, '(')
    .replace(/[)）〕】\]]/g, ')')
    .replace(/(\.{3}|…+)$/, '')
    .toLowerCase();
}

/** Bracketed tags before a title ([音频方式], 【图解】, (图文)) and interpretation prefixes (图解：, 一图读懂|). */
function stripTags(t: string): string {
  let s = t;
  for (let i = 0; i < 3; i++) s = s.replace(/^\s*[[【(（〔][^\]】)）〕]{1,8}[\]】)）〕]\s*/, '');
  return s;
}

/**
 * The document an interpretation's title names: the first 《…》, else the X of 关于X的解读, else the title without
 * its interpretation words. `named` tells whether it was written as 《…》 (a precise name).
 */
export function interpretedTitle(title: string, interpretationWords: RegExp): { key: string; named: boolean } | undefined {
  const t = stripTags(toSimplified(normalizeWidth(clean(title))));
  const quoted = /《([^《》]{4,100})》/.exec(t);
  if (quoted) return { key: normTitle(quoted[1]), named: true };
  if (!interpretationWords.test(t)) return undefined;
  const about = /关于(.{4,80}?)(的)?(政策)?(解读|图解|问答|说明)/.exec(t);
  if (about) return { key: normTitle(about[1]), named: false };
  const bare = t
    .replace(/^(政策解读|图文解读|文字解读|图解|解读|一图读懂|一图看懂|一图了解|图说)\s*[:：|｜丨\-—]?\s*/, '')
    .replace(/(的)?(政策)?(解读|图解|解读材料|政策问答|问答|答记者问|起草说明)\s*$/, '')
    .replace(/^(一图读懂|一图看懂|一图了解|图说|解读)/, '');
  if (bare.length < 4 || bare === t) return undefined;
  return { key: normTitle(bare), named: false };
}

/** A link's text as a title: no bracketed tag, no 附件： label, no file extension. */
function linkTitle(text: string): string {
  return stripTags(clean(text))
    .replace(/^(附件|附|原文|相关文件)\s*\d*\s*[:：.、]?\s*/, '')
    .replace(/\.(pdf|docx?|xlsx?|wps|ofd)$/i, '');
}

/** The forms a policy's title takes in comparisons: whole, each 《…》 inside, X of 关于印发X的通知. */
export function policyKeys(title: string): string[] {
  const t = stripTags(toSimplified(normalizeWidth(clean(title))));
  const keys = new Set([normTitle(t)]);
  for (const m of t.matchAll(/《([^《》]{4,100})》/g)) keys.add(normTitle(m[1]));
  const issued = /关于(印发|转发|发布)(.{4,100}?)的(通知|公告|决定)$/.exec(t);
  if (issued) keys.add(normTitle(issued[2]));
  return [...keys].filter((k) => k.length >= 4);
}

export type Match = 'exact' | 'loose';

/** How a named document (key) matches a policy title: exact, loose (one holds the other, 8+ characters) or not. */
export function matchTitle(key: string, policyTitle: string): Match | undefined {
  const keys = policyKeys(policyTitle);
  if (keys.includes(key)) return 'exact';
  const whole = keys[0] ?? '';
  // The interpretation names 关于加强X的意见 and the policy is 某市人民政府关于加强X的意见: the issuer left out.
  if (key.startsWith('关于') && key.length >= 8 && whole.endsWith(key)) return 'exact';
  if (key.length >= 8 && keys.some((k) => k.includes(key) || (k.length >= 8 && key.includes(k)))) return 'loose';
  return undefined;
}

/** Document numbers (闽政办〔2024〕12号) as `办|2024|12` keys: the agency's last two characters, year, number. */
/** The part every document number contains: a text without it is not searched for them (the name before it costs 10 characters at every position). */
const DOC_NO_YEAR = /[〔[［(（【]\s*(?:19|20)\d{2}\s*[〕\]］)）】]/;

export function docNumbers(text: string): string[] {
  const out: string[] = [];
  const t = normalizeWidth(text);
  if (!DOC_NO_YEAR.test(t)) return out;
  for (const m of t.matchAll(/([\u4e00-\u9fa5]{1,10})\s*[〔[［(（【]\s*((?:19|20)\d{2})\s*[〕\]］)）】]\s*第?\s*(\d{1,4})\s*号/g)) {
    const k = `${m[1].slice(-2)}|${m[2]}|${Number(m[3])}`;
    if (!out.includes(k)) out.push(k);
    if (out.length >= 8) break;
  }
  return out;
}

interface ListedItem {
  title: string;
  href: string;
}

interface Collected {
  /** The article's title (ArticleTitle meta, the content's first heading, else the page title's first part). */
  title: string;
  /** ColumnName meta or the breadcrumb's last part. */
  column?: string;
  article: boolean;
  /** Document numbers in the title and the first part of the content. */
  docNos: string[];
  /** Links under a label (相关解读：, 原文链接, a 相关文件 box), with the label. */
  labelled: Array<{ href: string; text: string; label: string }>;
  /** Items of interpretation and policy lists on the page. */
  lists: Array<{ kind: 'interpretation' | 'policy'; heading: string; items: ListedItem[] }>;
  /** A 相关解读 box with no link in it (a script may fill it). */
  emptyInterpretationBox?: boolean;
  /** Read as a home or list page: labels and boxes not collected. */
  labelsSkipped?: boolean;
  scriptBuilt?: boolean;
  /** The body arrived whole and decoded cleanly. */
  complete: boolean;
}

const optionsSchema = z.object({
  interpretationWords: z.array(z.string().min(1)).default(DEFAULT_INTERPRETATION_WORDS),
  interpretationColumns: z.array(z.string().min(1)).default(DEFAULT_INTERPRETATION_COLUMNS),
  policyColumns: z.array(z.string().min(1)).default(DEFAULT_POLICY_COLUMNS),
  policyWords: z.array(z.string().min(1)).default(DEFAULT_POLICY_WORDS),
  /** Severity of both findings (deductions are worth W-D7's points each, config/rules.yaml). */
  severity: z.enum(['deduction', 'warning', 'info']).default('deduction'),
  /** Pages beyond the crawl (interpretations listed, policy pages linked) fetched through the shared client. */
  maxFetches: z.number().int().nonnegative().default(30),
  /** Interpretations judged at most (the newest lists first, then crawl order). */
  maxInterpretations: z.number().int().positive().default(200),
  maxFindings: z.number().int().positive().default(50),
});
type Options = z.output<typeof optionsSchema>;

function articleTitle(ctx: PageContext): string {
  const { page, $ } = ctx;
  if (page.meta.articletitle?.trim()) return clean(page.meta.articletitle).slice(0, 120);
  const h = $('h1, h2, h3')
    .toArray()
    .find((e) => !inBoilerplate(e) && lineText(e).length >= 6 && lineText(e).length <= 120);
  if (h) return lineText(h);
  return clean(page.title.split(/_|\||｜| - /)[0] ?? page.title).slice(0, 120);
}

/** The label a link sits under: text before it in its line (相关解读：), or the heading of its box. */
function labelOf(a: Element, base: string, cache: Map<Element, string | undefined>): string | undefined {
  const parent = a.parent && a.parent.type === 'tag' ? (a.parent as Element) : undefined;
  if (parent) {
    // The few nodes right before the link, back to the previous link (相关解读：<a>, <span>原文链接：</span><a>).
    let before = '';
    let n = a.prev;
    for (let i = 0; n && i < 3; n = n.prev, i++) {
      if (n.type === 'tag' && (n as Element).name === 'a') break;
      before = (n.type === 'text' ? n.data : n.type === 'tag' ? lineText(n).slice(-20) : '') + before;
    }
    const tail = clean(before).slice(-16);
    if (LINK_LABEL.test(tail)) return tail;
  }
  for (let e: Element | undefined = parent, i = 0; e && i < 4; e = e.parent && e.parent.type === 'tag' ? (e.parent as Element) : undefined, i++) {
    if (['ul', 'ol', 'dl', 'div', 'table', 'p', 'section'].includes(e.name)) {
      // Links of one list share its heading: looked up once per container.
      if (!cache.has(e)) cache.set(e, findHeading(e, base).heading);
      const h = cache.get(e);
      if (h) return LINK_LABEL.test(h) ? h : undefined;
    }
  }
  return undefined;
}

const LABEL_ELEMENTS = new Set(['h2', 'h3', 'h4', 'h5', 'span', 'b', 'strong', 'div', 'p', 'dt', 'li']);
const isLabelElement = (e: AnyNode): boolean => LABEL_ELEMENTS.has((e as Element).name);

function collectPolicy(ctx: PageContext, o: Options): Collected | undefined {
  const { page, $, dom, html } = ctx;
  if (page.error) return undefined;
  const content = analyzePage(ctx, { placeholders: DEFAULT_PLACEHOLDERS });
  const interpCols = wordsRe(o.interpretationColumns);
  const policyCols = wordsRe(o.policyColumns);
  const title = articleTitle(ctx);
  let path = '';
  try {
    path = new URL(page.finalUrl).pathname;
  } catch {
    /* keep empty */
  }
  const article = content.kind === 'article' || Boolean(page.meta.articletitle) || (!ctx.isHome && ARTICLE_URL.test(path));
  // Labels, boxes and document numbers matter on interpretations and policies: not read on home and list pages.
  const detailed = article || (!ctx.isHome && content.kind !== 'list');
  const docNos = detailed ? docNumbers(`${title}\n${visibleText(dom, { skipBoilerplate: true }).slice(0, 1500)}`) : docNumbers(title);
  const labelled: Collected['labelled'] = [];
  let emptyBox = false;
  if (detailed) {
    const labels = new Map<Element, string | undefined>();
    $('a[href]').each((_, n) => {
      if (labelled.length >= 40) return false;
      const a = n as Element;
      if (inBoilerplate(a)) return undefined;
      const text = lineText(a) || a.attribs.title || '';
      const label = ORIGINAL_TEXT.test(clean(text)) ? clean(text) : labelOf(a, page.finalUrl, labels);
      // the target is resolved only for a labelled link (most links have no label)
      if (!label) return undefined;
      let href: string;
      try {
        const u = new URL((a.attribs.href ?? '').trim(), page.finalUrl);
        if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
        u.hash = '';
        href = u.href;
      } catch {
        return undefined;
      }
      if (label) labelled.push({ href, text: text.slice(0, 120), label: label.slice(0, 20) });
      return undefined;
    });
    // A 相关解读 label (by its own text, cheap to read) whose box holds no link. The elements are found by one walk
    // (what the selector list h2, h3, h4, h5, span, b, strong, div, p, dt, li finds, in document order).
    for (const e of DomUtils.findAll(isLabelElement, dom.children)) {
      const own = clean(e.children.map((c) => (c.type === 'text' ? c.data : '')).join(''));
      if (!own || own.length > 10 || !INTERPRETATION_BOX.test(own) || inBoilerplate(e)) continue;
      // The box: the label's parent (or grandparent when the parent is only the label's wrapper).
      let box = e.parent && e.parent.type === 'tag' ? (e.parent as Element) : undefined;
      if (box && lineText(box) === own && box.parent && box.parent.type === 'tag') box = box.parent as Element;
      if (box && $(box).find('a[href]').length === 0 && lineText(box).length <= 12) {
        emptyBox = true;
        break;
      }
    }
  }
  const lists: Collected['lists'] = [];
  if (!article) {
    const pageName = content.columnName ?? content.crumb ?? content.titlePrefix ?? content.heading ?? '';
    const pageKind = interpCols.test(pageName) && !/数据解读/.test(pageName) ? 'interpretation' : policyCols.test(pageName) ? 'policy' : undefined;
    for (const b of content.blocks) {
      const heading = b.heading ?? '';
      const kind = heading ? (interpCols.test(heading) && !/数据解读/.test(heading) ? 'interpretation' : policyCols.test(heading) ? 'policy' : undefined) : pageKind;
      if (!kind || inBoilerplateSelector(b.selector)) continue;
      const items = b.items.filter((i): i is ListedItem => Boolean(i.href && i.title)).map((i) => ({ title: i.title, href: i.href! }));
      if (items.length) lists.push({ kind, heading: heading || pageName, items: items.slice(0, 40) });
      if (lists.length >= 6) break;
    }
  }
  const bytes = Buffer.byteLength(html);
  const complete = !page.truncated && !page.contentIssue && fewerThanThreeReplacements(html) && (bytes < 60 * 1024 || /<\/html\s*>/i.test(html.slice(-2000)));
  return {
    title,
    column: content.columnName ?? content.crumb,
    article,
    docNos,
    labelled,
    lists,
    ...(emptyBox ? { emptyInterpretationBox: true } : {}),
    ...(detailed ? {} : { labelsSkipped: true }),
    ...(content.scriptBuilt ? { scriptBuilt: true } : {}),
    complete,
  };
}

/** Fewer than three U+FFFD in the page (what `html.match(/\uFFFD/g).length < 3` says, without the array). */
function fewerThanThreeReplacements(html: string): boolean {
  let at = -1;
  for (let n = 0; n < 3; n++) if ((at = html.indexOf('\uFFFD', at + 1)) === -1) return true;
  return false;
}

/** Lists in a page's furniture (selector names a nav/menu) are menus, not columns of documents. */
function inBoilerplateSelector(selector: string): boolean {
  return /(^|[\s.#>])(nav|menu|footer|header)/i.test(selector);
}

interface Read {
  url: string;
  page?: PageArtifact;
  c?: Collected;
  /** Why it could not be read, when it could not. */
  problem?: string;
}

export default defineCheck({
  meta: {
    id: ID,
    scope: ['website'],
    rules: [RULE],
    options: optionsSchema,
  },
  collect(ctx, options) {
    return collectPolicy(ctx, options);
  },
  async run(site: SiteArtifacts, ctx) {
    const o = ctx.options;
    const findings: FindingInput[] = [];
    if (!site.home || site.home.error) return { findings, notApplicable: 'home page not available (see availability)' };
    const interpWords = wordsRe(o.interpretationWords);
    const interpCols = wordsRe(o.interpretationColumns);
    const policyWordsRe = wordsRe(o.policyWords);
    const byUrl = pagesByUrl(site);
    const hosts = new Set(site.siteHosts.map((h) => h.toLowerCase()));
    const internal = (u: string) => {
      try {
        return hosts.has(new URL(u).host.toLowerCase());
      } catch {
        return false;
      }
    };
    const got = (p: PageArtifact | undefined): Collected | undefined => {
      const c = ctx.collected(p) as CollectedOf<Collected>;
      return c instanceof CollectFailure ? undefined : c;
    };
    let fetches = 0;
    let unverified = 0;
    const fetched = new Map<string, Read>();
    /** A page as read: crawled, else fetched once (bounded), with why it could not be read. */
    const read = async (url: string): Promise<Read> => {
      const crawled = byUrl.get(url);
      const known = fetched.get(url);
      if (known) return known;
      let r: Read;
      if (crawled) {
        const c = got(crawled);
        r = { url, page: crawled, c, problem: crawled.error ? `${crawled.error.kind}: ${crawled.error.message}` : crawled.status !== null && crawled.status >= 400 ? `HTTP ${crawled.status}` : !c ? 'not an HTML page' : undefined };
      } else if (fetches >= o.maxFetches) {
        unverified++;
        r = { url, problem: 'fetch limit reached' };
      } else {
        fetches++;
        try {
          const { page, collected } = await ctx.pages.probe(url, (pc) => collectPolicy(pc, o));
          const c = collected instanceof CollectFailure ? undefined : collected;
          r = { url, page, c, problem: page.error ? `${page.error.kind}: ${page.error.message}` : page.status === null || page.status >= 400 ? `HTTP ${page.status}` : !c ? 'not an HTML page' : undefined };
        } catch (e) {
          r = { url, problem: `fetch failed: ${String((e as Error)?.message ?? e).slice(0, 200)}` };
        }
      }
      fetched.set(url, r);
      return r;
    };
    const wholeRead = (r: Read) => !r.problem && r.c && r.c.complete && !r.c.scriptBuilt;

    // Interpretations: crawled articles by title or column, and the items of interpretation lists.
    const candidates = new Map<string, string | undefined>(); // url → listed title
    const policyListed: ListedItem[] = [];
    for (const p of site.pages) {
      const c = got(p);
      if (!c) continue;
      for (const l of c.lists) {
        for (const it of l.items) {
          if (l.kind === 'policy') policyListed.push(it);
          else if (internal(it.href) && !candidates.has(it.href)) candidates.set(it.href, it.title);
        }
      }
    }
    for (const p of site.pages) {
      const c = got(p);
      if (!c?.article || p.error) continue;
      if (interpWords.test(toSimplified(c.title)) || (c.column && interpCols.test(c.column) && !/数据解读/.test(c.column))) {
        if (!candidates.has(p.finalUrl)) candidates.set(p.finalUrl, undefined);
      }
    }

    // Policy documents on the site: crawled articles that are not interpretations, and policy-list items.
    const sitePolicies: Array<{ url: string; title: string; docNos: string[] }> = [];
    for (const p of site.pages) {
      const c = got(p);
      if (!c?.article || p.error || candidates.has(p.finalUrl)) continue;
      if (interpWords.test(toSimplified(c.title))) continue;
      sitePolicies.push({ url: p.finalUrl, title: c.title, docNos: c.docNos.slice(0, 2) });
    }
    for (const it of policyListed) if (!sitePolicies.some((s) => s.url === it.href)) sitePolicies.push({ url: it.href, title: it.title, docNos: docNumbers(it.title) });

    interface Judged {
      url: string;
      title: string;
      key: string;
      policyUrl?: string;
      policyTitle?: string;
      pair: 'title' | 'label' | 'found-exact' | 'found-loose' | 'none';
    }
    const judged: Judged[] = [];
    const summary = { interpretations: candidates.size, judged: 0, linked: 0, unidentified: 0, notPolicy: 0, unread: 0, policiesChecked: 0, policiesLinkingBack: 0, fetches: 0 };
    const seenFinal = new Set<string>();
    for (const [url, listedTitle] of [...candidates].slice(0, o.maxInterpretations)) {
      const r = await read(url);
      if (!wholeRead(r)) {
        summary.unread++;
        continue;
      }
      // A listed address that redirects to a page already judged is that page.
      const finalUrl = r.page?.finalUrl ?? url;
      if (seenFinal.has(finalUrl)) continue;
      seenFinal.add(finalUrl);
      const title = r.c!.title || listedTitle || '';
      const named = interpretedTitle(title, interpWords) ?? (listedTitle ? interpretedTitle(listedTitle, interpWords) : undefined);
      if (!named) {
        summary.unidentified++;
        continue;
      }
      if (!policyWordsRe.test(named.key) || NOT_POLICY.test(named.key)) {
        summary.notPolicy++;
        continue;
      }
      summary.judged++;
      const self = new Set([url, r.page?.finalUrl]);
      const links = (r.page?.links ?? []).filter((l) => l.element === 'a' && l.url && !self.has(l.url));
      // The policy link: its text names the policy, or it is labelled as the original.
      let policy: { url: string; title: string; pair: Judged['pair'] } | undefined;
      for (const l of links) {
        const text = linkTitle(l.text);
        if (interpWords.test(toSimplified(text))) continue;
        // A link whose text holds the whole name of the policy (附件：…办法.pdf, …的通知（…〔2024〕3号）) links to it.
        if (matchTitle(named.key, text) === 'exact' || (named.key.length >= 6 && normTitle(text).includes(named.key))) {
          policy = { url: l.url!, title: clean(text), pair: 'title' };
          break;
        }
      }
      if (!policy) {
        // 原文链接 first, then a link under a 相关文件-type label whose text names the policy, then any such link.
        const labelledOriginal = r.c!.labelled.filter((l) => !self.has(l.href) && ORIGINAL_LABEL.test(l.label) && !/解读/.test(l.label) && !interpWords.test(toSimplified(l.text)));
        const lab = r.c!.labelled.find((l) => !self.has(l.href) && ORIGINAL_TEXT.test(clean(l.text))) ?? labelledOriginal.find((l) => matchTitle(named.key, linkTitle(l.text))) ?? labelledOriginal[0];
        if (lab) policy = { url: lab.href, title: clean(lab.text), pair: 'label' };
      }
      if (policy) {
        summary.linked++;
        judged.push({ url: r.page?.finalUrl ?? url, title, key: named.key, policyUrl: policy.url, policyTitle: policy.title, pair: policy.pair });
        continue;
      }
      // Not linked: is the policy on the site?
      let found: { url: string; title: string; match: Match } | undefined;
      for (const s of sitePolicies) {
        const m = matchTitle(named.key, s.title);
        const byNo = s.docNos.length > 0 && r.c!.docNos.some((d) => s.docNos.includes(d));
        const match: Match | undefined = m === 'exact' || (m === 'loose' && byNo) ? 'exact' : m === 'loose' || byNo ? 'loose' : undefined;
        if (match && (!found || (found.match === 'loose' && match === 'exact'))) found = { url: s.url, title: s.title, match };
        if (found?.match === 'exact') break;
      }
      // An attachment with a bare name (附件1.pdf) may be the policy itself: not confirmed then.
      const attachment = links.find((l) => l.attachment);
      const confirmed = found?.match === 'exact' && !attachment;
      if (findings.length < o.maxFindings) {
        findings.push({
          code: 'interpretation-unlinked',
          params: { title: title.slice(0, 80), policy: found ? clean(found.title).slice(0, 80) : named.key },
          severity: o.severity,
          tier: confirmed ? 'confirmed' : 'suspected',
          rule: RULE,
          ...(o.severity === 'deduction' ? { points: ctx.rulePoints(RULE) ?? 1 } : {}),
          url: r.page?.finalUrl ?? url,
          target: found?.url ?? named.key,
          evidence: {
            location: 'links of the interpretation page',
            expected: `a link to the policy “${found ? clean(found.title) : named.key}”${found ? ` (${found.url})` : ''}, or a 原文链接`,
            actual: `no link whose text names the policy among ${links.length} links`,
            policyFound: found ? `${found.match} match on this site: ${found.url}` : 'not found on this site',
            ...(confirmed
              ? {}
              : {
                  reason: !found
                    ? 'the policy was not found on this site (it may be published elsewhere)'
                    : found.match === 'loose'
                      ? 'the policy matches the title only loosely'
                      : `the page has an attachment that may be the policy itself: ${attachment?.text || attachment?.url}`,
                }),
          },
        });
      }
      if (found) judged.push({ url: r.page?.finalUrl ?? url, title, key: named.key, policyUrl: found.url, policyTitle: found.title, pair: found.match === 'exact' ? 'found-exact' : 'found-loose' });
    }

    // Policies: each policy page on this site must link back to one of its interpretations.
    const byPolicy = new Map<string, Judged[]>();
    for (const j of judged) if (j.policyUrl && internal(j.policyUrl)) byPolicy.set(j.policyUrl, [...(byPolicy.get(j.policyUrl) ?? []), j]);
    const interpUrlsByKey = new Map<string, Set<string>>();
    for (const j of judged) interpUrlsByKey.set(j.key, (interpUrlsByKey.get(j.key) ?? new Set()).add(j.url));
    for (const [policyUrl, pairs] of byPolicy) {
      if (/\.(pdf|docx?|xlsx?|wps|ofd|zip|rar|txt|jpe?g|png)$/i.test(policyUrl.split(/[?#]/)[0])) continue;
      const first = pairs[0];
      const r = await read(policyUrl);
      summary.policiesChecked++;
      const suspectedBecause: string[] = [];
      if (r.problem) {
        if (r.problem === 'fetch limit reached') continue;
        suspectedBecause.push(`the policy page could not be read: ${r.problem}`);
      } else {
        const c = r.c!;
        // What the interpretation linked to must be the policy: its title agrees with the named document.
        const titleMatch = matchTitle(first.key, c.title) ?? pairs.map((p) => (p.policyTitle ? matchTitle(first.key, p.policyTitle) : undefined)).find(Boolean);
        if (first.pair === 'label' && !titleMatch) continue;
        const known = new Set(pairs.flatMap((p) => [...(interpUrlsByKey.get(p.key) ?? [])]));
        for (const u of [...known]) {
          const pg = byUrl.get(u);
          if (pg) known.add(pg.url).add(pg.finalUrl);
        }
        // Any on-site link in a 相关解读 box counts, whatever its text says (一图读懂 names no document).
        const inBox = c.labelled.some((l) => /解读/.test(l.label) && internal(l.href));
        const back =
          inBox ||
          (r.page?.links ?? []).some((l) => {
            if (l.element !== 'a' || !l.url) return false;
            if (known.has(l.url)) return true;
            const named = interpretedTitle(l.text, interpWords);
            return Boolean(named && interpWords.test(toSimplified(l.text)) && pairs.some((p) => p.key === named.key || matchTitle(p.key, named.key) === 'exact'));
          });
        if (back) {
          summary.policiesLinkingBack++;
          continue;
        }
        if (!wholeRead(r)) suspectedBecause.push('the policy page did not arrive whole or is built by script');
        if (c.labelsSkipped) suspectedBecause.push('the policy page reads as a list page (its 相关解读 box was not read)');
        if (c.emptyInterpretationBox) suspectedBecause.push('its 相关解读 box is empty in the HTML (a script may fill it)');
        if (titleMatch !== 'exact' && first.pair !== 'title' && first.pair !== 'found-exact') suspectedBecause.push('the policy and the interpretation match only loosely');
        if (first.pair === 'found-loose') suspectedBecause.push('the policy was found by a loose title match');
      }
      if (findings.length >= o.maxFindings) continue;
      const policyTitle = clean(r.c?.title || first.policyTitle || first.key).slice(0, 80);
      findings.push({
        code: 'policy-no-backlink',
        params: { policy: policyTitle, title: first.title.slice(0, 80) },
        severity: o.severity,
        tier: suspectedBecause.length ? 'suspected' : 'confirmed',
        rule: RULE,
        ...(o.severity === 'deduction' ? { points: ctx.rulePoints(RULE) ?? 1 } : {}),
        url: policyUrl,
        target: first.url,
        evidence: {
          location: 'links of the policy page (相关解读)',
          expected: `a link to its interpretation “${first.title}” (${pairs.map((p) => p.url).join(', ')})`,
          actual: r.problem ? `not read (${r.problem})` : `no link to ${pairs.length > 1 ? 'any of its interpretations' : 'the interpretation'} among ${(r.page?.links ?? []).length} links`,
          pairedBy:
            first.pair === 'title'
              ? 'the interpretation links here by the policy title'
              : first.pair === 'label'
                ? 'the interpretation links here as its 原文'
                : `title match on the site (${first.pair === 'found-exact' ? 'exact' : 'loose'})`,
          ...(suspectedBecause.length ? { reason: suspectedBecause.join('; ') } : {}),
        },
      });
    }
    summary.fetches = fetches;
    if (unverified > 0)
      findings.push({
        code: 'not-verified',
        params: { count: unverified },
        severity: 'info',
        url: site.home.finalUrl,
        evidence: { expected: `at most ${o.maxFetches} fetches (option maxFetches)`, actual: `${unverified} pages left unread` },
      });
    return { findings, summary };
  },
});
