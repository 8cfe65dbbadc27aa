/**
 * Lexicon.gainBound, which lets the near-miss word pass skip its validating segmentations, is a true upper bound:
 * a substitution's gain (with a token holding the candidate word) never exceeds it, on hand-written and generated text.
 */
import { describe, expect, it } from 'vitest';
import { officialText } from '../../bench/text.js';
import { CharRelations } from '../../src/analysis/text/chars.js';
import { Lexicon, type LexiconOptions } from '../../src/analysis/text/lexicon.js';

const chars = new CharRelations();
const readings = (c: number) => chars.readingsOf(c);
const opts: LexiconOptions = { coverageFreq: 3, targetFreq: 50, minLen: 2, maxLen: 4, excludeTags: ['nr', 'ns'] };
const isHan = (c: number) => c >= 0x4e00 && c <= 0x9fff;

describe('gain bound of the near-miss word pass', () => {
  it('is never below the gain of a substitution whose word is a token', () => {
    const lex = new Lexicon(opts, readings, ['示例省', '政务公开']);
    const texts = [
      '各级政务服雾平台通过部署在互联网上的政务服务门户提供服务',
      '本次会仪要求各部门认真贯彻落实中华人民共和国政府信息公开条例',
      '示例省人民政府办公厅关于进一步做好政务公开工做的通知',
      '女性并不了解迅速增大疑有恶变的情况，说法挫误',
      ...officialText(20000, 11).map((t) => t.slice(0, 600)),
    ];
    // substitutes: same-sound characters of the written one that some target word of two characters holds next
    // to a neighbour (what the pass tries), and a few frequent characters
    const common = '的一是在不了有和人这中大为上个国我以要他'.split('').map((c) => c.charCodeAt(0));
    let compared = 0;
    let below = 0;
    let checkedWords = 0;
    for (const t of texts) {
      for (let at = 1; at + 1 < t.length; at++) {
        const c = t.charCodeAt(at);
        if (!isHan(c)) continue;
        const subs = new Set<number>(common);
        for (const r of readings(c)) {
          const rid = lex.readingId(r);
          if (!rid) continue;
          for (const w of [...(lex.soundTargets(t, at - 1, 2, at, rid) ?? []), ...(lex.soundTargets(t, at, 2, at, rid) ?? [])]) {
            subs.add(w.charCodeAt(w.length === 2 && lex.freq(w) > 0 && w[0] === t[at - 1] ? 1 : 0));
          }
        }
        subs.delete(c);
        const a = Math.max(0, at - 5);
        const b = Math.min(t.length, at + 6);
        for (const code of subs) {
          const orig = lex.segment(t, a, b).score;
          const seg = lex.segment(t, a, b, at, code);
          const gain = seg.score - orig;
          // every word [ws, we) ∋ at of length 2..4 of the substituted text inside [a, b)
          for (let len = 2; len <= 4; len++) {
            for (let ws = Math.max(a, at - len + 1); ws <= at && ws + len <= b; ws++) {
              const we = ws + len;
              const s = t.slice(ws, at) + String.fromCharCode(code) + t.slice(at + 1, we);
              if (lex.freq(s) <= 0) continue;
              checkedWords++;
              let holds = false;
              for (let k = 0; k + 1 < seg.bounds.length; k++) if (a + seg.bounds[k] <= ws && a + seg.bounds[k + 1] >= we) holds = true;
              const bound = lex.gainBound(t, a, b, ws, we, at, code, lex.freq(s));
              if (bound < 8) below++;
              if (!holds) continue;
              expect(bound).toBeGreaterThanOrEqual(gain - 1e-9);
              compared++;
            }
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(1500);
    // and it is a bound that rules candidates out (most of them, with the default minimal gain of 8)
    expect(below).toBeGreaterThan(checkedWords / 2);
  }, 120_000);

  it('is the gain itself for a two-character word between characters that are no words together', () => {
    const lex = new Lexicon(opts, readings, []);
    // 服雾 → 服务 alone in its window: the written route is its two characters, the corrected one the word
    const t = '服雾';
    const gain = lex.segment(t, 0, 2, 1, '务'.charCodeAt(0)).score - lex.segment(t, 0, 2).score;
    expect(lex.gainBound(t, 0, 2, 0, 2, 1, '务'.charCodeAt(0), lex.freq('服务'))).toBeCloseTo(gain, 9);
  }, 60_000);
});
