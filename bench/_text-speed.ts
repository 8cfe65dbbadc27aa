/**
 * MB/s of CPU time of the typo engine's rule passes (the model pass off) on one core, pass by pass, over the
 * generated text of bench/text.ts, the texts the typos check scans on the real pages, and sentence files: to
 * compare two builds in alternate runs on a shared machine. Notes: docs/modules.md.
 */
import { existsSync, readFileSync } from 'node:fs';
import { getEngine, type ScanOptions, TextEngine } from '../src/analysis/text/engine.js';
import { evaluateRealText } from './_typos-realtext.js';
import { officialText } from './text.js';

const args = process.argv.slice(2);
let passes = 6;
let warmPasses = 3;
let lexicon = true;
let realDir = '/work/shared/data/real-pages';
const files: string[] = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--passes') passes = Number(args[++i]);
  else if (args[i] === '--warm') warmPasses = Number(args[++i]);
  else if (args[i] === '--lexicon') lexicon = args[++i] !== 'off';
  else if (args[i] === '--real') realDir = args[++i];
  else files.push(args[i]);
}

const sets: Array<{ name: string; texts: Array<[string, ScanOptions]> }> = [];
sets.push({ name: 'generated text (bench/text.ts)', texts: officialText(4 * 1024 * 1024).map((t) => [t, {}]) });
if (existsSync(realDir)) {
  // what the typos check hands the engine on each page (page text, title, attachment names)
  const texts: Array<[string, ScanOptions]> = [];
  const scan = TextEngine.prototype.scan;
  TextEngine.prototype.scan = function (this: TextEngine, t: string, o?: ScanOptions) {
    texts.push([t, o ?? {}]);
    return scan.call(this, t, o);
  };
  await evaluateRealText(realDir);
  TextEngine.prototype.scan = scan;
  sets.push({ name: `real pages (${realDir})`, texts });
}
for (const f of files) {
  const lines = readFileSync(f, 'utf8').split(/\r?\n/).filter(Boolean);
  sets.push({ name: f, texts: lines.map((l): [string, ScanOptions] => [l.split('\t')[1] ?? l, { asOf: '2018-01-01' }]) });
}

const engine = getEngine({ lm: { enabled: false }, lexicon: { enabled: lexicon } });
const warm = officialText(1024 * 1024, 7);
for (const t of warm) engine.scan(t);
process.stdout.write(`rule passes (model pass off${lexicon ? '' : ', near-miss word pass off'}), MB = 10^6 UTF-8 bytes, per second of CPU time of the process; ${warmPasses} warm-up passes, then ${passes}\n`);
for (const set of sets) {
  const bytes = set.texts.reduce((s, [t]) => s + Buffer.byteLength(t), 0);
  for (let k = 0; k < warmPasses; k++) for (const [t, o] of set.texts) engine.scan(t, o);
  const mbs: number[] = [];
  for (let k = 0; k < passes; k++) {
    const c = process.cpuUsage();
    for (const [t, o] of set.texts) engine.scan(t, o);
    const u = process.cpuUsage(c);
    mbs.push(bytes / 1e6 / ((u.user + u.system) / 1e6));
  }
  const sorted = [...mbs].sort((x, y) => y - x);
  process.stdout.write(`${set.name}: ${set.texts.length} texts, ${(bytes / 1e6).toFixed(3)} MB; best ${sorted[0].toFixed(2)}, median ${sorted[sorted.length >> 1].toFixed(2)} MB/s (passes: ${mbs.map((x) => x.toFixed(1)).join(' ')})\n`);
}
