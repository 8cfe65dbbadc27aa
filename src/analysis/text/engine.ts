/**
 * The typo and wrong-expression engine (错别字与严重表述错误). One pass of a multi-pattern automaton finds every dictionary
 * form in the text; cheap character-bigram coverage finds the characters that belong to no frequent word;
 * segmentation runs only on short windows around what these two found. Notes: docs/modules.md.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { AhoCorasick } from './aho.js';
import { CharRelations, isHan } from './chars.js';
import { DICTIONARY_DIR, type DictEntry, type Dictionaries } from './dictionaries.js';
import { loadDictionariesCached } from './dict-cache.js';
import { type Lexicon, loadLexicon, PairSet } from './lexicon.js';
import { markNameCue, markQuoted, type NameCue } from './protect.js';
import { wordingFindings } from './wording.js';
import { simplifiedCopy, toTraditionalText, traditionalRatio } from './traditional.js';
import { lmOptionsSchema, lmScan, loadLanguageModel } from './lm.js';

export const textOptionsSchema = z
  .object({
    /** Extra dictionary folders, loaded after config/dictionaries (same file formats). */
    dictionaryDirs: z.array(z.string()).default([]),
    /** Near-miss words across the lexicon (suspected tier). */
    lexicon: z
      .object({
        enabled: z.boolean().default(true),
        /** A correction must be a word at least this frequent in the lexicon. */
        minFreq: z.number().nonnegative().default(50),
        /** Words at least this frequent make a character "covered" (part of a word); such characters are not suspects. */
        coverageFreq: z.number().nonnegative().default(100),
        /** The suspect character's own frequency as a one-character word must be below this (function words are frequent). */
        maxSingleFreq: z.number().nonnegative().default(1e12),
        /** How much more frequent the correction must be than what is written (when what is written is a word). */
        minRatio: z.number().nonnegative().default(20),
        /** Words with these part-of-speech tags in the lexicon are never corrections (names of people, places, bodies). */
        excludeTags: z.array(z.string()).default(['nr', 'nrt', 'nrfg', 'ns', 'nt', 'nz']),
        /** Lengths of corrections (characters). */
        minLen: z.number().int().min(2).default(2),
        maxLen: z.number().int().min(2).max(6).default(4),
        /** Accept look-alike characters (形近字) besides same-sound ones. */
        lookalike: z.boolean().default(true),
        /** Accept near sounds (z/zh, n/l, in/ing…). */
        fuzzySound: z.boolean().default(false),
        /** Characters never taken for typos here (function words whose misuse needs grammar, e.g. 的/地/得). */
        skipChars: z.string().default('的地得'),
        /** Characters of context on each side of a correction when comparing segmentations. */
        window: z.number().int().min(2).max(20).default(3),
        /** Corrections tried per suspect character (most frequent first). */
        maxAlternatives: z.number().int().positive().default(4),
        /**
         * Least gain in log probability of the segmentation for a correction to be reported, by how the
         * written character relates to the correction (tuned on the development split: homophones with
         * another tone and two-character corrections are the least reliable).
         */
        minGain: z.object({ sound: z.number().default(8), tone: z.number().default(11), shape: z.number().default(6), 'near-sound': z.number().default(12) }).prefault({}),
        /** Subtracted from minGain when the correction is a word of three or more characters. */
        longBonus: z.number().default(4),
        /** Tier of these findings: suspected findings are reported, not scored. */
        tier: z.enum(['confirmed', 'suspected']).default('suspected'),
      })
      .prefault({}),
    /** Near-miss names: organ names, titles, formulations, place names. */
    names: z
      .object({
        enabled: z.boolean().default(true),
        /** Shortest entry checked for near misses. */
        minLength: z.number().int().min(3).default(3),
        /** Place names (gazetteer) take part. */
        gazetteer: z.boolean().default(true),
        /** Shortest place name checked for near misses (three-character county names are many and short). */
        placeMinLength: z.number().int().min(3).default(4),
        lookalike: z.boolean().default(true),
        /** Near misses of entries shorter than this are suspected rather than confirmed. */
        confirmedMinLength: z.number().int().min(3).default(4),
      })
      .prefault({}),
    /** Language-model pass (src/analysis/text/lm.ts, models/official-zh.4gram.bin): runs when the model file exists. */
    lm: lmOptionsSchema,
    /** A text is read as Traditional when at least this share of its Chinese characters is Traditional-only. */
    traditionalRatio: z.number().min(0).max(1).default(0.05),
    /** Characters of context on each side in a finding's snippet. */
    snippetChars: z.number().int().nonnegative().default(15),
    /** Findings kept per text (the rest are counted, not listed). */
    maxFindings: z.number().int().positive().default(500),
  })
  .prefault({});
export type TextOptions = z.output<typeof textOptionsSchema>;
export type TextOptionsInput = z.input<typeof textOptionsSchema>;

export type TextScope = 'website' | 'newmedia';

export interface TextFinding {
  /** The wrong text as written (in the text's own script). */
  text: string;
  /** The correct form (in the text's own script). */
  suggestion: string;
  /** Indicator: W-V4 / M-V1 for serious wrong expressions, W-D3 / M-D3 for typos. */
  rule: string;
  /** Dictionary category: typo, word, leader, organ, title, formulation, naming, place, near-miss… */
  category: string;
  severity: 'veto' | 'deduction';
  tier: 'confirmed' | 'suspected';
  /** UTF-16 offset and length in the scanned text (JavaScript string index). */
  offset: number;
  length: number;
  /** dictionary (a rule), name (near-miss of a name), lexicon (near-miss of a word). */
  source: 'dictionary' | 'name' | 'lexicon' | 'lm';
  /** Dictionary entry id (file:number or the entry's own id). */
  entry?: string;
  /** How the wrong character relates to the right one (near misses): sound, shape, near-sound. */
  relation?: string;
  note?: string;
  /** Near-miss words: how much better the corrected text reads (gain in log probability of its segmentation). */
  score?: number;
  /** Why the finding is suspected rather than confirmed (every suspected finding has one). */
  reason?: string;
  /** Text around the finding. */
  snippet: string;
  script: 'simplified' | 'traditional';
}

