/**
 * The lexicon's word lookups are exact: two strings with the same 32-bit hash (FNV-1a, the tables' hash) keep
 * their own answers; segment(), which stops where no word goes on, gives the route a look-up of every string gives.
 */
import { describe, expect, it } from 'vitest';
import { CharRelations } from '../../src/analysis/text/chars.js';
import { Lexicon, type LexiconOptions } from '../../src/analysis/text/lexicon.js';

const chars = new CharRelations();
const readings = (c: number) => chars.readingsOf(c);
const opts: LexiconOptions = { coverageFreq: 3, targetFreq: 50, minLen: 2, maxLen: 4, excludeTags: ['nr', 'ns'] };

function fnv(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0 || 1;
}

/** Two different three-character Han strings with the same hash (the first pair in a fixed enumeration). */
function collidingPair(): [string, string] {
  const seen = new Map<number, string>();
  for (let a = 0; a < 200; a++) {
    for (let b = 0; b < 200; b++) {
      for (let c = 0; c < 200; c++) {
        const s = String.fromCharCode(0x4e00 + a * 7, 0x5e00 + b * 5, 0x6e00 + c * 3);
        const h = fnv(s);
        const other = seen.get(h);
        if (other !== undefined) return [other, s];
        seen.set(h, s);
      }
    }
  }
  throw new Error('no colliding pair');
}

/** The best route when every string of up to 8 characters is looked up (what segment() computed before its stop). */
function reference(lex: Lexicon, s: string): { score: number; bounds: number[] } {
  const m = s.length;
  const route = new Array<number>(m + 1).fill(0);
  const next = new Array<number>(m + 1).fill(0);
  for (let i = m - 1; i >= 0; i--) {
    let best = -Infinity;
    let bestJ = i + 1;
    for (let j = i; j < Math.min(m, i + 8); j++) {
      const f = lex.freqAt(s, i, j + 1);
      if (f <= 0 && j > i) continue;
      const sc = lex.logp(s.slice(i, j + 1)) + route[j + 1];
      if (sc > best) {
        best = sc;
        bestJ = j + 1;
      }
    }
    route[i] = best;
    next[i] = bestJ;
  }
  const bounds = [0];
  for (let i = 0; i < m; i = next[i]) bounds.push(next[i]);
  return { score: route[0], bounds };
}

describe('exact lexicon lookups', () => {
  it('keeps strings with the same hash apart', () => {
    const [a, b] = collidingPair();
    expect(a).not.toBe(b);
    expect(fnv(a)).toBe(fnv(b));
    const onlyA = new Lexicon(opts, readings, [], `${a} 100 nr\n`);
    expect(onlyA.freq(a)).toBe(100);
    expect(onlyA.freq(b)).toBe(0);
    expect(onlyA.freqAt(`中${b}国`, 1, 4)).toBe(0);
    expect(onlyA.isNameAt(a, 0, 3)).toBe(true);
    expect(onlyA.isNameAt(b, 0, 3)).toBe(false);
    const both = new Lexicon(opts, readings, [], `${a} 100 n\n${b} 70 n\n`);
    expect([both.freq(a), both.freq(b)]).toEqual([100, 70]);
    // the target table (looked up with a position read as a character: here the one it holds)
    const targetA = new Lexicon(opts, readings, [], `${a} 100 n\n`);
    expect(targetA.targetFreqWith(a, 0, 3, 1, a.charCodeAt(1))).toBe(100);
    expect(targetA.targetFreqWith(b, 0, 3, 1, b.charCodeAt(1))).toBe(0);
    expect(both.targetFreqWith(b, 0, 3, 1, b.charCodeAt(1))).toBe(70);
  });

  it('segments as a look-up of every string would, with and without a substitution', () => {
    const lex = new Lexicon(opts, readings, ['示例省', '政务公开']);
    const texts = ['本次会议要求各部门认真贯彻落实中华人民共和国政府信息公开条例', '示例省人民政府办公厅关于进一步做好政务公开工作的通知', '各级政务服务平台通过部署在互联网上的政务服务门户提供服务', 'abc中国123人民，，，服务'];
    const subs = '务网国民的一是'.split('').map((c) => c.charCodeAt(0));
    let compared = 0;
    for (const t of texts) {
      for (const [a, b] of [
        [0, t.length],
        [3, Math.min(t.length, 17)],
      ]) {
        const plain = lex.segment(t, a, b);
        expect(plain).toEqual(reference(lex, t.slice(a, b)));
        for (let at = a; at < b; at++) {
          for (const code of subs) {
            lex.segment(t, a, b); // the alternatives reuse the lookups of their range without a substitution
            const alt = lex.segment(t, a, b, at, code);
            const s = t.slice(a, at) + String.fromCharCode(code) + t.slice(at + 1, b);
            expect(alt).toEqual(reference(lex, s));
            compared++;
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(500);
  }, 120_000);
});
