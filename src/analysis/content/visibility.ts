/**
 * What hides an element from a visitor, read from the HTML alone (inline styles, simple <style> rules, attributes),
 * shared by dark-links and jiucuo so both judge hiding the same way. Styles from external stylesheets and scripts
 * are not seen. The techniques: docs/check-reference.md (dark-links) and docs/modules.md.
 */
import type { CheerioAPI } from 'cheerio';
import type { AnyNode, Element } from 'domhandler';

export interface HiddenOptions {
  /** An element this small (px) or smaller counts as zero-size; an iframe this small is a tiny iframe. */
  tinyPx: number;
  /** Negative offset (px) beyond which an element is off-screen. */
  offscreenPx: number;
}

export const DEFAULT_HIDDEN_OPTIONS: HiddenOptions & { maxStyleRules: number } = { tinyPx: 2, offscreenPx: 500, maxStyleRules: 500 };

/** Techniques a link may be hidden by that drop-down menus and tabs use too (not stealth). */
export const PLAIN_HIDDEN: ReadonlySet<string> = new Set(['display:none', 'visibility:hidden', 'hidden attribute']);

export function parseDecls(style: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!style) return out;
  for (const part of style.split(';')) {
    const i = part.indexOf(':');
    if (i < 0) continue;
    out[part.slice(0, i).trim().toLowerCase()] = part
      .slice(i + 1)
      .replace(/!important/i, '')
      .trim()
      .toLowerCase();
  }
  return out;
}

/** Simple CSS rules of <style> blocks: selector list → declarations (at-rules and their blocks skipped). */
function styleRules(css: string): Array<{ selector: string; decls: Record<string, string> }> {
  const text = css.replace(/\/\*[\s\S]*?\*\//g, '');
  const out: Array<{ selector: string; decls: Record<string, string> }> = [];
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('{', i);
    if (open < 0) break;
    const head = text.slice(i, open).trim();
    if (head.startsWith('@')) {
      // skip the whole at-rule block (nested braces)
      let depth = 1;
      let j = open + 1;
      while (j < text.length && depth > 0) {
        if (text[j] === '{') depth++;
        else if (text[j] === '}') depth--;
        j++;
      }
      i = j;
      continue;
    }
    const close = text.indexOf('}', open);
    if (close < 0) break;
    out.push({ selector: head, decls: parseDecls(text.slice(open + 1, close)) });
    i = close + 1;
  }
  return out;
}

export function px(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(-?\d*\.?\d+)(px|pt|em|rem|%)?$/.exec(v.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? 'px';
  return unit === 'pt' ? n * 1.333 : unit === 'em' || unit === 'rem' ? n * 16 : unit === '%' ? (n === 0 ? 0 : undefined) : n;
}

const NAMED: Record<string, string> = { white: '#ffffff', black: '#000000', red: '#ff0000', blue: '#0000ff', green: '#008000', gray: '#808080', grey: '#808080', silver: '#c0c0c0', yellow: '#ffff00' };

export function colour(v: string | undefined): string | undefined {
  if (!v) return undefined;
  const s = v.trim().toLowerCase();
  if (NAMED[s]) return NAMED[s];
  let m = /^#([0-9a-f]{3})$/.exec(s);
  if (m) return '#' + [...m[1]].map((c) => c + c).join('');
  m = /^#([0-9a-f]{6})$/.exec(s);
  if (m) return s;
  const r = /^rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*(?:,\s*([\d.]+)\s*)?\)$/.exec(s);
  if (r) {
    if (r[4] !== undefined && Number(r[4]) === 0) return undefined;
    return '#' + [r[1], r[2], r[3]].map((x) => Number(x).toString(16).padStart(2, '0')).join('');
  }
  return undefined;
}

