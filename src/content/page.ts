/**
 * Content analysis of one page, done once while the crawl has it parsed and shared by the freshness
 * checks (stale-content, blank-columns, publish-dates): the dated lists on it (home-page blocks, column
 * list pages, Hanweb JCMS `<datastore>` lists unwrapped from their CDATA records), the placeholders of
 * empty columns, the navigation links that lead to columns, and an article's own publication date with
 * where it came from (standard meta tags, JSON-LD, a labelled visible date, the CMS's URL).
 *
 * The result is compact (titles cut, items capped) and memoised per page artifact, so three checks
 * collecting it cost one analysis.
 */
import type { AnyNode, Document, Element } from 'domhandler';
import { parseDocument } from 'htmlparser2';
import type { PageArtifact } from '../types.js';
import { dateFromUrl, extractDates, isValidDate, parseDateValue, visiblePublishDate, ymd, type DateOptions, type FoundDate } from './dates.js';
import { boilerplateOf, clean, inBoilerplate, keywordRegExp, lineText, normalizeWidth, visibleText, visibleTexts } from './text.js';

export interface ListItem {
  title: string;
  /** Absolute URL of the item. */
  href?: string;
  /** YYYY-MM-DD as shown in the list (year possibly inferred). */
  date?: string;
  time?: string;
  /** The date as written. */
  raw?: string;
  yearInferred?: boolean;
}

export interface ListBlock {
  /** Heading shown above the list (the column's name as displayed), when found. */
  heading?: string;
  /** Where the heading links to (usually the column's list page). */
  headingHref?: string;
  /** The block's "更多" link. */
  moreHref?: string;
  /** Where on the page (CSS-like path). */
  selector: string;
  source: 'html' | 'hanweb';
  /** Items (capped, document order). */
  items: ListItem[];
  /** Number of items in the block (before the cap). */
  total: number;
  /** Items with a date. */
  dated: number;
  /** A Hanweb datastore whose recordset is empty: a blank column. */
  emptyRecordset?: boolean;
  /** Total records a Hanweb datastore announces. */
  totalRecords?: number;
}

export interface Placeholder {
  /** The placeholder phrase and a little text around it. */
  text: string;
  phrase: string;
  heading?: string;
  headingHref?: string;
  selector: string;
}

export interface NavLink {
  text: string;
  href: string;
  area: 'nav' | 'side' | 'heading' | 'more';
}

export type DateSource = 'meta' | 'jsonld' | 'label' | 'url' | 'text';

export interface SourcedDate {
  date: string;
  time?: string;
  source: DateSource;
  /** The meta tag name, JSON-LD key, label text or URL pattern. */
  key?: string;
  raw: string;
}

export interface ArticleInfo {
  title: string;
  /**
   * The article's own date, the first of: meta (PubDate family) > JSON-LD > a labelled visible date (发布日期/
   * 发布时间, then 成文日期/发文日期/印发日期) > the date a TRS/Hanweb URL path carries > the first loose date.
   */
  best?: SourcedDate;
  meta?: SourcedDate;
  jsonld?: SourcedDate;
  visible?: SourcedDate;
  url?: SourcedDate;
}

export interface PageContent {
  kind: 'home' | 'list' | 'article' | 'other';
  url: string;
  /** Standard tag ColumnName / ColumnType, when present. */
  columnName?: string;
  columnType?: string;
  /** First heading of the content area. */
  heading?: string;
  /** Last part of the breadcrumb ("当前位置：首页 > 通知公告"). */
  crumb?: string;
  /** Title up to the first separator ("通知公告_示例市人民政府" → "通知公告"). */
  titlePrefix?: string;
  blocks: ListBlock[];
  placeholders: Placeholder[];
  navLinks: NavLink[];
  article?: ArticleInfo;
  /** Visible text outside links, header, navigation and footer (characters). */
  mainTextLength: number;
  /** Links outside header, navigation and footer whose text is long enough to be an item title. */
  longLinks: number;
  /** Pages of the list (TRS createPageHTML(pages, current, …)). */
  pagination?: { pages: number; current: number };
  /** The content text when it is short (what a visitor of an empty column sees). */
  shortText?: string;
}

export interface AnalyzeOptions {
  /** Phrases of an empty column (暂无信息, 正在建设中…); Traditional spellings match too. */
  placeholders: string[];
  /** Items kept per block. */
  maxItems?: number;
  /** Meta tags (lower-case) that carry an article's publication date, in order of trust. */
  dateMeta?: string[];
}

export const DEFAULT_PLACEHOLDERS = ['暂无信息', '暂无数据', '暂无内容', '暂无记录', '暂无相关信息', '暂无文章', '正在建设中', '栏目建设中', '建设中', '正在维护', '敬请期待', '没有相关信息', '没有找到相关', '无相关信息', '无记录', '待更新'];