export interface ScanOptions {
  scope?: TextScope;
  /** Extra allowed strings (site or group allow-lists): findings inside any of them are dropped. */
  allow?: string[];
  /** Site ids or hosts, and group (province), to apply the dictionaries' allow-lists for them. */
  site?: string | string[];
  group?: string;
  /** The text's own publication date (YYYY-MM-DD): dated renamings are judged against it. */
  date?: string;
  /** The inspection date (YYYY-MM-DD), used when the text has no date of its own (default: today). */
  asOf?: string;
}

export interface ScanResult {
  findings: TextFinding[];
  /** Findings beyond maxFindings (not listed). */
  dropped: number;
  script: 'simplified' | 'traditional';
}

type Pat = { t: 'wrong'; e: DictEntry; form: string } | { t: 'anchor'; e: DictEntry } | { t: 'protect' } | { t: 'cue'; cue: NameCue } | { t: 'half'; name: NameEntry; at: number };

interface NameEntry {
  /** Index among the names (for cheap de-duplication). */
  idx: number;
  text: string;
  category: string;
  severity: 'serious' | 'typo';
  tier?: 'confirmed' | 'suspected';
  id?: string;
  place: boolean;
}

/** Characters of context (within the sentence) that rules' before/after conditions and regexes see. */
const CONTEXT = 24;

export const RULES = {
  website: { serious: 'W-V4', typo: 'W-D3' },
  newmedia: { serious: 'M-V1', typo: 'M-D3' },
} as const;

/** Characters that end a sentence-like window for segmentation and context conditions. */
function isBreak(c: number): boolean {
  return c === 10 || c === 13 || c === 0x3002 || c === 0xff1b || c === 0xff01 || c === 0xff1f || c === 0x2026;
}

/** A word-like character for segmentation windows: Han, ASCII letters and digits, full-width digits. */
function isWordChar(c: number): boolean {
  return isHan(c) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 0xff10 && c <= 0xff19);
}

export class TextEngine {
  readonly options: TextOptions;
  readonly dicts: Dictionaries;
  readonly lexicon: Lexicon;
  readonly chars: CharRelations;
  private readonly ac = new AhoCorasick<Pat>();
  /** Strings that are correct as written (names, formulations, words, allowed text). */
  private readonly known = new Set<string>();
  /** Skip-gram index for 3-character names: first and last character → names. */
  private readonly skip3 = new Map<number, NameEntry[]>();
  private readonly skip3Pairs = new PairSet(1 << 12);
  /** First characters of the 3-character names (a Chinese character each): 1. */
  private readonly skip3First = new Uint8Array(65536);
  private readonly skipChars: Set<number>;
  /** skipChars by UTF-16 code unit: 1. */
  private readonly skipFlags = new Uint8Array(65536);
  private readonly allowCache = new Map<string, AhoCorasick<true>>();
  /** Dated renamings: old name → the name that followed and the old name's last day. */
  private readonly renamings = new Map<string, { right: string; until: string }>();

  constructor(dicts: Dictionaries, options: TextOptionsInput = {}) {
    this.options = textOptionsSchema.parse(options);
    this.dicts = dicts;
    const o = this.options;
    this.chars = new CharRelations(dicts.lookalike);
    this.skipChars = new Set([...o.lexicon.skipChars].map((c) => c.charCodeAt(0)));
    for (const c of this.skipChars) this.skipFlags[c] = 1;

    const names: NameEntry[] = [];
    const own: string[] = [...dicts.words];
    for (const e of dicts.entries) {
      for (const w of e.wrong) this.ac.add(w, { t: 'wrong', e, form: w });
      if (e.until) for (const w of e.wrong) this.renamings.set(w, { right: e.right, until: e.until });
      if (e.regex && e.anchor) this.ac.add(e.anchor, { t: 'anchor', e });
      if (!e.wrong.length && !e.regex && e.right) {
        own.push(e.right);
        if (e.nearMiss) names.push({ idx: 0, text: e.right, category: e.category, severity: e.severity, tier: e.tier === 'suspected' ? 'suspected' : undefined, id: e.id, place: false });
      }
    }
    if (o.names.gazetteer) {
      for (const g of dicts.gazetteer) {
        own.push(g.name);
        if (g.name.length >= o.names.placeMinLength) names.push({ idx: 0, text: g.name, category: 'place', severity: 'typo', id: `gazetteer:${g.code}`, place: true });
        if (g.short) {
          own.push(g.short);
          if (g.short.length >= o.names.placeMinLength) names.push({ idx: 0, text: g.short, category: 'place', severity: 'typo', id: `gazetteer:${g.code}`, place: true });
        }
      }
    }
    own.push(...dicts.allow.global);
    const cues: Array<[NameCue, string[]]> = [
      ['personBefore', dicts.names.personBefore],
      ['personAfter', dicts.names.personAfter],
      ['org', dicts.names.orgSuffixes],
      ['place', dicts.names.placeSuffixes],
    ];
    for (const [cue, words] of cues) for (const w of new Set(words)) this.ac.add(w, { t: 'cue', cue });
    for (const w of own) {
      if (!w || this.known.has(w)) continue;
      this.known.add(w);
      this.ac.add(w, { t: 'protect' });
    }
    // Built once per set of inputs and cached on disk (the readings come from pinyin-pro through chars.ts).
    this.lexicon = loadLexicon(
      { coverageFreq: o.lexicon.coverageFreq, targetFreq: o.lexicon.minFreq, minLen: o.lexicon.minLen, maxLen: o.lexicon.maxLen, excludeTags: o.lexicon.excludeTags },
      (code) => (o.lexicon.fuzzySound ? this.chars.fuzzyOf(code) : this.chars.readingsOf(code)),
      own,
      [`fuzzy:${o.lexicon.fuzzySound}`, ...readingsInputs()],
    );
    if (o.names.enabled) {
      const seen = new Set<string>();
      for (const n of names) {
        if (n.text.length < o.names.minLength || seen.has(n.text)) continue;
        let han = true;
        for (let i = 0; i < n.text.length; i++) if (!isHan(n.text.charCodeAt(i))) han = false;
        if (!han) continue;
        seen.add(n.text);
        n.idx = seen.size;
        const len = n.text.length;
        if (len === 3) {
          this.ac.add(n.text.slice(0, 2), { t: 'half', name: n, at: 0 });
          this.ac.add(n.text.slice(1), { t: 'half', name: n, at: 1 });
          const key = skipKey(n.text.charCodeAt(0), n.text.charCodeAt(2));
          this.skip3Pairs.add(n.text.charCodeAt(0), n.text.charCodeAt(2));
          this.skip3First[n.text.charCodeAt(0)] = 1;
          const l = this.skip3.get(key);
          if (l) l.push(n);
          else this.skip3.set(key, [n]);
        } else {
          // any one-character change leaves one of two pieces intact: split where the pieces are rarest words
          let h = len >> 1;
          let best = Infinity;
          for (let k = 2; k <= len - 2; k++) {
            const cost = this.lexicon.freq(n.text.slice(0, k)) + this.lexicon.freq(n.text.slice(k));
            if (cost < best) {
              best = cost;
              h = k;
            }
          }
          this.ac.add(n.text.slice(0, h), { t: 'half', name: n, at: 0 });
          this.ac.add(n.text.slice(h), { t: 'half', name: n, at: h });
        }
      }
    }
    this.ac.buildCached('engine');
  }

