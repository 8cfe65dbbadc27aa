/**
 * The near-miss word pass passes over a window when no substitute of the character meets the window's need of side
 * bits (SIDE_FITS): that never drops a window holding a candidate, exhaustively over side bits and on hand-written
 * and generated text with the shipped lexicon.
 */
import { describe, expect, it } from 'vitest';
import { officialText } from '../../bench/text.js';
import { isHan } from '../../src/analysis/text/chars.js';
import { getEngine, SIDE_FITS } from '../../src/analysis/text/engine.js';

describe('side fits of the near-miss word pass', () => {
  it('has bit 1 << need exactly when some substitute serves that need', () => {
    // every list of up to four substitutes' side bits (0–3)
    let lists: number[][] = [[]];
    for (let len = 1; len <= 4; len++) lists = [...lists, ...lists.filter((l) => l.length === len - 1).flatMap((l) => [0, 1, 2, 3].map((v) => [...l, v]))];
    expect(lists).toHaveLength(1 + 4 + 16 + 64 + 256);
    for (const l of lists) {
      const fits = l.reduce((f, v) => f | SIDE_FITS[v], 0);
      expect(fits === 0).toBe(l.every((v) => v === 0));
      for (const need of [1, 2, 3]) expect((fits & (1 << need)) !== 0).toBe(l.some((v) => (v & need) === need));
    }
  });

  it('never rules out a window that holds a candidate word', () => {
    const engine = getEngine({ lm: { enabled: false } });
    const lex = engine.lexicon;
    const readings = (c: number) => engine.chars.readingsOf(c);
    const texts = [
      '全面提高行政效律和服务水平',
      '各级政务服雾平台通过部署在互联网上的政务服务门户提供服务',
      '本次会仪要求各部门认真贯彻落实中华人民共和国政府信息公开条例',
      '内蒙古自治区乌兰察布市大力培育发展大数局产业',
      ...officialText(20000, 5).map((t) => t.slice(0, 400)),
    ];
    let windows = 0;
    let withCandidate = 0;
    for (const t of texts) {
      for (let i = 0; i < t.length; i++) {
        const c = t.charCodeAt(i);
        if (!isHan(c)) continue;
        let lh = i;
        while (lh > 0 && i - lh < 3 && isHan(t.charCodeAt(lh - 1))) lh--;
        let rh = i + 1;
        while (rh < t.length && rh - i < 4 && isHan(t.charCodeAt(rh))) rh++;
        const left = i > 0 && isHan(t.charCodeAt(i - 1)) ? t.charCodeAt(i - 1) : 0;
        const right = i + 1 < t.length && isHan(t.charCodeAt(i + 1)) ? t.charCodeAt(i + 1) : 0;
        const rids = readings(c)
          .map((r) => lex.readingId(r))
          .filter(Boolean);
        const looks = [...(engine.chars.lookAlikesOf(c) ?? [])];
        let fits = 0;
        for (const rid of rids) fits |= SIDE_FITS[lex.soundSides(left, right, rid)];
        for (const x of looks) fits |= SIDE_FITS[lex.pairSides(left, right, x)];
        for (let len = Math.min(4, rh - lh); len >= 2; len--) {
          for (let s = Math.max(lh, i - len + 1); s <= i && s + len <= rh; s++) {
            const need = (i > s ? 1 : 0) | (i < s + len - 1 ? 2 : 0);
            windows++;
            // a candidate: a target word differing from the window at i only, by sound or by a look-alike
            const bySound = rids.some((rid) => (lex.soundTargets(t, s, len, i, rid) ?? []).some((w) => w.charCodeAt(i - s) !== c));
            const byShape = looks.some((x) => lex.targetFreqWith(t, s, len, i, x) > 0);
            if (!bySound && !byShape) continue;
            withCandidate++;
            expect(fits & (1 << need), `${t.slice(s, s + len)} at ${i - s}`).not.toBe(0);
          }
        }
      }
    }
    expect(windows).toBeGreaterThan(5000);
    expect(withCandidate).toBeGreaterThan(100);
  }, 120_000);
});
