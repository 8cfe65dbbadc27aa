/**
 * Column (栏目) discovery and classification, for W-V2 (home page), W-V3 (stale and blank columns) and W-D4. Notes:
 * docs/modules.md.
 */
import { z } from 'zod';
import { unlessFailed, type PageService } from '../../check-api/api.js';
import type { PageArtifact, SiteArtifacts } from '../../types.js';
import { daysBetween } from '../../china-time.js';
import { shippedList } from '../../config.js';
import { dateFromUrl } from './dates.js';
import { analyzePage, type AnalyzeOptions, type ArticleInfo, type ListItem, type PageContent } from './page-analysis.js';
import { clean, toSimplified } from './text.js';

export const columnClassSchema = z.object({
  id: z.string().min(1),
  label: z.object({ zh: z.string(), en: z.string() }),
  /** Keywords matched against the column's name (Simplified; Traditional names are converted first). */
  names: z.array(z.string().min(1)),
  /** Days without a new item after which the column counts as not updated; null = need not update. */
  maxAgeDays: z.number().int().positive().nullable(),
  /**
   * How a stale column counts toward W-V3: 'a' = (a) dynamic columns, 'a-first-level' = (a) when the column
   * is first-level (else (b)), 'b' = (b) should-update columns, 'none' = not toward the veto.
   */
  veto: z.enum(['a', 'a-first-level', 'b', 'none']),
  /** W-D4 deduction key in config/rules.yaml (points.policy / points.other), or none. */
  deduction: z.enum(['policy', 'other', 'none']),
});
export type ColumnClass = z.infer<typeof columnClassSchema>;

/** Default class map (config/column-classes.yaml: docs/indicators.md W-V3, W-D4; periodic columns per practice). */
export const DEFAULT_COLUMN_CLASSES: ColumnClass[] = shippedList('column-classes.yaml', columnClassSchema);

/** Navigation entries that are never columns. */
export const DEFAULT_IGNORE_LINKS = [
  '首页',
  '网站首页',
  '返回首页',
  '主页',
  '网站地图',
  '无障碍',
  '无障碍浏览',
  '长者模式',
  '关怀版',
  '适老化',
  '老年模式',
  'English',
  'EN',
  '繁体',
  '简体',
  '繁體',
  '簡體',
  '手机版',
  '移动版',
  '登录',
  '注册',
  '搜索',
  '高级搜索',
  'RSS',
  '设为首页',
  '加入收藏',
  '收藏本站',
  '联系我们',
  '关于我们',
  '网站声明',
  '隐私声明',
  '版权声明',
  '帮助',
  '打印',
  '关闭',
];

export const columnOptionsShape = {
  /** Column classes by name (first match of the longest keyword wins; an exact name beats a keyword). */
  classes: z.array(columnClassSchema).default(DEFAULT_COLUMN_CLASSES),
  /** Extra name keywords per class id, added to `classes` (e.g. { dynamic: ['风采展示'] }) without restating the map. */
  addNames: z.record(z.string(), z.array(z.string().min(1))).default({}),
  /** Navigation texts that are not columns. */
  ignoreLinks: z.array(z.string()).default(DEFAULT_IGNORE_LINKS),
  /** A column page with at most this many visible characters (outside links and page furniture) and no items is blank. */
  blankMaxTextChars: z.number().int().nonnegative().default(80),
  /** Column pages beyond the crawl bounds fetched through the shared client (0 = none). */
  maxProbes: z.number().int().nonnegative().default(20),
};

/** The class map with a province's extra names merged in. */
export function effectiveClasses(o: { classes: ColumnClass[]; addNames: Record<string, string[]> }): ColumnClass[] {
  return o.classes.map((c) => (o.addNames[c.id]?.length ? { ...c, names: [...c.names, ...o.addNames[c.id]] } : c));
}

export interface ClassifiedName {
  cls?: ColumnClass;
  /** The keyword that matched. */
  matched?: string;
}

const nameCache = new Map<string, string>();
/** Column name for matching: Simplified, no spaces or decorations. */
export function normalizeName(name: string): string {
  let v = nameCache.get(name);
  if (v === undefined) {
    v = toSimplified(name).replace(/[\s\u3000·•■□◆▶►>»【】[\]（）()]/g, '');
    if (nameCache.size > 5000) nameCache.clear();
    nameCache.set(name, v);
  }
  return v;
}

