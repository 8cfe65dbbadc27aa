/**
 * Names are not typos: finds the stretches of a text that are names by their context (people, organisations,
 * quoted brands, townships), so near-miss guesses leave them alone; leaders' names and dictionary rules are still
 * checked. Context words: config/dictionaries/names.yaml. Notes: docs/modules.md.
 */
import { isHan } from './chars.js';

/** Word lists behind the patterns (config/dictionaries/names.yaml). */
export interface NameContext {
  /** Words after which a person's name follows (记者, 通讯员, 责任编辑…). */
  personBefore: string[];
  /** Words right after a person's name (摄, 供图…). */
  personAfter: string[];
  /** Endings of organisation and company names (公司, 医院, 银行…). */
  orgSuffixes: string[];
  /** Endings of places below the county (乡, 镇, 村, 街道, 社区…), protected as list items. */
  placeSuffixes: string[];
}

export type NameCue = 'personBefore' | 'personAfter' | 'org' | 'place';

/** Longest name part before an organisation suffix, and before a place suffix. */
const ORG_MAX = 6;
const PLACE_MAX = 5;

/** Characters that end a name or a list item on its right. */
function rightStop(c: number): boolean {
  return (
    Number.isNaN(c) ||
    c <= 0x20 ||
    c === 0x3001 || // 、
    c === 0xff0c ||
    c === 0x2c || // ，,
    c === 0x3002 ||
    c === 0xff1b ||
    c === 0x3b ||
    c === 0xff1a ||
    c === 0x3a || // 。；;：:
    c === 0xff09 ||
    c === 0x29 ||
    c === 0x3011 ||
    c === 0x5d || // ）)】]
    c === 0x201c ||
    c === 0x201d ||
    c === 0x22 ||
    c === 0x300c ||
    c === 0x300d ||
    c === 0x300a ||
    c === 0x300b || // “”"「」《》
    c === 0x3000 ||
    c === 0x7c ||
    c === 0x2f || // full-width space | /
    c === 0x7b49 ||
    c === 0x548c ||
    c === 0x4e0e ||
    c === 0x53ca // 等 和 与 及
  );
}

/** Single characters that start a list item or phrase on the left of a name (besides any non-Han character). */
const LEFT_WORDS = new Set([...'的和与及由在到是为向对经据'].map((c) => c.charCodeAt(0)));

function leftStop(c: number): boolean {
  return Number.isNaN(c) || !isHan(c) || LEFT_WORDS.has(c);
}

function mark(mask: Uint8Array, s: number, e: number): void {
  for (let i = s; i < e; i++) mask[i] = 1;
}

const OPEN_QUOTES = ['“', '「', '『', '"'];
const CLOSE_OF: Record<string, string> = { '“': '”', '「': '」', '『': '』', '"': '"' };

/**
 * Marks the name a context word found at [s, e) points to. `text` is the scanned text, `mask` the
 * protection mask (1 = part of a name).
 */
export function markNameCue(text: string, s: number, e: number, cue: NameCue, mask: Uint8Array): void {
  const n = text.length;
  if (cue === 'org' || cue === 'place') {
    // a short list item or phrase that ends with the suffix: 、博视眼科医院、 · 的帛士数码、 · 、七间房乡
    const max = cue === 'org' ? ORG_MAX : PLACE_MAX;
    let a = s;
    while (a > 0 && s - a < max && !leftStop(text.charCodeAt(a - 1))) a--;
    if (a > 0 && !leftStop(text.charCodeAt(a - 1))) return; // runs on: part of a longer sentence
    if (s - a < (cue === 'org' ? 2 : 1)) return;
    const lc = a > 0 ? text.charCodeAt(a - 1) : NaN;
    const rc = e < n ? text.charCodeAt(e) : NaN;
    const listLeft = lc === 0x3001 || lc === 0x7684; // 、 的
    if (!(rightStop(rc) && (listLeft || rc === 0x3001 || Number.isNaN(lc) || lc <= 0x20 || lc === 0xff08 || lc === 0x28 || lc === 0x201c || lc === 0xff1a)) && !(listLeft && cue === 'place')) return;
    mark(mask, a, e);
    return;
  }
  if (cue === 'personAfter') {
    // 刘通摄） / （张三、李四 摄） / 王某 摄 at a caption's end
    const after = e < n ? text.charCodeAt(e) : NaN;
    if (!rightStop(after) || after === 0x7b49 || after === 0x548c || after === 0x4e0e || after === 0x53ca) return;
    let p = s;
    for (;;) {
      while (p > 0 && text.charCodeAt(p - 1) <= 0x20) p--;
      let a = p;
      while (a > 0 && p - a < 4 && isHan(text.charCodeAt(a - 1))) a--;
      const len = p - a;
      if (len < 2 || len > 3 || (a > 0 && isHan(text.charCodeAt(a - 1)))) return;
      mark(mask, a, p);
      // another name before it, separated by 、 ， or a space
      const sep = a > 0 ? text.charCodeAt(a - 1) : NaN;
      if (sep === 0x3001 || sep === 0xff0c || sep === 0x20 || sep === 0x3000) p = a - 1;
      else return;
    }
  }
  // personBefore: 记者 王某 李某 / 责任编辑：王某 / 通讯员王某
  let p = e;
  for (let k = 0; k < 6; k++) {
    while (p < n && (text.charCodeAt(p) <= 0x20 || text.charCodeAt(p) === 0x3000 || text.charCodeAt(p) === 0xff1a || text.charCodeAt(p) === 0x3a)) p++;
    let b = p;
    while (b < n && b - p < 4 && isHan(text.charCodeAt(b))) b++;
    const len = b - p;
    if (len < 2) return;
    if (len > 3) {
      // 王某摄 right after the cue word
      if (len === 4 && text[p + 3] === '摄' && rightStop(text.charCodeAt(b))) mark(mask, p, p + 3);
      return;
    }
    if (!rightStop(text.charCodeAt(b)) && text[b] !== '摄') return;
    mark(mask, p, b);
    const sep = b < n ? text.charCodeAt(b) : NaN;
    if (sep === 0x3001 || sep === 0xff0c || sep === 0x20 || sep === 0x3000) p = b + 1;
    else return;
  }
}

/** Marks short quotations (2–8 characters): brand and programme names, slogans. */
export function markQuoted(text: string, mask: Uint8Array): void {
  for (const open of OPEN_QUOTES) {
    const close = CLOSE_OF[open];
    let i = text.indexOf(open);
    let j = -1;
    while (i >= 0) {
      // the first closing mark after i (reused while it stays ahead: linear on any input)
      if (j <= i) j = text.indexOf(close, i + 1);
      if (j < 0) break;
      const len = j - i - 1;
      if (len >= 2 && len <= 8) {
        let clean = true;
        for (let k = i + 1; k < j; k++) {
          const c = text.charCodeAt(k);
          if (c === 10 || c === 0x201c || c === 0x300c || c === 0x300e) clean = false;
        }
        if (clean) mark(mask, i + 1, j);
      }
      i = text.indexOf(open, open === close ? j + 1 : i + 1);
    }
  }
}
