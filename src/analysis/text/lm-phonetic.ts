/**
 * Shape candidates of the language-model pass: characters sharing a phonetic component (培/部 through 咅), from
 * Unihan's kPhonetic field, kept in models/phonetic-classes.txt. Notes: docs/modules.md.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_DIR } from '../../config.js';

/** The shipped class file. */
export const DEFAULT_PHONETIC = path.resolve(CONFIG_DIR, '../models/phonetic-classes.txt');

/**
 * Phonetic classes from Unihan_DictionaryLikeData.txt: `U+57F9<TAB>kPhonetic<TAB>1028` lines; a character may
 * be in several classes (`1028 1070`), a class number may carry a letter or `*` (kept as the number). Only
 * characters of the Basic Multilingual Plane's CJK blocks are kept. Returns class number → characters.
 */
export function parseUnihanPhonetic(text: string): Map<string, string> {
  const classes = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^U\+([0-9A-F]{4,5})\tkPhonetic\t(.+)$/.exec(line);
    if (!m) continue;
    const cp = Number.parseInt(m[1], 16);
    if (!((cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf))) continue;
    for (const c of m[2].trim().split(/\s+/)) {
      const k = c.replace(/[^0-9]/g, '');
      if (!k) continue;
      const ch = String.fromCharCode(cp);
      const cur = classes.get(k) ?? '';
      if (!cur.includes(ch)) classes.set(k, cur + ch);
    }
  }
  return classes;
}

/** The class file: comment lines (#) and `NUMBER<TAB>CHARACTERS` lines. */
export function formatPhoneticClasses(classes: Map<string, string>, header: string[]): string {
  const keys = [...classes.keys()].sort((a, b) => Number(a) - Number(b));
  return `${header.map((h) => `# ${h}`).join('\n')}\n${keys
    .filter((k) => [...classes.get(k)!].length >= 2)
    .map((k) => `${k}\t${classes.get(k)}`)
    .join('\n')}\n`;
}

/**
 * The first UTF-16 unit of each code point of `s`, appended to `out`: what `for (const c of s) out.push(c.charCodeAt(0))`
 * gives, without making a string a character (the class and pair files are read at every start).
 */
export function pushFirstUnits(s: string, out: number[]): number[] {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out.push(c);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
  }
  return out;
}

/**
 * The class file as an index, built in one pass over the text with no per-pair structure (classes reach 978
 * characters: every character's neighbour set at once cost ≈ 130 ms and 50 MB at the first scan); a character's
 * neighbours are gathered when asked.
 */
export class PhoneticIndex {
  /** Characters of every class, one after another (UTF-16 codes); class k is chars[classStart[k], classStart[k + 1]). */
  private readonly chars: Uint16Array;
  private readonly classStart: Int32Array;
  /** Classes of each code (file order): classOf[codeStart[c], codeStart[c + 1]). */
  private readonly codeStart: Int32Array;
  private readonly classOf: Int32Array;

  constructor(text: string) {
    const chars: number[] = [];
    const starts: number[] = [0];
    for (const line of text.split('\n')) {
      if (!line || line.startsWith('#')) continue;
      const tab = line.indexOf('\t');
      if (tab < 0) continue;
      pushFirstUnits(line.slice(tab + 1).trim(), chars);
      starts.push(chars.length);
    }
    this.chars = Uint16Array.from(chars);
    this.classStart = Int32Array.from(starts);
    const codeStart = new Int32Array(65537);
    const nClasses = starts.length - 1;
    for (let k = 0; k < nClasses; k++) for (let j = starts[k]; j < starts[k + 1]; j++) codeStart[chars[j] + 1]++;
    for (let c = 0; c < 65536; c++) codeStart[c + 1] += codeStart[c];
    const fill = codeStart.slice(0, 65536);
    const classOf = new Int32Array(chars.length);
    for (let k = 0; k < nClasses; k++) for (let j = starts[k]; j < starts[k + 1]; j++) classOf[fill[chars[j]]++] = k;
    this.codeStart = codeStart;
    this.classOf = classOf;
  }

  /** The other characters of `code`'s classes, in file order, each once (empty when it has none). */
  neighbours(code: number): number[] {
    const s = new Set<number>();
    for (let i = this.codeStart[code], e = this.codeStart[code + 1]; i < e; i++) {
      const k = this.classOf[i];
      for (let j = this.classStart[k], f = this.classStart[k + 1]; j < f; j++) if (this.chars[j] !== code) s.add(this.chars[j]);
    }
    return [...s];
  }

  /** Codes in at least one class, ascending. */
  *codes(): Generator<number> {
    for (let c = 0; c < 65536; c++) if (this.codeStart[c + 1] > this.codeStart[c]) yield c;
  }
}

/**
 * Neighbours of each character: the other characters of its classes (UTF-16 codes). `keep` filters and orders
 * a character's neighbours (e.g. known to the model, most frequent first) and may cap their number.
 */
export function phoneticNeighbours(text: string, keep: (code: number, neighbours: number[]) => number[]): Map<number, ReadonlySet<number>> {
  const index = new PhoneticIndex(text);
  const out = new Map<number, ReadonlySet<number>>();
  for (const a of index.codes()) {
    const kept = keep(a, index.neighbours(a));
    if (kept.length) out.set(a, new Set(kept));
  }
  return out;
}

/** The class file's text, or '' when it does not exist. */
export function readPhoneticFile(file = DEFAULT_PHONETIC): string {
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}