  /** Work buffer of tryLexicon: longGate's answers for the pairs of the run around a position (maxLen ≤ 6: ≤ 11). */
  private readonly pairMemo = new Uint8Array(16);
  /** Work buffer of tryLexicon: which neighbours each substitute may stand next to. */
  private sides = new Uint8Array(64);
  /** looksOf by UTF-16 code unit (filled as characters are met). */
  private readonly lookCache: Array<number[] | undefined> = new Array(65536);

  /**
   * The look-alikes of a character that can make an alternative, in the table's order: not in skipChars and not of
   * the same sound (a same-sound character is found by its reading).
   */
  private looksOf(c: number): number[] {
    let r = this.lookCache[c];
    if (!r) {
      r = [];
      for (const x of this.chars.lookAlikesOf(c) ?? []) if (!this.skipChars.has(x) && !this.chars.sameSound(c, x)) r.push(x);
      this.lookCache[c] = r;
    }
    return r;
  }

  /** Reading ids by UTF-16 code unit (filled as characters are met). */
  private readonly ridCache: Array<number[] | undefined> = new Array(65536);

  /** Reading ids (in the lexicon's index) of a character. */
  private ridsOf(c: number): number[] {
    let r = this.ridCache[c];
    if (!r) {
      r = [];
      for (const x of this.options.lexicon.fuzzySound ? this.chars.fuzzyOf(c) : this.chars.readingsOf(c)) {
        const id = this.lexicon.readingId(x);
        if (id) r.push(id);
      }
      this.ridCache[c] = r;
    }
    return r;
  }

