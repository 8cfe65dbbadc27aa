import type { AnyNode, Document, Element } from 'domhandler';
import iconv from 'iconv-lite';
import type { LinkRef, PageArtifact, RefKind, SkipReason } from '../types.js';
import { BLOCK_ELEMENTS, detached, INVISIBLE_ELEMENTS } from '../html.js';

/** File extensions inspectors count as attachments (附件). */
export const ATTACHMENT_EXTENSIONS = new Set(['pdf', 'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'wps', 'et', 'dps', 'ofd', 'ceb', 'caj', 'zip', 'rar', '7z', 'tar', 'gz', 'csv', 'txt', 'rtf', 'odt', 'ods', 'apk', 'exe', 'dmg']);
/** Extensions that are never HTML pages (not crawled as pages, only verified). */
const RESOURCE_EXTENSIONS = new Set([
  'jpg',
  'jpeg',
  'png',
  'gif',
  'bmp',
  'webp',
  'svg',
  'ico',
  'tif',
  'tiff',
  'css',
  'js',
  'mjs',
  'json',
  'xml',
  'mp3',
  'mp4',
  'avi',
  'flv',
  'wmv',
  'mov',
  'webm',
  'ogg',
  'wav',
  'swf',
  'woff',
  'woff2',
  'ttf',
  'eot',
  'otf',
]);

export function extensionOf(url: URL): string {
  const p = url.pathname;
  const slash = p.lastIndexOf('/');
  const dot = p.lastIndexOf('.');
  return dot > slash + 1 ? p.slice(dot + 1).toLowerCase() : '';
}

export function isAttachmentUrl(url: URL): boolean {
  return ATTACHMENT_EXTENSIONS.has(extensionOf(url));
}

export function isResourceUrl(url: URL): boolean {
  return RESOURCE_EXTENSIONS.has(extensionOf(url));
}

const SKIP_SCHEMES: Record<string, SkipReason> = {
  'mailto:': 'mailto',
  'tel:': 'tel',
  'javascript:': 'javascript',
  'data:': 'data',
  'sms:': 'sms',
};

const INVISIBLE = INVISIBLE_ELEMENTS;
const BLOCK = BLOCK_ELEMENTS;

export interface Extracted {
  title: string;
  /** Visible text, block elements separated by newlines. */
  text: string;
  meta: Record<string, string>;
  links: LinkRef[];
  baseHref?: string;
}

export interface ExtractOptions {
  pageUrl: string;
  /** Hosts (URL.host, lower-case) that belong to the site. */
  siteHosts: ReadonlySet<string>;
  /**
   * The document's encoding (canonical name, e.g. gb18030). Browsers percent-encode the query string of a
   * link in the document's encoding (the path is always UTF-8), so a GBK page's `?q=通知` becomes `%CD%A8%D6%AA`.
   */
  encoding?: string | null;
  /** The page's HTML the tree was parsed from: when it has no `<base`, the tree is not searched for a `<base href>`. */
  html?: string;
}

/** A per-crawl pool of strings (called as a function) and of whole references (`link`). */
export interface Interner {
  (s: string): string;
  /**
   * The one shared, frozen copy of an identical reference (same target, place, text and flags); a reference seen
   * for the first time has its strings pooled (URL, raw value, selector, text) and becomes the shared copy.
   */
  link(l: LinkRef): LinkRef;
}

/** References kept per target for sharing; a target linked from more distinct places is not shared further. */
const MAX_SHARED_PER_TARGET = 32;

function sameRef(a: LinkRef, b: LinkRef): boolean {
  return (
    a.selector === b.selector &&
    a.text === b.text &&
    a.raw === b.raw &&
    a.url === b.url &&
    a.element === b.element &&
    a.attribute === b.attribute &&
    a.kind === b.kind &&
    a.internal === b.internal &&
    a.attachment === b.attachment &&
    a.skipped === b.skipped &&
    a.malformed === b.malformed &&
    a.fragment === b.fragment
  );
}

/**
 * A per-crawl pool. Strings are copied when first pooled so that the pool never keeps a page's whole HTML alive
 * through a substring of it. References are shared whole: the navigation and footer of a site's template are
 * the same objects on every page (frozen: nothing may change a shared reference).
 */
export function stringPool(): Interner {
  const pool = new Map<string, string>();
  // Shared references by target, then by place (selector): a target linked from many places is found in one lookup
  // per level, not by comparing every reference kept for it.
  const refs = new Map<string, { count: number; byPlace: Map<string, LinkRef[]> }>();
  const intern = ((s: string) => {
    const known = pool.get(s);
    if (known !== undefined) return known;
    const own = detached(s);
    pool.set(own, own);
    return own;
  }) as Interner;
  intern.link = (l: LinkRef) => {
    // Compared before pooling its strings: a template reference already shared costs two lookups, not five.
    let target = refs.get(l.url ?? l.raw);
    const list = target?.byPlace.get(l.selector);
    if (list) for (const c of list) if (sameRef(c, l)) return c;
    if (l.url) l.url = intern(l.url);
    l.raw = l.raw === l.url ? l.url : intern(l.raw);
    l.selector = intern(l.selector);
    // An anchor text can be a substring of the page's HTML too (V8 sliced string): pooled, it is a copy.
    l.text = intern(l.text);
    if (!target) refs.set(l.url ?? l.raw, (target = { count: 0, byPlace: new Map() }));
    if (target.count >= MAX_SHARED_PER_TARGET) return l;
    target.count++;
    const frozen = Object.freeze(l);
    if (list) list.push(frozen);
    else target.byPlace.set(l.selector, [frozen]);
    return l;
  };
  return intern;
}

/**
 * Replaces a page's most repeated strings and references by their pooled copies (see `stringPool`): the same
 * navigation, footer and template references, and the same header and meta values, on every page of a site
 * then cost one copy per site, not one per page. Pooled strings are copies, so none of them keeps the page's
 * HTML alive as a V8 sliced string would.
 */
export function internPage(page: Pick<PageArtifact, 'links' | 'headers' | 'meta' | 'title'>, intern: Interner): void {
  // The title is a substring of the page's HTML: pooled (copied), it no longer keeps the whole page alive.
  page.title = intern(page.title);
  const links = page.links;
  // Each reference is the shared copy of an identical one, or has its strings pooled (`Interner.link`).
  for (let i = 0; i < links.length; i++) links[i] = intern.link(links[i]);
  for (const k in page.headers) page.headers[k] = intern(page.headers[k]);
  for (const k in page.meta) page.meta[k] = intern(page.meta[k]);
}

/**
 * Replaces, in place, every string of a collector's artifact (plain objects and arrays, bounded depth) by a
 * detached copy: collectors keep titles and snippets cut from DOM text, and each one would otherwise keep its
 * page's whole HTML in memory until the checks run. With the crawl's pool (`copy`), a string another page already
 * kept (a template link's address or title) becomes that one copy instead of a new copy per page.
 */
export function detachStrings(v: unknown, seen = new Set<object>(), depth = 0, copy: (s: string) => string = detached): void {
  if (!v || typeof v !== 'object' || depth > 10 || seen.has(v)) return;
  seen.add(v);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      // Only strings long enough to be a slice are copied, only objects are entered (a sketch of numbers costs a test each).
      if (typeof x === 'string') {
        if (x.length > 12) v[i] = copy(x);
      } else if (typeof x === 'object' && x !== null) detachStrings(x, seen, depth + 1, copy);
    }
    return;
  }
  if (Object.getPrototypeOf(v) !== Object.prototype || Object.isFrozen(v)) return;
  const o = v as Record<string, unknown>;
  for (const k in o) {
    const x = o[k];
    if (typeof x === 'string') {
      if (x.length > 12) o[k] = copy(x);
    } else if (typeof x === 'object' && x !== null) detachStrings(x, seen, depth + 1, copy);
  }
}

