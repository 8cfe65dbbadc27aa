/**
 * The large lexicon behind near-miss detection: the word-frequency dictionary that ships with the segmentation
 * package (@node-rs/jieba's dict.txt, ~349k words with frequencies), plus the project's own words and names. Notes:
 * docs/modules.md.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir, writeCacheFile } from './cache-dir.js';
import { isHan } from './chars.js';

/** A typed-array table's fields, as the cache keeps them (numbers and typed arrays). */
type TableState = Record<string, number | Uint32Array | Uint8Array | Uint16Array | Float64Array>;

/** Rebuilds an object of class `C` from the fields `snapshot` saved (no constructor run). */
function restore<C extends object>(proto: C, state: object): C {
  return Object.assign(Object.create(proto), state) as C;
}

/** The smallest power of two (at least `least`) that holds `count` keys at a load of at most one half. */
function tableSize(count: number, least = 1): number {
  let n = least;
  while (n < count * 2) n <<= 1;
  return n;
}

/**
 * Where a 32-bit key's probe starts in a table of `mask + 1` slots; it goes on linearly. The key's bits are mixed
 * (murmur-style finaliser) so that keys differing only in their high half spread too: a plain multiply keeps the
 * low bits, and a pair (a << 16 | b) fell by b alone (probe chains of 20–66 in the lexicon's pair sets, now 1.2).
 */
function homeSlot(key: number, mask: number): number {
  let h = Math.imul(key ^ (key >>> 16), 0x45d9f3b);
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  return (h ^ (h >>> 16)) & mask;
}

/**
 * Open addressing over 32-bit keys with linear probing, kept at most half full: PairSet's sizing, growth and
 * compaction (FreqTable sizes its two-number slots the same way). A subclass moves its entries in `rehash`.
 */
abstract class OpenTable {
  protected keys: Uint32Array;
  protected mask: number;
  protected count = 0;

  constructor(capacity: number) {
    this.keys = new Uint32Array(tableSize(capacity));
    this.mask = this.keys.length - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Rehashes into the smallest table that keeps the load at most one half (after a build with a generous capacity). */
  compact(): void {
    const n = tableSize(this.count, 2);
    if (n < this.keys.length) this.rehash(n);
  }

  /** Doubles the table before an insertion would fill it past one half. */
  protected makeRoom(): void {
    if ((this.count + 1) * 2 > this.keys.length) this.rehash(this.keys.length * 2);
  }

  /** Empties the keys into a table of `size` slots and returns the old keys (the subclass re-inserts its entries). */
  protected resetKeys(size: number): Uint32Array {
    const old = this.keys;
    this.keys = new Uint32Array(size);
    this.mask = size - 1;
    this.count = 0;
    return old;
  }

  protected abstract rehash(size: number): void;
}

/**
 * Open-addressing hash set of 32-bit keys (two UTF-16 code units). Much faster than Set<number> for keys ≥ 2^31.
 * An empty slot holds 0 (one cache line a probe); the key 0 (two NUL code units) is kept apart in `zero`.
 */
export class PairSet extends OpenTable {
  private zero = 0;

  override get size(): number {
    return this.count + this.zero;
  }

  add(a: number, b: number): void {
    const key = ((a << 16) | b) >>> 0;
    if (key === 0) {
      this.zero = 1;
      return;
    }
    this.makeRoom();
    const keys = this.keys;
    let i = homeSlot(key, this.mask);
    for (let k = keys[i]; k !== 0; k = keys[i]) {
      if (k === key) return;
      i = (i + 1) & this.mask;
    }
    keys[i] = key;
    this.count++;
  }

  has(a: number, b: number): boolean {
    const key = ((a << 16) | b) >>> 0;
    if (key === 0) return this.zero === 1;
    const keys = this.keys;
    const mask = this.mask;
    let i = homeSlot(key, mask);
    for (let k = keys[i]; k !== 0; k = keys[i]) {
      if (k === key) return true;
      i = (i + 1) & mask;
    }
    return false;
  }

  protected rehash(size: number): void {
    const old = this.resetKeys(size);
    for (let i = 0; i < old.length; i++) if (old[i] !== 0) this.add(old[i] >>> 16, old[i] & 0xffff);
  }
}

/**
 * Number → list of words, in typed arrays: open addressing on the key, each slot's words at items[off[i], off[i+1])
 * (an empty slot has none), words as UTF-16 code units at wchars[wstart[w], wstart[w+1]). Read from the cache
 * without building a single JavaScript object; a looked-up list is made into strings once and kept.
 */
class ListMap {
  private keys!: Uint32Array;
  private off!: Uint32Array;
  private items!: Uint32Array;
  private wstart!: Uint32Array;
  private wchars!: Uint16Array;
  private mask!: number;
  private memo = new Map<number, string[]>();