export const DEFAULT_DATE_META = [
  'pubdate',
  'publishdate',
  'publish_date',
  'publish-date',
  'publishtime',
  'publish_time',
  'article:published_time',
  'og:article:published_time',
  'og:published_time',
  'dc.date.issued',
  'dcterms.issued',
  'dc.date',
  'dcterms.date',
  'releasedate',
  'release_date',
  'firstpublishedtime',
  'weibo:article:create_at',
  'createdate',
  'create_date',
];

/** Lists kept per page (the largest). */
const MAX_BLOCKS = 60;
const ITEM_TAGS = new Set(['li', 'tr', 'dd', 'dt', 'p']);
const MORE = /^(更多|查看更多|更多信息|more|>>|»|＞＞|更多>>|more>>|更多»|\+|\+更多|更多\+)$/i;
const CRUMB_TOKEN = /crumb|position|location|weizhi|dqwz|current|posi|curpos|bread/;
const SIDE_TOKEN = /(^|[-_])(side|sidebar|leftnav|subnav|lanmu|lm|channel|column|columns|menu|left_nav|sub_nav|subcolumn|sublm)([-_]|$)/;
const HEADING_TOKEN = /(^|[-_])(title|tit|hd|head|bt|name|lmmc|caption|header|column-title|lm-title|lmtit|bar|tab)([-_]|$)|title$|tit$/;

function el(node: AnyNode | null | undefined): Element | undefined {
  return node && node.type === 'tag' ? (node as Element) : undefined;
}

function children(node: AnyNode): AnyNode[] {
  return 'children' in node ? ((node as Element).children as AnyNode[]) : [];
}

const NO_TOKENS: readonly string[] = [];

function tokensOf(e: Element): readonly string[] {
  if (!e.attribs.class && !e.attribs.id) return NO_TOKENS; // most elements
  return `${e.attribs.class ?? ''} ${e.attribs.id ?? ''}`.toLowerCase().split(/\s+/).filter(Boolean);
}

/** Elements under root in document order (iterative: deep documents cost no recursion); `skip` prunes a subtree. */
function elements(root: AnyNode, skip?: (e: Element) => boolean): Element[] {
  const out: Element[] = [];
  const stack: AnyNode[] = [...children(root)].reverse();
  while (stack.length) {
    const c = stack.pop()!;
    if (c.type !== 'tag' && c.type !== 'script' && c.type !== 'style') continue;
    const e = c as Element;
    if (skip?.(e)) continue;
    out.push(e);
    const ch = children(e);
    for (let i = ch.length - 1; i >= 0; i--) stack.push(ch[i]);
  }
  return out;
}

/**
 * The document's elements in order, from one walk shared by the passes of an analysis: all of them, those
 * outside page furniture (boilerplateOf), and those outside furniture, head, script and style (the content).
 */
interface DocElements {
  all: Element[];
  outsideBoilerplate: Element[];
  content: Element[];
}

function documentElements(doc: Document): DocElements {
  const all: Element[] = [];
  const outsideBoilerplate: Element[] = [];
  const content: Element[] = [];
  // Parallel stacks: a node, and what prunes it (1: inside furniture, 2: inside head, script or style).
  const nodes: AnyNode[] = [];
  const flags: number[] = [];
  const top = children(doc);
  for (let i = top.length - 1; i >= 0; i--) {
    nodes.push(top[i]);
    flags.push(0);
  }
  while (nodes.length) {
    const n = nodes.pop()!;
    let f = flags.pop()!;
    if (n.type !== 'tag' && n.type !== 'script' && n.type !== 'style') continue;
    const e = n as Element;
    if (!(f & 1) && boilerplateOf(e)) f |= 1;
    if (e.name === 'script' || e.name === 'style' || e.name === 'head') f |= 2;
    all.push(e);
    if (!(f & 1)) outsideBoilerplate.push(e);
    if (!f) content.push(e);
    const ch = children(e);
    for (let i = ch.length - 1; i >= 0; i--) {
      nodes.push(ch[i]);
      flags.push(f);
    }
  }
  return { all, outsideBoilerplate, content };
}

/** A short CSS-like path for evidence: `div.main > ul.list`. */
export function describe(e: Element): string {
  const parts: string[] = [];
  for (let n: Element | undefined = e; n && parts.length < 4; n = el(n.parent)) {
    const id = n.attribs.id;
    const cls = (n.attribs.class ?? '').trim().split(/\s+/)[0];
    parts.unshift(id && /^[\w-]+$/.test(id) ? `${n.name}#${id}` : cls && /^[\w-]+$/.test(cls) ? `${n.name}.${cls}` : n.name);
    if (id) break;
  }
  return parts.join(' > ');
}

