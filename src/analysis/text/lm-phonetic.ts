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
 * Neighbours of each character: the other characters of its classes (UTF-16 codes). `keep` filters and orders
 * a character's neighbours (e.g. known to the model, most frequent first) and may cap their number.
 */
export function phoneticNeighbours(text: string, keep: (code: number, neighbours: number[]) => number[]): Map<number, ReadonlySet<number>> {
  const all = new Map<number, Set<number>>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const chars = [...line.slice(tab + 1).trim()].map((c) => c.charCodeAt(0));
    for (const a of chars) {
      let s = all.get(a);
      if (!s) all.set(a, (s = new Set()));
      for (const b of chars) if (b !== a) s.add(b);
    }
  }
  const out = new Map<number, ReadonlySet<number>>();
  for (const [a, s] of all) {
    const kept = keep(a, [...s]);
    if (kept.length) out.set(a, new Set(kept));
  }
  return out;
}

/** The class file's text, or '' when it does not exist. */
export function readPhoneticFile(file = DEFAULT_PHONETIC): string {
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}
