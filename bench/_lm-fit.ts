/**
 * Fits the confidence of the language-model pass (`lm.confidence` of src/analysis/text/lm.ts) from the findings'
 * measurements written by `_lm-eval.js --dump` (a train split) and `_typos-realtext.js --dump` (real pages, all taken
 * as false alarms), and cross-validates it. Notes: docs/modules.md.
 */
import { readFileSync } from 'node:fs';

interface Row {
  x: number[];
  y: number;
  w: number;
  group: number;
  gain: number;
  short: boolean;
}

const args = process.argv.slice(2);
const opt = (n: string, d?: string) => {
  const i = args.indexOf(n);
  return i >= 0 ? args[i + 1] : d;
};
const trainFile = opt('--train');
const realFile = opt('--real');
const cleanFile = opt('--clean');
const cleanWeight = Number(opt('--clean-weight', '0'));
const realWeight = Number(opt('--real-weight', '1'));
const l2 = Number(opt('--l2', '1'));
const thresholds = (opt('--thresholds', '0.5,0.55,0.6,0.65,0.7,0.75,0.8') ?? '').split(',').map(Number);
const realChars = Number(opt('--real-chars', '58251'));
if (!trainFile) {
  process.stderr.write('usage: node dist/bench/_lm-fit.js --train DUMP.jsonl [--real REAL.jsonl] [--real-weight 1] [--clean SIDES.jsonl] [--clean-weight 0] [--l2 1] [--thresholds 0.5,0.6]\n');
  process.exit(2);
}

type Feat = Record<string, number>;
const sentences = readFileSync(trainFile, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as Sentence);
interface Sentence {
  src: string;
  tgt: string;
  gold: Array<[number, string]>;
  other: number[];
  findings: Array<{ at: number; gain: number; feat: string }>;
}
let keys: string[] = [];
const rowsOf = (findings: Array<{ at: number; gain: number; feat: string }>, gold: Set<number>, w: number, group: number): Row[] =>
  findings.map((f) => {
    const feat = JSON.parse(f.feat) as Feat;
    if (!keys.length) keys = Object.keys(feat);
    return { x: keys.map((k) => feat[k] ?? 0), y: gold.has(f.at) ? 1 : 0, w, group, gain: f.gain, short: feat.short === 1 };
  });
const train: Row[][] = sentences.map((s, i) => rowsOf(s.findings, new Set(s.gold.map(([p]) => p)), 1, i));
// the corrected side of each error sentence, scanned as a clean sentence (a dump of `0<TAB>corrected<TAB>corrected`
// rows): what the pass flags there are false alarms on text as unfamiliar to the model as the error sentences
const bySource = new Map<string, number>();
sentences.forEach((s, i) => {
  if (s.src !== s.tgt) bySource.set(s.tgt, i);
});
const cleanSides: Array<{ of: number; other: boolean; rows: Row[] }> = [];
if (cleanFile)
  for (const l of readFileSync(cleanFile, 'utf8').split('\n').filter(Boolean)) {
    const c = JSON.parse(l) as Sentence;
    const of = bySource.get(c.src);
    if (of !== undefined) cleanSides.push({ of, other: c.other.length > 0, rows: rowsOf(c.findings, new Set(), cleanWeight, of) });
  }
const pages = new Map<string, number>();
const real: Row[] = [];
if (realFile)
  for (const l of readFileSync(realFile, 'utf8').split('\n').filter(Boolean)) {
    const d = JSON.parse(l) as { page: string; findings: Array<{ at: number; gain: number; feat: string }> };
    if (!pages.has(d.page)) pages.set(d.page, pages.size);
    real.push(...rowsOf(d.findings, new Set(), realWeight, pages.get(d.page)!));
  }

/** L2-regularised logistic regression on standardised measurements (Newton's method); weights on the raw scale. */
function fitLogistic(rows: Row[]): { w: number[]; b: number } {
  const d = keys.length;
  const mu = new Array(d).fill(0);
  const sd = new Array(d).fill(0);
  for (const r of rows) for (let j = 0; j < d; j++) mu[j] += r.x[j] / rows.length;
  for (const r of rows) for (let j = 0; j < d; j++) sd[j] += (r.x[j] - mu[j]) ** 2 / rows.length;
  for (let j = 0; j < d; j++) sd[j] = Math.sqrt(sd[j]) + 1e-9;
  const z = rows.map((r) => [...r.x.map((v, j) => (v - mu[j]) / sd[j]), 1]);
  const w = new Array(d + 1).fill(0);
  for (let it = 0; it < 100; it++) {
    const g = w.map((v, j) => (j < d ? l2 * v : 0));
    const H = w.map((_, a) => w.map((_, c) => (a === c && a < d ? l2 : 0)));
    rows.forEach((r, i) => {
      const zi = z[i];
      const p = 1 / (1 + Math.exp(-zi.reduce((s, v, j) => s + v * w[j], 0)));
      for (let a = 0; a <= d; a++) {
        g[a] += r.w * (p - r.y) * zi[a];
        for (let c = a; c <= d; c++) H[a][c] += r.w * p * (1 - p) * zi[a] * zi[c];
      }
    });
    for (let a = 0; a <= d; a++) for (let c = 0; c < a; c++) H[a][c] = H[c][a];
    const step = solve(H, g);
    let max = 0;
    for (let j = 0; j <= d; j++) {
      w[j] -= step[j];
      max = Math.max(max, Math.abs(step[j]));
    }
    if (max < 1e-8) break;
  }
  const raw = w.slice(0, d).map((v, j) => v / sd[j]);
  return { w: raw, b: w[d] - raw.reduce((s, v, j) => s + v * mu[j], 0) };
}

