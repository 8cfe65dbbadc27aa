/**
 * Turning a parsed page into its artifact, and running the checks' collectors on it. Shared by the
 * crawler and by `artifactsFromHtml` (check tests feed artifacts in without any HTTP, Lighthouse-style).
 */
// cheerio's slim entry (htmlparser2 only): the page is already parsed, and parse5 would cost ≈ 40 ms to load
import * as cheerio from 'cheerio/slim';
import type { Cheerio, CheerioAPI } from 'cheerio';
import { type AnyNode, type ChildNode, type Document, type Element, hasChildren as hasChildrenNode, isTag, type ParentNode } from 'domhandler';
import { DomUtils, parseDocument } from 'htmlparser2';
import type { CheckModule, PageContext } from '../check-api/api.js';
import type { FetchErrorInfo, PageArtifact, RedirectHop, SiteArtifacts, SiteRef } from '../types.js';
import { detachStrings, extractPage, internPage, type Interner } from './extract.js';

export interface ParsedPage {
  url: string;
  finalUrl: string;
  status: number | null;
  headers: Record<string, string>;
  redirectChain: RedirectHop[];
  depth: number;
  referrer?: string;
  fetchedAt: string;
  durationMs: number;
  bytes: number;
  truncated: boolean;
  encoding: string | null;
  encodingSource: PageArtifact['encodingSource'];
  html: string;
  dom: Document;
}

/**
 * A check's collector as gather runs it: handed over by the site check (gather never asks the check registry).
 * `source` is the module's file URL: page workers load the check from there; without it pages stay in-thread.
 */
export type Collector = { module: CheckModule; options: unknown; source?: string };

/** Browsers stop nesting at 512 levels (Chromium's HTML parser); deeper content is kept, one level flat. */
export const MAX_DOM_DEPTH = 512;

function hasChildren(n: AnyNode): n is ParentNode & ChildNode {
  return 'children' in n && Array.isArray((n as ParentNode).children);
}

/** Makes every descendant of `el` a direct child, in document order. */
function flattenInto(el: ParentNode): void {
  const out: ChildNode[] = [];
  const stack: ChildNode[] = [...el.children].reverse();
  while (stack.length) {
    const n = stack.pop()!;
    out.push(n);
    if (hasChildren(n) && n.children.length) {
      for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
      n.children = [];
    }
  }
  out.forEach((n, i) => {
    n.parent = el;
    n.prev = out[i - 1] ?? null;
    n.next = out[i + 1] ?? null;
  });
  el.children = out;
}

/**
 * Caps the tree depth at `max` the way browsers do, so no tree walker (ours or a check's) can overflow the
 * stack on hostile nesting. Iterative; returns true when the document was changed.
 */
export function capDomDepth(doc: Document, max = MAX_DOM_DEPTH): boolean {
  let changed = false;
  const stack: Array<[ParentNode, number]> = [[doc, 0]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (depth >= max) {
      if (node.children.some((c) => hasChildren(c) && c.children.length)) {
        flattenInto(node);
        changed = true;
      }
      continue;
    }
    for (const c of node.children) if (hasChildren(c) && c.children.length) stack.push([c, depth + 1]);
  }
  return changed;
}

/** A list of tag names, each with at most one attribute that must be present: `a[href]`, `h1, h2, textarea, form`. */
const SIMPLE_SELECTOR = /^\s*[a-z][a-z0-9]*(?:\[[a-z][a-z0-9-]*\])?(?:\s*,\s*[a-z][a-z0-9]*(?:\[[a-z][a-z0-9-]*\])?)*\s*$/;

/** The element test of a simple selector, made once per selector text (the checks ask the same few on every page). */
const simpleTests = new Map<string, ((el: Element) => boolean) | null>();
function simpleTest(selector: string): ((el: Element) => boolean) | undefined {
  let test = simpleTests.get(selector);
  if (test === undefined) {
    test = null;
    if (SIMPLE_SELECTOR.test(selector)) {
      const parts = selector.split(',').map((p) => {
        const m = /^\s*([a-z][a-z0-9]*)(?:\[([a-z][a-z0-9-]*)\])?\s*$/.exec(p)!;
        return { name: m[1], attr: m[2] };
      });
      const names = new Set(parts.map((p) => p.name));
      test = (el: Element) => names.has(el.name) && parts.some((p) => p.name === el.name && (p.attr === undefined || el.attribs[p.attr] !== undefined));
    }
    if (simpleTests.size >= 1_000) simpleTests.clear();
    simpleTests.set(selector, test);
  }
  return test ?? undefined;
}