  /** Scans one text. Never throws on any string input; time and memory are linear in its length. */
  scan(input: string, opts: ScanOptions = {}): ScanResult {
    const o = this.options;
    const scope = opts.scope ?? 'website';
    // Traditional paragraphs are scanned through a Simplified copy (same offsets); a page may mix both
    const tradRanges = o.traditionalRatio > 0 ? traditionalParagraphs(input, o.traditionalRatio) : [];
    const text = tradRanges.length ? simplifyRanges(input, tradRanges) : input;
    const isTrad = (pos: number) => tradRanges.some(([a, b]) => pos >= a && pos < b);
    const n = text.length;
    const protectedMask = new Uint8Array(n + 1);
    const rawWrong: Array<{ s: number; e: number; p: Pat }> = [];
    const halfStart: number[] = [];
    const halfPat: Array<Extract<Pat, { t: 'half' }>> = [];
    // names by their context (people, organisations, companies, small places, short quotations)
    const nameMask = new Uint8Array(n + 1);
    const cueHits: number[] = [];
    const cueKinds: NameCue[] = [];

    // matches come in order of their end: [lastS, lastE) is marked, so a match starting at or after lastS only
    // needs marking from lastE on
    let lastS = 0;
    let lastE = 0;
    this.ac.scan(text, (s, e, p) => {
      if (p.t === 'protect') {
        markRange(protectedMask, s >= lastS ? Math.max(s, lastE) : s, e);
        lastS = s;
        lastE = e;
      } else if (p.t === 'cue') {
        cueHits.push(s, e);
        cueKinds.push(p.cue);
      } else if (p.t === 'half') {
        // only a name written with exactly one character changed is tried below
        if (oneChange(text, s - p.at, p.name.text) >= 0) {
          halfStart.push(s - p.at);
          halfPat.push(p);
        }
      } else rawWrong.push({ s, e, p });
    });
    for (let k = 0; k < cueKinds.length; k++) markNameCue(text, cueHits[2 * k], cueHits[2 * k + 1], cueKinds[k], nameMask);
    markQuoted(text, nameMask);
    const textDate = opts.date ?? opts.asOf ?? new Date().toISOString().slice(0, 10);
    const allowAc = this.allowMatcher(opts);
    const allowMask = new Uint8Array(n + 1);
    allowAc?.scan(text, (s, e) => markRange(allowMask, s, e));

    const findings: Array<TextFinding & { prio: number }> = [];
    // bounded memory on hostile input: past twice the cap, findings are only counted
    const hardCap = o.maxFindings * 2;
    let overflow = 0;
    let overflowAt: Uint8Array | undefined;
    const add = (f: Omit<TextFinding, 'rule' | 'severity' | 'snippet' | 'script' | 'text' | 'suggestion'> & { right: string; serious: boolean }, prio: number) => {
      const { right, serious, ...rest } = f;
      if (inside(allowMask, f.offset, f.offset + f.length)) return;
      if (findings.length >= hardCap) {
        // count each stretch once (passes may report overlapping findings that are merged below)
        if (!overflowAt) {
          overflowAt = new Uint8Array(n + 1);
          for (const k of findings) for (let i = k.offset; i < k.offset + k.length; i++) overflowAt[i] = 1;
        }
        let seen = false;
        for (let i = f.offset; i < f.offset + f.length; i++) if (overflowAt[i]) seen = true;
        if (!seen) overflow++;
        for (let i = f.offset; i < f.offset + f.length; i++) overflowAt[i] = 1;
        return;
      }
      const wrongText = input.slice(f.offset, f.offset + f.length);
      findings.push({
        ...rest,
        text: wrongText,
        suggestion: isTrad(f.offset) ? toTraditionalText(right) : right,
        rule: RULES[scope][serious ? 'serious' : 'typo'],
        severity: serious ? 'veto' : 'deduction',
        snippet: input.slice(Math.max(0, f.offset - o.snippetChars), Math.min(input.length, f.offset + f.length + o.snippetChars)),
        script: isTrad(f.offset) ? 'traditional' : 'simplified',
        prio,
      });
    };

    // 1. dictionary rules (an entry's `requires` gate is evaluated once per text)
    const gate = new Map<DictEntry, boolean>();
    const gateOk = (e: DictEntry) => {
      if (!e.requires) return true;
      let g = gate.get(e);
      if (g === undefined) gate.set(e, (g = e.requires.some((r) => text.includes(r))));
      return g;
    };
    for (const { s, e, p } of rawWrong) {
      if ((p.t === 'wrong' || p.t === 'anchor') && !gateOk(p.e)) continue;
      if (p.t === 'wrong') {
        if (inside(protectedMask, s, e)) continue;
        if (!this.contextOk(p.e, text, s, e)) continue;
        if (!this.onBoundaries(text, s, e)) continue;
        let right = p.e.right;
        let note = p.e.note;
        if (p.e.until) {
          // a dated renaming: right until that day, and a citation of an old document is always right
          if (textDate <= p.e.until || isCitation(text, s, e)) continue;
          right = this.currentName(right, textDate);
          note = `${note ? `${note}；` : ''}${p.e.until} 后不再使用（文本日期 ${textDate}）`;
        }
        add(
          {
            offset: s,
            length: e - s,
            right,
            serious: p.e.severity === 'serious',
            category: p.e.category,
            tier: p.e.tier,
            source: 'dictionary',
            entry: p.e.id,
            note,
            reason:
              p.e.tier === 'suspected'
                ? p.e.until
                  ? `renamed: ${p.e.wrong[0]} used until ${p.e.until}, text dated ${textDate}; a mention of the past body is right`
                  : `dictionary entry marked suspected${p.e.note ? `: ${p.e.note}` : ''}`
                : undefined,
          },
          3,
        );
      } else if (p.t === 'anchor') {
        const m = this.regexAt(p.e, text, s, e);
        if (!m) continue;
        if (inside(protectedMask, m.s, m.e)) continue;
        if (!this.contextOk(p.e, text, m.s, m.e)) continue;
        add(
          {
            offset: m.s,
            length: m.e - m.s,
            right: m.right,
            serious: p.e.severity === 'serious',
            category: p.e.category,
            tier: p.e.tier,
            source: 'dictionary',
            entry: p.e.id,
            note: p.e.note,
            reason: p.e.tier === 'suspected' ? `dictionary rule marked suspected${p.e.note ? `: ${p.e.note}` : ''}` : undefined,
          },
          3,
        );
      }
    }

    // 2. near-miss names (halves found by the automaton; 3-character names also by first and last character)
    if (o.names.enabled) {
      // the same name at the same place may be tried from both pieces; the second finding is dropped below
      const tryName = (start: number, name: NameEntry) => {
        const len = name.text.length;
        const diff = oneChange(text, start, name.text);
        if (diff < 0) return;
        const wc = text.charCodeAt(start + diff);
        const rc = name.text.charCodeAt(diff);
        if (!isHan(wc)) return;
        const rel = this.chars.relation(wc, rc, { lookalike: o.names.lookalike, fuzzySound: false });
        if (!rel) return;
        const written = text.slice(start, start + len);
        if (this.known.has(written) || inside(protectedMask, start, start + len)) return;
        // the differing character belongs to a known word or name there: another reading, not a typo
        if (protectedMask[start + diff]) return;
        // a name of a person, company or small place by its context (leaders' names are always checked)
        if (name.category !== 'leader' && nameMask[start + diff]) return;
        // the written form must not be words of their own standing across the edit (信访渠道, two real places)
        if (!this.nameFits(text, start, start + len, diff)) return;
        const tier = name.tier ?? (len >= o.names.confirmedMinLength ? 'confirmed' : 'suspected');
        // the longest name explains a position best (国务院办公厅 before 国务院)
        const reason = tier === 'suspected' ? (name.tier ? `near miss of ${name.text} (entry marked suspected)` : `near miss of a short name (${len} characters): ${written} → ${name.text}, ${rel}`) : undefined;
        add(
          { offset: start + diff, length: 1, right: name.text[diff], serious: name.severity === 'serious', category: name.category, tier, source: 'name', entry: name.id, relation: rel, note: `${written} → ${name.text}`, reason },
          2 + len / 100,
        );
      };
      for (let h = 0; h < halfStart.length; h++) tryName(halfStart[h], halfPat[h].name);
      if (this.skip3.size) {
        const first = this.skip3First;
        for (let i = 0; i + 2 < n; i++) {
          const a = text.charCodeAt(i);
          if (!first[a]) continue;
          const b = text.charCodeAt(i + 2);
          if (!this.skip3Pairs.has(a, b)) continue;
          const list = this.skip3.get(skipKey(a, b));
          if (list) for (const name of list) tryName(i, name);
        }
      }
    }

    // 3. near-miss words: characters covered by no frequent word
    if (o.lexicon.enabled)
      this.lexiconPass(text, protectedMask, nameMask, (offset, right, rel, word, written, gain) => {
        add(
          {
            offset,
            length: 1,
            right,
            serious: false,
            category: 'near-miss',
            tier: o.lexicon.tier,
            source: 'lexicon',
            relation: rel,
            note: `${written} → ${word}`,
            score: gain,
            reason: `${written} is no word here; ${word} (${rel === 'shape' ? 'look-alike' : rel === 'tone' ? 'same sound, other tone' : rel === 'near-sound' ? 'near sound' : 'same sound'}) reads better by ${gain}`,
          },
          1,
        );
      });

    // 4. language-model pass (src/analysis/text/lm.ts): positions the model finds surprising, where a same-sound,
    // near-sound or look-alike character reads much better; skips what the engine protects
    if (o.lm.enabled) {
      const model = loadLanguageModel(o.lm.model);
      if (model) {
        // the model skips what the dictionaries protect and the names found by their cues alike
        const lmMask = protectedMask.map((v, i) => v | nameMask[i]);
        for (const f of lmScan(model, text, o.lm, { protectedMask: lmMask, lookalike: (c) => this.chars.lookAlikesOf(c), wordFreq: (a, b) => this.lexicon.freqAt(text, a, b), wordFreqIn: (s, a, b) => this.lexicon.freqAt(s, a, b) })
          .findings) {
          const ctx = text.slice(Math.max(0, f.offset - 2), f.offset + 3);
          const k = f.offset - Math.max(0, f.offset - 2);
          const note = `${ctx} → ${ctx.slice(0, k)}${f.right}${ctx.slice(k + 1)}（语言模型：改后通顺度提高 ${f.gain}；language model gain ${f.gain}）`;
          add(
            {
              offset: f.offset,
              length: 1,
              right: f.right,
              serious: false,
              category: 'near-miss',
              tier: f.tier,
              source: 'lm',
              relation: f.relation,
              note,
              score: f.gain,
              reason: f.tier === 'suspected' ? `language model: ${f.right} reads better here by ${f.gain}, under the confirmation gain${f.confidence === undefined ? '' : ` (confidence ${f.confidence})`}` : undefined,
            },
            0.5,
          );
        }
      }
    }

    // 5. statistical and official wording (表述不规范): numbers written as growth, rates, parts and totals
    for (const w of wordingFindings(text)) {
      add({ offset: w.offset, length: w.length, right: w.right, serious: false, category: 'wording', tier: w.tier, source: 'dictionary', entry: w.id, note: w.note, reason: w.reason }, 3);
    }

    // one finding per position: dictionary rules over names over lexicon over the language model
    findings.sort((a, b) => a.offset - b.offset || b.prio - a.prio || b.length - a.length);
    const kept: TextFinding[] = [];
    let lastEnd = -1;
    for (const f of findings) {
      if (f.offset < lastEnd) continue;
      const { prio: _prio, ...rest } = f;
      kept.push(rest);
      lastEnd = f.offset + f.length;
    }
    const dropped = Math.max(0, kept.length - o.maxFindings) + overflow;
    const tradChars = tradRanges.reduce((sum, [a, b]) => sum + b - a, 0);
    return { findings: kept.slice(0, o.maxFindings), dropped, script: tradChars * 2 > input.length ? 'traditional' : 'simplified' };
  }

