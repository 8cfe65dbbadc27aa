/**
 * Text helpers of the content analysis (src/analysis/content/): character normalisation that keeps offsets,
 * Simplified/Traditional variants of keywords (OpenCC), page-boilerplate detection (header, navigation,
 * footer) and a visible-text walker over the parsed document that can leave boilerplate out.
 */
import type { AnyNode, Element, ParentNode, Text } from 'domhandler';
import { convertShort, openccChangeTest, openccConverter, type Conversion } from '../text/opencc.js';
import { BLOCK_ELEMENTS, INVISIBLE_ELEMENTS } from '../../html.js';

/** Full-width digits and date punctuation to ASCII, one character for one (offsets stay valid). */
export function normalizeWidth(s: string): string {
  return s.replace(/[\uff10-\uff19\uff0d\uff0f\uff0e\uff1a\u3000\u00a0\u2212\u2010-\u2015\uff3b\uff3d]/g, (c) => {
    const code = c.charCodeAt(0);
    if (code >= 0xff10 && code <= 0xff19) return String.fromCharCode(code - 0xff10 + 48);
    switch (c) {
      case '\uff0d':
      case '\u2212':
      case '\u2010':
      case '\u2011':
      case '\u2012':
      case '\u2013':
      case '\u2014':
      case '\u2015':
        return '-';
      case '\uff0f':
        return '/';
      case '\uff0e':
        return '.';
      case '\uff1a':
        return ':';
      case '\uff3b':
        return '[';
      case '\uff3d':
        return ']';
      default:
        return ' ';
    }
  });
}

let toSimplifiedFn: Conversion | undefined;
let toSimplifiedGate: ((s: string) => boolean) | undefined;

/** The text of a text, comment or processing-instruction node; undefined for other nodes. */
export function dataOf(n: AnyNode): string | undefined {
  return 'data' in n ? n.data : undefined;
}

/** Traditional (Taiwan, Hong Kong, OpenCC standard) to Simplified Chinese. Lazily built (≈ 0.3 s once). */
export function toSimplified(s: string): string {
  if (!/[^\x00-\x7f]/.test(s)) return s;
  toSimplifiedGate ??= openccChangeTest(['tw2s', 'hk2s']);
  if (!toSimplifiedGate(s)) return s;
  toSimplifiedFn ??= (
    (tw: Conversion, hk: Conversion) => (x: string) =>
      hk(tw(x))
  )(openccConverter('tw', 'cn'), openccConverter('hk', 'cn'));
  return toSimplifiedFn(s);
}

/** Characters whose Taiwan and Hong Kong spellings differ from OpenCC's standard Traditional. */
const REGIONAL: Record<string, string> = { 佈: '布', 裏: '裡', 綫: '線', 峯: '峰', 着: '著', 爲: '為', 僞: '偽', 衞: '衛', 啓: '啟' };