/**
 * Every element of the document in document order, as `DomUtils.findAll` visits them (pre-order, into every node
 * with children): made once per page, then each simple selector is one pass over this list, not one tree walk.
 */
export function elementsInOrder(doc: Document): Element[] {
  const out: Element[] = [];
  const visit = (nodes: AnyNode[]) => {
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i];
      if (isTag(n)) out.push(n);
      if (hasChildrenNode(n) && n.children.length > 0) visit(n.children);
    }
  };
  visit(doc.children);
  return out;
}

/**
 * The elements a simple selector (SIMPLE_SELECTOR) matches in the document, in document order (what css-select
 * finds, without compiling the selector and testing every element against each part); `all` is the document's
 * `elementsInOrder`, when the caller has it.
 */
export function simpleSelect(doc: Document, selector: string, all?: Element[]): Element[] | undefined {
  const test = simpleTest(selector);
  if (!test) return undefined;
  if (!all) return DomUtils.findAll(test, doc.children);
  const out: Element[] = [];
  for (let i = 0; i < all.length; i++) if (test(all[i])) out.push(all[i]);
  return out;
}

/**
 * The collectors' `$` for one page: `$(selector)` over the whole document and `$(node)` are answered once per page and
 * shared (five checks ask for `a[href]`, several wrap the same elements), everything else goes to cheerio as is.
 * Selections are read, never changed, by the collectors; markup (`$('<p>')`) always makes a new fragment. With
 * `pageRoot`, `base` is the crawl's one API (`crawlCheerio`) and every call is given this page's document as its root.
 */
export function sharedSelections(base: CheerioAPI, doc?: Document, pageRoot?: Document): CheerioAPI {
  const bySelector = new Map<string, Cheerio<AnyNode>>();
  const byNode = new Map<AnyNode, Cheerio<AnyNode>>();
  let all: Element[] | undefined;
  const r = pageRoot as never;
  const $ = function (selector?: unknown, context?: unknown, root?: unknown, opts?: unknown) {
    if (context === undefined && root === undefined && opts === undefined) {
      if (typeof selector === 'string' && !selector.includes('<')) {
        let known = bySelector.get(selector);
        if (!known) {
          const found = doc && simpleTest(selector) ? simpleSelect(doc, selector, (all ??= elementsInOrder(doc))) : undefined;
          bySelector.set(selector, (known = found ? base(found, undefined, r) : base(selector, undefined, r)));
        }
        return known;
      }
      if (selector && typeof selector === 'object' && 'type' in selector && 'parent' in selector) {
        const node = selector as AnyNode;
        let known = byNode.get(node);
        if (!known) byNode.set(node, (known = base(node, undefined, r)));
        return known;
      }
    }
    return base(selector as never, context as never, (root ?? r) as never, opts as never);
  } as unknown as CheerioAPI;
  Object.setPrototypeOf($, base);
  // cheerio's static methods ($.root(), $.html(), $.text()) read the page from `_root`.
  if (pageRoot) Object.defineProperty($, '_root', { value: pageRoot });
  return $;
}

let crawlApi: CheerioAPI | undefined;

/**
 * One cheerio API for every page (each page's root is passed in, `sharedSelections`): `cheerio.load` makes a new
 * class per call, so a load per page gave every collector's cheerio call a new hidden class on every page. A
 * traversal wraps its result through `_make`, which here keeps the instance's own root (its page) where cheerio's
 * keeps the loaded document's.
 */
export function crawlCheerio(): CheerioAPI {
  if (!crawlApi) {
    const api = cheerio.load([], {}, true);
    const proto = api.fn as unknown as { _make(selector: unknown, context: unknown): unknown };
    proto._make = function (this: Cheerio<AnyNode>, selector: unknown, context: unknown) {
      const made = api(selector as never, context as never, this._root as never) as Cheerio<AnyNode>;
      made.prevObject = this;
      return made;
    };
    crawlApi = api;
  }
  return crawlApi;
}