  private allowMatcher(opts: ScanOptions): AhoCorasick<true> | undefined {
    const extra = [...(opts.allow ?? [])];
    const sites = opts.site === undefined ? [] : Array.isArray(opts.site) ? opts.site : [opts.site];
    for (const [k, v] of Object.entries(this.dicts.allow.sites)) {
      // a key matches the site id or host exactly, or a host under it (example.gov.cn covers www.example.gov.cn)
      if (sites.some((s) => s === k || s.endsWith(`.${k}`) || s.startsWith(`${k}/`))) extra.push(...v);
    }
    if (opts.group) for (const [k, v] of Object.entries(this.dicts.allow.groups)) if (k === opts.group || opts.group.startsWith(k)) extra.push(...v);
    // allowed text in Traditional script also matches the Simplified copy a Traditional page is scanned through
    const list = extra.filter(Boolean).flatMap((a) => (traditionalRatio(a) > 0 ? [a, simplifiedCopy(a)] : [a]));
    if (!list.length) return undefined;
    const key = list.join('\u0001');
    let m = this.allowCache.get(key);
    if (!m) {
      m = new AhoCorasick<true>();
      for (const a of list) m.add(a, true);
      m.build();
      if (this.allowCache.size > 64) this.allowCache.clear();
      this.allowCache.set(key, m);
    }
    return m;
  }

  private contextOk(e: DictEntry, text: string, s: number, end: number): boolean {
    if (e.before || e.notBefore) {
      const b = windowBefore(text, s);
      if (e.before && !e.before.test(b)) return false;
      if (e.notBefore && e.notBefore.test(b)) return false;
    }
    if (e.after || e.notAfter) {
      const a = windowAfter(text, end);
      if (e.after && !e.after.test(a)) return false;
      if (e.notAfter && e.notAfter.test(a)) return false;
    }
    for (const x of e.except) {
      // an exception is a longer correct string containing the match: look for it around the match
      const from = Math.max(0, s - x.length);
      const seg = text.slice(from, Math.min(text.length, end + x.length));
      let i = seg.indexOf(x);
      while (i >= 0) {
        if (from + i <= s && from + i + x.length >= end) return false;
        i = seg.indexOf(x, i + 1);
      }
    }
    return true;
  }

  private regexAt(e: DictEntry, text: string, s: number, end: number): { s: number; e: number; right: string } | undefined {
    const from = Math.max(0, s - CONTEXT);
    const seg = text.slice(from, Math.min(text.length, end + CONTEXT));
    let res = this.regexCache.get(e);
    if (!res) {
      res = [new RegExp(e.regex!.source, 'gu'), new RegExp(e.regex!.source, 'u')];
      this.regexCache.set(e, res);
    }
    const [re, one] = res;
    re.lastIndex = 0;
    for (let m = re.exec(seg); m; m = re.exec(seg)) {
      const ms = from + m.index;
      const me = ms + m[0].length;
      if (ms <= s && me >= end) return { s: ms, e: me, right: m[0].replace(one, e.right) };
      if (m[0].length === 0) re.lastIndex++;
    }
    return undefined;
  }