/** A keyword and its Traditional spellings (OpenCC standard, plus Taiwan/Hong Kong character variants), de-duplicated. */
export function variants(word: string): string[] {
  const trad = [convertShort('cn', 't', word)];
  const regional = trad.map((t) => t.replace(/[佈裏綫峯着爲僞衞啓]/g, (c) => REGIONAL[c] ?? c));
  return [...new Set([word, ...trad, ...regional])];
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A regular expression matching any of the words in Simplified or Traditional spelling (longest first). */
const reCache = new Map<string, RegExp>();
/** Per word-list object (a check's options, a constant): no key to build on every call. */
const reByList = new WeakMap<readonly string[], { length: number; flags: string; re: RegExp }>();
export function keywordRegExp(words: readonly string[], flags = ''): RegExp {
  const known = reByList.get(words);
  if (known && known.flags === flags && known.length === words.length) {
    known.re.lastIndex = 0;
    return known.re;
  }
  const key = `${flags}\u0002${words.join('\u0001')}`;
  let re = reCache.get(key);
  if (re) re.lastIndex = 0;
  else {
    re = buildKeywordRegExp(words, flags);
    if (reCache.size > 200) reCache.clear();
    reCache.set(key, re);
  }
  reByList.set(words, { length: words.length, flags, re });
  return re;
}

function buildKeywordRegExp(words: readonly string[], flags: string): RegExp {
  const all = [...new Set(words.flatMap(variants))].filter(Boolean).sort((a, b) => b.length - a.length);
  if (!all.length) return /(?!)/;
  return new RegExp(all.map(escapeRegExp).join('|'), flags);
}

/** Compacts whitespace and trims. */
export function clean(s: string): string {
  return s.replace(/[\s\u3000\u00a0]+/g, ' ').trim();
}

const INVISIBLE = INVISIBLE_ELEMENTS;
/** Block elements, and the table parts whose text also stands apart in the content analysis. */
const BLOCK: ReadonlySet<string> = new Set([...BLOCK_ELEMENTS, 'caption', 'tbody', 'thead']);

export type Boilerplate = 'header' | 'nav' | 'footer' | false;

function tokens(el: Element): string[] {
  const cls = el.attribs?.class ?? '';
  const id = el.attribs?.id ?? '';
  return `${cls} ${id}`.toLowerCase().split(/\s+/).filter(Boolean);
}

/**
 * What kind of page furniture an element is: page header, navigation or footer (where copyright years,
 * ICP numbers, phone numbers and "today is …" widgets live), or false for content.
 */
export function boilerplateOf(el: Element): Boilerplate {
  const name = el.name?.toLowerCase();
  if (name === 'footer') return 'footer';
  if (name === 'nav') return 'nav';
  if (name === 'header') return 'header';
  if (!el.attribs?.class && !el.attribs?.id) return false;
  // Asked for every element, often many times (ancestor walks): the class/id answer is kept per element.
  const known = byClass.get(el);
  if (known !== undefined) return known;
  let kind: Boilerplate = false;
  for (const t of tokens(el)) {
    if (/foot|bottom|copyright|banquan/.test(t)) kind = 'footer';
    else if (/(^|[-_])(nav|navbar|navigation|menu|mainmenu|daohang|subnav)([-_]|$)|^nav|nav$/.test(t)) kind = 'nav';
    else if (/^(header|head|top|topbar|toolbar|site-header|page-header|tophead|top-bar)$/.test(t)) kind = 'header';
    if (kind) break;
  }
  byClass.set(el, kind);
  return kind;
}
const byClass = new WeakMap<Element, Boilerplate>();

/** True when the element or one of its ancestors is the given boilerplate (or any, when kind is omitted). */
export function inBoilerplate(node: AnyNode, kind?: Exclude<Boilerplate, false>): boolean {
  for (let n: AnyNode | null = node; n; n = n.parent as AnyNode | null) {
    if (n.type === 'tag') {
      const b = boilerplateOf(n as Element);
      if (b && (!kind || b === kind)) return true;
    }
  }
  return false;
}

/**
 * Pushes the visible text of a node into `parts` (block elements wrapped in newlines), and into `noLinks`
 * too when given, except what is inside links: one walk serves both texts.
 */
function collectVisible(n: AnyNode, parts: string[], skipBoilerplate: boolean, noLinks: string[] | undefined): void {
  if (n.type === 'text') {
    const data = (n as Text).data;
    parts.push(data);
    noLinks?.push(data);
    return;
  }
  if (n.type === 'cdata' || !('children' in n)) return;
  if (n.type === 'tag' || n.type === 'script' || n.type === 'style') {
    const el = n as Element;
    const name = el.name.toLowerCase();
    if (INVISIBLE.has(name)) return;
    if (skipBoilerplate && boilerplateOf(el)) return;
    const inner = name === 'a' ? undefined : noLinks;
    const block = BLOCK.has(name);
    if (block) {
      parts.push('\n');
      inner?.push('\n');
    }
    for (const c of el.children as AnyNode[]) collectVisible(c, parts, skipBoilerplate, inner);
    if (block) {
      parts.push('\n');
      inner?.push('\n');
    }
    return;
  }
  for (const c of (n as ParentNode).children) collectVisible(c, parts, skipBoilerplate, noLinks);
}

function joinVisible(parts: string[]): string {
  return parts
    .join('')
    .replace(/[ \t\r\f\v\u00a0\u3000]+/g, ' ')
    .replace(/ ?\n[\s]*/g, '\n')
    .trim();
}

/**
 * A whole document's visible text, per option (several checks' collectors ask for the same page's text with its
 * boilerplate left out): kept per parsed document, which nothing changes once the checks read it.
 */
const documentTexts = new WeakMap<AnyNode, [string | undefined, string | undefined]>();

/** Visible text of a node, block elements separated by newlines; boilerplate subtrees left out when asked. */
export function visibleText(node: AnyNode, opts: { skipBoilerplate?: boolean; skipLinks?: boolean } = {}): string {
  if (!opts.skipLinks) {
    const skip = Boolean(opts.skipBoilerplate);
    const kept = node.type === 'root' ? documentTexts.get(node) : undefined;
    const known = kept?.[skip ? 1 : 0];
    if (known !== undefined) return known;
    const parts: string[] = [];
    collectVisible(node, parts, skip, undefined);
    const text = joinVisible(parts);
    if (node.type === 'root') {
      const both = kept ?? [undefined, undefined];
      both[skip ? 1 : 0] = text;
      if (!kept) documentTexts.set(node, both);
    }
    return text;
  }
  return visibleTexts(node, { skipBoilerplate: opts.skipBoilerplate }).withoutLinks;
}

/** `visibleText` of a node with and without the text of its links, in one walk. */
export function visibleTexts(node: AnyNode, opts: { skipBoilerplate?: boolean } = {}): { text: string; withoutLinks: string } {
  const skip = Boolean(opts.skipBoilerplate);
  const parts: string[] = [];
  const noLinks: string[] = [];
  collectVisible(node, parts, skip, noLinks);
  const text = joinVisible(parts);
  // The same text `visibleText` gives (the walk pushes the same parts whether or not it also keeps noLinks): kept for it.
  if (node.type === 'root') {
    const kept = documentTexts.get(node);
    if (kept) kept[skip ? 1 : 0] = text;
    else documentTexts.set(node, skip ? [undefined, text] : [text, undefined]);
  }
  return { text, withoutLinks: joinVisible(noLinks) };
}

/**
 * Text of a node on one line (links and inline elements joined), for titles and list items. The same as
 * `clean(visibleText(node))` with newlines as spaces: every run of whitespace becomes one space either way,
 * so the text is collected and cleaned once.
 */
export function lineText(node: AnyNode): string {
  if (node.type === 'text') return clean((node as Text).data);
  if (node.type === 'tag') {
    // An element holding one text node (most titles, cells and spans).
    const ch = (node as Element).children;
    if (ch.length === 1 && ch[0].type === 'text' && !INVISIBLE.has((node as Element).name.toLowerCase())) return clean(ch[0].data);
  }
  const parts: string[] = [];
  collectVisible(node, parts, false, undefined);
  return clean(parts.length === 1 ? parts[0] : parts.join(''));
}
