/**
 * The one home of OpenCC (opencc-js) in govcheck: converters built at first need, once per conversion (`from` → `to`),
 * shared by every caller, short strings' conversions kept across runs; an exact quick test of whether a conversion
 * could change a text at all (openccChangeTest), so most Simplified text skips it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { cacheDir, writeCacheFile } from './cache-dir.js';

export type Conversion = (s: string) => string;

const converters = new Map<string, Conversion>();
const built = new Map<string, Conversion>();

type OpenCCModule = typeof import('opencc-js');
let lib: OpenCCModule | undefined;
/** opencc-js itself (1.2 MB of code and dictionaries), loaded at first need. */
function opencc(): OpenCCModule {
  lib ??= createRequire(import.meta.url)('opencc-js') as OpenCCModule;
  return lib;
}

/** OpenCC's own converter, built at first need (tens of milliseconds and several MB per conversion). */
function builtConverter(from: string, to: string): Conversion {
  const key = `${from}\u0000${to}`;
  const known = built.get(key);
  if (known) return known;
  const c: Conversion = opencc().Converter({ from, to });
  built.set(key, c);
  return c;
}

/** Strings at most this long converted through openccConverter are remembered across runs (names, link texts). */
const SHORT = 8;

/**
 * The OpenCC converter from one locale to another, shared by every caller. Short strings converted before (in this
 * run or an earlier one, see convertShort) are answered from the kept conversions, so a start whose only conversions
 * are a few known names never builds OpenCC's converter.
 */
export function openccConverter(from: string, to: string): Conversion {
  const key = `${from}\u0000${to}`;
  const known = converters.get(key);
  if (known) return known;
  const convert: Conversion = (s) => (s.length <= SHORT ? convertShort(from, to, s) : builtConverter(from, to)(s));
  converters.set(key, convert);
  return convert;
}

/**
 * What is worth keeping between runs (building a converter takes a fraction of a second, the quick test's tables a
 * few dozen milliseconds): conversions of short strings (keywords, converted once per process) and the quick tests'
 * tables, in one JSON file per opencc-js version in the cache folder. Read at first use, written at exit when it grew.
 */
interface Kept {
  /** Oldest first: once `KEEP` are kept, a new conversion pushes the oldest out (a full file never stops learning). */
  conv: Map<string, string>;
  tests: Record<string, { chars: number[]; byFirst: Array<[number, string[]]> }>;
}
/** At most this many short conversions are kept (about 0.6 MB of JSON). */
export const KEEP = 20000;
let kept: Kept | undefined;
let keptFile: string | undefined;
let keptDirty = false;

