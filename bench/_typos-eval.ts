/**
 * Precision and recall of the typo engine on a Chinese spelling-check set (CSC format: one sentence per line,
 * `errors<TAB>source<TAB>corrected`, as in ECSpell's domains_data). Notes: docs/modules.md.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { loadConfig } from '../src/config.js';
import { getEngine, type TextFinding } from '../src/analysis/text/engine.js';

interface Row {
  src: string;
  tgt: string;
}

function parse(file: string): Row[] {
  const rows: Row[] = [];
  for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
    if (!line.trim()) continue;
    const parts = line.split('\t');
    if (parts.length < 3) continue;
    const [, src, tgt] = parts;
    rows.push({ src, tgt });
  }
  return rows;
}

/** Predicted position → proposed character. */
function predicted(findings: TextFinding[]): Map<number, string> {
  const m = new Map<number, string>();
  for (const f of findings) {
    if (f.text.length === f.suggestion.length) {
      for (let i = 0; i < f.text.length; i++) if (f.text[i] !== f.suggestion[i]) m.set(f.offset + i, f.suggestion[i]);
    } else m.set(f.offset, '\u0000');
  }
  return m;
}

const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const BARE = new Set(['--json', '--check']);
const file = args.find((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--') && !BARE.has(args[i - 1])));
// --dump FILE: one line per lexicon finding with its score and whether it was right (threshold sweeps)
const dumpLines: string[] = [];
if (!file) {
  process.stderr.write('usage: node dist/bench/_typos-eval.js FILE [--tier all|confirmed] [--json] [--show-fp N] [--show-fn N] [--config FILE]\n');
  process.exit(2);
}
const tier = opt('--tier') ?? 'all';
// the data set's sentences are undated: dated renamings (config/dictionaries/renamings.yaml) are judged as of
// this day; the default is before the 2018 reorganisation, so that an old document's organ names are right
const asOf = opt('--as-of') ?? '2018-01-01';
const showFp = Number(opt('--show-fp') ?? 0);
const showFn = Number(opt('--show-fn') ?? 0);
const cfg = loadConfig(opt('--config'));
const t0 = Date.now();
const textOptions: Record<string, unknown> = structuredClone((cfg.checks.typos as { text?: Record<string, unknown> } | undefined)?.text ?? {});
// --set lexicon.minGain=4 (repeatable): override one engine option, for development
args.forEach((a, i) => {
  if (a !== '--set') return;
  const [k, v] = args[i + 1].split('=');
  const keys = k.split('.');
  let o = textOptions;
  for (const key of keys.slice(0, -1)) o = (o[key] ??= {}) as Record<string, unknown>;
  o[keys[keys.length - 1]] = v === 'true' ? true : v === 'false' ? false : Number.isNaN(Number(v)) ? v : Number(v);
});
const engine = getEngine(textOptions);
const loadMs = Date.now() - t0;

const rows = parse(file);
let goldChars = 0;
let predChars = 0;
let detChars = 0;
let corChars = 0;
let goldSents = 0;
let predSents = 0;
let detSents = 0;
let corSents = 0;
let clean = 0;
let cleanFlagged = 0;
let cleanConfirmed = 0;
let bytes = 0;
const fps: string[] = [];
const fns: string[] = [];
const t1 = Date.now();
const c1 = process.cpuUsage();
for (const r of rows) {
  bytes += Buffer.byteLength(r.src);
  const gold = new Map<number, string>();
  if (r.src.length === r.tgt.length) for (let i = 0; i < r.src.length; i++) if (r.src[i] !== r.tgt[i]) gold.set(i, r.tgt[i]);
  const res = engine.scan(r.src, { asOf });
  const fs = res.findings.filter((f) => tier === 'all' || f.tier === 'confirmed');
  const pred = predicted(fs);
  for (const f of res.findings) if (f.source === 'lexicon') dumpLines.push(`${f.score}\t${gold.get(f.offset) === f.suggestion ? 'TP' : gold.has(f.offset) ? 'DET' : 'FP'}\t${f.relation}\t${f.note}`);
  goldChars += gold.size;
  predChars += pred.size;
  for (const [p, ch] of pred) {
    if (gold.has(p)) {
      detChars++;
      if (gold.get(p) === ch) corChars++;
      else if (fps.length < showFp) fps.push(`WRONG-FIX ${r.src.slice(Math.max(0, p - 8), p)}[${r.src[p]}→${ch}|gold ${gold.get(p)}]${r.src.slice(p + 1, p + 9)}`);
    } else if (fps.length < showFp) {
      const f = fs.find((x) => x.offset <= p && x.offset + x.length > p);
      fps.push(`FP ${r.src.slice(Math.max(0, p - 8), p)}[${r.src[p]}→${ch}]${r.src.slice(p + 1, p + 9)}  (${f?.source} ${f?.category} ${f?.relation ?? ''} ${f?.note ?? ''})`);
    }
  }
  if (showFn) for (const [p, ch] of gold) if (!pred.has(p) && fns.length < showFn) fns.push(`FN ${r.src.slice(Math.max(0, p - 8), p)}[${r.src[p]}→${ch}]${r.src.slice(p + 1, p + 9)}`);
  if (gold.size) goldSents++;
  else clean++;
  if (pred.size) {
    predSents++;
    if (!gold.size) {
      cleanFlagged++;
      if (fs.some((f) => f.tier === 'confirmed')) cleanConfirmed++;
    }
  }
  if (gold.size && pred.size === gold.size && [...gold.keys()].every((p) => pred.has(p))) {
    detSents++;
    if ([...gold].every(([p, ch]) => pred.get(p) === ch)) corSents++;
  }
}
const scanMs = Date.now() - t1;
const cpu = process.cpuUsage(c1);
const scanCpuMs = (cpu.user + cpu.system) / 1000;
const pct = (a: number, b: number) => (b ? Math.round((1000 * a) / b) / 10 : 0);
const result = {
  file,
  tier,
  sentences: rows.length,
  errorSentences: goldSents,
  cleanSentences: clean,
  char: {
    gold: goldChars,
    predicted: predChars,
    detection: { precision: pct(detChars, predChars), recall: pct(detChars, goldChars) },
    correction: { precision: pct(corChars, predChars), recall: pct(corChars, goldChars) },
  },
  sentence: {
    predicted: predSents,
    detection: { precision: pct(detSents, predSents), recall: pct(detSents, goldSents) },
    correction: { precision: pct(corSents, predSents), recall: pct(corSents, goldSents) },
  },
  falseAlarms: { cleanFlagged, cleanConfirmed, cleanSentences: clean, rate: pct(cleanFlagged, clean) },
  timing: { loadMs, scanMs, scanCpuMs, mb: Math.round(bytes / 1e4) / 100, mbPerCpuS: Math.round((bytes / 1e6 / Math.max(scanCpuMs, 1)) * 1000 * 10) / 10 },
};
// --repeat N: scan the whole file N more times as 4,000-character blocks (warm caches) and report MB/s
const repeat = Number(opt('--repeat') ?? 0);
if (repeat > 0) {
  const blob = rows.map((r) => r.src).join('\n');
  const blocks: string[] = [];
  for (let i = 0; i < blob.length; i += 4000) blocks.push(blob.slice(i, i + 4000));
  const w0 = Date.now();
  for (let k = 0; k < repeat; k++) for (const b of blocks) engine.scan(b);
  const wallS = (Date.now() - w0) / 1000;
  const mbAll = (Buffer.byteLength(blob) * repeat) / 1e6;
  process.stdout.write(`warm scan: ${mbAll.toFixed(2)} MB in ${wallS.toFixed(2)} s = ${(mbAll / wallS).toFixed(2)} MB/s (wall, one thread)\n`);
}
// --check: the development gate formerly in the unit tests (false alarms on under 1.5% of the clean
// sentences, none of them confirmed); exit status 1 when it fails
const check = args.includes('--check');
const checkFailed = check && (cleanFlagged / Math.max(clean, 1) >= 0.015 || cleanConfirmed > 0);
if (opt('--dump')) writeFileSync(opt('--dump')!, `${dumpLines.join('\n')}\n`);
if (args.includes('--json')) process.stdout.write(`${JSON.stringify(result)}\n`);
else {
  const c = result.char;
  const s = result.sentence;
  process.stdout.write(
    [
      `${file}: ${rows.length} sentences (${goldSents} with errors, ${goldChars} error characters), findings tier: ${tier}, renamings as of ${asOf}`,
      `character level: detection P ${c.detection.precision}% R ${c.detection.recall}% · correction P ${c.correction.precision}% R ${c.correction.recall}% (${predChars} predicted)`,
      `sentence level:  detection P ${s.detection.precision}% R ${s.detection.recall}% · correction P ${s.correction.precision}% R ${s.correction.recall}% (${predSents} flagged)`,
      `false alarms on clean sentences: ${cleanFlagged}/${clean} (${result.falseAlarms.rate}%), with a confirmed finding: ${cleanConfirmed}`,
      `engine load ${loadMs} ms; scan ${scanMs} ms wall, ${Math.round(scanCpuMs)} ms CPU for ${result.timing.mb} MB (${result.timing.mbPerCpuS} MB per CPU second)`,
      ...fps,
      ...fns,
      '',
    ].join('\n'),
  );
}
if (check) {
  process.stdout.write(checkFailed ? `check FAILED: false alarms ${cleanFlagged}/${clean} (limit 1.5%), confirmed on clean ${cleanConfirmed} (limit 0)\n` : 'check passed: false alarms under 1.5% of clean sentences, none confirmed\n');
  process.exitCode = checkFailed ? 1 : 0;
}