/** Classifies a column by its names (most trusted first): exact name, then the longest keyword. */
export function classifyColumn(names: string[], classes: ColumnClass[]): ClassifiedName {
  for (const raw of names) {
    if (!raw) continue;
    const name = normalizeName(raw);
    let best: { cls: ColumnClass; kw: string; score: number } | undefined;
    classes.forEach((cls, order) => {
      for (const kw of cls.names) {
        const k = normalizeName(kw);
        if (!k || !name.includes(k)) continue;
        const score = (name === k ? 1000 : 0) + k.length * 10 - order * 0.01;
        if (!best || score > best.score) best = { cls, kw, score };
      }
    });
    if (best) return { cls: best.cls, matched: best.kw };
  }
  return {};
}

export type ItemDateSource = 'list' | 'url' | 'article' | 'list-inferred';

export interface ResolvedItem {
  title: string;
  href?: string;
  /** Date used for freshness, with its source. */
  date?: string;
  source?: ItemDateSource;
  /** The date shown in the list (as written), when there was one. */
  listDate?: string;
  listRaw?: string;
  yearInferred?: boolean;
  /** Page the item was listed on. */
  listedOn: string;
}

export type BlankReason = 'dead' | 'placeholder' | 'empty-recordset' | 'no-items';

export interface Column {
  key: string;
  /** Display name (most trusted source first). */
  name: string;
  names: string[];
  /** The column's list page, when it has one. */
  url?: string;
  /** Where it was seen (list page URL, or the home page for a home-page block). */
  seenOn: string;
  classId?: string;
  classLabel?: { zh: string; en: string };
  matched?: string;
  maxAgeDays?: number | null;
  veto?: ColumnClass['veto'];
  deduction?: ColumnClass['deduction'];
  /** 1 = reached from the home page (navigation or a home-page block); 2 = deeper. */
  level: 1 | 2;
  sources: Array<'list-page' | 'home-block' | 'block' | 'nav-link' | 'probe'>;
  items: ResolvedItem[];
  dated: number;
  undated: number;
  /** Newest item not after the as-of date. */
  newest?: ResolvedItem;
  /** Days from the newest item to the as-of date. */
  ageDays?: number;
  /**
   * Why the column is blank. `suspected`: a column page that answers 404/410 — a broken link for certain (W-D1),
   * but whether an existing column is empty is not known: listed for review, not counted toward the veto.
   */
  blank?: { reason: BlankReason; detail: string; status?: number | null; suspected?: boolean };
  /** Pages with a link to the column. */
  linkedFrom: string[];
  /** Total pages of the list, when the page says (TRS createPageHTML). */
  pages?: number;
}

export interface HomeFreshness {
  url: string;
  items: ResolvedItem[];
  dated: number;
  undated: number;
  newest?: ResolvedItem;
  /** True when the home page shows no dated items (a navigation page): second-level pages decide. */
  navigationOnly: boolean;
  /** The home page is built by script (its HTML does not show what a visitor sees), with the signs. */
  scriptBuilt?: string[];
  secondLevel?: { newest?: ResolvedItem; pages: number };
}

export interface Discovery {
  columns: Column[];
  home?: HomeFreshness;
  articles: Map<string, ArticleInfo>;
  /** Whether any date could be read anywhere on the site (else date-based findings are only suspected). */
  anyDates: boolean;
  /** Column links beyond the crawl that were not fetched (probe limit or no probe). */
  unverified: string[];
  /** Column pages that did not answer (timeout, DNS, refused, 5xx, 403): unknowable, neither blank nor stale. */
  unreachable: Array<{ url: string; name: string; detail: string }>;
  /** Links that look like menu entries but are not columns, with the reason (for evidence and tests). */
  notColumns: Array<{ text: string; href: string; reason: NotColumnReason }>;
  /**
   * The start page is an article, not the home page (ArticleTitle/PubDate, 关联稿件, a dated path): `home` is
   * the site's home page found from it (site root, 首页 or logo link), or undefined when none answered.
   */
  startArticle?: { url: string; signals: string[]; home?: string; tried: string[]; failure?: string };
}

export type NotColumnReason = 'logo' | 'home' | 'search' | 'document' | 'sentence' | 'person';