function keptCache(): Kept {
  if (kept) return kept;
  kept = { conv: new Map(), tests: {} };
  const dir = cacheDir();
  if (!dir) return kept;
  try {
    // the package exports no package.json: read it beside its entry point (dist/umd/full.js)
    const main = createRequire(import.meta.url).resolve('opencc-js');
    const version = (JSON.parse(readFileSync(path.join(path.dirname(main), '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
    keptFile = path.join(dir, `opencc-${version.replace(/[^0-9a-z.]/gi, '')}-1.json`);
    const read = JSON.parse(readFileSync(keptFile, 'utf8')) as { conv?: unknown; tests?: unknown };
    if (read?.conv && typeof read.conv === 'object' && read.tests && typeof read.tests === 'object') {
      kept = { conv: new Map(Object.entries(read.conv as Record<string, string>).slice(-KEEP)), tests: read.tests as Kept['tests'] };
    }
  } catch {
    // absent or unreadable: built as needed
  }
  return kept;
}

function keep(): void {
  if (keptDirty || !keptFile) return;
  keptDirty = true;
  process.once('exit', () => {
    if (kept && keptFile) writeCacheFile(keptFile, JSON.stringify({ conv: Object.fromEntries(kept.conv), tests: kept.tests }), /^opencc-.*\.json$/, 2);
  });
}

/** A short string (a keyword) converted from one locale to another, remembered across runs. */
export function convertShort(from: string, to: string, s: string): string {
  const k = keptCache();
  const key = `${from}\u0000${to}\u0000${s}`;
  const known = k.conv.get(key);
  if (known !== undefined) return known;
  const out = builtConverter(from, to)(s);
  if (s.length <= 64) {
    if (k.conv.size >= KEEP) k.conv.delete(k.conv.keys().next().value as string);
    k.conv.set(key, out);
    keep();
  }
  return out;
}

type Dict = string | ReadonlyArray<readonly [string, string]>;

/** The dictionaries of an OpenCC configuration (normalisation, segmentation, conversion), however nested. */
function dictsOf(x: unknown): Dict[] {
  if (typeof x === 'string') return [x];
  if (!Array.isArray(x)) return [];
  // A list of [source, replacement] pairs (a dictionary written as a string always has a space: "源 替换|…").
  const isPair = (e: unknown) => Array.isArray(e) && e.length === 2 && e.every((v) => typeof v === 'string' && !v.includes(' '));
  if (x.length && x.every(isPair)) return [x as Dict];
  return x.flatMap(dictsOf);
}

/**
 * An exact quick test of whether OpenCC's conversions (by configuration key, e.g. 'tw2s') could change a text:
 * a converter only changes text where one of its dictionary keys with a different value matches. Such a key
 * either contains a character that is itself converted (the set `chars`), or is one of the few phrases made
 * only of unconverted characters (e.g. 回覆), looked for literally. A text with neither comes back unchanged,
 * so the conversion (tries, segmentation, several passes) is skipped — most Simplified text. Unknown
 * configurations (another opencc-js version) answer true: always convert.
 */
export function openccChangeTest(configKeys: string[]): (s: string) => boolean {
  const k = keptCache();
  const name = configKeys.join('+');
  let t = k.tests[name];
  if (!t) {
    const built = changeTables(configKeys);
    if (!built) return () => true;
    t = k.tests[name] = { chars: [...built.chars], byFirst: [...built.byFirst] };
    keep();
  }
  const chars = new Set(t.chars);
  const byFirst = new Map(t.byFirst);
  return (s: string) => {
    for (let i = 0; i < s.length; ) {
      const cp = s.codePointAt(i)!;
      if (chars.has(cp)) return true;
      const list = byFirst.get(cp);
      if (list && list.some((k) => s.startsWith(k, i))) return true;
      i += cp > 0xffff ? 2 : 1;
    }
    return false;
  };
}

/** The quick test's tables: converted characters, and the phrases of unconverted characters by first code point. */
function changeTables(configKeys: string[]): { chars: Set<number>; byFirst: Map<number, string[]> } | undefined {
  const configs = (opencc().Locale as unknown as { configs?: Record<string, Record<string, unknown>> }).configs;
  const chars = new Set<number>();
  const phrases: Array<[string, string]> = [];
  for (const key of configKeys) {
    const c = configs?.[key];
    if (!c) return undefined;
    for (const d of dictsOf([c.normalizationChain, c.segmentation, c.conversionChain])) {
      const pairs: Array<readonly [string, string]> =
        typeof d === 'string'
          ? d
              .split('|')
              .filter(Boolean)
              .map((e) => e.split(' ') as unknown as [string, string])
          : [...d];
      for (const [k, v] of pairs) {
        if (!k || k === v) continue;
        if (String.fromCodePoint(k.codePointAt(0)!) === k) chars.add(k.codePointAt(0)!);
        else phrases.push([k, v]);
      }
    }
  }
  const byFirst = new Map<number, string[]>();
  for (const [k] of phrases) {
    if ([...k].some((ch) => chars.has(ch.codePointAt(0)!))) continue; // found through its converted character
    const first = k.codePointAt(0)!;
    byFirst.set(first, [...(byFirst.get(first) ?? []), k]);
  }
  return { chars, byFirst };
}
