/**
 * Content analysis of one page, done once while the crawl has it parsed and shared by the freshness checks
 * (stale-content, blank-columns, publish-dates): dated lists, placeholders, column links and an article's own date.
 * Compact and memoised per page artifact. Notes: docs/modules.md.
 */
import { Element, type AnyNode, type Document, type Text } from 'domhandler';
import { parseDocument } from 'htmlparser2';
import { detached } from '../../html.js';
import type { PageArtifact } from '../../types.js';
import { dateFromUrl, extractDates, isValidDate, parseDateValue, visiblePublishDate, ymd, type DateOptions, type FoundDate } from './dates.js';
import { boilerplateOf, clean, dataOf, inBoilerplate, keywordRegExp, lineText, normalizeWidth, visibleText, visibleTexts } from './text.js';

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
  source: 'html' | 'hanweb' | 'script';
  /** The heading is the tab this list is the pane of (tab strip bound to its panes by reference, index or order). */
  tab?: boolean;
  /** The list (or its pane) is hidden in the HTML (display:none, hidden): shown when its tab is chosen. */
  hidden?: boolean;
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
  /** The link sits next to a leader's title (书记, 市长, 局长…): its text may be a person's name. */
  nearLeaderTitle?: true;
  /** The site's logo or name link (in h1, a logo box, or an image link): it leads to the home page, not a column. */
  logo?: true;
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
  /** Every part of the breadcrumb, 首页 first ("首页", "信息公开", "信息公开年报"). */
  crumbTrail?: string[];
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
  /**
   * The page is built by script: what the HTML shows is not what a visitor sees (little visible text with
   * scripts, list containers left empty for a script to fill, AngularJS templates, JSON data blocks). Checks
   * that need the page's content say "could not be checked" instead of judging the empty HTML.
   */
  scriptBuilt: boolean;
  /** Why the page counts as script-built (or partly: containers a script fills on an otherwise static page). */
  scriptSignals: string[];
  /** List containers left empty in the HTML for a script to fill. */
  scriptFilledLists: number;
  /** Signs that the page is one article (ArticleTitle/PubDate meta, a 关联稿件 box, a dated article path), for a start page. */
  articleSignals: string[];
  /** Where the page's 首页 and logo links lead (to find the home page from an article). */
  homeLinks: string[];
}

export interface AnalyzeOptions {
  /** Phrases of an empty column (暂无信息, 正在建设中…); Traditional spellings match too. */
  placeholders: string[];
  /** Items kept per block. */
  maxItems?: number;
  /** Meta tags (lower-case) that carry an article's publication date, in order of trust. */
  dateMeta?: string[];
}

export const DEFAULT_PLACEHOLDERS = [
  '暂无信息',
  '暂无数据',
  '暂无内容',
  '暂无记录',
  '暂无相关信息',
  '暂无文章',
  '正在建设中',
  '栏目建设中',
  '建设中',
  '正在维护',
  '敬请期待',
  '没有相关信息',
  '没有找到相关',
  '无相关信息',
  '无记录',
  '待更新',
];

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
let resolvedOrigin: Map<string, string | undefined> | undefined;
/** Per origin, root-relative address → resolved (at most 20,000 addresses in all). */
const rootRelative = new Map<string, Map<string, string | undefined>>();
let rootRelativeSize = 0;
let resolvedOriginKey: string | undefined;

