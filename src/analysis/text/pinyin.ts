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

/** Per covered character (in RANGES order): every toneless reading, and every reading with tone numbers. */
let table: { none: string[]; num: string[] } | null | undefined;

function indexOf(code: number): number {
  let base = 0;
  for (const [a, b] of RANGES) {
    if (code >= a && code <= b) return base + code - a;
    base += b - a + 1;
  }
  return -1;
}

function loadTable(): { none: string[]; num: string[] } | null {
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
    const t = { none: none.split('\n'), num: (num ?? '').split('\n') };
    if (t.none.length === indexOf(0xfaff) + 1 && t.num.length === t.none.length) return t;
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
  return { none, num };
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
        const s = table[options.toneType][i];
        return s ? s.split(' ') : [];
      }
    }
  }
  return live()(text, options);
}