/** Surnames (the commonest, single and compound), for telling a leader's name from a column name. */
const SURNAMES = new Set(
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝'.split(
    '',
  ),
);
const COMPOUND_SURNAMES = /^(欧阳|司马|上官|诸葛|东方|皇甫|尉迟|公孙|慕容|长孙|宇文|司徒|令狐|夏侯)/;
/** Column words: a short text containing one is a column name even when it starts with a surname character. */
const COLUMN_WORDS =
  /公开|公告|公示|通知|动态|要闻|新闻|政策|文件|服务|办事|互动|专题|专栏|信息|指南|概况|简介|领导|机构|规划|计划|统计|数据|财政|预算|决算|招聘|招考|人事|政务|法规|解读|回应|留言|信箱|咨询|访谈|下载|查询|视频|图片|资讯|快讯|工作|会议|报告|年报|目录|地图|平台|中心|之窗|在线|互动|便民/;
const COLUMN_SUFFIX = /(动态|要闻|新闻|公告|公示|通知|公开|领域|信息|文件|专栏|专题|指南|服务|平台|数据|解读|报告|目录|查询|政策|法规|规划|计划|统计|资金|名单|清单|事项|办理|栏目|中心|互动|信箱|访谈|征集|调查|回应|发布|工作)$/;
const SENTENCE_VERB = /召开|举行|举办|出席|会见|会谈|主持|印发|发布|批复|支持|推动|推进|开展|部署|调研|考察|视察|强调|指出|签署|同意|实施|落实|提升|加快|启动|完成|通过|审议|看望|走访|慰问|座谈|研究|学习|贯彻/;
const SEARCH_HREF = /[?&](sword|searchword|searchWord|keyword|keywords|kw|q|query|wd|word|key)=|\/(search|jsearch|s|so|sousuo|was5\/web\/search)(\/|\.|\?|$)/i;
const DOCUMENT_HREF = /\/t\d{8}_\d+\.s?html?$|\/art_\d+_\d+\.html?$|\/content_\d+\.s?html?$|\/\d{6}\/[0-9a-f]{16,}\.s?html?$|\/\d{6}\/t\d+_\d+|\/art\/\d{4}\/\d{1,2}\/\d{1,2}\//i;
const DOC_NUMBER = /[〔[［(（]\s*(19|20)\d{2}\s*[〕\]］)）]\s*\d+\s*号|(19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}/;

/**
 * Whether a link that sits where menu entries sit is a column entry, by how real sites mark columns: not the
 * logo or 首页 link, not a search query (?sword=, /search), not a dated document (an article address, a date or
 * 〔2023〕N号 in the text), not a sentence (punctuation, over 12 characters, or a long text with a news verb),
 * not a person (2–4 Han characters with a surname, next to a leader's title or in a leaders' list).
 */