  /** From a Map whose keys are 32-bit non-negative integers (the lists keep their order). */
  static from(m: Map<number, string[]>): ListMap {
    const n = tableSize(m.size);
    const mask = n - 1;
    const slotKey = new Uint32Array(n);
    const slotList: Array<string[] | undefined> = new Array(n);
    for (const [k, list] of m) {
      let i = homeSlot(k, mask);
      while (slotList[i]) i = (i + 1) & mask;
      slotKey[i] = k;
      slotList[i] = list;
    }
    const wordIds = new Map<string, number>();
    const words: string[] = [];
    const off = new Uint32Array(n + 1);
    const items: number[] = [];
    for (let i = 0; i < n; i++) {
      off[i] = items.length;
      for (const w of slotList[i] ?? []) {
        let id = wordIds.get(w);
        if (id === undefined) {
          wordIds.set(w, (id = words.length));
          words.push(w);
        }
        items.push(id);
      }
    }
    off[n] = items.length;
    const wstart = new Uint32Array(words.length + 1);
    let len = 0;
    for (let w = 0; w < words.length; w++) {
      wstart[w] = len;
      len += words[w].length;
    }
    wstart[words.length] = len;
    const wchars = new Uint16Array(len);
    for (let w = 0; w < words.length; w++) for (let j = 0; j < words[w].length; j++) wchars[wstart[w] + j] = words[w].charCodeAt(j);
    return restore(ListMap.prototype, { keys: slotKey, off, items: Uint32Array.from(items), wstart, wchars, mask, memo: new Map() });
  }

  get(key: number): string[] | undefined {
    const known = this.memo.get(key);
    if (known) return known;
    const off = this.off;
    let i = homeSlot(key, this.mask);
    while (off[i + 1] > off[i]) {
      if (this.keys[i] === key) {
        const list: string[] = [];
        for (let k = off[i]; k < off[i + 1]; k++) {
          const w = this.items[k];
          list.push(String.fromCharCode(...this.wchars.subarray(this.wstart[w], this.wstart[w + 1])));
        }
        this.memo.set(key, list);
        return list;
      }
      i = (i + 1) & this.mask;
    }
    return undefined;
  }

  /** The typed arrays and the mask (what the cache keeps). */
  state(): TableState {
    return { keys: this.keys, off: this.off, items: this.items, wstart: this.wstart, wchars: this.wchars, mask: this.mask };
  }

  static fromState(state: TableState): ListMap {
    return restore(ListMap.prototype, { ...state, memo: new Map() });
  }
}

export interface LexiconOptions {
  /** Words at least this frequent make covered bigrams. */
  coverageFreq: number;
  /** Words at least this frequent can be the correction of a near-miss. */
  targetFreq: number;
  /** Word lengths indexed for near-miss (characters). */
  minLen: number;
  maxLen: number;
  /** Part-of-speech tags (jieba's third column) of words that are never corrections: proper names. */
  excludeTags?: string[];
}

/** Frequency given to the project's own words and names (a mid-frequency word of the lexicon). */
export const OWN_WORD_FREQ = 1000;

export function jiebaDictPath(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('@node-rs/jieba/package.json')), 'dict.txt');
}

/** FNV-1a hash of s[from, to) with position `at` read as `code`, as a non-zero 32-bit number. */
function hashWith(s: string, from: number, to: number, at: number, code: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) {
    h ^= i === at ? code : s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h >>>= 0;
  return h === 0 ? 1 : h;
}

/**
 * Word → frequency in typed arrays: ~350k words load in a fraction of the time a Map<string, number> takes. A slot
 * is two numbers of `slots` (one cache line): the entry's 32-bit hash (where its probe starts; 0 = an empty slot)
 * and where it is in `data` (offset << 6 | 32 for a word | 16 when a longer entry starts with it | length). `data`
 * holds an entry's characters (UTF-16 code units), then a word's frequency as two code units. A lookup compares the
 * characters, so a string is found only when it is the entry (a hash shared by two strings costs one more
 * comparison, never a wrong answer). The segmentation's table also holds every proper prefix of its words that is
 * no word (frequency 0, its characters those of the word), so that segment() stops where no word goes on.
 */
class FreqTable {
  private slots: Uint32Array;
  private mask: number;
  private count = 0;
  private data: Uint16Array;
  private dlen = 0;

  constructor(capacity: number) {
    const n = tableSize(capacity);
    this.slots = new Uint32Array(2 * n);
    this.mask = n - 1;
    this.data = new Uint16Array(capacity * 5);
  }

  get size(): number {
    return this.count;
  }

  /** Slot of text[from, to) (position `at` read as `code`), whose hash is `h`, or -1 when it is not in the table. */
  find(h: number, text: string, from: number, to: number, at = -1, code = 0): number {
    const slots = this.slots;
    const mask = this.mask;
    const len = to - from;
    let i = homeSlot(h, mask);
    for (let k = slots[2 * i]; k !== 0; k = slots[2 * i]) {
      const ref = slots[2 * i + 1];
      if (k === h && (ref & 15) === len) {
        const data = this.data;
        let o = ref >>> 6;
        let j = from;
        while (j < to && data[o] === (j === at ? code : text.charCodeAt(j))) {
          j++;
          o++;
        }
        if (j === to) return i;
      }
      i = (i + 1) & mask;
    }
    return -1;
  }

  /** Frequency of the entry in slot `i` (from find; 0 for -1 and for a prefix that is no word). */
  valAt(i: number): number {
    if (i < 0) return 0;
    const ref = this.slots[2 * i + 1];
    if ((ref & 32) === 0) return 0;
    const o = (ref >>> 6) + (ref & 15);
    return this.data[o] + this.data[o + 1] * 65536;
  }

  /** True when slot `i` holds a string some longer entry starts with (a word or a prefix). */
  continues(i: number): boolean {
    return i >= 0 && (this.slots[2 * i + 1] & 16) !== 0;
  }