/** Resolved addresses of the page being analysed (the same href is resolved several times per page). */
let resolvedBase = '';
let resolved = new Map<string, string | undefined>();
/**
 * Root-relative addresses ("/col/col12/", and "//host/…") resolve alike on every page of an origin (the
 * menus of a site's template): kept across pages, keyed by the origin. Only for http(s) bases without
 * credentials, whose origin is all of the base that such an address keeps.
 */
let resolvedOrigin: string | undefined;
const rootRelative = new Map<string, string | undefined>();

function resolve(href: string | undefined, base: string): string | undefined {
  if (!href) return undefined;
  if (base !== resolvedBase || resolved.size > 20_000) {
    resolvedBase = base;
    resolved = new Map();
    resolvedOrigin = originOf(base);
  }
  if (resolved.has(href)) return resolved.get(href);
  let r: string | undefined;
  const h = href.trim();
  if (resolvedOrigin !== undefined && (h[0] === '/' || h[0] === '\\')) {
    const key = `${resolvedOrigin} ${h}`;
    if (rootRelative.has(key)) r = rootRelative.get(key);
    else {
      r = resolveNew(href, base);
      if (rootRelative.size > 20_000) rootRelative.clear();
      rootRelative.set(key, r);
    }
  } else r = resolveNew(href, base);
  resolved.set(href, r);
  return r;
}

function originOf(base: string): string | undefined {
  try {
    const u = new URL(base);
    return (u.protocol === 'http:' || u.protocol === 'https:') && !u.username && !u.password ? u.origin : undefined;
  } catch {
    return undefined;
  }
}

function resolveNew(href: string, base: string): string | undefined {
  const h = href.trim();
  if (!h || h.startsWith('#') || /^(javascript|mailto|tel|data):/i.test(h)) return undefined;
  try {
    const u = new URL(h, base);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    if (u.hash) u.hash = ''; // setting it re-serialises the URL: only when there is one
    return u.href;
  } catch {
    return undefined;
  }
}

function stripMore(s: string): string {
  return clean(s.replace(/(更多|查看更多|more)\s*(>>|»|＞＞|\+)?/gi, '').replace(/[>»＞+]+\s*$/g, '').replace(/^[\s·•■□◆▶►>]+/, ''));
}

/** Anchor texts are asked for several times per link while a page is analysed: computed once per element. */
const anchorTexts = new WeakMap<Element, string>();
function anchorText(a: Element): string {
  // Most links hold one text node: its cleaned text is lineText's answer, cheaper than the memo.
  const only = a.children.length === 1 ? a.children[0] : undefined;
  if (only?.type === 'text') return clean(only.data) || clean(a.attribs.title || '');
  let t = anchorTexts.get(a);
  if (t === undefined) anchorTexts.set(a, (t = clean(lineText(a) || a.attribs.title || '')));
  return t;
}

/** The heading of a list block: an earlier sibling (or an ancestor's earlier child) that looks like a title. */
export function findHeading(block: Element, base: string): { heading?: string; headingHref?: string; moreHref?: string } {
  const isHeading = (e: Element) => /^h[1-6]$/.test(e.name) || e.name === 'caption' || e.name === 'legend' || tokensOf(e).some((t) => HEADING_TOKEN.test(t));
  const fromHeading = (h: Element) => {
    const anchors = [...elements(h)].filter((x) => x.name === 'a');
    const more = anchors.find((a) => MORE.test(anchorText(a)) || tokensOf(a).includes('more'));
    const titled = anchors.find((a) => a !== more && anchorText(a).length >= 2);
    let text = stripMore(lineText(h));
    if (titled && anchors.length > 2) text = stripMore(anchorText(titled));
    if (text.length < 2 || text.length > 24) return undefined;
    return { heading: text, headingHref: titled ? resolve(titled.attribs.href, base) : undefined, moreHref: more ? resolve(more.attribs.href, base) : undefined };
  };
  let cur: Element | undefined = block;
  for (let level = 0; level < 4 && cur; level++) {
    const parent = el(cur.parent);
    if (!parent) break;
    const sibs = children(parent).filter((c): c is Element => c.type === 'tag');
    const idx = sibs.indexOf(cur);
    for (let i = idx - 1, seen = 0; i >= 0 && seen < 3; i--, seen++) {
      const s = sibs[i];
      if (isHeading(s)) {
        const h = fromHeading(s);
        if (h) return withMore(h, parent, base);
      }
      const inner = [...elements(s)].find(isHeading);
      if (inner && lineText(s).length <= 40) {
        const h = fromHeading(inner);
        if (h) return withMore(h, parent, base);
      }
      if (lineText(s).length > 40) break;
    }
    if (parent.name === 'body' || boilerplateOf(parent)) break;
    cur = parent;
  }
  return {};
}

