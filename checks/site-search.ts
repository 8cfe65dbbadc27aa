/**
 * site-search — W-D5 功能设计: the home page offers a site search (站内搜索) that finds the site's own content,
 * tried with GET through the run's shared client for the site's name, then an article title (never personal data).
 * How entrances are found and the evidence policy: docs/check-reference.md "Site functions", docs/checks.md "W-D5".
 */
import type { CheerioAPI } from 'cheerio';
import type { Element } from 'domhandler';
import { z } from 'zod';
import { CollectFailure, defineCheck, type FindingInput } from '../src/check-api/api.js';
import { homeReadDoubt, homeReadSignals, type HomeReadSignals } from '../src/analysis/content/home-read.js';
import { ARTICLE_URL, pathOf } from '../src/analysis/content/page-analysis.js';
import type { SiteArtifacts } from '../src/types.js';

const ID = 'site-search';
const severity = z.enum(['veto', 'deduction', 'warning', 'info']);

/** Query field names of search forms (compared lower-case). */
export const DEFAULT_QUERY_FIELDS = ['q', 'query', 'keyword', 'keywords', 'searchword', 'sword', 'wd', 'kw', 'key', 'keys', 'searchkey', 'searchtext', 'searchvalue', 'search', 'qt', 'word', 'words', 'headsearchword'];
/** Search endpoints of common CMSs (TRS, Hanweb/大汉, generic). */
const SEARCH_PATH = /\/was5\/web\/search|\/was\/search|trssearch|\/jsearchfront\/|jrobot\/search|\/search(?:[/._?-]|$)|\/sousuo|\/fulltextsearch|\/searchresult|\/s\.htm/i;
const SEARCH_TEXT = /^(站内|全站|全文|高级)?(搜索|检索|搜\s*索|检\s*索|查询)$|^search$/i;
const SEARCH_HINT = /搜索|检索|关键字|关键词|search|keyword|sousuo/i;
/** "No results" phrases of results pages. */
const NO_RESULTS = /没有(找到|搜索到|检索到|查询到)|未(找到|搜索到|检索到|查询到)|找不到(相关|任何|符合)|无(相关|搜索|检索|查询)(结果|信息|内容|记录|数据)|暂无(相关)?(结果|数据|记录|信息)|(共|找到|检索到|搜索到|查询到)\s*0\s*(条|个|篇|项)/;
/** A result count: 共找到 N 条, 检索到 N 条记录… */
const COUNT = /(?:共找到|共检索到|共搜索到|共查询到|检索到|搜索到|查询到|找到约?|共有|共)\s*([0-9][0-9,]*)\s*(?:条|个|篇|项)/g;
const ERROR_PAGE = /系统(错误|异常|繁忙)|服务器(错误|异常|内部错误)|出错了|发生错误|访问出错|程序异常|Exception|Internal Server Error|Stack ?trace|页面不存在|您访问的页面/i;
/** Words of titles that name people or carry personal details: never sent as a query. */
const PERSONAL_TITLE = /同志|任免|任职|免职|拟任|公示|名单|姓名|身份证|手机|电话|住址|学生|考生|录取|处罚决定书/;

interface SearchForm {
  action: string;
  method: 'get' | 'post';
  field: string;
  hidden: Array<[string, string]>;
  /** Why it is a search form. */
  via: string;
  selector: string;
}

interface SearchLink {
  url: string;
  text: string;
  /** Query field named in the link's own query string, when it has one. */
  field?: string;
}

interface Collected {
  forms: SearchForm[];
  links: SearchLink[];
  /** Search fields outside any form (a script builds the query). */
  scriptFields: string[];
  /** Whether the home page was read whole (src/analysis/content/home-read.ts); absent on a collector of an older shape. */
  read?: HomeReadSignals;
}

interface ResultRead {
  count: number | null;
  zero: boolean;
  noResults: boolean;
  termLinks: string[];
  errorPage: boolean;
  textLength: number;
}