  /** Frequency of text[from, to) with position `at` read as `code` (0 when it is not a word). */
  get(text: string, from: number, to: number, at = -1, code = 0): number {
    return this.valAt(this.find(hashWith(text, from, to, at, code), text, from, to, at, code));
  }

  /**
   * Adds the word text[from, to) (at most 15 code units) with frequency f (below 2^32), or raises its frequency to
   * f; returns where its characters are kept.
   */
  setMax(text: string, from: number, to: number, f: number): number {
    const h = hashWith(text, from, to, -1, 0);
    const found = this.find(h, text, from, to);
    if (found >= 0) {
      const ref = this.slots[2 * found + 1];
      if (ref & 32) {
        const o = (ref >>> 6) + (ref & 15);
        if (f > this.valAt(found)) {
          this.data[o] = f & 0xffff;
          this.data[o + 1] = f >>> 16;
        }
        return ref >>> 6;
      }
      // a prefix of a longer word becomes a word: its characters and frequency of its own
      const off = this.append(text, from, to, f);
      this.slots[2 * found + 1] = ((off << 6) | 32 | (ref & 31)) >>> 0;
      return off;
    }
    const len = to - from;
    if (len > 15) throw new Error('word too long for the table');
    const off = this.append(text, from, to, f);
    this.insert(h, (off << 6) | 32 | len);
    return off;
  }

  /**
   * Marks text[from, to) as the start of a longer entry whose characters are at `off` (setMax's answer), adding it
   * as a prefix that is no word when it is not in the table.
   */
  markPrefix(text: string, from: number, to: number, off: number): void {
    const h = hashWith(text, from, to, -1, 0);
    const found = this.find(h, text, from, to);
    if (found >= 0) this.slots[2 * found + 1] |= 16;
    else this.insert(h, (off << 6) | 16 | (to - from));
  }

  /** Rehashes into the smallest table that keeps the load at most one half, and trims `data`. */
  compact(): void {
    const n = tableSize(this.count, 2);
    if (n < this.mask + 1) this.rehash(n);
    if (this.data.length > this.dlen) this.data = this.data.slice(0, this.dlen);
  }

  /** Appends a word's characters and frequency to `data`; returns their offset. */
  private append(text: string, from: number, to: number, f: number): number {
    const need = this.dlen + to - from + 2;
    if (need > this.data.length) {
      const more = new Uint16Array(Math.max(this.data.length * 2, need));
      more.set(this.data);
      this.data = more;
    }
    const off = this.dlen;
    for (let j = from; j < to; j++) this.data[this.dlen++] = text.charCodeAt(j);
    this.data[this.dlen++] = f & 0xffff;
    this.data[this.dlen++] = f >>> 16;
    return off;
  }

  /** Puts an entry known to be absent into the first free slot of its probe. */
  private insert(h: number, ref: number): void {
    if ((this.count + 1) * 2 > this.mask + 1) this.rehash((this.mask + 1) * 2);
    let i = homeSlot(h, this.mask);
    while (this.slots[2 * i] !== 0) i = (i + 1) & this.mask;
    this.slots[2 * i] = h;
    this.slots[2 * i + 1] = ref >>> 0;
    this.count++;
  }

  private rehash(size: number): void {
    const old = this.slots;
    this.slots = new Uint32Array(2 * size);
    this.mask = size - 1;
    this.count = 0;
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0) this.insert(old[i], old[i + 1]);
  }
}

/**
 * A set of character pairs as one bit a pair (a hash of the pair picks the bit): exact when it answers "no", a
 * "yes" may be another pair's. 2^21 bits (256 KB) hold the ≈ 242,000 pairs of jieba's longer words at ≈ 11 % false "yes".
 */
export class PairBits {
  bits: Uint32Array;
  mask: number;

  constructor(bits: number) {
    this.bits = new Uint32Array(bits >>> 5);
    this.mask = bits - 1;
  }

  add(a: number, b: number): void {
    const k = homeSlot(((a << 16) | b) >>> 0, this.mask);
    this.bits[k >>> 5] |= 1 << (k & 31);
  }

  has(a: number, b: number): boolean {
    const k = homeSlot(((a << 16) | b) >>> 0, this.mask);
    return (this.bits[k >>> 5] & (1 << (k & 31))) !== 0;
  }

  /** (The hash tables' compaction after building; a bit set stays as it is.) */
  compact(): void {}
}

/** Longest word considered by the segmentation (characters). */
const MAX_WORD = 8;

export interface Segmentation {
  /** Log probability of the best segmentation (jieba's route: Σ log(freq / total), unknown = 1). */
  score: number;
  /** Token boundaries, relative to the segmented range: [0, …, length]. */
  bounds: number[];
}

/** What the lexicon cache holds: the tables' typed arrays and a few numbers. */
export interface LexiconState {
  tables: Record<string, TableState>;
  readingIds: Array<[string, number]>;
  size: number;
  total: number;
  logTotal: number;
  targets: number;
}