function resolve(href: string | undefined, base: string): string | undefined {
  if (!href) return undefined;
  if (base !== resolvedBase || resolved.size > 20_000) {
    resolvedBase = base;
    resolved = new Map();
    const origin = originOf(base);
    resolvedOriginKey = origin;
    resolvedOrigin = undefined;
    if (origin !== undefined) {
      resolvedOrigin = rootRelative.get(origin);
      if (!resolvedOrigin) rootRelative.set(origin, (resolvedOrigin = new Map()));
    }
  }
  const first = href.charCodeAt(0);
  if (resolvedOrigin !== undefined && (first === 0x2f || first === 0x5c)) {
    // A root-relative address as written (no space to trim) found in its origin's map: no per-page entry needed.
    const known = resolvedOrigin.get(href);
    if (known !== undefined || resolvedOrigin.has(href)) return known;
  }
  if (resolved.has(href)) return resolved.get(href);
  let r: string | undefined;
  const h = href.trim();
  if (resolvedOrigin !== undefined && (h[0] === '/' || h[0] === '\\')) {
    // Looked up by the address alone inside its origin's map: no "origin address" key string made per link.
    if (resolvedOrigin.has(h)) r = resolvedOrigin.get(h);
    else {
      r = resolveNew(href, base);
      if (rootRelativeSize > 20_000) {
        // Every origin's addresses dropped (the map of origins too), then this origin's map started afresh.
        rootRelative.clear();
        rootRelativeSize = 0;
        rootRelative.set(resolvedOriginKey!, (resolvedOrigin = new Map()));
      }
      // A copy of the key: the address as written is a slice of its page's HTML, which the map must not keep alive.
      resolvedOrigin.set(detached(h), r);
      rootRelativeSize++;
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
  return clean(
    s
      .replace(/(更多|查看更多|more)\s*(>>|»|＞＞|\+)?/gi, '')
      .replace(/[>»＞+]+\s*$/g, '')
      .replace(/^[\s·•■□◆▶►>]+/, ''),
  );
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

const TAB_REF_ATTRS = ['data-target', 'data-tab', 'data-for', 'aria-controls', 'data-id', 'data-pane', 'rel'];
const HANDLER_ARGS = /\(([^()]{0,80})\)/;

function isHiddenEl(e: Element): boolean {
  return 'hidden' in e.attribs || /display\s*:\s*none|visibility\s*:\s*hidden/i.test(e.attribs.style ?? '');
}

/**
 * The labels of a tab strip: two or more short links (or items with a mouse/click handler) in one heading-like
 * element whose whole text is short. Undefined when the element is not a tab strip.
 */
function tabLabels(h: Element): Element[] | undefined {
  if (h.name === 'ul' && lineText(h).length > 120) return undefined;
  if (lineText(h).length > 120) return undefined;
  const all = elements(h);
  let labels = all.filter((x) => x.name === 'a' && !MORE.test(anchorText(x)) && anchorText(x).length >= 2 && anchorText(x).length <= 14);
  if (labels.length < 2) {
    labels = all.filter((x) => (x.name === 'li' || x.name === 'span' || x.name === 'div') && (x.attribs.onmouseover || x.attribs.onclick || tokensOf(x).some((t) => /tab/.test(t))) && lineText(x).length >= 2 && lineText(x).length <= 14);
  }
  if (labels.length < 2) return undefined;
  // A breadcrumb or a pager is not a tab strip.
  if (tokensOf(h).some((t) => CRUMB_TOKEN.test(t)) || CRUMB_LABEL.test(lineText(h)) || /[>›»＞]/.test(lineText(h))) return undefined;
  if (labels.some((x) => /^(首页|网站首页|上一页|下一页|尾页|末页)$/.test(lineText(x)))) return undefined;
  // Dated items are a list, not a tab strip.
  if (labels.some((x) => extractDates(lineText(x), { asOf: '9999-12-31', partial: 'never' }).length)) return undefined;
  return labels;
}

/** A reference from a tab label (or its item) to a pane: `href="#id"`, data-target, aria-controls… */
function tabRef(label: Element): string | undefined {
  for (let e: Element | undefined = label, i = 0; e && i < 2; e = el(e.parent), i++) {
    const href = e.attribs.href?.trim();
    if (href && /^#[\w-]+$/.test(href)) return href.slice(1);
    for (const k of TAB_REF_ATTRS) {
      const v = e.attribs[k]?.trim();
      if (v && /^#?[\w-]+$/.test(v)) return v.replace(/^#/, '');
    }
  }
  return undefined;
}

/** The index a tab label's handler passes (`onmouseover="setTab('one',2)"`, `show(3)`). */
function tabHandlerIndex(label: Element): number | undefined {
  for (let e: Element | undefined = label, i = 0; e && i < 2; e = el(e.parent), i++) {
    const h = e.attribs.onmouseover ?? e.attribs.onclick ?? e.attribs.onmouseenter;
    // The last number among the handler's arguments: setTab('zw',2), show(3), tab("news2").
    const args = h ? HANDLER_ARGS.exec(h)?.[1] : undefined;
    const nums = args?.match(/\d{1,3}/g);
    if (nums?.length) return Number(nums[nums.length - 1]);
  }
  return undefined;
}

/**
 * Tab strips bound to their panes: a list that is one pane of a tabbed block takes its tab's name and link.
 * Binding by an explicit reference (pane id), then by the index a handler passes matched to the panes' id
 * numbers, then by order when tabs and panes are as many. Returns null for a pane of a tab strip that cannot
 * be bound (the list is not named after an unrelated tab), undefined when the list is not in a tabbed block.
 */
export function tabPane(block: Element, base: string): { heading?: string; headingHref?: string; hidden?: boolean } | null | undefined {
  let cur: Element | undefined = block;
  for (let level = 0; level < 4 && cur; level++) {
    const parent = el(cur.parent);
    if (!parent || parent.name === 'body') return undefined;
    const sibs = children(parent).filter((c): c is Element => c.type === 'tag' && c.name !== 'script' && c.name !== 'style');
    const idx = sibs.indexOf(cur);
    for (let i = idx - 1; i >= 0 && i >= idx - 8; i--) {
      const s = sibs[i];
      const labels = tabLabels(s);
      if (!labels && s.name === cur.name && !/^h[1-6]$/.test(s.name)) continue; // an earlier pane
      if (!labels) {
        if (lineText(s).length > 0) return undefined; // another heading or content: not a tabbed block
        continue;
      }
      // Panes: siblings after the strip of the list's own kind, or the children of one pane container.
      let panes = sibs.slice(i + 1).filter((x) => x.name === cur!.name);
      let pane: Element = cur;
      if (panes.length < 2) {
        if (cur === block) return undefined;
        panes = children(cur).filter((c): c is Element => c.type === 'tag' && c.name !== 'script' && c.name !== 'style' && !/^h[1-6]$/.test(c.name));
        const p = panes.find((x) => x === block || isInside(block, x));
        if (!p || panes.length < 2) return undefined;
        pane = p;
      }
      let k = -1;
      const refs = labels.map(tabRef);
      if (pane.attribs.id && refs.includes(pane.attribs.id)) k = refs.indexOf(pane.attribs.id);
      if (k < 0) {
        const inner = refs.findIndex((r) => r !== undefined && elements(pane).some((x) => x.attribs.id === r));
        if (inner >= 0) k = inner;
      }
      if (k < 0) {
        const nums = labels.map(tabHandlerIndex);
        const paneNum = /(\d{1,3})$/.exec(pane.attribs.id ?? '')?.[1];
        if (paneNum !== undefined && nums.every((n) => n !== undefined) && new Set(nums).size === nums.length) {
          const paneNums = panes
            .map((x) => /(\d{1,3})$/.exec(x.attribs.id ?? '')?.[1])
            .filter((x) => x !== undefined)
            .map(Number);
          // Handlers count from 0 or 1; pane ids do too: compare offsets from each side's smallest.
          const off = Number(paneNum) - Math.min(...paneNums);
          const min = Math.min(...(nums as number[]));
          k = nums.findIndex((n) => n! - min === off);
        }
      }
      if (k < 0 && panes.length === labels.length) k = panes.indexOf(pane);
      if (k < 0) return null;
      const label = labels[k];
      const a = label.name === 'a' ? label : elements(label).find((x) => x.name === 'a');
      const text = stripMore(a ? anchorText(a) : lineText(label));
      const hidden = isHiddenEl(pane) || isHiddenEl(block);
      return { heading: text, headingHref: a ? resolve(a.attribs.href, base) : undefined, ...(hidden ? { hidden } : {}) };
    }
    cur = parent;
  }
  return undefined;
}

/** The heading of a list block: an earlier sibling (or an ancestor's earlier child) that looks like a title. */
export function findHeading(block: Element, base: string): { heading?: string; headingHref?: string; moreHref?: string } {
  const isHeading = (e: Element) => /^h[1-6]$/.test(e.name) || e.name === 'caption' || e.name === 'legend' || tokensOf(e).some((t) => HEADING_TOKEN.test(t));
  const fromHeading = (h: Element) => {
    const anchors = [...elements(h)].filter((x) => x.name === 'a');
    const more = anchors.find((a) => MORE.test(anchorText(a)) || tokensOf(a).includes('more'));
    const titledAll = anchors.filter((a) => a !== more && anchorText(a).length >= 2);
    const titled = titledAll[0];
    let text = stripMore(lineText(h));
    // Several named links in one heading ("政策文件 | 政策问答平台"): the first names the list, not their concatenation.
    if (titled && (anchors.length > 2 || titledAll.length >= 2)) text = stripMore(anchorText(titled));
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

/** A list's heading: its tab when it is a tab pane (an unbindable pane gets none), else the nearest heading. */
function blockHeading(block: Element, base: string): { heading?: string; headingHref?: string; moreHref?: string; tab?: boolean; hidden?: boolean } {
  // A heading written as the list's own first child (`<ul><h3>抽检公告</h3><li>…`).
  const first = children(block).find((c): c is Element => c.type === 'tag');
  if (first && /^h[1-6]$/.test(first.name)) {
    const a = elements(first).find((x) => x.name === 'a' && anchorText(x).length >= 2 && !MORE.test(anchorText(x)));
    const text = stripMore(a ? anchorText(a) : lineText(first));
    if (text.length >= 2 && text.length <= 24) return withMore({ heading: text, headingHref: a ? resolve(a.attribs.href, base) : undefined }, block, base);
  }
  const t = tabPane(block, base);
  if (t === null) return isHiddenEl(block) ? { hidden: true } : {};
  if (t) return { ...t, tab: true };
  const h = findHeading(block, base);
  return isHiddenEl(block) ? { ...h, hidden: true } : h;
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
  if (node.type === 'text') return MAY_HOLD_DATE.test((node as Text).data);
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
  if (n.type === 'text') parts.push((n as Text).data);
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
    blocks.push({ ...blockHeading(block, base), selector: describe(block), source: 'html', items: items.slice(0, maxItems), total: list.length, dated });
  }
  return blocks;
}

/** A link and the text after it up to the next link, as a pseudo item (lists written as `<a/> <span/> <br>`). */
function segment(a: Element, next: Element | undefined): AnyNode {
  let n: AnyNode | null = a;
  const parts: AnyNode[] = [];
  while (n && n !== next && !(next && isInside(next, n))) {
    parts.push(n);
    n = n.next as AnyNode | null;
  }
  return new Element('span', {}, parts);
}

const RECORD = /<record>\s*(?:<!\[CDATA\[([\s\S]*?)\]\]>|([\s\S]*?))\s*<\/record>/gi;

function decodeEntities(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** Hanweb JCMS jpage lists: `<script type="text/xml"><datastore>…<recordset><record><![CDATA[<li>…]]>`. */
function hanwebLists(all: Element[], base: string, asOf: string, maxItems: number): ListBlock[] {
  const blocks: ListBlock[] = [];
  for (const s of all) {
    if (s.name !== 'script') continue;
    const raw = children(s)
      .map((c) => dataOf(c) ?? '')
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
    const h = blockHeading(container, base);
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
      const data = (n as Text).data;
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
  const add = (text: string, href: string | undefined, area: NavLink['area'], a?: Element) => {
    if (!href || out.has(href)) return;
    const t = stripMore(text);
    if (area !== 'more' && (t.length < 2 || t.length > 16)) return;
    const link: NavLink = { text: area === 'more' ? t || text : t, href, area };
    if (a && isLogoLink(a)) link.logo = true;
    if (a && nearLeaderTitle(a)) link.nearLeaderTitle = true;
    out.set(href, link);
  };
  const walk = (n: AnyNode, area: NavLink['area'] | undefined) => {
    for (const c of children(n)) {
      if (c.type !== 'tag') continue;
      const e = c as Element;
      if (e.name === 'script' || e.name === 'style' || e.name === 'head') continue;
      const b = boilerplateOf(e);
      if (b === 'footer') continue;
      const here = b === 'nav' || b === 'header' ? 'nav' : tokensOf(e).some((t) => SIDE_TOKEN.test(t)) ? 'side' : area;
      if (e.name === 'a' && here) add(anchorText(e), resolve(e.attribs.href, base), here, e);
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
      .map((c) => dataOf(c) ?? '')
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

/** Article addresses: TRS t20230828_1.html, Hanweb art_1_2.html and /art/Y/M/D/, content_1.htm, Jiangxi /202305/<32 hex>.shtml. */
export const ARTICLE_URL = /\/t\d{8}_\d+\.s?html?$|\/art_\d+_\d+\.html?$|\/content_\d+\.s?html?$|\/art\/\d{4}\/\d{1,2}\/\d{1,2}\/|\/\d{6}\/[0-9a-f]{32}\.s?html$/i;
/** A site root: `/` or its index page. */
export const ROOT_PATH = /^\/(index\.(s?html?|jsp|php|aspx?))?$/i;

/** The path of an absolute URL ('' when it does not parse). */
export function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return '';
  }
}

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

function breadcrumb(all: Element[]): string[] | undefined {
  let found: Element | undefined;
  for (const e of all) {
    if (e.name === 'script' || e.name === 'style') continue;
    if (tokensOf(e).some((x) => CRUMB_TOKEN.test(x))) {
      found = e;
      break;
    }
    if (!found) {
      const first = children(e).find((c) => c.type === 'text' && CRUMB_LABEL.test((c as Text).data));
      if (first) found = e;
    }
  }
  if (!found) return undefined;
  const t = lineText(found);
  if (t.length > 120) return undefined;
  const parts = t
    .replace(CRUMB_LABEL, '')
    .replace(/^\s*是?\s*[:：]/, '') // 您现在的位置是：
    .split(/\s*(?:>|›|»|＞|→|\/|\|)\s*/)
    .map(clean)
    .filter((p) => p && p.length <= 20);
  return parts.length ? parts : undefined;
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

const memo = new WeakMap<PageArtifact, Array<{ asOf: string; opts: AnalyzeOptions; result: PageContent }>>();
const placeholderRes = new Map<string, RegExp>();

function sameList(a: string[] | undefined, b: string[] | undefined): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Options equal as their JSON would be (the memo's old key), compared field by field: no string built per call. */
function sameOptions(a: AnalyzeOptions, b: AnalyzeOptions): boolean {
  return a === b || (sameList(a.placeholders, b.placeholders) && a.maxItems === b.maxItems && sameList(a.dateMeta, b.dateMeta));
}

/** Analyses one parsed page (memoised per page artifact and options). */
export function analyzePage(ctx: { page: PageArtifact; dom: Document; asOf: string; isHome: boolean }, opts: AnalyzeOptions): PageContent {
  let forPage = memo.get(ctx.page);
  if (forPage) for (const m of forPage) if (m.asOf === ctx.asOf && sameOptions(m.opts, opts)) return m.result;
  const result = analyze(ctx, opts);
  if (!forPage) {
    forPage = [];
    memo.set(ctx.page, forPage);
  }
  // A copy of the options: a caller changing its own object afterwards does not change what the memo matches.
  forPage.push({ asOf: ctx.asOf, opts: { ...opts, placeholders: [...opts.placeholders], dateMeta: opts.dateMeta && [...opts.dateMeta] }, result });
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
  const trail = breadcrumb(els.all);
  const content: PageContent = {
    kind: 'other',
    url: page.finalUrl,
    columnName: page.meta.columnname ? clean(page.meta.columnname) : undefined,
    columnType: page.meta.columntype ? clean(page.meta.columntype) : undefined,
    heading: firstHeading(els.outsideBoilerplate),
    crumb: trail?.[trail.length - 1],
    crumbTrail: trail,
    titlePrefix: titlePrefix && titlePrefix.length <= 30 ? titlePrefix : undefined,
    blocks: [],
    placeholders: placeholdersIn(dom, base, phRe),
    navLinks: [],
    mainTextLength: mainNoLinks.length,
    longLinks,
    scriptBuilt: false,
    scriptSignals: [],
    scriptFilledLists: 0,
    articleSignals: articleSignals(page, els.all, mainTextFull),
    homeLinks: homeLinksIn(els.all, base),
  };
  const pg = /createPageHTML\(\s*['"]?(\d+)['"]?\s*,\s*['"]?(\d+)['"]?\s*,\s*['"][^'"]*['"]\s*,\s*['"][^'"]*['"]/.exec(scriptText(els.all));
  if (pg) content.pagination = { pages: Number(pg[1]), current: Number(pg[2]) };
  if (mainTextFull.length <= 200) content.shortText = mainTextFull;

  const path = new URL(page.finalUrl).pathname;
  if (!ctx.isHome && (page.meta.articletitle || ARTICLE_URL.test(path))) {
    content.kind = 'article';
    content.article = articleInfo(dom, page, asOf, opts.dateMeta ?? DEFAULT_DATE_META, mainTextFull, els.all);
    scriptBuiltSignals(content, els, mainTextFull);
    return content;
  }
  const blocks = [...hanwebLists(els.all, base, asOf, maxItems), ...htmlLists(els.content, base, asOf, maxItems), ...scriptDataLists(els.all, base, asOf, maxItems)];
  content.blocks = blocks;
  scriptBuiltSignals(content, els, mainTextFull);
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
      const d = dataOf(c);
      if (d && d.includes('createPageHTML')) parts.push(d);
    }
  }
  return parts.join('\n');
}

/** Texts of a related-items box on an article (not a home-page list). */
const RELATED_BOX = /关联稿件|相关稿件|相关链接|相关阅读|相关文章|相关新闻|相关附件|相关文件/;
/** Article-like paths: TRS `/202308/t20230828_…`, Hanweb `art_…`, gov.cn `content_…`, intensive platforms `/202305/<32 hex>.shtml`. */
const DATED_ARTICLE_PATH = /\/t\d{8}_\d+\.s?html?$|\/art_\d+_\d+\.html?$|\/content_\d+\.s?html?$|\/\d{6}\/[0-9a-f]{16,}\.s?html?$|\/art\/\d{4}\/\d{1,2}\/\d{1,2}\//i;

/** Signs that the page is one article (for a start page that may not be the home page). */
function articleSignals(page: PageArtifact, all: Element[], mainText: string): string[] {
  const out: string[] = [];
  if (page.meta.articletitle) out.push('meta ArticleTitle');
  if (page.meta.pubdate) out.push('meta PubDate');
  let path = '';
  try {
    path = new URL(page.finalUrl).pathname;
  } catch {
    /* not a URL: no path signal */
  }
  if (DATED_ARTICLE_PATH.test(path)) out.push(`article path ${path}`);
  for (const e of all) {
    if (e.name === 'script' || e.name === 'style') continue;
    const first = e.children[0];
    if (first?.type === 'text' && RELATED_BOX.test(first.data) && clean(first.data).length <= 8) {
      out.push(`related box ${clean(first.data)}`);
      break;
    }
  }
  if (/(发布时间|发布日期|发文日期|成文日期)\s*[:：]\s*\d{4}/.test(mainText.slice(0, 600))) out.push('labelled publication date near the top');
  return out;
}

const HOME_TEXT = /^(首页|网站首页|返回首页|主页|门户首页)$/;

/** Targets of the page's 首页 links and its logo link (the site's home page as the site itself names it). */
function homeLinksIn(all: Element[], base: string): string[] {
  const out: string[] = [];
  for (const a of all) {
    if (a.name !== 'a' || !a.attribs.href) continue;
    if (!HOME_TEXT.test(anchorText(a)) && !isLogoLink(a)) continue;
    const href = resolve(a.attribs.href, base);
    if (href && !out.includes(href)) out.push(href);
    if (out.length >= 5) break;
  }
  return out;
}

/** The site's logo or name link: in h1, in a logo box, or an image link whose image or box says logo. */
export function isLogoLink(a: Element): boolean {
  for (let e: Element | undefined = a, i = 0; e && i < 3; e = el(e.parent), i++) {
    if (e.name === 'h1') return true;
    if (tokensOf(e).some((t) => /logo|sitename|site-name|wzmc/.test(t))) return true;
  }
  const img = elements(a).find((x) => x.name === 'img');
  return Boolean(img && /logo/i.test(`${img.attribs.src ?? ''} ${img.attribs.class ?? ''} ${img.attribs.id ?? ''}`) && anchorText(a).length <= 20);
}

const LIST_CONTAINER = new Set(['ul', 'ol', 'tbody', 'dl', 'table']);

/**
 * Marks a page built by script (see PageContent.scriptBuilt): AngularJS/Vue templates, little visible text on a
 * page with scripts, list containers left empty for a script to fill, JSON data blocks.
 */
function scriptBuiltSignals(content: PageContent, els: DocElements, mainText: string): void {
  const signals: string[] = [];
  let scripts = 0;
  let inline = '';
  for (const e of els.all) {
    if (e.name !== 'script') continue;
    scripts++;
    if (!e.attribs.src && inline.length < 200_000)
      inline +=
        children(e)
          .map((c) => dataOf(c) ?? '')
          .join('') + '\n';
  }
  let templated = 0;
  for (const e of els.all) {
    if (templated > 2) break;
    for (const k in e.attribs) if (/^(ng-(app|repeat|controller|bind)|v-(for|if|bind)|:key|x-data)$/.test(k)) templated++;
  }
  const moustache = (mainText.match(/\{\{[^{}]{1,80}\}\}/g) ?? []).length;
  if (templated > 0 || moustache >= 2) signals.push(`templates (${templated ? 'ng-/v- attributes' : ''}${templated && moustache ? ', ' : ''}${moustache ? `${moustache} {{ }}` : ''})`);
  // Empty list containers a script fills: no element child, no text, and named (id) in the page's scripts or holding a template.
  let filled = 0;
  for (const e of els.content) {
    if (!LIST_CONTAINER.has(e.name) && !(e.name === 'div' && e.attribs.id)) continue;
    if (children(e).some((c) => c.type === 'tag' || c.type === 'script' || c.type === 'style' || (c.type === 'text' && clean((c as Text).data)))) continue;
    const id = e.attribs.id;
    if (id && id.length >= 2 && inline.includes(id)) filled++;
  }
  content.scriptFilledLists = filled;
  if (filled) signals.push(`${filled} empty list container(s) filled by script`);
  const data = content.blocks.filter((b) => b.source === 'script').length;
  if (data) signals.push(`${data} JSON data list(s) in scripts`);
  const visible = clean(mainText).length;
  const htmlItems = content.blocks.filter((b) => b.source !== 'script').reduce((n, b) => n + b.total, 0);
  const loads = /\$\.(ajax|get|post|getJSON)\(|\bajax\(|fetch\(|XMLHttpRequest|axios|\.innerHTML\s*=|\.html\(|\.append\(|template\(|render\(/.test(inline);
  const loading = /(数据)?加载中|正在加载|loading/i.test(mainText);
  if (scripts > 0 && visible < 200) signals.push(`${visible} characters of visible text with ${scripts} script(s)${loads ? ' that load content' : ''}`);
  if (loading) signals.push('a loading notice');
  content.scriptSignals = signals;
  // Script-built as a whole: only templates, or its lists only in script data, or (without a placeholder of its own)
  // almost nothing shown while scripts fill containers or load content. An empty column saying 暂无信息 is not script-built.
  const few = htmlItems < 3 && content.longLinks < 3;
  content.scriptBuilt = templated > 0 || moustache >= 2 || (data > 0 && htmlItems === 0) || (few && content.placeholders.length === 0 && (filled > 0 || loading || (visible < 200 && loads)));
}

const TITLE_KEYS = ['title', 'name', 'bt', 'doctitle', 'articletitle', 'subject', 'Title', 'DOCTITLE', 'biaoti'];
const URL_KEYS = ['url', 'href', 'link', 'docurl', 'pubUrl', 'puburl', 'URL', 'DOCPUBURL', 'Url', 'linkurl', 'path'];
const DATE_KEYS = ['date', 'pubDate', 'pubdate', 'publishDate', 'publishdate', 'publishTime', 'time', 'createTime', 'releaseDate', 'fbrq', 'fbsj', 'docreltime', 'DOCRELTIME', 'PUBDATE', 'crtime', 'addtime', 'updateTime'];

/** JSON arrays of {title, url, date} in inline scripts (`var list = [{…}]`, `<script type="application/json">`), read as lists. */
function scriptDataLists(all: Element[], base: string, asOf: string, maxItems: number): ListBlock[] {
  const blocks: ListBlock[] = [];
  let budget = 400_000;
  for (const s of all) {
    if (s.name !== 'script' || s.attribs.src || blocks.length >= 10) continue;
    const type = (s.attribs.type ?? '').toLowerCase();
    if (type && !/javascript|json|ecmascript/.test(type)) continue;
    const raw = children(s)
      .map((c) => dataOf(c) ?? '')
      .join('');
    if (!raw.includes('[') || !/title|name|bt/i.test(raw)) continue;
    budget -= raw.length;
    if (budget < 0) break;
    for (const arr of jsonArrays(raw)) {
      const rows = arr.filter((x): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x));
      const items: ListItem[] = [];
      for (const r of rows) {
        const title = TITLE_KEYS.map((k) => r[k]).find((v): v is string => typeof v === 'string' && clean(v).length >= 2);
        const url = URL_KEYS.map((k) => r[k]).find((v): v is string => typeof v === 'string' && v.length > 0);
        if (!title || !url) continue;
        const it: ListItem = { title: clean(title.replace(/<[^>]*>/g, '')).slice(0, 80), href: resolve(url, base) };
        const dv = DATE_KEYS.map((k) => r[k]).find((v) => typeof v === 'string' || typeof v === 'number');
        const d = dv !== undefined ? parseDateValue(String(dv), { asOf }) : undefined;
        if (d) {
          it.date = d.date;
          if (d.time) it.time = d.time;
          it.raw = String(dv);
        }
        items.push(it);
      }
      if (items.length < 2 && !(items.length === 1 && items[0].date)) continue;
      const container = el(s.parent) ?? s;
      blocks.push({ ...blockHeading(container, base), selector: `${describe(container)} > script`, source: 'script', items: items.slice(0, maxItems), total: items.length, dated: items.filter((i) => i.date).length });
    }
  }
  return blocks;
}

/** Top-level JSON arrays of objects in a script's text (strict JSON only; bounded). */
function jsonArrays(raw: string): unknown[][] {
  const out: unknown[][] = [];
  const re = /\[\s*\{/g;
  let m: RegExpExecArray | null;
  let tries = 0;
  while ((m = re.exec(raw)) && tries++ < 20) {
    const start = m.index;
    let depth = 0;
    let inStr = false;
    let end = -1;
    for (let i = start; i < raw.length && i - start < 200_000; i++) {
      const ch = raw[i];
      if (inStr) {
        if (ch === '\\') i++;
        else if (ch === '"') inStr = false;
        continue;
      }
      if (ch === '"') inStr = true;
      else if (ch === '[' || ch === '{') depth++;
      else if (ch === ']' || ch === '}') {
        depth--;
        if (depth === 0) {
          end = i;
          break;
        }
      }
    }
    if (end < 0) break;
    try {
      const v = JSON.parse(raw.slice(start, end + 1)) as unknown;
      if (Array.isArray(v)) out.push(v);
    } catch {
      /* not strict JSON: left alone */
    }
    re.lastIndex = end + 1;
  }
  return out;
}

const LEADER_TITLE = /书记|市长|县长|区长|省长|州长|旗长|镇长|乡长|局长|厅长|主任|部长|委员|主席|秘书长|常委|领导/;

/** A link next to a leader's title (in its own item or the item's parent), where a short text is a person's name. */
function nearLeaderTitle(a: Element): boolean {
  let n: Element | undefined = el(a.parent);
  for (let i = 0; i < 2 && n; i++, n = el(n.parent)) {
    const t = lineText(n);
    if (t.length > 200) break;
    if (LEADER_TITLE.test(t.replace(anchorText(a), ''))) return true;
  }
  return false;
}