function withMore(h: { heading?: string; headingHref?: string; moreHref?: string }, container: Element, base: string) {
  if (h.moreHref) return h;
  for (const a of elements(container)) {
    if (a.name !== 'a') continue;
    if (MORE.test(anchorText(a)) || tokensOf(a).includes('more')) {
      const href = resolve(a.attribs.href, base);
      if (href) return { ...h, moreHref: href };
    }
  }
  return h;
}

/** True when a text node under the node (visible or not) has a digit or 年: without one, no date can be read from it. */
function mayHoldDate(node: AnyNode): boolean {
  if (node.type === 'text') return MAY_HOLD_DATE.test((node as unknown as { data: string }).data);
  for (const c of children(node)) if (mayHoldDate(c)) return true;
  return false;
}
const MAY_HOLD_DATE = /[0-9\uff10-\uff19年]/;

/** Date of one list item: outside the title first, then a date element inside the link, then the end of the title. */
function itemDate(item: AnyNode, title: Element | undefined, asOf: string, yearHint?: number): FoundDate | undefined {
  // Every text read below comes from text nodes under the item or the title, or is the title's title attribute.
  if (!mayHoldDate(item) && !(title && (mayHoldDate(title) || MAY_HOLD_DATE.test(anchorText(title))))) return undefined;
  const never: DateOptions = { asOf, yearHint, partial: 'never' };
  const standalone: DateOptions = { asOf, yearHint, partial: 'standalone' };
  const outside = title ? textWithout(item, title) : lineText(item);
  const full = extractDates(outside, never);
  if (full.length) return full[0];
  // A cell or span that holds only a date, with or without year ("07-05", "[07-05]").
  for (const e of elements(item, (x) => x === title)) {
    const t = lineText(e);
    if (t.length > 24) continue;
    const d = extractDates(t, standalone);
    if (d.length) return d[0];
  }
  const tail = /([[【(（]?\s*(?:\d{2}[-/.]\d{2}|\d{1,2}月\d{1,2}[日号])\s*[\]】)）]?)\s*$/.exec(outside);
  if (tail) {
    const d = extractDates(tail[1], standalone);
    if (d.length) return d[0];
  }
  if (title) {
    for (const e of elements(title)) {
      const t = lineText(e);
      if (t.length > 24) continue;
      const d = extractDates(t, standalone);
      if (d.length) return d[0];
    }
    const t = anchorText(title);
    const d = extractDates(t, never);
    const last = d[d.length - 1];
    if (last && t.slice(last.index + last.raw.length).trim().length <= 2) return last;
    const tail2 = /([[【(（]\s*\d{2}[-/.]\d{2}\s*[\]】)）])\s*$/.exec(t);
    if (tail2) return extractDates(tail2[1], standalone)[0];
  }
  return undefined;
}

function isInside(node: AnyNode, ancestor: AnyNode): boolean {
  for (let n: AnyNode | null = node; n; n = n.parent as AnyNode | null) if (n === ancestor) return true;
  return false;
}

/** Elements followed by a space in an item's text. */
const SPACED = new Set(['td', 'th', 'li', 'p', 'div', 'br', 'span', 'dd', 'dt']);

function textWithout(root: AnyNode, skip: AnyNode): string {
  const parts: string[] = [];
  collectWithout(root, skip, parts);
  return clean(parts.join(''));
}

function collectWithout(n: AnyNode, skip: AnyNode, parts: string[]): void {
  if (n === skip) {
    parts.push(' ');
    return;
  }
  if (n.type === 'text') parts.push((n as unknown as { data: string }).data);
  else if (n.type === 'tag') {
    const e = n as Element;
    if (e.name === 'script' || e.name === 'style') return;
    for (const c of children(e)) collectWithout(c, skip, parts);
    if (SPACED.has(e.name)) parts.push(' ');
  }
}

interface RawItem {
  item: AnyNode;
  title: Element;
  block: Element;
}

/** Shifts years of inferred dates so a list reads newest first (07-05 after 01-10 belongs to the year before). */
function fixInferredYears(items: ListItem[], asOf: string): void {
  let prev: string | undefined;
  for (const it of items) {
    if (it.date && it.yearInferred && prev && it.date > prev) {
      const [y, m, d] = it.date.split('-').map(Number);
      if (isValidDate(y - 1, m, d)) it.date = ymd(y - 1, m, d);
    }
    if (it.date && it.date <= asOf) prev = it.date;
  }
}

function toItem(r: RawItem, base: string, asOf: string, hint?: number): ListItem {
  const title = anchorText(r.title).slice(0, 80);
  const d = itemDate(r.item, r.title, asOf, hint);
  const it: ListItem = { title, href: resolve(r.title.attribs.href, base) };
  if (d) {
    it.date = d.date;
    if (d.time) it.time = d.time;
    it.raw = d.raw;
    if (d.yearInferred) it.yearInferred = true;
  }
  return it;
}