export class Lexicon {
  private readonly table: FreqTable;
  /** Words that may be corrections (frequent enough, not proper names). */
  private readonly targetTable: FreqTable;
  /** Words of three or more characters the dictionary tags as names (nr, ns, nt, nz…), at any frequency. */
  private readonly nameTable: FreqTable;
  /** Character bigrams inside those names (a cheap gate before hashing windows). */
  readonly namePairs: PairSet;
  readonly covered: PairSet;
  /** Adjacent pairs of the words of three or more characters (gainBound: a longer word must hold them all). */
  private readonly wordPairs: PairBits;
  /** Bigrams inside target words of three or more characters, and their first/third-character skip-grams. */
  private readonly longPairs: PairSet;
  private readonly longSkips: PairSet;
  /** (left neighbour, reading id) and (reading id, right neighbour) pairs of the target words: a quick "no". */
  private readonly soundLeft: PairSet;
  private readonly soundRight: PairSet;
  /** Adjacent character pairs of the target words. */
  private readonly targetPairs: PairSet;
  /** Two-character targets by (known character, reading of the other): keys see key2(). */
  private readonly sound2: ListMap;
  /** Longer targets by the hash of the word with one position read as a reading id (hashBlank). */
  private readonly soundN: ListMap;
  private readonly readingIds: Map<string, number> = new Map();
  /** Words in the lexicon (jieba's plus own). */
  size = 0;
  /** Sum of the frequencies: log(freq / total) is a word's log probability. */
  total = 0;
  private logTotal = 0;
  /** Work buffers of segment() (reused: it runs for every candidate). */
  private route = new Float64Array(128);
  private nextBuf = new Int32Array(128);
  /** Lookups of the last segment() without a substitution (see there): frequency and running hash, and its range. */
  private memoF = new Uint32Array(128 * MAX_WORD);
  private memoH = new Int32Array(128 * MAX_WORD);
  /** The last j each row of that segmentation looked up (where no word could go on). */
  private memoS = new Int32Array(128);
  private memoText: string | undefined = undefined;
  private memoA = -1;
  private memoB = -1;
  /** gainBound's cost of a character as a token of its own, by code unit: 1 + log total − log max(freq, 1); 0 = not yet known. */
  private singleCost: Float64Array | undefined = undefined;
  targets = 0;

  /**
   * @param readings toneless readings of a character (the index is built on them)
   */
  constructor(
    readonly opts: LexiconOptions,
    private readonly readings: (code: number) => string[],
    ownWords: string[] = [],
    dictText?: string,
    /** The tables of a `snapshot()` instead of building them (`fromSnapshot`). */
    state?: LexiconState,
  ) {
    if (state) {
      // Set by name in the constructor, over the fields the class declares: V8 keeps such an object's fast
      // properties, where one made by Object.create and then given its ~30 fields became a hash table that every
      // field read of every lookup paid for (a third of the near-miss pass's time on real pages).
      const tables = state.tables;
      for (const k of [...LEXICON_TABLES, 'sound2', 'soundN']) if (!tables?.[k]) throw new Error(`lexicon cache lacks ${k}`);
      if (!Array.isArray(state.readingIds) || typeof state.total !== 'number') throw new Error('lexicon cache is malformed');
      const table = (k: string) => restore(FreqTable.prototype, tables[k]);
      const pairs = (k: string) => restore(PairSet.prototype, tables[k]);
      this.table = table('table');
      this.targetTable = table('targetTable');
      this.nameTable = table('nameTable');
      this.namePairs = pairs('namePairs');
      this.covered = pairs('covered');
      this.longPairs = pairs('longPairs');
      this.longSkips = pairs('longSkips');
      this.soundLeft = pairs('soundLeft');
      this.soundRight = pairs('soundRight');
      this.targetPairs = pairs('targetPairs');
      this.wordPairs = restore(PairBits.prototype, tables.wordPairs);
      this.sound2 = ListMap.fromState(tables.sound2);
      this.soundN = ListMap.fromState(tables.soundN);
      this.readingIds = new Map(state.readingIds);
      this.size = state.size;
      this.total = state.total;
      this.logTotal = state.logTotal;
      this.targets = state.targets;
      return;
    }
    dictText ??= readFileSync(jiebaDictPath(), 'utf8');
    this.covered = new PairSet(1 << 18);
    this.longPairs = new PairSet(1 << 16);
    this.longSkips = new PairSet(1 << 16);
    this.soundLeft = new PairSet(1 << 17);
    this.soundRight = new PairSet(1 << 17);
    this.targetPairs = new PairSet(1 << 17);
    this.table = new FreqTable(1 << 19);
    this.targetTable = new FreqTable(1 << 16);
    this.nameTable = new FreqTable(1 << 17);
    this.namePairs = new PairSet(1 << 18);
    this.wordPairs = new PairBits(1 << 21);
    const targets: string[] = [];
    const excluded = new Set(opts.excludeTags ?? []);
    let tagged = true;
    const take = (text: string, a: number, b: number, f: number) => {
      const off = this.table.setMax(text, a, b, f);
      for (let k = a + 1; k < b; k++) this.table.markPrefix(text, a, k, off);
      this.size++;
      this.total += f;
      const len = b - a;
      if (len >= 3) for (let i = a; i + 1 < b; i++) this.wordPairs.add(text.charCodeAt(i), text.charCodeAt(i + 1));
      if (len < 2) return;
      for (let i = a; i < b; i++) if (!isHan(text.charCodeAt(i))) return;
      if (f >= opts.coverageFreq) for (let i = a; i + 1 < b; i++) this.covered.add(text.charCodeAt(i), text.charCodeAt(i + 1));
      if (f >= opts.targetFreq && len >= opts.minLen && len <= opts.maxLen && tagged) targets.push(text.slice(a, b));
      if (!tagged && len >= 3) {
        this.nameTable.setMax(text, a, b, 1);
        for (let i = a; i + 1 < b; i++) this.namePairs.add(text.charCodeAt(i), text.charCodeAt(i + 1));
      }
    };
    const n = dictText.length;
    let start = 0;
    while (start < n) {
      let end = dictText.indexOf('\n', start);
      if (end < 0) end = n;
      const sp = dictText.indexOf(' ', start);
      if (sp > start && sp < end && sp - start <= 12) {
        let f = 0;
        for (let i = sp + 1; i < end; i++) {
          const c = dictText.charCodeAt(i);
          if (c < 48 || c > 57) break;
          f = f * 10 + (c - 48);
        }
        const sp2 = dictText.indexOf(' ', sp + 1);
        tagged = !(excluded.size && sp2 > 0 && sp2 < end && excluded.has(dictText.slice(sp2 + 1, end).trim()));
        take(dictText, start, sp, f);
        tagged = true;
      }
      start = end + 1;
    }
    for (const w of ownWords) if (w && w.length <= 12) take(w, 0, w.length, OWN_WORD_FREQ);
    this.logTotal = Math.log(this.total);
    const seen = new Set<string>();
    const sound2 = new Map<number, string[]>();
    const soundN = new Map<number, string[]>();
    for (const w of targets) {
      if (seen.has(w)) continue;
      seen.add(w);
      this.targets++;
      this.targetTable.setMax(w, 0, w.length, this.freq(w));
      for (let k = 0; k < w.length; k++) {
        const ck = w.charCodeAt(k);
        if (k + 1 < w.length) this.targetPairs.add(ck, w.charCodeAt(k + 1));
        for (const r of this.readings(ck)) {
          const id = this.rid(r);
          if (k > 0) this.soundLeft.add(w.charCodeAt(k - 1), id);
          if (k + 1 < w.length) this.soundRight.add(id, w.charCodeAt(k + 1));
        }
      }
      if (w.length === 2) {
        const a0 = w.charCodeAt(0);
        const b0 = w.charCodeAt(1);
        for (const r of this.readings(b0)) push(sound2, key2(a0, this.rid(r), false), w);
        for (const r of this.readings(a0)) push(sound2, key2(b0, this.rid(r), true), w);
      } else {
        for (let i = 0; i + 1 < w.length; i++) this.longPairs.add(w.charCodeAt(i), w.charCodeAt(i + 1));
        for (let i = 0; i + 2 < w.length; i++) this.longSkips.add(w.charCodeAt(i), w.charCodeAt(i + 2));
        for (let k = 0; k < w.length; k++) {
          for (const r of this.readings(w.charCodeAt(k))) push(soundN, hashBlank(w, 0, w.length, k, this.rid(r)), w);
        }
      }
    }
    this.sound2 = ListMap.from(sound2);
    this.soundN = ListMap.from(soundN);
    // the capacities above are generous for building: the tables kept (and cached) are as small as a load of ½ allows
    for (const k of LEXICON_TABLES) (this[k as keyof this] as unknown as { compact(): void }).compact();
  }