  /** An entry's regex compiled once: global (regexAt's search, lastIndex reset at each use) and single (the replacement). */
  private readonly regexCache = new Map<DictEntry, [RegExp, RegExp]>();

  /** The segmentation window around [s, e): the run of word characters, at most 10 beyond each side. */
  private window(text: string, s: number, e: number, extra = 10): [number, number] {
    let a = s;
    while (a > 0 && s - a < extra && isWordChar(text.charCodeAt(a - 1))) a--;
    let b = e;
    while (b < text.length && b - e < extra && isWordChar(text.charCodeAt(b))) b++;
    return [a, b];
  }

  /**
   * False when a word of the local segmentation straddles an edge of [s, e): the match would cut a longer
   * correct word (蚊帐/户外 for 帐户). A word containing the whole match (银行帐户) keeps it.
   */
  private onBoundaries(text: string, s: number, e: number): boolean {
    if (e - s < 2) return true;
    const [a, b] = this.window(text, s, e);
    const { bounds } = this.lexicon.segment(text, a, b);
    for (let t = 0; t + 1 < bounds.length; t++) {
      const p = a + bounds[t];
      const q = a + bounds[t + 1];
      if ((p < s && q > s && q < e) || (p > s && p < e && q > e)) return false;
    }
    return true;
  }

  /** A near-miss of a place name must not be explained by other words: the written span is no single token. */
  private nameFits(text: string, s: number, e: number, diff: number): boolean {
    const [a, b] = this.window(text, s, e, 6);
    const { bounds } = this.lexicon.segment(text, a, b);
    for (let t = 0; t + 1 < bounds.length; t++) {
      const p = a + bounds[t];
      const te = a + bounds[t + 1];
      // the changed character inside a multi-character word that reaches outside the name: another reading
      if (te - p > 1 && p <= s + diff && te > s + diff && (p < s || te > e)) return false;
    }
    return true;
  }

  /** The name a renamed body bears at `date`, following later renamings (银监会 → 银保监会 → 金融监管总局). */
  private currentName(name: string, date: string): string {
    let cur = name;
    for (let k = 0; k < 5; k++) {
      const next = this.renamings.get(cur);
      if (!next || date <= next.until) break;
      cur = next.right;
    }
    return cur;
  }

  private lexiconPass(text: string, protectedMask: Uint8Array, nameMask: Uint8Array, report: LexiconReport): void {
    const cov = this.lexicon.covered;
    const n = text.length;
    let prevHan = false;
    // the bigram (i - 1, i): 0 not looked up, 1 covered, 2 not covered. A position is tried when neither of its
    // bigrams is covered; the right one is looked up first (it is the next position's left one), the left one only
    // when the right one leaves the position open, so a bigram between two covered ones is never looked up.
    let left = 0;
    const skip = this.skipFlags;
    // each code unit is read once: c is text[i], next text[i + 1] (-1 past the end), prev text[i - 1]
    let prev = -1;
    let c = n > 0 ? text.charCodeAt(0) : -1;
    let han = isHan(c);
    for (let i = 0; i < n; i++) {
      const next = i + 1 < n ? text.charCodeAt(i + 1) : -1;
      const nextHan = isHan(next);
      if (han) {
        let right = 0;
        // what the masks and the skip list leave open to a try
        if (left !== 1 && (prevHan || nextHan) && !protectedMask[i] && !nameMask[i] && !skip[c]) {
          if (nextHan) right = cov.has(c, next) ? 1 : 2;
          if (right !== 1 && prevHan && left === 0) left = cov.has(prev, c) ? 1 : 2;
          if (right !== 1 && left !== 1) this.tryLexicon(text, i, report);
        }
        left = right;
      } else left = 0;
      prevHan = han;
      prev = c;
      c = next;
      han = nextHan;
    }
  }

  /**
   * True when position i lies in a name the lexicon knows at any frequency (three or more characters,
   * tagged as a person, place, organisation or other proper name: 东布罗夫斯基). Ordinary words of low
   * frequency do not count: the dictionary's rare entries include many typos (互连网, 刑政).
   */
  private supportedWord(text: string, i: number): boolean {
    const lex = this.lexicon;
    const n = text.length;
    const c = text.charCodeAt(i);
    if (!(i > 0 && lex.namePairs.has(text.charCodeAt(i - 1), c)) && !(i + 1 < n && lex.namePairs.has(c, text.charCodeAt(i + 1)))) return false;
    for (let len = 7; len >= 3; len--) {
      for (let s = Math.max(0, i - len + 1); s <= i && s + len <= n; s++) if (lex.isNameAt(text, s, s + len)) return true;
    }
    return false;
  }