/** A link text long enough to be an item title and not a "更多" link. */
function isTitle(t: string): boolean {
  return t.length >= 4 && !MORE.test(t);
}

/** HTML lists: every titled link with its item element (li, tr, dd, p or the link's wrapper), grouped by list. */
function htmlLists(content: Element[], base: string, asOf: string, maxItems: number): ListBlock[] {
  const raws: RawItem[] = [];
  const seenItems = new Set<AnyNode>();
  for (const a of content) {
    if (a.name !== 'a' || !a.attribs.href) continue;
    if (!isTitle(anchorText(a))) continue;
    if (!resolve(a.attribs.href, base)) continue;
    let item: Element | undefined;
    let n: Element | undefined = el(a.parent);
    for (let i = 0; i < 4 && n; i++, n = el(n.parent)) {
      if (ITEM_TAGS.has(n.name)) {
        item = n;
        break;
      }
      if (n.name === 'ul' || n.name === 'ol' || n.name === 'table' || n.name === 'tbody' || n.name === 'dl' || n.name === 'body') break;
    }
    if (!item) {
      // A link in a heading with no list item around it names a block; it is not an item.
      if (/^h[1-6]$/.test(el(a.parent)?.name ?? '') || /^h[1-6]$/.test(el(el(a.parent)?.parent)?.name ?? '')) continue;
      item = el(a.parent);
      while (item && /^(span|em|strong|b|i|font|h[3-6])$/.test(item.name) && el(item.parent)) item = el(item.parent);
    }
    if (!item) continue;
    if (seenItems.has(item)) continue;
    // Several titled links in one wrapper (not itself an item element): the wrapper is the list; each link is an item.
    const titled = ITEM_TAGS.has(item.name) ? [] : elements(item).filter((x) => x.name === 'a' && isTitle(anchorText(x)));
    if (titled.length > 1) {
      seenItems.add(item);
      for (let i = 0; i < titled.length; i++) raws.push({ item: segment(titled[i], titled[i + 1]), title: titled[i], block: item });
      continue;
    }
    seenItems.add(item);
    const block = el(item.parent);
    if (!block) continue;
    raws.push({ item, title: a, block });
  }
  const byBlock = new Map<Element, RawItem[]>();
  for (const r of raws) {
    const list = byBlock.get(r.block) ?? [];
    list.push(r);
    byBlock.set(r.block, list);
  }
  const blocks: ListBlock[] = [];
  // Bounded: the largest lists first, at most MAX_BLOCKS per page.
  const ordered = [...byBlock].sort((a, b) => b[1].length - a[1].length).slice(0, MAX_BLOCKS);
  const order = new Map([...byBlock.keys()].map((k, i) => [k, i]));
  ordered.sort((a, b) => order.get(a[0])! - order.get(b[0])!);
  for (const [block, list] of ordered) {
    const items: ListItem[] = [];
    let hint: number | undefined;
    for (const r of list.slice(0, maxItems * 3)) {
      const it = toItem(r, base, asOf, hint);
      if (it.date && !it.yearInferred) hint = Number(it.date.slice(0, 4));
      items.push(it);
    }
    fixInferredYears(items, asOf);
    const dated = items.filter((i) => i.date).length;
    if (dated === 0 && items.length < 3) continue;
    const h = findHeading(block, base);
    blocks.push({ ...h, selector: describe(block), source: 'html', items: items.slice(0, maxItems), total: list.length, dated });
  }
  return blocks;
}

/** A link and the text after it up to the next link, as a pseudo item (lists written as `<a/> <span/> <br>`). */
function segment(a: Element, next: Element | undefined): AnyNode {
  const wrapper = { type: 'tag', name: 'span', attribs: {}, children: [] as AnyNode[], parent: null } as unknown as Element;
  let n: AnyNode | null = a;
  const parts: AnyNode[] = [];
  while (n && n !== next && !(next && isInside(next, n))) {
    parts.push(n);
    n = n.next as AnyNode | null;
  }
  (wrapper as unknown as { children: AnyNode[] }).children = parts;
  return wrapper as unknown as AnyNode;
}

const RECORD = /<record>\s*(?:<!\[CDATA\[([\s\S]*?)\]\]>|([\s\S]*?))\s*<\/record>/gi;