function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    [M[c], M[p]] = [M[p], M[c]];
    for (let r = c + 1; r < n; r++) {
      const f = M[r][c] / M[c][c];
      for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
    }
  }
  const x = new Array(n).fill(0);
  for (let r = n - 1; r >= 0; r--) x[r] = (M[r][n] - M[r].slice(r + 1, n).reduce((s, v, k) => s + v * x[r + 1 + k], 0)) / M[r][r];
  return x;
}

const prob = (m: { w: number[]; b: number }, r: Row) => 1 / (1 + Math.exp(-(m.b + r.x.reduce((s, v, j) => s + v * m.w[j], 0))));
/** Kept by report: confident: confirmed (gain ≥ 21), or confident enough and not on a short line. */
const kept = (r: Row, p: number, T: number) => r.gain >= 21 || (p >= T && !r.short);

// fold of each train sentence (5 folds, a fixed pseudo-random order) and of each real page (page number mod 5)
let seed = 12345;
const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
const fold = sentences.map(() => Math.floor(rand() * 5));
const pTrain: number[][] = train.map((rs) => rs.map(() => 0));
const pClean = new Map<(typeof cleanSides)[number], number[]>();
for (let k = 0; k < 5; k++) {
  const m = fitLogistic([...train.filter((_, i) => fold[i] !== k).flat(), ...real, ...(cleanWeight > 0 ? cleanSides.filter((c) => fold[c.of] !== k).flatMap((c) => c.rows) : [])]);
  train.forEach((rs, i) => {
    if (fold[i] === k) rs.forEach((r, j) => (pTrain[i][j] = prob(m, r)));
  });
  for (const c of cleanSides)
    if (fold[c.of] === k)
      pClean.set(
        c,
        c.rows.map((r) => prob(m, r)),
      );
}
const pReal = real.map(() => 0);
if (real.length)
  for (let k = 0; k < 5; k++) {
    const m = fitLogistic([...train.flat(), ...real.filter((r) => r.group % 5 !== k), ...(cleanWeight > 0 ? cleanSides.flatMap((c) => c.rows) : [])]);
    real.forEach((r, i) => {
      if (r.group % 5 === k) pReal[i] = prob(m, r);
    });
  }
process.stdout.write(`${sentences.length} sentences, ${train.flat().length} findings; ${real.length} real-page findings (weight ${realWeight}, ${pages.size} pages); λ ${l2}\n`);
process.stdout.write('cross-validated (train: 5 folds of sentences, the real pages in every fold; real pages: 5 folds of pages, all of train in every fold)\n');
for (const T of thresholds) {
  let gold = 0;
  let flagged = 0;
  let hits = 0;
  sentences.forEach((s, i) => {
    const isErr = s.gold.length > 0;
    const f = s.other.length > 0 || train[i].some((r, j) => kept(r, pTrain[i][j], T));
    if (isErr) gold++;
    if (f) flagged++;
    if (f && isErr) hits++;
  });
  const noise = real.filter((r, i) => r.gain < 21 && kept(r, pReal[i], T)).length;
  const clean = sentences.length - gold;
  // corrected sides flagged, and the precision the train split would have if its clean sentences were flagged as often
  const sides = cleanSides.filter((c) => c.other || c.rows.some((r, j) => kept(r, pClean.get(c)![j], T))).length;
  const proxy = cleanSides.length ? ` · corrected sides flagged ${sides}/${cleanSides.length}, P at that rate ${(hits / (hits + (sides / cleanSides.length) * clean)).toFixed(4)}` : '';
  process.stdout.write(
    `T ${T.toFixed(2)}: sentence P ${(hits / flagged).toFixed(4)} R ${(hits / gold).toFixed(4)} clean flagged ${flagged - hits}${proxy}; real-page suspected ${noise} (${((noise / realChars) * 1e4).toFixed(2)} per 10,000 characters, before the check's merging)\n`,
  );
}
const m = fitLogistic([...train.flat(), ...real, ...(cleanWeight > 0 ? cleanSides.flatMap((c) => c.rows) : [])]);
process.stdout.write(`weights (all data): bias ${m.b.toFixed(4)}\n${JSON.stringify(Object.fromEntries(keys.map((k, j) => [k, Math.round(m.w[j] * 1e4) / 1e4])))}\n`);