  /** Everything the constructor built, for the on-disk cache (`loadLexicon`): typed arrays and numbers. */
  snapshot(): LexiconState {
    const tables: Record<string, TableState> = {};
    for (const k of LEXICON_TABLES) tables[k] = { ...(this[k as keyof this] as object) } as TableState;
    tables.sound2 = this.sound2.state();
    tables.soundN = this.soundN.state();
    return { tables, readingIds: [...this.readingIds], size: this.size, total: this.total, logTotal: this.logTotal, targets: this.targets };
  }

  /** A lexicon from a `snapshot()`, with the options and reading function it was built with. */
  static fromSnapshot(state: LexiconState, opts: LexiconOptions, readings: (code: number) => string[]): Lexicon {
    const lex = new Lexicon(opts, readings, [], '', state);
    // A table restored into the wrong shape would fail at the first lookup: try one of each kind now.
    if (!(lex.freq('中国') > 0) || !lex.covered.has('中'.charCodeAt(0), '国'.charCodeAt(0))) throw new Error('lexicon cache does not answer');
    return lex;
  }

  private rid(r: string): number {
    let id = this.readingIds.get(r);
    if (id === undefined) this.readingIds.set(r, (id = this.readingIds.size + 1));
    return id;
  }

  /**
   * Where a same-sound substitute (reading id `rid`) of a character between `left` and `right` (0 = no
   * neighbour) can stand in a target word: bit 1 when some target has it right after `left`, bit 2 right
   * before `right`. A window of two or more characters holds a neighbour next to the substitute, so a window
   * reaching the left neighbour needs bit 1, one reaching the right needs bit 2; 0 rules out every window.
   */
  soundSides(left: number, right: number, rid: number): number {
    return (left && this.soundLeft.has(left, rid) ? 1 : 0) | (right && this.soundRight.has(rid, right) ? 2 : 0);
  }

  /** As soundSides, for a look-alike character `x` (adjacent pairs of the target words). */
  pairSides(left: number, right: number, x: number): number {
    return (left && this.targetPairs.has(left, x) ? 1 : 0) | (right && this.targetPairs.has(x, right) ? 2 : 0);
  }