function decodeEntities(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

/** Hanweb JCMS jpage lists: `<script type="text/xml"><datastore>…<recordset><record><![CDATA[<li>…]]>`. */
function hanwebLists(all: Element[], base: string, asOf: string, maxItems: number): ListBlock[] {
  const blocks: ListBlock[] = [];
  for (const s of all) {
    if (s.name !== 'script') continue;
    const raw = children(s)
      .map((c) => (c as unknown as { data?: string }).data ?? '')
      .join('');
    if (!/<datastore[\s>]/i.test(raw)) continue;
    const items: ListItem[] = [];
    let hint: number | undefined;
    let total = 0;
    for (const m of raw.matchAll(RECORD)) {
      if (items.length >= maxItems) {
        total++;
        continue;
      }
      const html = m[1] ?? decodeEntities(m[2] ?? '');
      const frag = parseDocument(html, { decodeEntities: true });
      const a = [...elements(frag)].find((x) => x.name === 'a' && x.attribs.href);
      if (!a) continue;
      total++;
      const root = [...elements(frag)][0] ?? a;
      const it = toItem({ item: root, title: a, block: s }, base, asOf, hint);
      if (!it.title) it.title = clean(a.attribs.title ?? '').slice(0, 80);
      if (it.date && !it.yearInferred) hint = Number(it.date.slice(0, 4));
      items.push(it);
    }
    fixInferredYears(items, asOf);
    const totalRecords = /<totalrecord>\s*(\d+)\s*<\/totalrecord>/i.exec(raw)?.[1];
    const container = el(s.parent) ?? s;
    const h = findHeading(container, base);
    blocks.push({
      ...h,
      selector: describe(container),
      source: 'hanweb',
      items,
      total,
      dated: items.filter((i) => i.date).length,
      ...(total === 0 ? { emptyRecordset: true } : {}),
      ...(totalRecords !== undefined ? { totalRecords: Number(totalRecords) } : {}),
    });
  }
  return blocks;
}

function placeholdersIn(doc: Document, base: string, re: RegExp): Placeholder[] {
  const out: Placeholder[] = [];
  const walk = (n: AnyNode) => {
    if (out.length >= 20) return;
    if (n.type === 'text') {
      const data = (n as unknown as { data: string }).data;
      const m = re.exec(data);
      if (m) {
        const parent = el(n.parent);
        const inLink = (() => {
          for (let x: Element | undefined = parent; x; x = el(x.parent)) if (x.name === 'a') return true;
          return false;
        })();
        if (parent && !inLink && !inBoilerplate(parent) && lineText(parent).length <= m[0].length + 16) {
          // The list or box the phrase sits in, for its heading.
          let box: Element = parent;
          while (box && /^(span|em|font|strong|b|i|a|p|td|li|tr|tbody)$/.test(box.name) && el(box.parent)) box = el(box.parent)!;
          out.push({ text: clean(lineText(parent)).slice(0, 60), phrase: m[0], ...findHeading(box, base), selector: describe(parent) });
        }
      }
      return;
    }
    if (n.type === 'tag') {
      const e = n as Element;
      if (e.name === 'script' || e.name === 'style' || e.name === 'head' || e.name === 'title' || e.name === 'textarea' || e.name === 'option') return;
    }
    for (const c of children(n)) walk(c);
  };
  walk(doc);
  return out;
}

function navLinksIn(doc: Document, base: string, blocks: ListBlock[]): NavLink[] {
  const out = new Map<string, NavLink>();
  const add = (text: string, href: string | undefined, area: NavLink['area']) => {
    if (!href || out.has(href)) return;
    const t = stripMore(text);
    if (area !== 'more' && (t.length < 2 || t.length > 16)) return;
    out.set(href, { text: area === 'more' ? t || text : t, href, area });
  };
  const walk = (n: AnyNode, area: NavLink['area'] | undefined) => {
    for (const c of children(n)) {
      if (c.type !== 'tag') continue;
      const e = c as Element;
      if (e.name === 'script' || e.name === 'style' || e.name === 'head') continue;
      const b = boilerplateOf(e);
      if (b === 'footer') continue;
      const here = b === 'nav' || b === 'header' ? 'nav' : tokensOf(e).some((t) => SIDE_TOKEN.test(t)) ? 'side' : area;
      if (e.name === 'a' && here) add(anchorText(e), resolve(e.attribs.href, base), here);
      walk(e, here);
    }
  };
  walk(doc, undefined);
  for (const b of blocks) {
    if (b.heading && b.headingHref) add(b.heading, b.headingHref, 'heading');
    if (b.moreHref) add(b.heading ?? '更多', b.moreHref, 'more');
  }
  return [...out.values()].slice(0, 200);
}

function jsonLdDate(all: Element[], asOf: string): SourcedDate | undefined {
  for (const s of all) {
    if (s.name !== 'script' || !/ld\+json/i.test(s.attribs.type ?? '')) continue;
    const raw = children(s)
      .map((c) => (c as unknown as { data?: string }).data ?? '')
      .join('');
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch {
      continue;
    }
    const find = (v: unknown, depth: number): string | undefined => {
      if (depth > 6 || v === null || typeof v !== 'object') return undefined;
      if (Array.isArray(v)) {
        for (const x of v) {
          const r = find(x, depth + 1);
          if (r) return r;
        }
        return undefined;
      }
      const o = v as Record<string, unknown>;
      if (typeof o.datePublished === 'string') return o.datePublished;
      for (const x of Object.values(o)) {
        const r = find(x, depth + 1);
        if (r) return r;
      }
      return undefined;
    };
    const value = find(data, 0);
    if (!value) continue;
    const d = parseDateValue(value, { asOf });
    if (d) return { date: d.date, time: d.time, source: 'jsonld', key: 'datePublished', raw: value };
  }
  return undefined;
}

const ARTICLE_URL = /\/t\d{8}_\d+\.s?html?$|\/art_\d+_\d+\.html?$|\/content_\d+\.s?html?$|\/art\/\d{4}\/\d{1,2}\/\d{1,2}\//i;

/**
 * A labelled publication date wins over a loose one even when the label sits outside the main text (an info bar
 * in a region taken for the header): when the main text gave no 发布日期-type label, the whole visible text is read
 * once more for one.
 */
function labelledDateOutsideMain(doc: Document, asOf: string, inMain: ReturnType<typeof visiblePublishDate>): ReturnType<typeof visiblePublishDate> {
  if (inMain?.label === 'publish') return inMain;
  // Outside the main text only the explicit publication labels count (not 日期： or a footer's 更新日期：).
  const text = normalizeWidth(visibleText(doc));
  for (const d of extractDates(text, { asOf })) {
    if (STRICT_PUBLISH_LABEL.test(text.slice(Math.max(0, d.index - 12), d.index))) return { ...d, labelled: true, label: 'publish' };
  }
  return inMain;
}
const STRICT_PUBLISH_LABEL = /(发布|發布|發佈)(日期|时间|時間)\s*[】\]]?\s*[:：]?\s*$/;