function attr(el: Element, name: string): string | undefined {
  return el.attribs[name];
}

/** A link's text: its own, else its title or alt attribute. */
function elText(el: Element): string {
  return textOf(el) || attr(el, 'title') || attr(el, 'alt') || '';
}

function textOf(node: AnyNode): string {
  if (node.type === 'text') return (node as unknown as { data: string }).data;
  if ('children' in node) {
    const children = node.children as AnyNode[];
    // One text child (most links): its text as is, without an array and a join.
    if (children.length === 1 && children[0].type === 'text') return (children[0] as unknown as { data: string }).data;
    return children.map(textOf).join('');
  }
  return '';
}

/** What every `<base>` element's source contains (tag names are case-insensitive). */
const BASE_TAG = /<base/i;

const URL_IN_CSS = /url\(\s*(['"]?)([^'")]+?)\1\s*\)/gi;
/** `@import "x.css"` (the url() form is found by URL_IN_CSS). */
const IMPORT_IN_CSS = /@import\s+(['"])([^'"]+)\1/gi;

/** Edit distance ≤ 1 (for mistyped schemes such as htp: or htps:). */
function nearlyEqual(a: string, b: string): boolean {
  if (a === b) return true;
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return a.slice(i + 1) === b.slice(i + 1) || a.slice(i) === b.slice(i + 1) || a.slice(i + 1) === b.slice(i);
}

/**
 * References a browser cannot open as intended although the URL parser may accept them: a scheme typed
 * wrongly (`https;//`, `http//`, `http：//` with a full-width colon, `htp://`), which a browser would take for
 * a relative path or an unknown protocol, and `%` not followed by two hex digits, which servers refuse.
 * Returns the reason in plain words, or undefined.
 */
export function malformedReason(raw: string): string | undefined {
  if (/^https?\s*[;；,，.。：]/i.test(raw)) return 'mistyped scheme';
  if (/^https?[/\\／]{2}/i.test(raw)) return 'missing colon after scheme';
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(raw)?.[1]?.toLowerCase();
  if (scheme && scheme !== 'http' && scheme !== 'https' && scheme.length >= 3 && (nearlyEqual(scheme, 'http') || nearlyEqual(scheme, 'https'))) return 'mistyped scheme';
  if (/^www\.[a-z0-9-]+(\.[a-z0-9-]+)+(?:[/:?#]|$)/i.test(raw)) return 'missing scheme (http://)';
  if (/%(?![0-9a-fA-F]{2})/.test(raw)) return 'bad percent-encoding';
  return undefined;
}

/** Candidate URLs of a srcset attribute, parsed as the HTML standard does (URLs may contain commas). */
export function parseSrcset(value: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = value.length;
  const ws = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f';
  while (i < n) {
    while (i < n && (ws(value[i]) || value[i] === ',')) i++;
    if (i >= n) break;
    let j = i;
    while (j < n && !ws(value[j])) j++;
    let url = value.slice(i, j);
    i = j;
    if (url.endsWith(',')) {
      url = url.replace(/,+$/, '');
    } else {
      // Skip the descriptors up to the next comma outside parentheses.
      let depth = 0;
      while (i < n) {
        const c = value[i];
        if (c === '(') depth++;
        else if (c === ')') depth = Math.max(0, depth - 1);
        else if (c === ',' && depth === 0) break;
        i++;
      }
    }
    if (url) out.push(url);
  }
  return out;
}

/**
 * The URL of a `<meta http-equiv="refresh">` content, parsed as the HTML standard does: `0;url=x`,
 * `5; URL=x`, `0; url='x'`, `0;URL="x"`, `0, x` and `0; x`. Undefined for a plain reload (`30`) or garbage.
 */
export function parseMetaRefresh(content: string): string | undefined {
  const s = content.replace(/^[\t\n\f\r ]+/, '');
  const m = /^(\d*)(\.[\d.]*)?/.exec(s)!;
  if (m[0] === '') return undefined;
  let rest = s.slice(m[0].length);
  if (rest === '') return undefined;
  if (!/^[;,\t\n\f\r ]/.test(rest)) return undefined;
  rest = rest.replace(/^[\t\n\f\r ]*[;,]?[\t\n\f\r ]*/, '');
  if (rest === '') return undefined;
  const u = /^url[\t\n\f\r ]*=[\t\n\f\r ]*/i.exec(rest);
  if (u) rest = rest.slice(u[0].length);
  const q = rest[0];
  if (q === '"' || q === "'") {
    rest = rest.slice(1);
    const end = rest.indexOf(q);
    if (end !== -1) rest = rest.slice(0, end);
  }
  rest = rest.trim();
  return rest === '' ? undefined : rest;
}

const UTF_ENCODINGS = new Set(['utf-8', 'utf8', 'utf-16le', 'utf-16be', 'utf-16']);

/** Re-encodes a reference's non-ASCII query characters in the document's encoding, as browsers do. */
function encodeQueryLikeBrowser(u: URL, raw: string, encoding: string | null | undefined): void {
  if (!encoding || UTF_ENCODINGS.has(encoding.toLowerCase())) return;
  const q = raw.indexOf('?');
  if (q === -1) return;
  const hash = raw.indexOf('#', q);
  const query = raw.slice(q + 1, hash === -1 ? undefined : hash);
  if (!/[^\x00-\x7f]/.test(query) || !iconv.encodingExists(encoding)) return;
  let out = '';
  for (const ch of query) {
    if (ch.charCodeAt(0) < 0x80) out += ch;
    else for (const b of iconv.encode(ch, encoding)) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  u.search = out;
}

/** What resolving a root-relative reference gave (everything of it that does not depend on the page). */
interface RootResolved {
  /** The reference as written (a copy, also the cache's key): a page's identical reference takes it, not its own slice. */
  raw: string;
  href: string;
  fragment: string | undefined;
  host: string;
  attachment: boolean;
}

/**
 * Root-relative references ("/art/1.html", "//host/x", "\\x") resolve alike against every base of one origin: the URL
 * parser keeps only the base's scheme, host and port for them (credentials excluded: such bases are not cached).
 * Kept across pages by origin and document encoding (a GBK page's query is encoded otherwise), at most
 * ROOT_CACHE_MAX references in all; the navigation and footer of a site's template are then parsed once per site.
 */
const rootCaches = new Map<string, Map<string, RootResolved>>();
let rootCached = 0;
const ROOT_CACHE_MAX = 20_000;
let lastRootBase = '';
let lastRootKey = '';

function rootCacheFor(base: string, encoding: string | null | undefined): Map<string, RootResolved> | undefined {
  let key: string;
  if (base === lastRootBase) key = lastRootKey;
  else {
    let u: URL;
    try {
      u = new URL(base);
    } catch {
      return undefined;
    }
    if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.username || u.password) return undefined;
    key = u.origin;
    lastRootBase = base;
    lastRootKey = key;
  }
  key = `${key} ${encoding ?? ''}`;
  let m = rootCaches.get(key);
  if (!m) rootCaches.set(key, (m = new Map()));
  return m;
}

function rememberRoot(m: Map<string, RootResolved>, r: RootResolved): void {
  if (rootCached >= ROOT_CACHE_MAX) {
    // All origins' references dropped; this page's map is emptied too (it may be held by the page being extracted).
    for (const other of rootCaches.values()) other.clear();
    rootCaches.clear();
    rootCached = 0;
  }
  // A copy of the key: the reference as written is a slice of its page's HTML, which the cache must not keep alive.
  m.set(r.raw, r);
  rootCached++;
}

/**
 * An element's CSS selector, made only when a reference needs it (most elements have none): `name#id` for an
 * element with a usable id, else its parent's selector, ' > ' and `name:nth-of-type(n)`; each made once.
 */
class SelectorPath {
  private made?: string;
  constructor(
    private readonly up: SelectorPath | undefined,
    private readonly name: string,
    private readonly n: number,
    private readonly id: string | undefined,
  ) {}

  get text(): string {
    if (this.made === undefined) {
      if (this.id !== undefined) this.made = `${this.name}#${this.id}`;
      else this.made = childSelector(this.up ? this.up.text : '', this.name, this.n);
    }
    return this.made;
  }
}

/**
 * `parent > name:nth-of-type(n)`, the same string object for the same selector on every page (at most
 * SELECTOR_MEMO_MAX kept): a site's template places then cost one string per site, and the maps that pool and
 * share references find them by a hash computed once instead of flattening and hashing a new string per link.
 */
const selectorMemo = new Map<string, Map<string, string[]>>();
let selectorsMemoised = 0;
const SELECTOR_MEMO_MAX = 50_000;

function childSelector(parent: string, name: string, n: number): string {
  // Keys and selectors are kept as copies: an element name or id can be a slice of a page's HTML (and a
  // concatenation keeps its parts), which the memo must not keep alive.
  let byName = selectorMemo.get(parent);
  if (!byName) {
    if (selectorsMemoised >= SELECTOR_MEMO_MAX) {
      selectorMemo.clear();
      selectorsMemoised = 0;
    }
    selectorMemo.set(detached(parent), (byName = new Map()));
  }
  let byN = byName.get(name);
  if (!byN) byName.set(detached(name), (byN = []));
  let made = byN[n];
  if (made === undefined) {
    const own = `${name}:nth-of-type(${n})`;
    made = detached(parent ? `${parent} > ${own}` : own);
    byN[n] = made;
    selectorsMemoised++;
  }
  return made;
}

/**
 * One walk over the parsed document: title, visible text, standard meta tags, and every outgoing
 * reference with its element, attribute, selector and text, resolved against <base href>.
 */
export function extractPage(doc: Document, opts: ExtractOptions): Extracted {
  const meta: Record<string, string> = {};
  const links: LinkRef[] = [];
  const textParts: string[] = [];
  let title = '';
  let baseHref: string | undefined;

  // <base href> applies to every URL in the document, wherever it stands; the first one with href wins.
  const findBase = (n: AnyNode): boolean => {
    if (n.type === 'tag' && (n as Element).name === 'base' && attr(n as Element, 'href') !== undefined) {
      baseHref = attr(n as Element, 'href');
      return true;
    }
    if ('children' in n) for (const c of n.children as AnyNode[]) if (findBase(c)) return true;
    return false;
  };
  if (opts.html === undefined || BASE_TAG.test(opts.html)) findBase(doc);
  // The document base URL: <base href> resolved against the page URL; an invalid one, or one whose scheme
  // is data: or javascript:, is ignored (the HTML standard's fallback base URL).
  let base = opts.pageUrl;
  if (baseHref !== undefined) {
    try {
      const b = new URL(baseHref, opts.pageUrl);
      if (b.protocol !== 'data:' && b.protocol !== 'javascript:') base = b.href;
    } catch {
      /* ignored, as browsers do */
    }
  }

  const withoutHash = (u: string) => u.replace(/#.*$/, '');
  const baseElsewhere = withoutHash(base) !== withoutHash(opts.pageUrl);
  const rootCache = rootCacheFor(base, opts.encoding);

  const add = (el: Element, path: SelectorPath, attribute: string, raw: string, kind: RefKind, text: string) => {
    const selector = path.text;
    // Browsers strip only ASCII whitespace and C0 controls around a URL: a full-width space (U+3000) or a
    // no-break space stays in it and is percent-encoded, exactly as a visitor's browser would request it.
    const trimmed = raw.length > 0 && raw.charCodeAt(0) > 0x20 && raw.charCodeAt(raw.length - 1) > 0x20 ? raw : raw.replace(/^[\x00-\x20]+|[\x00-\x20]+$/g, '');
    const ref: LinkRef = { url: null, raw, element: el.name, attribute, selector, text: text === '' ? '' : text.trim().replace(/\s+/g, ' ').slice(0, 200), kind, attachment: false, internal: false };
    // An empty href or a bare #fragment points at the page itself, unless <base href> points elsewhere: then a
    // browser goes to the base URL ("返回顶部" on a page with a base href leaves the page), so it is a link.
    const toBase = attribute === 'href' && baseElsewhere;
    if (trimmed === '' && !toBase) {
      // An empty reference points at the page itself (or, for src, requests nothing): nothing to verify.
      ref.skipped = 'fragment';
      links.push(ref);
      return;
    }
    if (trimmed.startsWith('#') && !toBase) {
      ref.skipped = 'fragment';
      ref.fragment = decodeURIComponentSafe(trimmed.slice(1));
      links.push(ref);
      return;
    }
    const first = trimmed.charCodeAt(0);
    const rootRelative = rootCache !== undefined && (first === 0x2f || first === 0x5c); // '/' or '\\'
    if (rootRelative) {
      // Known only once it passed every test below (no scheme, not malformed): those depend on the reference alone.
      const known = rootCache!.get(trimmed);
      if (known !== undefined) {
        if (trimmed === raw) ref.raw = known.raw;
        if (known.fragment !== undefined) ref.fragment = known.fragment;
        ref.url = known.href;
        ref.internal = opts.siteHosts.has(known.host);
        ref.attachment = known.attachment || (el.name === 'a' && attr(el, 'download') !== undefined);
        if (ref.attachment && (kind === 'page' || kind === 'other')) ref.kind = 'attachment';
        links.push(ref);
        return;
      }
    }
    const lower = trimmed.toLowerCase();
    const scheme = /^([a-z][a-z0-9+.-]*:)/i.exec(lower)?.[1];
    if (scheme && SKIP_SCHEMES[scheme]) {
      ref.skipped = SKIP_SCHEMES[scheme];
      links.push(ref);
      return;
    }
    const bad = malformedReason(trimmed);
    if (bad) {
      ref.malformed = bad;
      links.push(ref);
      return;
    }
    if (scheme && scheme !== 'http:' && scheme !== 'https:') {
      ref.skipped = 'other_scheme';
      links.push(ref);
      return;
    }
    let u: URL;
    try {
      u = new URL(trimmed, base);
    } catch {
      ref.malformed = 'not a valid URL';
      links.push(ref);
      return;
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      ref.skipped = 'other_scheme';
      links.push(ref);
      return;
    }
    if (!u.hostname) {
      ref.malformed = 'no host name';
      links.push(ref);
      return;
    }
    encodeQueryLikeBrowser(u, trimmed, opts.encoding);
    // Serialised once: '#' can only start the fragment in a serialised URL (setting u.hash re-serialises it).
    let href = u.href;
    const hashAt = href.indexOf('#');
    if (hashAt >= 0) {
      if (u.hash) ref.fragment = decodeURIComponentSafe(u.hash.slice(1));
      href = href.slice(0, hashAt);
    }
    ref.url = href;
    const host = u.host.toLowerCase();
    const attachmentUrl = isAttachmentUrl(u);
    if (rootRelative) rememberRoot(rootCache!, { raw: detached(trimmed), href, fragment: ref.fragment, host, attachment: attachmentUrl });
    ref.internal = opts.siteHosts.has(host);
    ref.attachment = attachmentUrl || (el.name === 'a' && attr(el, 'download') !== undefined);
    if (ref.attachment && (kind === 'page' || kind === 'other')) ref.kind = 'attachment';
    links.push(ref);
  };

  const addSrcset = (el: Element, selector: SelectorPath, value: string, kind: RefKind, text: string) => {
    for (const url of parseSrcset(value)) add(el, selector, 'srcset', url, kind, text);
  };

  const addCss = (el: Element, selector: SelectorPath, css: string, attribute: string) => {
    for (const m of css.matchAll(URL_IN_CSS)) {
      const v = m[2].trim();
      if (v && !v.toLowerCase().startsWith('data:') && !v.startsWith('#')) add(el, selector, attribute, v, /\.css(?:[?#]|$)/i.test(v) ? 'style' : 'image', '');
    }
    for (const m of css.matchAll(IMPORT_IN_CSS)) add(el, selector, attribute, m[2], 'style', '');
  };

  const walk = (node: AnyNode, path: SelectorPath | undefined, hidden: boolean) => {
    if (!('children' in node)) return;
    let counts: Map<string, number> | undefined;
    for (const child of node.children as AnyNode[]) {
      if (child.type === 'text') {
        if (!hidden) textParts.push((child as unknown as { data: string }).data);
        continue;
      }
      if (child.type !== 'tag' && child.type !== 'script' && child.type !== 'style') continue;
      const el = child as Element;
      const name = el.name.toLowerCase();
      counts ??= new Map();
      const n = (counts.get(name) ?? 0) + 1;
      counts.set(name, n);
      const id = attr(el, 'id');
      const selector = new SelectorPath(path, name, n, id && /^[A-Za-z][\w-]*$/.test(id) ? id : undefined);
      switch (name) {
        case 'a':
        case 'area': {
          const href = attr(el, 'href');
          if (href !== undefined) add(el, selector, 'href', href, 'page', elText(el));
          else if (attr(el, 'xlink:href') !== undefined) add(el, selector, 'xlink:href', attr(el, 'xlink:href')!, 'page', elText(el)); // <a> inside <svg>
          break;
        }
        case 'image': {
          // SVG <image href|xlink:href>
          const href = attr(el, 'href') ?? attr(el, 'xlink:href');
          if (href !== undefined) add(el, selector, attr(el, 'href') !== undefined ? 'href' : 'xlink:href', href, 'image', '');
          break;
        }
        case 'param': {
          // <object><param name="movie" value="x.swf"> (Flash-era pages still common on government sites)
          const pname = (attr(el, 'name') ?? '').toLowerCase();
          const value = attr(el, 'value');
          if (value !== undefined && /^(movie|src|url|filename|fileurl)$/.test(pname)) add(el, selector, 'value', value, 'object', '');
          break;
        }
        case 'link': {
          const href = attr(el, 'href');
          const rel = (attr(el, 'rel') ?? '').toLowerCase();
          if (href !== undefined && !/\b(dns-prefetch|preconnect)\b/.test(rel)) {
            const as = (attr(el, 'as') ?? '').toLowerCase();
            const kind: RefKind = /stylesheet/.test(rel)
              ? 'style'
              : /icon/.test(rel)
                ? 'image'
                : /canonical|alternate|prev|next/.test(rel)
                  ? 'page'
                  : /preload/.test(rel) && (as === 'style' || as === 'script' || as === 'image')
                    ? (as as RefKind)
                    : 'other';
            add(el, selector, 'href', href, kind, '');
          }
          break;
        }
        case 'img':
        case 'input': {
          if (name === 'input' && (attr(el, 'type') ?? '').toLowerCase() !== 'image') break;
          const src = attr(el, 'src');
          if (src !== undefined) add(el, selector, 'src', src, 'image', attr(el, 'alt') ?? '');
          const srcset = attr(el, 'srcset');
          if (srcset) addSrcset(el, selector, srcset, 'image', attr(el, 'alt') ?? '');
          break;
        }
        case 'source': {
          const parentName = el.parent && el.parent.type === 'tag' ? (el.parent as Element).name.toLowerCase() : '';
          const kind: RefKind = parentName === 'picture' ? 'image' : 'media';
          const src = attr(el, 'src');
          if (src !== undefined) add(el, selector, 'src', src, kind, '');
          const srcset = attr(el, 'srcset');
          if (srcset) addSrcset(el, selector, srcset, kind, '');
          break;
        }
        case 'video':
        case 'audio':
        case 'track': {
          const src = attr(el, 'src');
          if (src !== undefined) add(el, selector, 'src', src, 'media', '');
          const poster = attr(el, 'poster');
          if (poster) add(el, selector, 'poster', poster, 'image', '');
          break;
        }
        case 'script': {
          const src = attr(el, 'src');
          if (src !== undefined) add(el, selector, 'src', src, 'script', '');
          break;
        }
        case 'iframe':
        case 'frame': {
          const src = attr(el, 'src');
          if (src !== undefined) add(el, selector, 'src', src, 'frame', attr(el, 'title') ?? '');
          break;
        }
        case 'embed': {
          const src = attr(el, 'src');
          if (src !== undefined) add(el, selector, 'src', src, 'object', '');
          break;
        }
        case 'object': {
          const data = attr(el, 'data');
          if (data !== undefined) add(el, selector, 'data', data, 'object', '');
          break;
        }
        case 'meta': {
          const httpEquiv = (attr(el, 'http-equiv') ?? '').toLowerCase();
          const content = attr(el, 'content') ?? '';
          if (httpEquiv === 'refresh') {
            const target = parseMetaRefresh(content);
            if (target !== undefined) add(el, selector, 'content', target, 'page', '');
          }
          const key = (attr(el, 'name') ?? attr(el, 'property') ?? (httpEquiv ? `http-equiv:${httpEquiv}` : '')).toLowerCase();
          if (key && !(key in meta)) meta[key] = content;
          break;
        }
        case 'title': {
          if (!title) title = textOf(el).trim().replace(/\s+/g, ' ');
          break;
        }
        case 'style': {
          addCss(el, selector, textOf(el), 'url()');
          break;
        }
        default:
          break;
      }
      const style = attr(el, 'style');
      if (style && /url\(/i.test(style)) addCss(el, selector, style, 'style url()');
      const background = attr(el, 'background');
      if (background) add(el, selector, 'background', background, 'image', '');
      const childHidden = hidden || INVISIBLE.has(name);
      const block = BLOCK.has(name);
      if (block && !hidden) textParts.push('\n');
      walk(el, selector, childHidden);
      if (block && !hidden) textParts.push('\n');
    }
  };
  walk(doc, undefined, false);

  const text = textParts
    .join('')
    .replace(/[ \t\r\f\v\u00a0\u3000]+/g, ' ')
    .replace(/ ?\n[\s]*/g, '\n')
    .trim();
  return { title, text, meta, links, baseHref };
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