export function buildPageArtifact(p: ParsedPage, ctx: { site: SiteRef; asOf: string; siteHosts: ReadonlySet<string>; collectors: Collector[]; intern?: Interner }): PageArtifact {
  const extracted = p.html ? extractPage(p.dom, { pageUrl: p.finalUrl, siteHosts: ctx.siteHosts, encoding: p.encoding, html: p.html }) : { title: '', text: '', meta: {}, links: [] };
  const page: PageArtifact = {
    url: p.url,
    finalUrl: p.finalUrl,
    redirectChain: p.redirectChain,
    depth: p.depth,
    referrer: p.referrer,
    status: p.status,
    headers: p.headers,
    contentType: p.headers['content-type'] ?? null,
    fetchedAt: p.fetchedAt,
    durationMs: p.durationMs,
    bytes: p.bytes,
    truncated: p.truncated,
    encoding: p.encoding,
    encodingSource: p.encodingSource,
    title: extracted.title,
    meta: extracted.meta,
    textLength: extracted.text.length,
    links: extracted.links,
    collected: {},
  };
  if (ctx.intern) internPage(page, ctx.intern);
  if (page.status !== null && page.status >= 400) page.error = { kind: 'http_error', status: page.status, message: `HTTP ${page.status}` };
  const collectors = ctx.collectors.filter((c) => c.module.collect);
  if (collectors.length && p.html) {
    const $ = sharedSelections(crawlCheerio(), p.dom, p.dom);
    const pctx: PageContext = { page, $, dom: p.dom, text: extracted.text, html: p.html, site: ctx.site, asOf: ctx.asOf, isHome: p.depth === 0 };
    for (const c of collectors) {
      try {
        const v = c.module.collect!(pctx, c.options);
        if (v !== undefined) page.collected[c.module.meta.id] = v;
      } catch (e) {
        page.collected[c.module.meta.id] = { collectError: String((e as Error)?.message ?? e) };
      }
    }
    if (ctx.intern) detachStrings(page.collected, new Set(), 0, ctx.intern);
  }
  return page;
}

function capped(d: Document): Document {
  capDomDepth(d);
  return d;
}

/** The artifact of a page that could not be fetched: its URL, where it stood in the crawl, and the named error. */
export function errorPageArtifact(p: { url: string; finalUrl?: string; depth: number; referrer?: string; redirectChain?: RedirectHop[]; started: number }, error: FetchErrorInfo): PageArtifact {
  return {
    url: p.url,
    finalUrl: p.finalUrl ?? p.url,
    redirectChain: p.redirectChain ?? [],
    depth: p.depth,
    referrer: p.referrer,
    status: error.status ?? null,
    headers: {},
    contentType: null,
    fetchedAt: new Date(p.started).toISOString(),
    durationMs: Math.max(0, Date.now() - p.started),
    bytes: 0,
    truncated: false,
    encoding: null,
    encodingSource: null,
    title: '',
    meta: {},
    textLength: 0,
    links: [],
    error,
    collected: {},
  };
}

export interface OfflinePage {
  url: string;
  html: string;
  status?: number;
  headers?: Record<string, string>;
  depth?: number;
}

/**
 * Site artifacts from HTML strings, without any HTTP: for check tests and text-only uses.
 * The first page is the home page.
 */
export function artifactsFromHtml(pages: OfflinePage[], opts: { asOf: string; site?: Partial<SiteRef>; collectors?: Collector[]; extraHosts?: string[] }): SiteArtifacts {
  const startUrl = new URL(pages[0].url).href;
  const site: SiteRef = { id: new URL(startUrl).host, url: startUrl, kind: 'website', ...opts.site };
  const siteHosts = new Set([new URL(startUrl).host, ...(opts.extraHosts ?? [])]);
  const artifacts = pages.map((p, i) =>
    buildPageArtifact(
      {
        url: new URL(p.url).href,
        finalUrl: new URL(p.url).href,
        status: p.status ?? 200,
        headers: { 'content-type': 'text/html; charset=utf-8', ...p.headers },
        redirectChain: [],
        depth: p.depth ?? (i === 0 ? 0 : 1),
        fetchedAt: new Date().toISOString(),
        durationMs: 1,
        bytes: Buffer.byteLength(p.html),
        truncated: false,
        encoding: 'utf-8',
        encodingSource: 'header',
        html: p.html,
        dom: capped(parseDocument(p.html)),
      },
      { site, asOf: opts.asOf, siteHosts, collectors: opts.collectors ?? [] },
    ),
  );
  const targets = new Set(artifacts.flatMap((a) => a.links.map((l) => l.url).filter(Boolean)));
  return {
    site,
    startUrl,
    home: artifacts[0],
    pages: artifacts,
    stats: { pages: artifacts.length, links: targets.size, durationMs: 0, skippedByLimit: 0, errors: artifacts.filter((a) => a.error).length },
    asOf: opts.asOf,
    siteHosts: [...siteHosts],
  };
}