/** Article-level dates of a page. */
export function articleInfo(doc: Document, page: PageArtifact, asOf: string, dateMeta: string[], mainText: string, all: Element[] = elements(doc)): ArticleInfo {
  const info: ArticleInfo = { title: clean(page.meta.articletitle ?? page.title).slice(0, 100) };
  for (const key of dateMeta) {
    const v = page.meta[key];
    if (!v) continue;
    const d = parseDateValue(v, { asOf });
    if (d) {
      info.meta = { date: d.date, time: d.time, source: 'meta', key, raw: v.trim() };
      break;
    }
  }
  info.jsonld = jsonLdDate(all, asOf);
  const vis = labelledDateOutsideMain(doc, asOf, visiblePublishDate(mainText, { asOf }));
  if (vis) info.visible = { date: vis.date, time: vis.time, source: vis.labelled ? 'label' : 'text', key: vis.label, raw: vis.raw };
  const u = dateFromUrl(page.finalUrl, asOf);
  if (u) info.url = { date: u.date, source: 'url', key: u.pattern, raw: u.raw };
  info.best = info.meta ?? info.jsonld ?? (info.visible?.source === 'label' ? info.visible : undefined) ?? info.url ?? info.visible;
  return info;
}

const CRUMB_LABEL = /^\s*(当前位置|當前位置|您的位置|您现在的位置|您現在的位置|所在位置)/;

function breadcrumb(all: Element[]): string | undefined {
  let found: Element | undefined;
  for (const e of all) {
    if (e.name === 'script' || e.name === 'style') continue;
    if (tokensOf(e).some((x) => CRUMB_TOKEN.test(x))) {
      found = e;
      break;
    }
    if (!found) {
      const first = children(e).find((c) => c.type === 'text' && CRUMB_LABEL.test((c as unknown as { data: string }).data));
      if (first) found = e;
    }
  }
  if (!found) return undefined;
  const t = lineText(found);
  if (t.length > 120) return undefined;
  const parts = t
    .replace(CRUMB_LABEL, '')
    .replace(/^\s*[:：]/, '')
    .split(/\s*(?:>|›|»|＞|→|\/|\|)\s*/)
    .map(clean)
    .filter((p) => p && p.length <= 20);
  return parts.length ? parts[parts.length - 1] : undefined;
}

function firstHeading(outsideBoilerplate: Element[]): string | undefined {
  for (const e of outsideBoilerplate) {
    if (/^h[1-3]$/.test(e.name)) {
      const t = stripMore(lineText(e));
      if (t.length >= 2 && t.length <= 40) return t;
    }
  }
  return undefined;
}

const memo = new WeakMap<PageArtifact, Map<string, PageContent>>();
const placeholderRes = new Map<string, RegExp>();

