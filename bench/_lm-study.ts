/**
 * Measurements of the language-model pass's findings before the suspected tier's guards, one row per finding
 * (bench/_lm-eval.js --dump; for fitting the confidence of lm.ts on a train split). Notes: docs/modules.md.
 */
import { confidenceFeatures, confidenceOf, findingsPerSentence, inKnownWord, type LmFinding, type LmScanInput, lmOptionsSchema, listItemAt, shortLineAt, suspectGuards, TITLE_BEFORE } from '../src/analysis/text/lm.js';

const guardsOn = lmOptionsSchema.parse({ report: 'all' });

/** The most frequent lexicon word (2–4 characters) holding position `at` of `s` (0: none). */
function maxWord(s: string, at: number, freq: (s: string, a: number, b: number) => number, from = 2): number {
  let best = 0;
  for (let len = from; len <= 4; len++) for (let a = Math.max(0, at - len + 1); a <= at && a + len <= s.length; a++) best = Math.max(best, freq(s, a, a + len));
  return best;
}

export function studyRows(text: string, findings: LmFinding[], pairAt: Set<number>, input: LmScanInput): Record<string, number | string | boolean>[] {
  const freq = input.wordFreqIn ?? (() => 0);
  const kept = new Set(suspectGuards(text, findings, pairAt, guardsOn, input).map((f) => f.offset));
  const perSentence = findingsPerSentence(text, findings);
  return findings.map((f, k) => {
    const feat = confidenceFeatures(text, findings, k, perSentence[k], pairAt, guardsOn, input);
    const at = f.offset;
    const fixed = text.slice(0, at) + f.right + text.slice(at + 1);
    let digit = 99;
    for (let d = 0; d <= 8; d++)
      if (/[0-9０-９]/.test(text[at - d] ?? '') || /[0-9０-９]/.test(text[at + d] ?? '')) {
        digit = d;
        break;
      }
    const m = f.m!;
    return {
      at,
      written: f.written,
      right: f.right,
      gain: f.gain,
      rel: f.relation,
      pair: m.pair,
      lpW: m.lpWritten,
      lpR: m.lpRight,
      uniW: m.uniWritten,
      uniR: m.uniRight,
      second: m.second,
      unk: m.unknown,
      len: text.length,
      n: findings.length,
      shortLine: shortLineAt(text, at, 30),
      digit,
      wordW: maxWord(text, at, freq),
      wordR: maxWord(fixed, at, freq),
      wordW3: maxWord(text, at, freq, 3),
      spaces: (text.slice(Math.max(0, at - 8), at + 9).match(/\s/g) ?? []).length,
      latin: /[A-Za-z]/.test(text.slice(Math.max(0, at - 5), at + 6)),
      ctx: text.slice(Math.max(0, at - 10), at + 10),
      known1: inKnownWord(text, at, 1, (a, b) => freq(text, a, b)),
      adjacent: findings.some((o) => Math.abs(o.offset - at) === 1 && !(pairAt.has(at) && pairAt.has(o.offset) && o.gain === f.gain)),
      abbrev: guardsOn.suspect.placeAbbrev.includes(f.written),
      level: guardsOn.suspect.levelChars.includes(f.written),
      title: TITLE_BEFORE.test(text.slice(Math.max(0, at - 7), at)),
      list3: listItemAt(text, at, 3),
      list5: listItemAt(text, at, 5),
      kept: kept.has(at),
      conf: f.tier === 'confirmed' ? 1 : confidenceOf(feat, guardsOn),
      feat: JSON.stringify(feat),
    };
  });
}