  /** Reading id, or 0 when no target uses the reading. */
  readingId(r: string): number {
    return this.readingIds.get(r) ?? 0;
  }

  /**
   * Target words of length ≥ 2 at [s, s+len) of `text` that differ from it only at position i, where the
   * target has a character with reading `rid` (a same-sound substitution of text[i]).
   */
  soundTargets(text: string, s: number, len: number, i: number, rid: number): string[] | undefined {
    if (len === 2) return this.sound2.get(i === s ? key2(text.charCodeAt(s + 1), rid, true) : key2(text.charCodeAt(s), rid, false));
    // hashed key (no string built); a colliding entry is filtered by the caller, which compares characters
    const list = this.soundN.get(hashBlank(text, s, s + len, i - s, rid));
    if (!list) return undefined;
    for (const w of list) {
      for (let j = 0; j < len; j++) if (j !== i - s && w.charCodeAt(j) !== text.charCodeAt(s + j)) return list.filter((x) => sameExcept(x, text, s, i));
    }
    return list;
  }

  /**
   * Cheap gate for windows of three or more characters: the known characters occur together in some long target.
   * `memo[j - base]` keeps the answer for the pair at j (0 = not yet asked, 1 = in a long target, 2 = not): the
   * windows around one position share their pairs.
   */
  longGate(text: string, s: number, len: number, i: number, memo?: Uint8Array, base = 0): boolean {
    if (len < 3) return true;
    for (let j = s; j + 1 < s + len; j++) {
      if (j === i || j + 1 === i) continue;
      let v = memo ? memo[j - base] : 0;
      if (v === 0) {
        v = this.longPairs.has(text.charCodeAt(j), text.charCodeAt(j + 1)) ? 1 : 2;
        if (memo) memo[j - base] = v;
      }
      if (v === 2) return false;
    }
    if (len === 3 && i === s + 1 && !this.longSkips.has(text.charCodeAt(s), text.charCodeAt(s + 2))) return false;
    return true;
  }

  /** Frequency of text[s, s+len) with position i replaced by `code`, when that is a target word (else 0). */
  targetFreqWith(text: string, s: number, len: number, i: number, code: number): number {
    return this.targetTable.get(text, s, s + len, i, code);
  }

  /** Log probability of a token as a word (unknown tokens count once, as in jieba). */
  logp(w: string): number {
    return Math.log(Math.max(this.freq(w), 1)) - this.logTotal;
  }

  /** Frequency of a target word (the same as freq(w) for one; 0 for any other string), from the smaller target table. */
  targetFreq(w: string): number {
    return this.targetTable.get(w, 0, w.length);
  }

  freq(w: string): number {
    return w ? this.table.get(w, 0, w.length) : 0;
  }

  /** True when text[from, to) is a name the dictionary knows (three or more characters, any frequency). */
  isNameAt(text: string, from: number, to: number): boolean {
    return to - from >= 3 && this.nameTable.get(text, from, to) > 0;
  }

  /** Frequency of text[from, to) without slicing. */
  freqAt(text: string, from: number, to: number): number {
    return to > from ? this.table.get(text, from, to) : 0;
  }

  /**
   * An upper bound on segment(text, a, b, at, code).score − segment(text, a, b).score when that substituted
   * segmentation has a token containing text[ws, we) (a ≤ ws ≤ at < we ≤ b): the best, over the words t = [p, q) ⊇
   * [ws, we) of the substituted text within [a, b) (at most MAX_WORD characters), of log P(t) − Σ log P(text[j]) for
   * j in [p, q) (the written characters as tokens of their own). Exact as a bound: the substituted route is that of
   * the written text outside t plus t, and the written route is at least its own outside t plus t's characters
   * alone. `f`: the frequency of text[ws, we) so read (the caller knows it). Longer words are looked up only where
   * wordPairs holds every adjacent pair. docs/modules.md.
   */
  gainBound(text: string, a: number, b: number, ws: number, we: number, at: number, code: number, f: number): number {
    const table = this.table;
    const pairs = this.wordPairs;
    const lt = this.logTotal;
    const cost = (this.singleCost ??= new Float64Array(65536));
    // Σ over the written characters of [p, we) of (log total − log max(freq, 1)), from p = ws
    let left = 0;
    for (let j = ws; j < we; j++) left += this.costOf(cost, text, j, lt);
    // the word itself (f: its frequency, known to the caller)
    let best = f > 0 ? Math.log(f) - lt + left : -Infinity;
    // the longer words holding it: every adjacent pair of such a word is in wordPairs
    for (let j = ws; j + 1 < we; j++) if (!pairs.has(j === at ? code : text.charCodeAt(j), j + 1 === at ? code : text.charCodeAt(j + 1))) return best;
    for (let p = ws; p >= a && we - p <= MAX_WORD; p--) {
      if (p < ws) {
        // a pair no longer word holds rules out this start and every earlier one
        if (!pairs.has(p === at ? code : text.charCodeAt(p), p + 1 === at ? code : text.charCodeAt(p + 1))) break;
        left += this.costOf(cost, text, p, lt);
      }
      let h = 0x811c9dc5;
      for (let j = p; j < we; j++) {
        h ^= j === at ? code : text.charCodeAt(j);
        h = Math.imul(h, 0x01000193);
      }
      let sum = left;
      // [p, we) is looked up for p < ws; from ws the word itself is known, so the first lookup is [ws, we + 1)
      for (let q = p < ws ? we : we + 1; q <= b && q - p <= MAX_WORD; q++) {
        if (q > we) {
          const c1 = q - 2 === at ? code : text.charCodeAt(q - 2);
          const c2 = q - 1 === at ? code : text.charCodeAt(q - 1);
          if (!pairs.has(c1, c2)) break;
          h ^= c2;
          h = Math.imul(h, 0x01000193);
          sum += this.costOf(cost, text, q - 1, lt);
        }
        const slot = table.find(h >>> 0 || 1, text, p, q, at, code);
        if (slot < 0) break; // no word starts with text[p, q) so read
        const fq = table.valAt(slot);
        if (fq > 0) {
          const v = Math.log(fq) - lt + sum;
          if (v > best) best = v;
        }
        if (!table.continues(slot)) break;
      }
    }
    return best;
  }

