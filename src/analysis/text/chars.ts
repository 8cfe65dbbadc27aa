/**
 * Character helpers of the text engine: what counts as a Chinese character, same-sound relations (pinyin,
 * via pinyin-pro, computed lazily per character and memoised) and the look-alike table (形近字,
 * config/dictionaries/lookalike.txt).
 */
import { pinyin } from './pinyin.js';

/** CJK unified ideographs (BMP) and extension A; the typo engine works on these. */
export function isHan(code: number): boolean {
  return (code >= 0x4e00 && code <= 0x9fff) || (code >= 0x3400 && code <= 0x4dbf) || (code >= 0xf900 && code <= 0xfaff);
}

/** Fuzzy initials and finals confused by speakers of southern dialects and by pinyin input (z/zh, n/l, in/ing…). */
const FUZZY: Array<[RegExp, string]> = [
  [/^zh/, 'z'],
  [/^ch/, 'c'],
  [/^sh/, 's'],
  [/^l/, 'n'],
  [/^f/, 'h'],
  [/ang$/, 'an'],
  [/eng$/, 'en'],
  [/ing$/, 'in'],
];

function fuzzy(p: string): string {
  let r = p;
  for (const [re, to] of FUZZY) r = r.replace(re, to);
  return r;
}

/** The pinyin readings of a character (every reading of a polyphone), computed once per cache. */
function memoisedReadings(cache: Map<number, string[]>, code: number, toneType: 'none' | 'num'): string[] {
  let r = cache.get(code);
  if (!r) {
    const ch = String.fromCharCode(code);
    r = isHan(code) ? pinyin(ch, { toneType, multiple: true, type: 'array' }).filter((p) => p && p !== ch) : [];
    cache.set(code, r);
  }
  return r;
}

export type Relation = 'sound' | 'tone' | 'shape' | 'near-sound';

export class CharRelations {
  private readonly readings = new Map<number, string[]>();
  private readonly fuzzyReadings = new Map<number, string[]>();
  private readonly tonedReadings = new Map<number, string[]>();
  private readonly look = new Map<number, Set<number>>();

  constructor(lookalikeGroups: string[][] = []) {
    for (const g of lookalikeGroups) {
      const codes = [...new Set(g.filter((c) => c.length === 1).map((c) => c.charCodeAt(0)))];
      for (const a of codes) {
        let s = this.look.get(a);
        if (!s) this.look.set(a, (s = new Set()));
        for (const b of codes) if (b !== a) s.add(b);
      }
    }
  }

  /** Toneless pinyin readings of a character (every reading of a polyphone). */
  readingsOf(code: number): string[] {
    return memoisedReadings(this.readings, code, 'none');
  }

  /** Pinyin readings with tone numbers (zhong1, zhong4…). */
  tonedOf(code: number): string[] {
    return memoisedReadings(this.tonedReadings, code, 'num');
  }

  sameTone(a: number, b: number): boolean {
    const ra = this.tonedOf(a);
    const rb = this.tonedOf(b);
    for (const x of ra) if (rb.includes(x)) return true;
    return false;
  }

  sameSound(a: number, b: number): boolean {
    const ra = this.readingsOf(a);
    if (!ra.length) return false;
    const rb = this.readingsOf(b);
    for (const x of ra) if (rb.includes(x)) return true;
    return false;
  }

  /** Readings with fuzzy initials and finals merged (zh→z, ing→in…). */
  fuzzyOf(c: number): string[] {
    let r = this.fuzzyReadings.get(c);
    if (!r) this.fuzzyReadings.set(c, (r = [...new Set(this.readingsOf(c).map(fuzzy))]));
    return r;
  }

  nearSound(a: number, b: number): boolean {
    const fa = this.fuzzyOf(a);
    const fb = this.fuzzyOf(b);
    for (const x of fa) if (fb.includes(x)) return true;
    return false;
  }

  /** Look-alike characters of a character (undefined when it has none). */
  lookAlikesOf(a: number): ReadonlySet<number> | undefined {
    return this.look.get(a);
  }

  lookAlike(a: number, b: number): boolean {
    return this.look.get(a)?.has(b) ?? false;
  }

  /**
   * How `wrong` may be a typo of `right`: 'sound' (same syllable and tone), 'tone' (same syllable, another
   * tone), 'shape' (look-alike), 'near-sound' (fuzzy initials/finals), or null when unrelated.
   */
  relation(wrong: number, right: number, opts: { lookalike: boolean; fuzzySound: boolean }): Relation | null {
    if (wrong === right) return null;
    if (this.sameSound(wrong, right)) return this.sameTone(wrong, right) ? 'sound' : 'tone';
    if (opts.lookalike && this.lookAlike(wrong, right)) return 'shape';
    if (opts.fuzzySound && this.nearSound(wrong, right)) return 'near-sound';
    return null;
  }
}

/** Parses the look-alike table: one group per line, characters separated by spaces, # comments. */
export function parseLookalike(text: string): string[][] {
  return text
    .split(/\r?\n/)
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean)
    .map((l) => l.split(/\s+/).filter((c) => c.length === 1));
}