/** Analyses one parsed page (memoised per page artifact and options). */
export function analyzePage(ctx: { page: PageArtifact; dom: Document; asOf: string; isHome: boolean }, opts: AnalyzeOptions): PageContent {
  const key = JSON.stringify([ctx.asOf, opts]);
  let forPage = memo.get(ctx.page);
  const hit = forPage?.get(key);
  if (hit) return hit;
  const result = analyze(ctx, opts);
  if (!forPage) {
    forPage = new Map();
    memo.set(ctx.page, forPage);
  }
  forPage.set(key, result);
  return result;
}

function baseOf(all: Element[], pageUrl: string): string {
  for (const e of all) {
    if (e.name === 'base' && e.attribs.href?.trim()) {
      try {
        return new URL(e.attribs.href.trim(), pageUrl).href;
      } catch {
        return pageUrl;
      }
    }
    if (e.name === 'body') break;
  }
  return pageUrl;
}

function analyze(ctx: { page: PageArtifact; dom: Document; asOf: string; isHome: boolean }, opts: AnalyzeOptions): PageContent {
  const { page, dom, asOf } = ctx;
  const els = documentElements(dom);
  const base = baseOf(els.all, page.finalUrl);
  const maxItems = opts.maxItems ?? 40;
  const phKey = opts.placeholders.join('\u0001');
  let phRe = placeholderRes.get(phKey);
  if (!phRe) {
    phRe = keywordRegExp(opts.placeholders);
    placeholderRes.set(phKey, phRe);
  }
  const { text: mainTextFull, withoutLinks: mainNoLinks } = visibleTexts(dom, { skipBoilerplate: true });
  let longLinks = 0;
  // Outside furniture, head and script (style elements hold only text: never a link).
  for (const a of els.content) {
    if (a.name === 'a' && a.attribs.href && anchorText(a).length >= 10) longLinks++;
  }
  const titlePrefix = clean(page.title.split(/[_|｜\-—–]/)[0] ?? '') || undefined;
  const content: PageContent = {
    kind: 'other',
    url: page.finalUrl,
    columnName: page.meta.columnname ? clean(page.meta.columnname) : undefined,
    columnType: page.meta.columntype ? clean(page.meta.columntype) : undefined,
    heading: firstHeading(els.outsideBoilerplate),
    crumb: breadcrumb(els.all),
    titlePrefix: titlePrefix && titlePrefix.length <= 30 ? titlePrefix : undefined,
    blocks: [],
    placeholders: placeholdersIn(dom, base, phRe),
    navLinks: [],
    mainTextLength: mainNoLinks.length,
    longLinks,
  };
  const pg = /createPageHTML\(\s*['"]?(\d+)['"]?\s*,\s*['"]?(\d+)['"]?\s*,\s*['"][^'"]*['"]\s*,\s*['"][^'"]*['"]/.exec(scriptText(els.all));
  if (pg) content.pagination = { pages: Number(pg[1]), current: Number(pg[2]) };
  if (mainTextFull.length <= 200) content.shortText = mainTextFull;

  const path = new URL(page.finalUrl).pathname;
  if (!ctx.isHome && (page.meta.articletitle || ARTICLE_URL.test(path))) {
    content.kind = 'article';
    content.article = articleInfo(dom, page, asOf, opts.dateMeta ?? DEFAULT_DATE_META, mainTextFull, els.all);
    return content;
  }
  const blocks = [...hanwebLists(els.all, base, asOf, maxItems), ...htmlLists(els.content, base, asOf, maxItems)];
  content.blocks = blocks;
  content.navLinks = navLinksIn(dom, base, blocks);
  const datedItems = blocks.reduce((s, b) => s + b.dated, 0);
  const dateMeta = opts.dateMeta ?? DEFAULT_DATE_META;
  const hasDateMeta = dateMeta.some((k) => page.meta[k]);
  if (ctx.isHome) content.kind = 'home';
  else if (datedItems >= 3 || blocks.some((b) => b.source === 'hanweb') || content.pagination || (content.columnName && !hasDateMeta)) content.kind = 'list';
  else {
    const info = articleInfo(dom, page, asOf, dateMeta, mainTextFull, els.all);
    if (info.best && (info.best.source !== 'text' || content.mainTextLength > 300)) {
      content.kind = 'article';
      content.article = info;
    } else if (datedItems > 0) content.kind = 'list';
  }
  return content;
}

function scriptText(all: Element[]): string {
  const parts: string[] = [];
  for (const s of all) {
    if (s.name !== 'script' || s.attribs.src) continue;
    for (const c of children(s)) {
      const d = (c as unknown as { data?: string }).data;
      if (d && d.includes('createPageHTML')) parts.push(d);
    }
  }
  return parts.join('\n');
}
