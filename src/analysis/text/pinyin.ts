/**
 * pinyin-pro behind a lazy door: a character's readings come from a table kept in the cache folder (built once per
 * pinyin-pro version), so a start loads pinyin-pro (≈ 50 ms, 16 MB) only to build that table or for other questions.
 * Notes: docs/modules.md.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { cacheDir, writeCacheFile } from './cache-dir.js';

type PinyinFn = typeof import('pinyin-pro').pinyin;
type Options = { toneType: 'none' | 'num'; type: 'array'; multiple?: boolean };

const require = createRequire(import.meta.url);
let lib: PinyinFn | undefined;
/** pinyin-pro itself, loaded at first need. */
function live(): PinyinFn {
  lib ??= (require('pinyin-pro') as typeof import('pinyin-pro')).pinyin;
  return lib;
}

/** The characters the table covers: the ranges of chars.ts's isHan. */
const RANGES: Array<[number, number]> = [
  [0x4e00, 0x9fff],
  [0x3400, 0x4dbf],
  [0xf900, 0xfaff],
];
const FORMAT = 1;

/**
 * Per covered character (in RANGES order): its toneless readings (line i of `none`) and its readings with tone numbers
 * (line i of `num`), space-separated, with where each line starts (one string each: no 56,000 small strings at start).
 */
interface Lines {
  text: string;
  starts: Int32Array;
}
let table: { none: Lines; num: Lines } | null | undefined;

/** A table's lines and where each starts; null unless it has one line per covered character. */
function lines(text: string): Lines | null {
  const n = indexOf(0xfaff) + 2;
  const starts = new Int32Array(n);
  let k = 1;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) !== 10) continue;
    if (k >= n - 1) return null;
    starts[k++] = i + 1;
  }
  starts[k++] = text.length + 1;
  return k === n ? { text, starts } : null;
}

function line(l: Lines, i: number): string {
  return l.text.slice(l.starts[i], l.starts[i + 1] - 1);
}

function indexOf(code: number): number {
  let base = 0;
  for (const [a, b] of RANGES) {
    if (code >= a && code <= b) return base + code - a;
    base += b - a + 1;
  }
  return -1;
}

function loadTable(): { none: Lines; num: Lines } | null {
  const dir = cacheDir();
  if (!dir) return null;
  let file: string;
  try {
    const version = (require('pinyin-pro/package.json') as { version: string }).version;
    file = path.join(dir, `pinyin-${version.replace(/[^0-9a-z.]/gi, '')}-${FORMAT}.txt`);
  } catch {
    return null;
  }
  try {
    const [none, num] = readFileSync(file, 'utf8').split('\u0001');
    const t = { none: lines(none), num: lines(num ?? '') };
    if (t.none && t.num) return { none: t.none, num: t.num };
  } catch {
    // absent: built below
  }
  const p = live();
  const none: string[] = [];
  const num: string[] = [];
  for (const [a, b] of RANGES) {
    for (let c = a; c <= b; c++) {
      const ch = String.fromCharCode(c);
      const r1 = p(ch, { toneType: 'none', multiple: true, type: 'array' });
      const r2 = p(ch, { toneType: 'num', multiple: true, type: 'array' });
      // a reading the plain format cannot hold: no table (every answer from pinyin-pro)
      if ([...r1, ...r2].some((r) => !r || /[\s\u0001]/.test(r))) return null;
      none.push(r1.join(' '));
      num.push(r2.join(' '));
    }
  }
  writeCacheFile(file, `${none.join('\n')}\u0001${num.join('\n')}`, /^pinyin-.*\.txt$/, 2);
  const t = { none: lines(none.join('\n')), num: lines(num.join('\n')) };
  return t.none && t.num ? { none: t.none, num: t.num } : null;
}

/**
 * pinyin-pro's `pinyin(text, options)` for the options govcheck uses; every reading of one covered character
 * (`multiple: true`) is read from the table.
 */
export function pinyin(text: string, options: Options): string[] {
  if (options.multiple && text.length === 1) {
    const i = indexOf(text.charCodeAt(0));
    if (i >= 0) {
      if (table === undefined) table = loadTable();
      if (table) {
        const s = line(table[options.toneType], i);
        return s ? s.split(' ') : [];
      }
    }
  }
  return live()(text, options);
}