  private tryLexicon(text: string, i: number, report: LexiconReport): void {
    const o = this.options.lexicon;
    const lex = this.lexicon;
    const c = text.charCodeAt(i);
    if (o.maxSingleFreq < 1e12 && lex.freqAt(text, i, i + 1) >= o.maxSingleFreq) return;
    // the run of Chinese characters around i bounds every window
    let lh = i;
    while (lh > 0 && i - lh < o.maxLen - 1 && isHan(text.charCodeAt(lh - 1))) lh--;
    let rh = i + 1;
    while (rh < text.length && rh - i < o.maxLen && isHan(text.charCodeAt(rh))) rh++;
    const rids = this.ridsOf(c);
    const looks = o.lookalike ? this.looksOf(c) : undefined;
    const left = i > 0 && isHan(text.charCodeAt(i - 1)) ? text.charCodeAt(i - 1) : 0;
    const right = i + 1 < text.length && isHan(text.charCodeAt(i + 1)) ? text.charCodeAt(i + 1) : 0;
    // which substitutes a target word can hold next to each neighbour (bit 1: the left one, 2: the right one); a
    // window reaching a neighbour needs that bit, so most windows are passed over without hashing them
    const nr = rids.length;
    const nl = looks ? looks.length : 0;
    if (this.sides.length < nr + nl) this.sides = new Uint8Array(2 * (nr + nl));
    const sides = this.sides;
    // fits: the needs (1, 2, 3) some substitute meets (SIDE_FITS); a window whose need none meets gives nothing, so
    // it is passed over before its gate is looked up
    let fits = 0;
    for (let r = 0; r < nr; r++) fits |= SIDE_FITS[(sides[r] = lex.soundSides(left, right, rids[r]))];
    if (looks) {
      let q = nr;
      for (const x of looks) fits |= SIDE_FITS[(sides[q++] = lex.pairSides(left, right, x))];
    }
    if (!fits) return;
    let alts: Alt[] | undefined;
    const pairMemo = this.pairMemo;
    pairMemo.fill(0, 0, rh - lh);
    for (let len = Math.min(o.maxLen, rh - lh); len >= o.minLen; len--) {
      for (let s = Math.max(lh, i - len + 1); s <= i && s + len <= rh; s++) {
        const k = i - s;
        const need = (k > 0 ? 1 : 0) | (k < len - 1 ? 2 : 0);
        if (!(fits & (1 << need))) continue;
        let writtenF = -1;
        const gate = lex.longGate(text, s, len, i, pairMemo, lh);
        if (!gate) continue;
        for (let r = 0; r < nr; r++) {
          if ((sides[r] & need) !== need) continue;
          const list = lex.soundTargets(text, s, len, i, rids[r]);
          if (!list) continue;
          for (const w of list) {
            const rc = w.charCodeAt(k);
            if (rc === c || this.skipChars.has(rc)) continue;
            if (writtenF < 0) writtenF = lex.freqAt(text, s, s + len);
            const f = lex.targetFreq(w); // a target: its frequency from the smaller table
            if (writtenF > 0 && f < writtenF * o.minRatio) continue;
            // how the characters relate (sound/tone/near-sound) is worked out for the chosen correction only
            (alts ??= []).push({ word: w, s, f, rel: '' });
          }
        }
        if (looks) {
          let q = nr;
          for (const x of looks) {
            if ((sides[q++] & need) !== need) continue;
            const f = lex.targetFreqWith(text, s, len, i, x);
            if (f <= 0) continue;
            if (writtenF < 0) writtenF = lex.freqAt(text, s, s + len);
            if (writtenF > 0 && f < writtenF * o.minRatio) continue;
            (alts ??= []).push({ word: text.slice(s, i) + String.fromCharCode(x) + text.slice(i + 1, s + len), s, f, rel: 'shape' });
          }
        }
      }
    }
    if (!alts) return;
    sortAlts(alts);
    const top = alts.slice(0, o.maxAlternatives);
    // validate with segmentation (jieba's dictionary and route): the corrected window must hold the word
    // and read much better as words than what is written
    let lo = i;
    let hi = i + 1;
    for (const x of top) {
      lo = Math.min(lo, x.s);
      hi = Math.max(hi, x.s + x.word.length);
    }
    const [a, b] = this.window(text, lo, hi, o.window);
    // an upper bound on each alternative's gain first (lexicon.gainBound): most cannot reach what they need, and
    // then neither segmentation is needed
    let reachable = false;
    const g = o.minGain;
    const soundNeed = Math.min(g.sound, g.tone, g['near-sound']);
    for (const x of top) {
      const rc = x.word.charCodeAt(i - x.s);
      const bonus = x.word.length >= 3 ? o.longBonus : 0;
      // the margin covers the rounding of two sums taken in another order
      const bound = lex.gainBound(text, a, b, x.s, x.s + x.word.length, i, rc, x.f) + 1e-6;
      // the least a same-sound candidate can need first; how the characters relate only when the bound reaches it
      if (bound < (x.rel === 'shape' ? g.shape : soundNeed) - bonus) continue;
      const rel = x.rel || (this.chars.sameTone(c, rc) ? 'sound' : this.chars.sameSound(c, rc) ? 'tone' : 'near-sound');
      if (bound >= g[rel as keyof typeof g] - bonus) {
        reachable = true;
        break;
      }
    }
    if (!reachable) return;
    const origScore = lex.segment(text, a, b).score;
    let best: { alt: Alt; gain: number } | undefined;
    for (const alt of top) {
      const seg = lex.segment(text, a, b, i, alt.word.charCodeAt(i - alt.s));
      // the word itself, or a longer word containing it (大数据 inside 大数据产业), must be a token
      const ws = alt.s - a;
      const we = ws + alt.word.length;
      let found = false;
      for (let t = 0; t + 1 < seg.bounds.length; t++) {
        if (seg.bounds[t] <= ws && seg.bounds[t + 1] >= we) found = true;
      }
      if (!found) continue;
      const gain = seg.score - origScore;
      if (!best || gain > best.gain) best = { alt, gain };
    }
    if (!best) return;
    const { alt, gain } = best;
    if (!alt.rel) {
      const rc = alt.word.charCodeAt(i - alt.s);
      alt.rel = this.chars.sameTone(c, rc) ? 'sound' : this.chars.sameSound(c, rc) ? 'tone' : 'near-sound';
    }
    const need = o.minGain[alt.rel as keyof typeof o.minGain] - (alt.word.length >= 3 ? o.longBonus : 0);
    if (gain < need) return;
    // a name the lexicon knows (at any frequency) around the character (checked last: it is rarely reached)
    if (this.supportedWord(text, i)) return;
    report(i, alt.word[i - alt.s], alt.rel, alt.word, text.slice(alt.s, alt.s + alt.word.length), Math.round(gain * 100) / 100);
  }
}

/**
 * By a substitute's side bits (1: it may stand after the left neighbour, 2: before the right one), the needs it
 * meets as bits 1 << need: a window needs the bits of the neighbours it reaches (need 1, 2 or 3, never 0), and a
 * substitute serves it when (sides & need) === need. OR-ed over the substitutes, bit 1 << need is set exactly when
 * one of them serves a window of that need (tests/text/near-miss-fits.test.ts).
 */
export const SIDE_FITS = [0, 1 << 1, 1 << 2, (1 << 1) | (1 << 2) | (1 << 3)] as const;

interface Alt {
  word: string;
  s: number;
  f: number;
  rel: string;
}