export function notColumnReason(link: { text: string; href: string; logo?: true; nearLeaderTitle?: true; area?: string }, homeKeys?: Set<string>): NotColumnReason | undefined {
  if (link.logo) return 'logo';
  if (homeKeys?.has(columnKey(link.href))) return 'home';
  let path = '';
  let query = '';
  try {
    const u = new URL(link.href);
    path = u.pathname;
    query = u.search;
  } catch {
    return 'document';
  }
  if (SEARCH_HREF.test(path + query)) return 'search';
  if (DOCUMENT_HREF.test(path)) return 'document';
  if (link.area === 'more') return undefined;
  const t = normalizeName(link.text);
  if (DOC_NUMBER.test(link.text)) return 'document';
  // Long names of columns end like one (…领域, …信息, …专栏); a headline does not.
  if (/[，。、；！？,!?“”"：:…]|\.\.\./.test(link.text.trim()) || ((t.length > 12 || (t.length >= 8 && SENTENCE_VERB.test(t))) && !COLUMN_SUFFIX.test(t))) return 'sentence';
  if (/^[\u4e00-\u9fff]{2,4}$/.test(t) && (SURNAMES.has(t[0]) || COMPOUND_SURNAMES.test(t)) && !COLUMN_WORDS.test(t)) {
    const leaderList = /\/(ld|ldzc|ldjj|ldxx|lingdao|leader|leaders|ldtz|ldhd)(\/|_|\.|$)/i.test(path);
    if (link.nearLeaderTitle || leaderList) return 'person';
  }
  return undefined;
}

/** A page beyond the crawl, fetched and analysed (see columnProbe). */
export interface ProbedPage {
  page: PageArtifact;
  content?: PageContent;
}

export interface DiscoverOptions {
  asOf: string;
  classes: ColumnClass[];
  ignoreLinks: string[];
  blankMaxTextChars: number;
  maxProbes: number;
  /** Fetches and analyses a page beyond the crawl (columnProbe). */
  probe?: (url: string) => Promise<ProbedPage>;
  /** Reads this check's collected PageContent from a page artifact. */
  contentOf: (page: PageArtifact) => PageContent | undefined;
}

/** Canonical key of a column URL: `/tzgg/index.html`, `/tzgg/index_2.html` and `/tzgg/` are one column. */
export function columnKey(url: string): string {
  try {
    const u = new URL(url);
    u.hash = '';
    u.pathname = u.pathname.replace(/\/(index|default)(_\d+)?\.(s?html?|jsp|php|aspx?)$/i, '/');
    return u.href;
  } catch {
    return url;
  }
}

function pageIndex(site: SiteArtifacts): Map<string, PageArtifact> {
  const m = new Map<string, PageArtifact>();
  for (const p of site.pages) {
    for (const u of [p.url, p.finalUrl]) {
      m.set(u, p);
      const k = columnKey(u);
      if (!m.has(k)) m.set(k, p);
    }
  }
  return m;
}

function isInternal(url: string, site: SiteArtifacts): boolean {
  try {
    return site.siteHosts.includes(new URL(url).host.toLowerCase());
  } catch {
    return false;
  }
}

/** Date of a list item for freshness: a full list date, else the CMS URL, else the article's own date, else an inferred list date. */
export function resolveItem(it: ListItem, listedOn: string, articles: Map<string, ArticleInfo>, asOf: string): ResolvedItem {
  const r: ResolvedItem = { title: it.title, href: it.href, listedOn };
  if (it.date) {
    r.listDate = it.date;
    r.listRaw = it.raw;
    if (it.yearInferred) r.yearInferred = true;
  }
  if (it.date && !it.yearInferred) {
    r.date = it.date;
    r.source = 'list';
    return r;
  }
  const u = it.href ? dateFromUrl(it.href, asOf) : undefined;
  if (u) {
    r.date = u.date;
    r.source = 'url';
    return r;
  }
  const art = it.href ? articles.get(it.href) : undefined;
  if (art?.best) {
    r.date = art.best.date;
    r.source = 'article';
    return r;
  }
  if (it.date) {
    r.date = it.date;
    r.source = 'list-inferred';
  }
  return r;
}

function newestOf(items: ResolvedItem[], asOf: string): ResolvedItem | undefined {
  let best: ResolvedItem | undefined;
  for (const it of items) if (it.date && it.date <= asOf && (!best || it.date > best.date!)) best = it;
  return best;
}

/** Finds, classifies and dates the site's columns and the home page's items. */
export async function discoverColumns(site: SiteArtifacts, o: DiscoverOptions): Promise<Discovery> {
  const { asOf } = o;
  const pages = pageIndex(site);
  const contents = new Map<PageArtifact, PageContent>();
  for (const p of site.pages) {
    const c = o.contentOf(p);
    if (c && typeof c === 'object' && 'kind' in c) contents.set(p, c);
  }
  const articles = new Map<string, ArticleInfo>();
  for (const [p, c] of contents) {
    if (c.article) {
      articles.set(p.url, c.article);
      articles.set(p.finalUrl, c.article);
    }
  }
  const ignore = new Set(o.ignoreLinks.map(normalizeName));
  const unreachable: Discovery['unreachable'] = [];
  const columns = new Map<string, Column>();
  // The home page: the start page, unless it is an article (then the site's home page found from it).
  let probes = 0;
  const start = site.home ? contents.get(site.home) : undefined;
  let homePage: PageArtifact | undefined = site.home;
  let homeContent: PageContent | undefined = start;
  let startArticle: Discovery['startArticle'];
  const pathLower = site.home ? !homeLikeUrl(site.home.finalUrl) : false;
  const crumbLower = site.home && start ? lowerPageSignal(start, site.home.finalUrl) : undefined;
  const lowerPage = pathLower || Boolean(crumbLower);
  if (site.home && start && (lowerPage || isArticleStart(start))) {
    const found = await findHomePage(
      site,
      start,
      pages,
      contents,
      o,
      () => probes < o.maxProbes && Boolean(o.probe),
      () => probes++,
    );
    const signals = [...start.articleSignals, ...(pathLower ? ['address is a lower page, not a home page path'] : []), ...(crumbLower ? [crumbLower] : [])];
    startArticle = { url: site.home.finalUrl, signals, home: found.page?.finalUrl, tried: found.tried, failure: found.failure };
    homePage = found.page;
    homeContent = found.content;
  }
  const homeUrl = homePage?.finalUrl ?? site.startUrl;
  const homeKeys = new Set([columnKey(homeUrl), ...(startArticle ? startArticle.tried.map(columnKey) : [columnKey(site.startUrl)])]);
  const notColumns: Discovery['notColumns'] = [];

  const get = (key: string, seenOn: string, url?: string): Column => {
    let c = columns.get(key);
    if (!c) {
      c = { key, name: '', names: [], url, seenOn, level: 2, sources: [], items: [], dated: 0, undated: 0, linkedFrom: [] };
      columns.set(key, c);
    }
    if (url && !c.url) c.url = url;
    return c;
  };
  const addName = (c: Column, name: string | undefined) => {
    const n = name ? clean(name) : '';
    if (n && n.length <= 30 && !c.names.includes(n)) c.names.push(n);
  };
  const addItems = (c: Column, items: ListItem[], listedOn: string) => {
    const seen = new Set(c.items.map((i) => i.href ?? i.title));
    for (const it of items) {
      const k = it.href ?? it.title;
      if (seen.has(k)) continue;
      seen.add(k);
      c.items.push(resolveItem(it, listedOn, articles, asOf));
    }
  };
  const addSource = (c: Column, s: Column['sources'][number]) => {
    if (!c.sources.includes(s)) c.sources.push(s);
  };

  // 1. List pages: one principal list = one column; several headed lists = one column each.
  const listPage = (p: PageArtifact, c: PageContent, source: 'list-page' | 'probe') => {
    const pageKey = columnKey(p.finalUrl);
    const blocks = c.blocks.filter((b) => b.dated > 0 || b.total >= 3 || b.emptyRecordset);
    const totalDated = blocks.reduce((s, b) => s + b.dated, 0);
    const principal = blocks.length === 1 ? blocks[0] : blocks.find((b) => totalDated > 0 && b.dated / totalDated >= 0.6);
    if (principal || blocks.length === 0) {
      const col = get(pageKey, p.finalUrl, p.finalUrl);
      addSource(col, source);
      addName(col, c.columnName);
      addName(col, principal?.heading);
      addName(col, c.crumb);
      addName(col, c.heading);
      addName(col, c.titlePrefix);
      if (c.columnType) addName(col, c.columnType);
      if (principal) addItems(col, principal.items, p.finalUrl);
      if (c.pagination) col.pages = c.pagination.pages;
      if (c.scriptBuilt && !col.items.length && !unreachable.some((x) => x.url === p.finalUrl)) unreachable.push({ url: p.finalUrl, name: col.names[0] ?? p.finalUrl, detail: 'page built by script' });
      if (principal?.emptyRecordset) col.blank = { reason: 'empty-recordset', detail: `${principal.selector}: <recordset> 为空` };
      else if (!col.items.length && !blocks.length && !c.scriptBuilt) {
        const ph = c.placeholders[0];
        if (ph) col.blank = { reason: 'placeholder', detail: ph.text };
        else if (c.longLinks === 0 && c.mainTextLength <= o.blankMaxTextChars) col.blank = { reason: 'no-items', detail: clean(c.shortText ?? '') };
      }
      return;
    }
    for (const b of blocks) {
      const target = b.moreHref ?? b.headingHref;
      const key = target && isInternal(target, site) ? columnKey(target) : `${pageKey}#${b.heading ?? b.selector}`;
      const col = get(key, p.finalUrl, target && isInternal(target, site) ? target : undefined);
      addSource(col, 'block');
      addName(col, b.heading);
      addItems(col, b.items, p.finalUrl);
      if (b.emptyRecordset && !col.items.length) col.blank = { reason: 'empty-recordset', detail: `${b.selector}: <recordset> 为空` };
    }
  };
  for (const [p, c] of contents) if (c.kind === 'list' && !homeKeys.has(columnKey(p.finalUrl))) listPage(p, c, 'list-page');

  // 2. Home-page blocks: merged with the list page they link to.
  if (homeContent) {
    for (const b of homeContent.blocks) {
      // Undated in the list but dated by their CMS addresses (`/202307/t20230714_…`): still a dated column.
      if (b.dated === 0 && !b.emptyRecordset && !b.items.some((it) => it.href && dateFromUrl(it.href, asOf))) continue;
      const target = b.moreHref ?? b.headingHref;
      const internalTarget = target && isInternal(target, site) && !homeKeys.has(columnKey(target)) ? target : undefined;
      const key = internalTarget ? columnKey(internalTarget) : `${columnKey(homeUrl)}#${b.heading ?? b.selector}`;
      const col = get(key, homeUrl, internalTarget);
      addSource(col, 'home-block');
      col.level = 1;
      addName(col, b.heading);
      addItems(col, b.items, homeUrl);
      if (b.emptyRecordset && !col.items.length) col.blank = { reason: 'empty-recordset', detail: `${b.selector}: <recordset> 为空` };
    }
  }

  // 3. Placeholders shown in a named box ("通知公告 … 暂无信息").
  for (const [p, c] of contents) {
    if (c.kind !== 'home' && c.kind !== 'list') continue;
    for (const ph of c.placeholders) {
      if (!ph.heading) continue;
      const pageKey = columnKey(p.finalUrl);
      const key = ph.headingHref && isInternal(ph.headingHref, site) ? columnKey(ph.headingHref) : `${pageKey}#${ph.heading}`;
      const existing = columns.get(key);
      if (existing?.items.length) continue;
      if (key === pageKey && existing) continue;
      const own = columns.get(pageKey);
      if (own && own.names.some((n) => normalizeName(n) === normalizeName(ph.heading!))) continue;
      const col = get(key, p.finalUrl, ph.headingHref);
      addSource(col, p === homePage ? 'home-block' : 'block');
      if (p === homePage) col.level = 1;
      addName(col, ph.heading);
      col.blank ??= { reason: 'placeholder', detail: ph.text };
    }
  }

  // 4. Navigation links: a column entry may lead to a dead page, a placeholder or nothing.
  const linkSources: Array<[PageArtifact, PageContent]> = [...contents].filter(([, c]) => c.kind === 'home' || c.kind === 'list');
  if (homePage && homeContent && !contents.has(homePage)) linkSources.unshift([homePage, homeContent]);
  const pending = new Map<string, { text: string; href: string; from: string; fromHome: boolean }>();
  for (const [p, c] of linkSources) {
    const fromHome = p === homePage;
    for (const l of c.navLinks) {
      if (!isInternal(l.href, site)) continue;
      const key = columnKey(l.href);
      if (homeKeys.has(key)) continue;
      if (ignore.has(normalizeName(l.text))) continue;
      if (/\.(pdf|docx?|xlsx?|zip|rar|wps|jpg|png)$/i.test(new URL(l.href).pathname)) continue;
      const why = notColumnReason(l, homeKeys);
      if (why) {
        if (notColumns.length < 200 && !notColumns.some((x) => x.href === l.href)) notColumns.push({ text: l.text, href: l.href, reason: why });
        continue;
      }
      const existing = columns.get(key);
      if (existing) {
        if (l.area !== 'more') addName(existing, l.text);
        if (fromHome) existing.level = 1;
        if (!existing.linkedFrom.includes(p.finalUrl)) existing.linkedFrom.push(p.finalUrl);
        continue;
      }
      const prev = pending.get(key);
      if (!prev || (fromHome && !prev.fromHome)) pending.set(key, { text: l.area === 'more' ? (prev?.text ?? l.text) : l.text, href: l.href, from: p.finalUrl, fromHome: fromHome || Boolean(prev?.fromHome) });
    }
  }
  const unverified: string[] = [];
  for (const [key, link] of pending) {
    let target = pages.get(link.href) ?? pages.get(key);
    let content = target ? contents.get(target) : undefined;
    let source: Column['sources'][number] = 'nav-link';
    if (!target) {
      if (!o.probe || probes >= o.maxProbes) {
        unverified.push(key);
        continue;
      }
      probes++;
      const probed = await o.probe(link.href);
      target = probed.page;
      content = probed.content;
      source = 'probe';
      if (content?.kind === 'list') {
        listPage(target, content, 'probe');
        const col = columns.get(columnKey(target.finalUrl));
        if (col) {
          addName(col, link.text);
          if (link.fromHome) col.level = 1;
          col.linkedFrom.push(link.from);
          continue;
        }
      }
    }
    let blank: Column['blank'];
    const status = target.error?.status ?? target.status;
    if (status === 404 || status === 410) {
      // A broken link for certain (W-D1); an empty column only perhaps (the entry may lead nowhere by mistake).
      blank = { reason: 'dead', detail: `HTTP ${status}`, status, suspected: true };
    } else if (target.error || (status !== null && status >= 400)) {
      // Did not answer (timeout, DNS, refused) or refused/failed to serve (403, 5xx): unknowable, not a finding.
      unreachable.push({ url: link.href, name: link.text, detail: target.error ? `${target.error.kind}${target.error.status ? ` ${target.error.status}` : ''}` : `HTTP ${status}` });
      continue;
    } else if (content?.scriptBuilt) {
      // Built by script: the HTML shows nothing of what a visitor sees; not judged (render: browser reads it).
      unreachable.push({ url: link.href, name: link.text, detail: 'page built by script' });
      continue;
    } else if (content && (content.kind === 'other' || content.kind === 'list')) {
      const ph = content.placeholders.find((x) => !x.heading || normalizeName(x.heading) === normalizeName(link.text)) ?? (content.blocks.length === 0 ? content.placeholders[0] : undefined);
      if (ph) blank = { reason: 'placeholder', detail: ph.text };
      else if (content.blocks.every((b) => b.total === 0) && content.longLinks === 0 && content.mainTextLength <= o.blankMaxTextChars) blank = { reason: 'no-items', detail: clean(content.shortText ?? '') };
    }
    if (!blank) continue;
    const col = get(key, link.from, target.finalUrl || key);
    addSource(col, source);
    addName(col, content?.columnName);
    addName(col, link.text);
    addName(col, content?.crumb);
    if (link.fromHome) col.level = 1;
    col.linkedFrom.push(link.from);
    col.blank = blank;
  }

  // 5. Same name on the home page and on a list page: one column.
  for (const col of [...columns.values()]) {
    if (col.url || !col.names.length) continue;
    const n = normalizeName(col.names[0]);
    const twin = [...columns.values()].find((x) => x !== col && x.url && x.names.some((m) => normalizeName(m) === n));
    if (twin) {
      addSource(twin, col.sources[0]);
      if (col.level === 1) twin.level = 1;
      const seen = new Set(twin.items.map((i) => i.href ?? i.title));
      for (const it of col.items) if (!seen.has(it.href ?? it.title)) twin.items.push(it);
      if (twin.items.length) delete twin.blank;
      columns.delete(col.key);
    }
  }

  // 6. Class, level, dates.
  let anyDates = false;
  for (const col of columns.values()) {
    col.name = col.names[0] ?? col.key;
    const { cls, matched } = classifyColumn(col.names, o.classes);
    if (cls) {
      col.classId = cls.id;
      col.classLabel = cls.label;
      col.matched = matched;
      col.maxAgeDays = cls.maxAgeDays;
      col.veto = cls.veto;
      col.deduction = cls.deduction;
    }
    col.dated = col.items.filter((i) => i.date).length;
    col.undated = col.items.length - col.dated;
    if (col.dated) anyDates = true;
    col.newest = newestOf(col.items, asOf);
    if (col.newest) col.ageDays = daysBetween(col.newest.date!, asOf);
    if (col.items.length && col.blank?.reason !== 'dead') delete col.blank;
  }

  // Home page (W-V2).
  let home: HomeFreshness | undefined;
  if (homePage && homeContent) {
    const items: ResolvedItem[] = [];
    const seen = new Set<string>();
    for (const b of homeContent.blocks) {
      for (const it of b.items) {
        const k = it.href ?? it.title;
        if (seen.has(k)) continue;
        seen.add(k);
        items.push(resolveItem(it, homeUrl, articles, asOf));
      }
    }
    const dated = items.filter((i) => i.date).length;
    if (dated) anyDates = true;
    home = { url: homeUrl, items, dated, undated: items.length - dated, newest: newestOf(items, asOf), navigationOnly: dated === 0 };
    if (homeContent.scriptBuilt) home.scriptBuilt = homeContent.scriptSignals;
    if (!home.newest) {
      const second: ResolvedItem[] = [];
      let n = 0;
      // Second-level pages: those the home page links to (from an article start, not the article's own links).
      const linked = homePage === site.home ? undefined : new Set([...homeContent.navLinks.map((l) => l.href), ...homeContent.blocks.flatMap((b) => b.items.map((i) => i.href))]);
      for (const [p, c] of contents) {
        if (linked ? !linked.has(p.url) && !linked.has(p.finalUrl) : p.depth !== 1) continue;
        n++;
        for (const b of c.blocks) for (const it of b.items) second.push(resolveItem(it, p.finalUrl, articles, asOf));
        if (c.article?.best) second.push({ title: c.article.title, href: p.finalUrl, date: c.article.best.date, source: 'article', listedOn: p.finalUrl });
      }
      home.secondLevel = { newest: newestOf(second, asOf), pages: n };
    }
  }
  for (const a of articles.values()) if (a.best) anyDates = true;
  return { columns: [...columns.values()], home, articles, anyDates, unverified, unreachable, notColumns, startArticle };
}

/**
 * Whether an address can be a site's home page by its path: the root, a folder or an index-like file
 * (index, default, home, main, portal, shouye) at most two folders down (/ycsrmzf/index.shtml). A deeper or
 * otherwise named page (/tjsj/2018/11.html, /guestweb4/s) is a lower page: the home page is looked for from it.
 */
export function homeLikeUrl(url: string): boolean {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return true;
  }
  const parts = path.split('/').slice(1);
  const last = parts.pop() ?? '';
  if (parts.length > 2) return false;
  return last === '' || /^(index|default|home|main|portal|shouye|sy)(\.[a-z]{2,6})?$/i.test(last);
}

/**
 * A start page that says it is a lower page (a column list under a two-level folder such as /xxgk/xxgknb/, whose
 * address looks like a sub-site's home): a breadcrumb 首页 > … > X and a 首页 or logo link leading to another page.
 * A home page has no such trail. The signal, or undefined.
 */
export function lowerPageSignal(c: PageContent, url: string): string | undefined {
  const trail = c.crumbTrail ?? [];
  if (trail.length < 2 || !/^(首页|网站首页|主页|首頁)$/.test(trail[0])) return undefined;
  const self = columnKey(url);
  const other = c.homeLinks.find((h) => columnKey(h) !== self);
  return other ? `a lower page: breadcrumb ${trail.join(' > ')}, its 首页 link leads to ${other}` : undefined;
}

/** A start page that is an article: ArticleTitle/PubDate meta or an article path, or two weaker signs. */
export function isArticleStart(c: PageContent): boolean {
  const strong = c.articleSignals.filter((x) => x.startsWith('meta ') || x.startsWith('article path')).length;
  const datedItems = c.blocks.reduce((n, b) => n + b.dated, 0);
  if (c.articleSignals.length >= 2 && strong >= 1) return true;
  // One strong sign alone: an article unless the page carries the dated lists of a home page.
  return strong === 1 && datedItems < 10;
}

/** The site's home page seen from an article: the site root, then its 首页 and logo links; crawled pages first, then one probe each. */
async function findHomePage(
  site: SiteArtifacts,
  start: PageContent,
  pages: Map<string, PageArtifact>,
  contents: Map<PageArtifact, PageContent>,
  o: DiscoverOptions,
  canProbe: () => boolean,
  probed: () => void,
): Promise<{ page?: PageArtifact; content?: PageContent; tried: string[]; failure?: string }> {
  const origin = new URL(site.home!.finalUrl).origin;
  const candidates = [...new Set([`${origin}/`, ...start.homeLinks.filter((h) => isInternal(h, site))].map((u) => u))].filter((u) => columnKey(u) !== columnKey(site.home!.finalUrl));
  const tried: string[] = [];
  const failures: string[] = [];
  for (const url of candidates.slice(0, 4)) {
    tried.push(url);
    let page = pages.get(url) ?? pages.get(columnKey(url));
    let content = page ? contents.get(page) : undefined;
    if (!page && canProbe()) {
      probed();
      const r = await o.probe!(url);
      page = r.page;
      content = r.content;
    }
    if (!page) {
      failures.push(`${url}: not fetched`);
      continue;
    }
    const status = page.error?.status ?? page.status;
    if (page.error || status === null || status >= 400) {
      failures.push(`${url}: ${page.error ? page.error.kind : ''}${status ? ` HTTP ${status}` : ''}`.trim());
      continue;
    }
    if (!content || isArticleStart(content)) {
      failures.push(`${url}: not a home page`);
      continue;
    }
    return { page, content, tried };
  }
  return { tried, failure: failures.join('; ') || 'no home page link' };
}

/** A probe for discoverColumns through the run's shared polite client (GET, first 64 KiB of the body). */
/**
 * Pages beyond the crawl for discoverColumns: fetched through the check's page service (GET, body) and analysed
 * as crawled pages are; an analysis that failed is a page without content, as for crawled pages.
 */
export function columnProbe(pages: PageService, analyze: AnalyzeOptions): (url: string) => Promise<ProbedPage> {
  return async (url) => {
    const { page, collected } = await pages.probe(url, (ctx) => analyzePage(ctx, analyze));
    return { page, content: unlessFailed(collected) };
  };
}

/** Compact view of a column for summaries and evidence. */
export function columnView(c: Column) {
  return {
    name: c.name,
    url: c.url ?? c.seenOn,
    class: c.classId ?? null,
    level: c.level,
    items: c.items.length,
    dated: c.dated,
    newest: c.newest?.date ?? null,
    ageDays: c.ageDays ?? null,
    blank: c.blank?.reason ?? null,
  };
}