function attr(el: Element, name: string): string {
  return (el.attribs?.[name] ?? '').trim();
}

function isTextInput(el: Element): boolean {
  if (el.name === 'textarea') return false;
  const t = attr(el, 'type').toLowerCase();
  return el.name === 'input' && (t === '' || t === 'text' || t === 'search');
}

function describeEl(el: Element): string {
  const id = attr(el, 'id');
  const name = attr(el, 'name');
  return `${el.name}${id ? `#${id}` : ''}${name ? `[name="${name}"]` : ''}`.slice(0, 120);
}

/** The search forms, search links and script-driven search fields of a page. */
function readEntrances($: CheerioAPI, base: string, fields: Set<string>): Pick<Collected, 'forms' | 'links' | 'scriptFields'> {
  const forms: SearchForm[] = [];
  const scriptFields: string[] = [];
  const fieldOk = (n: string) => fields.has(n.toLowerCase()) || /search|keyword/i.test(n);
  for (const f of $('form').toArray() as Element[]) {
    const $f = $(f);
    if ($f.find('textarea, input[type="password"], input[type="file"]').length) continue;
    const texts = ($f.find('input').toArray() as Element[]).filter(isTextInput);
    if (!texts.length || texts.length > 4) continue;
    const rawAction = attr(f, 'action');
    // A form without an action of its own (or "return false" on submit) is submitted by a script: a script entrance.
    const scripted = !rawAction || /^(#|javascript:)/i.test(rawAction) || /return\s+false/i.test(attr(f, 'onsubmit'));
    let action: string;
    try {
      action = new URL(rawAction || base, base).href;
    } catch {
      continue;
    }
    const named = texts.find((t) => attr(t, 'name') && fieldOk(attr(t, 'name')));
    const label = `${$f.text()} ${($f.find('input[type="submit"], input[type="button"], input[type="image"], button').toArray() as Element[]).map((b) => `${attr(b, 'value')} ${attr(b, 'alt')} ${$(b).text()}`).join(' ')} ${texts.map((t) => `${attr(t, 'placeholder')} ${attr(t, 'id')} ${attr(t, 'class')}`).join(' ')} ${attr(f, 'id')} ${attr(f, 'name')} ${attr(f, 'class')}`;
    const byAction = SEARCH_PATH.test(rawAction);
    const byLabel = texts.length === 1 && SEARCH_HINT.test(label);
    if (!named && !byAction && !byLabel) continue;
    const q = named ?? (texts.length === 1 ? texts[0] : undefined);
    const field = q ? attr(q, 'name') : '';
    if (!field) continue;
    if (scripted) {
      scriptFields.push(`${describeEl(f)} ${describeEl(q ?? texts[0])}`);
      continue;
    }
    const hidden = ($f.find('input[type="hidden"]').toArray() as Element[]).filter((h) => attr(h, 'name')).map((h): [string, string] => [attr(h, 'name'), h.attribs.value ?? '']);
    const method = attr(f, 'method').toLowerCase() === 'post' ? 'post' : 'get';
    forms.push({ action, method, field, hidden: hidden.slice(0, 20), via: named ? `field "${field}"` : byAction ? `action ${rawAction}` : 'labelled 搜索', selector: describeEl(f) });
  }
  const links: SearchLink[] = [];
  const seen = new Set<string>();
  for (const a of $('a[href]').toArray() as Element[]) {
    const href = attr(a, 'href');
    if (!href || /^(javascript:|#|mailto:)/i.test(href)) continue;
    let u: URL;
    try {
      u = new URL(href, base);
    } catch {
      continue;
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') continue;
    const text = $(a).text().replace(/\s+/g, ' ').trim() || attr(a, 'title') || $(a).find('img').attr('alt') || '';
    const byPath = SEARCH_PATH.test(u.pathname) && !ARTICLE_URL.test(u.pathname);
    const byText = SEARCH_TEXT.test(text.trim());
    if (!byPath && !byText) continue;
    u.hash = '';
    if (seen.has(u.href)) continue;
    seen.add(u.href);
    const field = [...u.searchParams.keys()].find((k) => fields.has(k.toLowerCase()));
    links.push({ url: u.href, text: text.slice(0, 40), ...(field ? { field } : {}) });
    if (links.length >= 10) break;
  }
  for (const i of $('input').toArray() as Element[]) {
    if (!isTextInput(i) || $(i).closest('form').length) continue;
    const hint = `${attr(i, 'name')} ${attr(i, 'id')} ${attr(i, 'class')} ${attr(i, 'placeholder')} ${attr(i, 'value')} ${attr(i, 'onkeydown')}`;
    if ((attr(i, 'name') && fieldOk(attr(i, 'name'))) || SEARCH_HINT.test(hint)) scriptFields.push(describeEl(i));
  }
  return { forms: forms.slice(0, 10), links, scriptFields: scriptFields.slice(0, 5) };
}

/** True when an element or one of its ancestors is hidden by attribute or inline style. */
function hidden(el: Element | null): boolean {
  for (let e: Element | null = el; e && e.type === 'tag'; e = e.parent as Element | null) {
    const style = (e.attribs?.style ?? '').replace(/\s+/g, '').toLowerCase();
    if ('hidden' in (e.attribs ?? {}) || style.includes('display:none') || style.includes('visibility:hidden')) return true;
  }
  return false;
}

/** What a results page says about the term: a count, "no results", result links naming it, an error page. */
function readResults($: CheerioAPI, text: string, term: string, skip: Set<string>): ResultRead {
  let count: number | null = null;
  for (const m of text.matchAll(COUNT)) {
    const n = Number(m[1].replace(/,/g, ''));
    if (Number.isFinite(n)) count = Math.max(count ?? 0, n);
  }
  // A "no results" phrase counts only where shown: templates keep hidden ones for the script to reveal.
  let noResults = false;
  for (const el of $('body *').toArray() as Element[]) {
    const own = el.children
      .filter((c) => c.type === 'text')
      .map((c) => (c as unknown as { data: string }).data)
      .join('');
    if (NO_RESULTS.test(own) && !hidden(el)) {
      noResults = true;
      break;
    }
  }
  const zero = count === 0;
  const termLinks: string[] = [];
  for (const a of $('a[href]').toArray() as Element[]) {
    const t = $(a).text().replace(/\s+/g, '');
    const href = attr(a, 'href');
    if (!t.includes(term.replace(/\s+/g, '')) || skip.has(href) || /^(#|javascript:)/i.test(href) || href === '/' || href === './') continue;
    termLinks.push(href);
    if (termLinks.length >= 5) break;
  }
  return { count, zero, noResults, termLinks, errorPage: ERROR_PAGE.test(text.slice(0, 3000)) || ERROR_PAGE.test($('title').text()), textLength: text.length };
}

/** The site's own name: the registry's, else the part of the home page title that names a government unit. */
export function siteNameOf(site: SiteArtifacts): string | undefined {
  const reg = site.site.name?.trim();
  if (reg && reg.length >= 3 && reg.length <= 30) return reg.replace(/[（(][^）)]*[）)]$/, '');
  const title = site.home?.meta['sitename'] || site.home?.title || '';
  const parts = title
    .split(/\s*[-_|–—·｜]\s*|\s{2,}/)
    .map((p) => p.replace(/(门户网站|官方网站|政府网站|网站|官网|首页)$/, '').trim())
    .filter((p) => p.length >= 3 && p.length <= 30 && !/^(首页|主页|index)$/i.test(p) && sendable(p));
  return parts.find((p) => /(人民政府|政府|厅|局|委员会|委|办公室|办|院|馆|中心|会|部|署)$/.test(p)) ?? parts.sort((a, b) => b.length - a.length)[0];
}

/** A text that may be sent as a query: no long digit runs (numbers, IDs, phones), no words naming people. */
function sendable(t: string): boolean {
  return !/\d{5,}/.test(t) && !PERSONAL_TITLE.test(t);
}

/** A recent article title of the crawl that can be sent as a query (no personal data, not too long). */
function articleTerm(site: SiteArtifacts): string | undefined {
  const titles = site.pages
    .filter((p) => !p.error && p !== site.home && (p.meta['articletitle'] || ARTICLE_URL.test(pathOf(p.finalUrl))))
    .map((p) => (p.meta['articletitle'] || p.title.split(/\s*[-_|]\s*/)[0] || '').trim())
    .filter((t) => t.length >= 6 && sendable(t));
  const t = titles[0];
  if (!t) return undefined;
  // Long titles: the first clause (search engines match a phrase).
  return t.length <= 24 ? t : t.split(/[，,；;：:、（(]/)[0].slice(0, 24) || t.slice(0, 24);
}

type Outcome =
  | { kind: 'results'; url: string; term: string; count: number | null; links: string[] }
  | { kind: 'none'; url: string; term: string; why: string }
  | { kind: 'broken'; url: string; why: string; sure: boolean; status: number | null }
  | { kind: 'unknown'; url: string; why: string };

export default defineCheck({
  meta: {
    id: ID,
    scope: ['website'],
    rules: ['W-D5'],
    options: z.object({
      /** Query field names of search forms (compared lower-case; names holding "search" or "keyword" count too). */
      queryFields: z.array(z.string().min(1)).default(DEFAULT_QUERY_FIELDS),
      /** Visible characters below which a home page may be built by script (no-search is then suspected). */
      minHomeText: z.number().int().nonnegative().default(100),
      noSearchSeverity: severity.default('deduction'),
      brokenSeverity: severity.default('deduction'),
      /** Search entrances tried (GET forms and links). */
      maxEntrances: z.number().int().positive().default(2),
      /** Requests of the check at most (search pages and results pages). */
      maxRequests: z.number().int().positive().default(6),
    }),
  },
  collect({ $, page, isHome, text }, options): Collected | undefined {
    if (!isHome || page.error) return undefined;
    const fields = new Set(options.queryFields.map((f) => f.toLowerCase()));
    return {
      ...readEntrances($, page.finalUrl, fields),
      read: homeReadSignals(page, text, $),
    };
  },
  async run(site, ctx) {
    const o = ctx.options;
    const home = site.home;
    if (!home || home.error || (home.status !== null && home.status >= 400)) return { findings: [], notApplicable: 'home page not available (see availability)' };
    const collected = ctx.collected(home);
    if (collected instanceof CollectFailure) throw new Error(`${ID} collector failed on ${home.finalUrl}: ${collected.message}`);
    const c: Collected = collected ?? { forms: [], links: [], scriptFields: [] };
    const findings: FindingInput[] = [];
    const fields = new Set(o.queryFields.map((f) => f.toLowerCase()));
    // A search sits in the header or anywhere on the page: the footer need not be seen, but a frame may hold it.
    const homeDoubt = homeReadDoubt(home, c.read, o.minHomeText, { anyFrame: true });
    const getForms = c.forms.filter((f) => f.method === 'get');
    const postForms = c.forms.filter((f) => f.method === 'post');
    const entranceSummary = { forms: c.forms.map((f) => ({ action: f.action, method: f.method, field: f.field, via: f.via })), links: c.links, scriptFields: c.scriptFields };

    if (!c.forms.length && !c.links.length && !c.scriptFields.length) {
      findings.push({
        code: 'no-search',
        severity: o.noSearchSeverity,
        tier: homeDoubt ? 'suspected' : 'confirmed',
        rule: 'W-D5',
        url: home.finalUrl,
        evidence: {
          location: 'home page',
          expected: `a search form (field ${o.queryFields.slice(0, 6).join('/')}…), a search endpoint or a link to a search page`,
          actual: 'none on the home page',
          ...(homeDoubt ? { reason: homeDoubt } : {}),
        },
      });
      return { findings, summary: { entrance: 'none', ...entranceSummary } };
    }

    let requests = 0;
    const homeHost = new URL(home.finalUrl).host;
    const homeLinks = new Set(home.links.map((l) => l.raw));
    const terms = [siteNameOf(site), articleTerm(site)].filter((t, i, a): t is string => !!t && a.indexOf(t) === i);

    /** Judges a failed or non-2xx answer. */
    const failure = (url: string, status: number | null, errKind: string | undefined, errMsg: string | undefined): Outcome => {
      if (errKind) {
        let host = '';
        try {
          host = new URL(url).host;
        } catch {
          /* keep empty */
        }
        if (errKind === 'timeout' && host === homeHost) return { kind: 'broken', url, why: `no answer within the time limit (${errMsg ?? 'timeout'})`, sure: true, status };
        return { kind: 'broken', url, why: `${errKind}${errMsg ? `: ${errMsg}` : ''}`.slice(0, 200), sure: false, status };
      }
      const sure = status === 404 || status === 410 || (status !== null && status >= 500);
      return { kind: 'broken', url, why: `HTTP ${status}`, sure, status };
    };

    /** Searches `term` at `url` and reads the results page. */
    const search = async (url: string, term: string): Promise<Outcome> => {
      requests++;
      const r = await ctx.pages.probe(url, ({ $, text, page }) => (page.status !== null && page.status < 400 ? readResults($, text, term, homeLinks) : undefined));
      const p = r.page;
      const errKind = p.error?.kind === 'unknown' ? p.error.message.split(':')[0] : p.error?.kind;
      if (p.status === null || p.status >= 400 || (p.error && p.status === null)) return failure(url, p.status, p.status === null ? (errKind ?? 'unknown') : undefined, p.error?.message);
      const read = r.collected instanceof CollectFailure ? undefined : r.collected;
      if (!read) return { kind: 'unknown', url, why: 'the results page could not be read' };
      if (read.termLinks.length || (read.count !== null && read.count > 0)) return { kind: 'results', url, term, count: read.count, links: read.termLinks };
      if (read.errorPage) return { kind: 'broken', url, why: 'the results page is an error page', sure: true, status: p.status };
      if (read.noResults || read.zero) return { kind: 'none', url, term, why: read.zero ? 'result count 0' : 'the page says nothing was found' };
      return { kind: 'unknown', url, why: read.textLength < 200 ? 'the results page shows almost no text (results drawn by script?)' : 'neither results nor "no results" can be read on the results page' };
    };

    const queryUrl = (target: string, field: string, hiddenFields: Array<[string, string]>, term: string): string | undefined => {
      try {
        const u = new URL(target);
        for (const [k, v] of hiddenFields) if (k !== field) u.searchParams.set(k, v);
        u.searchParams.set(field, term);
        return u.href;
      } catch {
        return undefined;
      }
    };

    // Entrances that can be tried with GET: forms, links naming their query field, then linked search pages' forms.
    type Try = { how: string; make: (term: string) => string | undefined };
    const tries: Try[] = [];
    for (const f of getForms) tries.push({ how: `form ${f.selector} → ${f.action}`, make: (t) => queryUrl(f.action, f.field, f.hidden, t) });
    for (const l of c.links) if (l.field) tries.push({ how: `link “${l.text}” ${l.url}`, make: (t) => queryUrl(l.url, l.field!, [], t) });
    const outcomes: Array<{ how: string; outcome: Outcome }> = [];
    if (tries.length < o.maxEntrances) {
      for (const l of c.links.filter((x) => !x.field)) {
        if (tries.length >= o.maxEntrances || requests >= o.maxRequests) break;
        requests++;
        const r = await ctx.pages.probe(l.url, ({ $, page }) => readEntrances($, page.finalUrl, fields));
        const p = r.page;
        if (p.status === null || p.status >= 400) {
          const errKind = p.error?.kind === 'unknown' ? p.error.message.split(':')[0] : p.error?.kind;
          outcomes.push({ how: `search page “${l.text}” ${l.url}`, outcome: failure(l.url, p.status, p.status === null ? (errKind ?? 'unknown') : undefined, p.error?.message) });
          continue;
        }
        const inner = r.collected instanceof CollectFailure ? undefined : r.collected;
        const f = inner?.forms.find((x) => x.method === 'get');
        if (f) tries.push({ how: `search page ${l.url}: form → ${f.action}`, make: (t) => queryUrl(f.action, f.field, f.hidden, t) });
        else outcomes.push({ how: `search page “${l.text}” ${l.url}`, outcome: { kind: 'unknown', url: l.url, why: 'the search page shows no GET search form (built by script?)' } });
      }
    }

    for (const t of tries.slice(0, o.maxEntrances)) {
      let last: Outcome | undefined;
      for (const term of terms) {
        if (requests >= o.maxRequests) break;
        const url = t.make(term);
        if (!url) {
          last = { kind: 'unknown', url: '', why: 'the search address could not be built' };
          break;
        }
        last = await search(url, term);
        if (last.kind !== 'none') break;
      }
      if (last) outcomes.push({ how: t.how, outcome: last });
      if (last?.kind === 'results') break;
    }

    const passed = outcomes.find((x) => x.outcome.kind === 'results');
    if (!terms.length && tries.length) outcomes.push({ how: tries[0].how, outcome: { kind: 'unknown', url: '', why: 'no term to search for (no site name, no article title)' } });
    // POST-only forms are not submitted: their action answering 404/410 to GET is only suspected.
    if (!passed && !outcomes.length && postForms.length && requests < o.maxRequests) {
      const f = postForms[0];
      requests++;
      const r = await ctx.http.probe(f.action, { method: 'GET' });
      if (r.status === 404 || r.status === 410)
        outcomes.push({ how: `POST form ${f.selector} → ${f.action}`, outcome: { kind: 'broken', url: f.action, why: `HTTP ${r.status} (GET on a POST form's action)`, sure: false, status: r.status } });
    }
    const summary = {
      entrance: c.forms.length ? 'form' : c.links.length ? 'link' : 'script',
      ...entranceSummary,
      terms,
      tried: outcomes.map((x) => ({ how: x.how, ...x.outcome })),
      requests,
      works: passed ? true : outcomes.length ? false : null,
    };
    if (passed || !outcomes.length) return { findings, summary };

    const tried = outcomes.map((x) => `${x.how}: ${x.outcome.kind === 'results' ? 'results' : x.outcome.kind === 'none' ? `“${x.outcome.term}” ${x.outcome.why}` : x.outcome.why}`);
    const sureAll = outcomes.every((x) => x.outcome.kind === 'none' || (x.outcome.kind === 'broken' && x.outcome.sure));
    const first = outcomes[0].outcome;
    const base = { severity: o.brokenSeverity, rule: 'W-D5', url: home.finalUrl, target: first.url || undefined };
    if (sureAll && outcomes.every((x) => x.outcome.kind === 'none')) {
      findings.push({
        ...base,
        code: 'search-no-results',
        params: { term: terms.join('”“') },
        tier: 'confirmed',
        evidence: { location: outcomes[0].how, expected: 'results for the site’s own name or an article title', actual: tried.join('; '), terms },
      });
    } else if (sureAll) {
      const b = outcomes.find((x) => x.outcome.kind === 'broken')!.outcome as Extract<Outcome, { kind: 'broken' }>;
      findings.push({
        ...base,
        code: 'search-broken',
        params: { why: b.why },
        tier: 'confirmed',
        target: b.url,
        evidence: { location: outcomes[0].how, expected: 'a results page listing results', actual: tried.join('; '), status: b.status, terms },
      });
    } else {
      const why = tried.join('；');
      findings.push({
        ...base,
        code: 'search-unverified',
        params: { why },
        tier: 'suspected',
        evidence: { location: outcomes[0].how, expected: 'a results page listing results', actual: why, reason: 'the answer does not tell whether the search works', terms },
      });
    }
    return { findings, summary };
  },
});