/** Most frequent × longest first, ties in the order found (what a stable sort by that key gives; lists are short). */
function sortAlts(alts: Alt[]): void {
  if (alts.length > 32) {
    alts.sort((x, y) => y.f * y.word.length - x.f * x.word.length);
    return;
  }
  for (let k = 1; k < alts.length; k++) {
    const x = alts[k];
    const key = x.f * x.word.length;
    let j = k - 1;
    while (j >= 0 && alts[j].f * alts[j].word.length < key) {
      alts[j + 1] = alts[j];
      j--;
    }
    alts[j + 1] = x;
  }
}

type LexiconReport = (offset: number, right: string, rel: string, word: string, written: string, gain: number) => void;

/** A small-integer key for two Chinese characters (fits V8's fast integer range). */
function skipKey(a: number, b: number): number {
  return (a - 0x3400) * 0xcc00 + (b - 0x3400);
}

/** Paragraphs (split at line ends) whose share of Traditional-only characters reaches `ratio`. */
function traditionalParagraphs(text: string, ratio: number): Array<[number, number]> {
  if (traditionalRatio(text, text.length) === 0) return [];
  const out: Array<[number, number]> = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const para = text.slice(start, end);
    if (para && traditionalRatio(para, para.length) >= ratio) {
      const last = out[out.length - 1];
      if (last && last[1] >= start - 1) last[1] = end;
      else out.push([start, end]);
    }
    start = end + 1;
  }
  return out;
}

function simplifyRanges(text: string, ranges: Array<[number, number]>): string {
  let out = '';
  let p = 0;
  for (const [a, b] of ranges) {
    out += text.slice(p, a) + simplifiedCopy(text.slice(a, b));
    p = b;
  }
  return out + text.slice(p);
}

/** The one position where text[start, start + name.length) differs from name, or -1 (none, several, or out of the text). */
function oneChange(text: string, start: number, name: string): number {
  const len = name.length;
  if (start < 0 || start + len > text.length) return -1;
  let diff = -1;
  for (let i = 0; i < len; i++) {
    if (text.charCodeAt(start + i) !== name.charCodeAt(i)) {
      if (diff >= 0) return -1;
      diff = i;
    }
  }
  return diff;
}

function markRange(mask: Uint8Array, s: number, e: number): void {
  for (let i = s; i < e; i++) mask[i] = 1;
}

/** True when every position of [s, e) is marked. */
function inside(mask: Uint8Array, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (!mask[i]) return false;
  return e > s;
}

/**
 * A name inside a citation: an open 《 or quotation mark before it on its line, or a document number
 * (〔2021〕4号, 令第5号, 2019年第3号) or 关于…的决定/通知 after it — the title of a document of that time.
 */
export function isCitation(text: string, s: number, e: number): boolean {
  let a = s;
  while (a > 0 && s - a < 80 && text.charCodeAt(a - 1) !== 10) a--;
  const before = text.slice(a, s);
  const lastOpen = Math.max(before.lastIndexOf('《'), before.lastIndexOf('“'), before.lastIndexOf('「'));
  if (lastOpen >= 0) {
    const closeAfter = Math.max(before.lastIndexOf('》'), before.lastIndexOf('”'), before.lastIndexOf('」'));
    if (closeAfter < lastOpen) return true;
  }
  let b = e;
  while (b < text.length && b - e < 100 && text.charCodeAt(b) !== 10) b++;
  const after = text.slice(e, b);
  if (/^[^。；！？]{0,80}?(?:[〔［\[（(【]\s*\d{4}\s*[〕］\]）)】]\s*(?:第\s*)?\d+\s*号|令\s*(?:\d{4}年)?第?\s*\d+\s*号|\d{4}年第\s*\d+\s*号)/u.test(after)) return true;
  return /^(?:关于|對於|对于)[^。；！？]{1,60}?的(?:决定|通知|意见|办法|规定|批复|公告|通告|复函|函|报告|行政处罚决定书|处罚决定|指导意见|实施细则|规则|细则)/u.test(after);
}

function windowBefore(text: string, s: number): string {
  let a = s;
  while (a > 0 && s - a < CONTEXT && !isBreak(text.charCodeAt(a - 1))) a--;
  return text.slice(a, s);
}

function windowAfter(text: string, e: number): string {
  let b = e;
  while (b < text.length && b - e < CONTEXT && !isBreak(text.charCodeAt(b))) b++;
  return text.slice(e, b);
}

const engines = new Map<string, TextEngine>();

/** An engine for the shipped dictionaries plus `options.dictionaryDirs`, cached per option set. */
export function getEngine(options: TextOptionsInput = {}): TextEngine {
  const o = textOptionsSchema.parse(options);
  const key = JSON.stringify(o);
  let e = engines.get(key);
  if (!e) {
    e = new TextEngine(loadDictionariesCached([DICTIONARY_DIR, ...o.dictionaryDirs]), o);
    engines.set(key, e);
  }
  return e;
}

/**
 * Scans plain text for typos and wrong official expressions with the shipped dictionaries (plus
 * `options.dictionaryDirs`). The entry point for other parts (attachment text extractors, scan-text).
 */
export function scanText(text: string, options: ScanOptions & { textOptions?: TextOptionsInput } = {}): ScanResult {
  const { textOptions, ...scan } = options;
  return getEngine(textOptions).scan(text, scan);
}

/** What the characters' readings depend on: pinyin-pro's version and the code of chars.ts and pinyin.ts (cache key of the lexicon). */
function readingsInputs(): string[] {
  const require = createRequire(import.meta.url);
  const pinyin = (require('pinyin-pro/package.json') as { version: string }).version;
  // chars.js and pinyin.js beside this file once built, .ts when run from source (tests, tsx)
  const code = ['chars', 'pinyin'].map((f) =>
    createHash('sha256')
      .update(readFileSync(fileURLToPath(import.meta.url).replace(/engine\.(js|ts)$/, `${f}.$1`)))
      .digest('hex'),
  );
  return [`pinyin-pro:${pinyin}`, `chars:${code[0]}`, `pinyin:${code[1]}`];
}