  private costOf(cost: Float64Array, text: string, j: number, lt: number): number {
    const c = text.charCodeAt(j);
    let v = cost[c];
    if (v === 0) {
      const f = this.table.get(text, j, j + 1);
      v = cost[c] = 1 + lt - Math.log(f > 0 ? f : 1);
    }
    return v - 1;
  }

  /**
   * Best segmentation of text[a, b) (jieba's algorithm without HMM: the route through the word graph with
   * the highest Σ log(freq / total)), optionally with position `at` read as character `code`.
   */
  segment(text: string, a: number, b: number, at = -1, code = 0): Segmentation {
    const m = b - a;
    if (this.route.length < m + 1) {
      this.route = new Float64Array(m + 64);
      this.nextBuf = new Int32Array(m + 64);
      this.memoF = new Uint32Array((m + 64) * MAX_WORD);
      this.memoH = new Int32Array((m + 64) * MAX_WORD);
      this.memoS = new Int32Array(m + 64);
      this.memoText = undefined;
    }
    const route = this.route;
    const next = this.nextBuf;
    route[m] = 0;
    const lt = this.logTotal;
    const table = this.table;
    // A segmentation without a substitution keeps its lookups; one of the same range with a substitution (the
    // alternatives of a near miss) takes those of the strings that do not contain it, and the running hash up to it.
    const record = at < 0;
    const rel = at - a;
    const reuse = !record && this.memoText === text && this.memoA === a && this.memoB === b;
    if (record) {
      this.memoText = text;
      this.memoA = a;
      this.memoB = b;
    }
    const memoF = this.memoF;
    const memoH = this.memoH;
    const memoS = this.memoS;
    for (let i = m - 1; i >= 0; i--) {
      let h = 0x811c9dc5;
      let best = -Infinity;
      let bestJ = i + 1;
      const lim = Math.min(m, i + MAX_WORD);
      // the lookup of text[a + i, a + j] is kept at row + j
      const row = i * (MAX_WORD - 1);
      if (record) memoS[i] = lim - 1;
      for (let j = i; j < lim; j++) {
        let f: number;
        let stop = false;
        if (reuse && j > memoS[i] && (i > rel || memoS[i] < rel)) break; // the recorded row stopped before
        if (reuse && (j < rel || i > rel)) f = memoF[row + j];
        else {
          if (reuse && j === rel && j > i) h = memoH[row + j - 1];
          h ^= a + j === at ? code : text.charCodeAt(a + j);
          h = Math.imul(h, 0x01000193);
          const slot = table.find(h >>> 0 || 1, text, a + i, a + j + 1, at, code);
          f = table.valAt(slot);
          stop = !table.continues(slot);
          if (record) {
            memoF[row + j] = f;
            memoH[row + j] = h;
            if (stop) memoS[i] = j;
          }
        }
        if (f > 0 || j === i) {
          const sc = Math.log(f > 0 ? f : 1) - lt + route[j + 1];
          if (sc > best) {
            best = sc;
            bestJ = j + 1;
          }
        }
        // no word of the lexicon starts with text[a + i, a + j] and goes on
        if (stop) break;
      }
      route[i] = best;
      next[i] = bestJ;
    }
    const bounds = [0];
    for (let i = 0; i < m; i = next[i]) bounds.push(next[i]);
    return { score: route[0], bounds };
  }
}

/** Hash of s[from, to) with position `blank` (relative) replaced by reading id `rid` (a small integer, SMI). */
function hashBlank(s: string, from: number, to: number, blank: number, rid: number): number {
  let h = 0x811c9dc5 ^ (to - from);
  for (let j = from; j < to; j++) {
    h ^= j - from === blank ? 0x10000 + rid : s.charCodeAt(j);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 2) & 0x3fffffff;
}

/** True when word w equals text[s, s + w.length) except at position i of the text. */
function sameExcept(w: string, text: string, s: number, i: number): boolean {
  for (let j = 0; j < w.length; j++) if (s + j !== i && w.charCodeAt(j) !== text.charCodeAt(s + j)) return false;
  return true;
}

/** Key of a two-character target: the known character, the reading of the other one, and which side is known. */
function key2(known: number, rid: number, knownIsSecond: boolean): number {
  return (knownIsSecond ? 1 << 28 : 0) + known * 2048 + rid;
}

