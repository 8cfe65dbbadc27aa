/**
 * Sentence-level precision and recall of the language-model pass (src/analysis/text/lm.ts) on Chinese spelling-check
 * sets (`errors<TAB>source<TAB>corrected`, as ECSpell's domains_data), alone and in union with the rest of the
 * engine. Notes: docs/modules.md.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { getEngine, type TextFinding, textOptionsSchema } from '../src/analysis/text/engine.js';
import { DEFAULT_MODEL, type LmFinding, lmStudy, loadLanguageModel } from '../src/analysis/text/lm.js';
import { assertSetPaths, parseSets } from './_set.js';
import { studyRows } from './_lm-study.js';

const args = process.argv.slice(2);
const { overrides: opts, paths: setPaths } = parseSets(args);
const files: string[] = [];
let sweep: [number, number, number] | undefined;
let showFp = 0;
let showFn = 0;
let allFindings = false;
let dump: string | undefined;
const NOT_TYPO = new Set(['organ-outdated', 'wording']);
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--set') i++;
  else if (a === '--sweep') sweep = args[++i].split(':').map(Number) as [number, number, number];
  else if (a === '--show-fp') showFp = Number(args[++i]);
  else if (a === '--show-fn') showFn = Number(args[++i]);
  else if (a === '--all-findings') allFindings = true;
  else if (a === '--dump') dump = args[++i];
  else files.push(a);
}
if (!files.length) {
  process.stderr.write('usage: node dist/bench/_lm-eval.js [--set lm.report=all] [--set lm.minGain=7] [--sweep 4:14:0.5] FILE…\n');
  process.exit(2);
}

try {
  assertSetPaths(setPaths, textOptionsSchema.parse(opts), 'the text engine (e.g. lm.report)');
} catch (e) {
  process.stderr.write(`_lm-eval: ${(e as Error).message}\n`);
  process.exit(2);
}
const lmOpts = (opts.lm ??= {}) as Record<string, unknown>;
lmOpts.enabled ??= true;
// a sweep needs the findings below the confirmation gain too (report: all)
if (sweep) lmOpts.report ??= 'all';
const modelFile = (lmOpts.model as string | undefined) ?? DEFAULT_MODEL;
const t0 = process.hrtime.bigint();
const model = loadLanguageModel(modelFile);
const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
if (!model) {
  process.stderr.write(`no language model at ${modelFile} (npm run build-lm)\n`);
  process.exit(2);
}
const defaults = getEngine(opts).options.lm;
// the threshold the pass searches with: report: confirmed (the default) raises minGain to confirmedGain
const minGain = defaults.report === 'confirmed' ? Math.max(defaults.minGain, defaults.confirmedGain) : defaults.report === 'confident' ? defaults.confidence.minGain : defaults.minGain;
if (sweep) lmOpts.minGain = Math.min(sweep[0], minGain);
const engine = getEngine(opts);
process.stdout.write(`model ${modelFile}: ${(statSync(modelFile).size / 2 ** 20).toFixed(2)} MiB, loaded in ${loadMs.toFixed(0)} ms; options ${JSON.stringify(engine.options.lm)}\n`);

const pct = (a: number, b: number) => (b ? ((100 * a) / b).toFixed(1) : '-');

for (const file of files) {
  const rows = readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.split('\t'))
    .filter((p) => p.length >= 3)
    .map(([, src, tgt]) => ({ src, tgt }));
  type Row = { gold: Map<number, string>; lmGain: number; lmPos: Set<number>; other: boolean; otherPos: Set<number>; lm: TextFinding[] };
  const res: Row[] = [];
  let bytes = 0;
  const c0 = process.cpuUsage();
  const dumped: string[] = [];
  const seen: { raw?: { text: string; findings: LmFinding[]; pairAt: Set<number>; input: Parameters<NonNullable<typeof lmStudy.sink>>[3] } } = {};
  const lastRaw = () => seen.raw;
  if (dump) lmStudy.sink = (text, findings, pairAt, input) => (seen.raw = { text, findings: [...findings], pairAt, input });
  for (const r of rows) {
    seen.raw = undefined;
    bytes += Buffer.byteLength(r.src);
    const gold = new Map<number, string>();
    if (r.src.length === r.tgt.length) for (let i = 0; i < r.src.length; i++) if (r.src[i] !== r.tgt[i]) gold.set(i, r.tgt[i]);
    // spelling findings only: dated renamings (organ-outdated, judged against a document date the data set
    // lacks) and statistical wording are other checks, not typos
    const fs = engine.scan(r.src).findings.filter((f) => allFindings || !NOT_TYPO.has(f.category));
    const lm = fs.filter((f) => f.source === 'lm');
    const other = fs.filter((f) => f.source !== 'lm');
    const raw = lastRaw();
    if (dump) dumped.push(JSON.stringify({ src: r.src, tgt: r.tgt, gold: [...gold], other: other.map((f) => f.offset), lm: lm.map((f) => f.offset), findings: raw ? studyRows(raw.text, raw.findings, raw.pairAt, raw.input) : [] }));
    res.push({ gold, lmGain: Math.max(0, ...lm.map((f) => f.score ?? 0)), lmPos: new Set(lm.map((f) => f.offset)), other: other.length > 0, otherPos: new Set(other.map((f) => f.offset)), lm });
  }
  if (dump) writeFileSync(`${dump}.${path.basename(file)}.jsonl`, `${dumped.join('\n')}\n`);
  const cpu = process.cpuUsage(c0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const measure = (T: number, union: boolean) => {
    let gold = 0;
    let flagged = 0;
    let flaggedErr = 0;
    let exact = 0;
    let cleanFlagged = 0;
    for (const r of res) {
      const pos = new Set<number>();
      for (const f of r.lm) if ((f.score ?? 0) >= T) pos.add(f.offset);
      if (union) for (const p of r.otherPos) pos.add(p);
      const isErr = r.gold.size > 0;
      if (isErr) gold++;
      if (pos.size) {
        flagged++;
        if (isErr) flaggedErr++;
        else cleanFlagged++;
        if (isErr && pos.size === r.gold.size && [...r.gold.keys()].every((p) => pos.has(p))) exact++;
      }
    }
    return { gold, flagged, flaggedErr, exact, cleanFlagged, clean: res.length - gold };
  };
  const line = (label: string, m: ReturnType<typeof measure>) =>
    `${label}: flagged P ${pct(m.flaggedErr, m.flagged)} R ${pct(m.flaggedErr, m.gold)} · exact P ${pct(m.exact, m.flagged)} R ${pct(m.exact, m.gold)} · clean flagged ${m.cleanFlagged}/${m.clean}`;
  process.stdout.write(`\n${file}: ${rows.length} sentences, ${res.filter((r) => r.gold.size).length} with errors; engine with the model pass ${(bytes / 1e6 / cpuS).toFixed(2)} MB per CPU second\n`);
  if (sweep) {
    for (let T = sweep[0]; T <= sweep[1] + 1e-9; T += sweep[2]) {
      process.stdout.write(`${line(`T ${T.toFixed(1)} model pass`, measure(T, false))}\n`);
      process.stdout.write(`${line(`T ${T.toFixed(1)} union      `, measure(T, true))}\n`);
    }
  } else {
    process.stdout.write(`${line(`model pass alone (minGain ${minGain})`, measure(minGain, false))}\n`);
    process.stdout.write(`${line('engine without the model pass', measure(Infinity, true))}\n`);
    process.stdout.write(`${line('union (engine with the model pass)', measure(minGain, true))}\n`);
    const conf = engine.options.lm.confirmedGain;
    process.stdout.write(`${line(`model pass, confirmed tier only (gain ≥ ${conf})`, measure(conf, false))}\n`);
  }
  let nfp = 0;
  let nfn = 0;
  rows.forEach((r, i) => {
    const x = res[i];
    for (const f of x.lm) {
      if ((f.score ?? 0) < minGain) continue;
      if (!x.gold.has(f.offset) && nfp++ < showFp)
        process.stdout.write(`FP ${r.src.slice(Math.max(0, f.offset - 10), f.offset)}[${f.text}→${f.suggestion} ${f.score} ${f.relation}]${r.src.slice(f.offset + 1, f.offset + 10)}${x.gold.size ? ' (sentence has errors)' : ''}\n`);
    }
    if (x.gold.size && x.lmGain < minGain && !x.other && nfn++ < showFn) {
      const [p, ch] = [...x.gold][0];
      process.stdout.write(`FN ${r.src.slice(Math.max(0, p - 10), p)}[${r.src[p]}→${ch}]${r.src.slice(p + 1, p + 10)}\n`);
    }
  });
}