/** Techniques that hide an element, from its own declarations and attributes. */
export function ownTechniques(el: Element, decls: Record<string, string>, o: HiddenOptions): string[] {
  const t: string[] = [];
  const name = el.name.toLowerCase();
  if (decls.display === 'none') t.push('display:none');
  if (decls.visibility === 'hidden' || decls.visibility === 'collapse') t.push('visibility:hidden');
  if (el.attribs && 'hidden' in el.attribs) t.push('hidden attribute');
  if (decls.opacity !== undefined && Number(decls.opacity) <= 0.05) t.push('opacity:0');
  const fs = px(decls['font-size']);
  if (fs !== undefined && fs <= 1) t.push('font-size:0');
  const off = ['left', 'top', 'right', 'margin-left', 'margin-top', 'text-indent'].map((k) => px(decls[k])).filter((n): n is number => n !== undefined);
  if (off.some((n) => n <= -o.offscreenPx) && (decls.position === 'absolute' || decls.position === 'fixed' || px(decls['text-indent']) !== undefined || decls['margin-left'] !== undefined || decls['margin-top'] !== undefined))
    t.push('off-screen');
  const w = px(decls.width) ?? (el.attribs?.width !== undefined ? px(el.attribs.width) : undefined);
  const h = px(decls.height) ?? (el.attribs?.height !== undefined ? px(el.attribs.height) : undefined);
  const clipped = decls.overflow === 'hidden' || decls['overflow-x'] === 'hidden' || decls['overflow-y'] === 'hidden';
  if ((w !== undefined && w <= o.tinyPx && h !== undefined && h <= o.tinyPx) || (clipped && ((w !== undefined && w <= o.tinyPx) || (h !== undefined && h <= o.tinyPx)))) {
    t.push(name === 'iframe' || name === 'frame' ? 'tiny iframe' : name === 'marquee' ? 'tiny marquee' : 'zero size');
  }
  if (/^rect\(\s*0(px)?[\s,]+0(px)?[\s,]+0(px)?[\s,]+0(px)?\s*\)$/.test(decls.clip ?? '')) t.push('clip:rect(0)');
  return t;
}

export function selectorOf(el: Element): string {
  const parts: string[] = [];
  let cur: Element | null = el;
  for (let depth = 0; cur && depth < 5; depth++) {
    let s = cur.name;
    if (cur.attribs?.id) s += `#${cur.attribs.id}`;
    else if (cur.attribs?.class) s += '.' + cur.attribs.class.trim().split(/\s+/).slice(0, 2).join('.');
    parts.unshift(s);
    const p: AnyNode | null = cur.parent;
    cur = p && (p as Element).name ? (p as Element) : null;
  }
  return parts.join(' > ');
}

export const HIDING_PROPS = new Set([
  'display',
  'visibility',
  'opacity',
  'font-size',
  'position',
  'left',
  'top',
  'right',
  'margin-left',
  'margin-top',
  'text-indent',
  'width',
  'height',
  'overflow',
  'overflow-x',
  'overflow-y',
  'clip',
  'color',
  'background',
  'background-color',
]);

/** How hidden elements of one document are: `<style>` rules applied once, answers memoised per element. */
export interface Visibility {
  /** Techniques that hide the element or one of its ancestors (empty: not hidden as far as the HTML tells). */
  hiddenBy(el: Element): string[];
  /** The element's nearest text colour equals its nearest background colour. */
  sameColour(el: Element): boolean;
  /** Declarations that apply to the element (its <style> rules, then its style attribute). */
  declsOf(el: Element): Record<string, string>;
}

/** The visibility of elements of a parsed document, given its `<style>` elements. */
export function visibility($: CheerioAPI, styles: Element[], o: HiddenOptions & { maxStyleRules: number }): Visibility {
  // Elements hidden by <style> rules.
  const byRule = new Map<Element, Record<string, string>>();
  for (const st of styles) {
    let applied = 0;
    for (const rule of styleRules($(st).text())) {
      // Only rules that can hide something are applied, and a bounded number of them per page.
      if (!Object.keys(rule.decls).some((k) => HIDING_PROPS.has(k)) || applied >= o.maxStyleRules) continue;
      applied++;
      try {
        $(rule.selector).each((__, el) => {
          if ((el as Element).name) byRule.set(el as Element, { ...byRule.get(el as Element), ...rule.decls });
        });
      } catch {
        /* selector cheerio does not support (pseudo-classes…): ignored */
      }
    }
  }
  const declsOf = (el: Element) => ({ ...byRule.get(el), ...parseDecls(el.attribs?.style) });
  const memo = new Map<Element, string[]>();
  const hiddenBy = (el: Element): string[] => {
    const known = memo.get(el);
    if (known) return known;
    const own = ownTechniques(el, declsOf(el), o);
    const parent = el.parent && (el.parent as Element).name ? hiddenBy(el.parent as Element) : [];
    const all = [...new Set([...own, ...parent])];
    memo.set(el, all);
    return all;
  };
  const nearest = (el: Element, prop: string[]): string | undefined => {
    let cur: Element | null = el;
    while (cur) {
      const d = declsOf(cur);
      for (const p of prop) {
        const c = colour(p === 'background' ? d.background?.split(/\s+/)[0] : d[p]);
        if (c) return c;
      }
      const parent: AnyNode | null = cur.parent;
      cur = parent && (parent as Element).name ? (parent as Element) : null;
    }
    return undefined;
  };
  const sameColour = (el: Element) => {
    const fg = nearest(el, ['color']);
    const bg = nearest(el, ['background-color', 'background']);
    return Boolean(fg && bg && fg === bg);
  };
  return { hiddenBy, sameColour, declsOf };
}

/** All `<style>` elements of a document. */
export function styleElements($: CheerioAPI): Element[] {
  return $('style').toArray() as Element[];
}