function push<K>(m: Map<K, string[]>, k: K, w: string): void {
  const l = m.get(k);
  if (l) {
    if (!l.includes(w)) l.push(w);
  } else m.set(k, [w]);
}

/** The typed-array tables of a Lexicon: FreqTables and PairSets. */
const FREQ_TABLES = new Set(['table', 'targetTable', 'nameTable']);
const LEXICON_TABLES = [...FREQ_TABLES, 'namePairs', 'covered', 'longPairs', 'longSkips', 'soundLeft', 'soundRight', 'targetPairs', 'wordPairs'];

/** Format of the cache file; bump when the tables change shape. */
const CACHE_FORMAT = 5;
/** Cached lexicons kept (one per set of inputs). */
const KEEP_CACHED = 4;
const MAGIC = 0x584c4347; // "GCLX"

type Typed = Uint32Array | Uint8Array | Uint16Array | Float64Array;
const TYPED: Record<string, { new (b: ArrayBuffer, off: number, len: number): Typed; BYTES_PER_ELEMENT: number }> = { u32: Uint32Array, u8: Uint8Array, u16: Uint16Array, f64: Float64Array };
function typedName(a: Typed): string {
  if (a instanceof Uint32Array) return 'u32';
  if (a instanceof Uint8Array) return 'u8';
  if (a instanceof Uint16Array) return 'u16';
  return 'f64';
}

/**
 * The cache file: "GCLX", the length of a JSON header, the header (numbers, reading ids, and where each typed array
 * is), then the arrays' bytes, each at a multiple of 8. Reading it makes views on one buffer: no parsing, no copies.
 */
export function packLexicon(state: LexiconState): Buffer {
  const arrays: Typed[] = [];
  let at = 0;
  const tables: Record<string, Record<string, number | { a: string; at: number; n: number }>> = {};
  for (const [name, t] of Object.entries(state.tables)) {
    tables[name] = {};
    for (const [k, v] of Object.entries(t)) {
      if (typeof v === 'number') tables[name][k] = v;
      else {
        tables[name][k] = { a: typedName(v), at, n: v.length };
        arrays.push(v);
        at += Math.ceil(v.byteLength / 8) * 8;
      }
    }
  }
  const header = Buffer.from(JSON.stringify({ ...state, tables }), 'utf8');
  const start = Math.ceil((8 + header.length) / 8) * 8;
  const out = Buffer.alloc(start + at);
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt32LE(header.length, 4);
  header.copy(out, 8);
  let pos = start;
  for (const a of arrays) {
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(out, pos);
    pos += Math.ceil(a.byteLength / 8) * 8;
  }
  return out;
}

export function unpackLexicon(file: Buffer): LexiconState {
  if (file.length < 8 || file.readUInt32LE(0) !== MAGIC) throw new Error('not a lexicon cache');
  const len = file.readUInt32LE(4);
  const state = JSON.parse(file.toString('utf8', 8, 8 + len)) as LexiconState;
  const start = Math.ceil((8 + len) / 8) * 8;
  // views need their offsets aligned: a buffer that does not start at a multiple of 8 is copied once
  const buf = file.byteOffset % 8 === 0 ? file : Buffer.from(file);
  for (const t of Object.values(state.tables)) {
    for (const [k, v] of Object.entries(t as Record<string, unknown>)) {
      if (typeof v === 'number') continue;
      const ref = v as { a: string; at: number; n: number };
      const C = TYPED[ref.a];
      if (!C || start + ref.at + ref.n * C.BYTES_PER_ELEMENT > buf.length) throw new Error('lexicon cache is truncated');
      (t as Record<string, unknown>)[k] = new C(buf.buffer as ArrayBuffer, buf.byteOffset + start + ref.at, ref.n);
    }
  }
  return state;
}

export { cacheDir };

/**
 * The lexicon, from the cache when one was built with the same inputs (jieba's dictionary, the options, the own words,
 * the code that builds it and `keyParts` — what the reading function depends on), else built and cached (written
 * atomically; a cache that cannot be read or written is ignored: the lexicon is then built as before).
 */
export function loadLexicon(opts: LexiconOptions, readings: (code: number) => string[], ownWords: string[], keyParts: string[] = []): Lexicon {
  const dir = cacheDir();
  if (!dir) return new Lexicon(opts, readings, ownWords);
  let file: string;
  try {
    const dict = statSync(jiebaDictPath());
    const code = readFileSync(fileURLToPath(import.meta.url));
    const key = createHash('sha256')
      .update(JSON.stringify([CACHE_FORMAT, process.version.split('.')[0], opts, dict.size, dict.mtimeMs, ...keyParts]))
      .update(code)
      .update(ownWords.join('\n'))
      .digest('hex')
      .slice(0, 24);
    file = path.join(dir, `lexicon-${key}.bin`);
  } catch {
    return new Lexicon(opts, readings, ownWords);
  }
  try {
    return Lexicon.fromSnapshot(unpackLexicon(readFileSync(file)), opts, readings);
  } catch {
    // absent or unreadable: build it
  }
  const lex = new Lexicon(opts, readings, ownWords);
  // A few sets of inputs are kept (the shipped options and a test's or a province's own); older ones go
  // (files of the former format, .v8, among them).
  writeCacheFile(file, packLexicon(lex.snapshot()), /^lexicon-[0-9a-f]{24}\.(bin|v8)$/, KEEP_CACHED);
  return lex;
}
