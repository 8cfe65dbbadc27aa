/**
 * Every finding of the typo engine over fixed inputs, written as JSON for comparing two versions of the engine
 * (a speed change must leave them identical): the generated text of bench/text.ts, the real-page corpus through
 * the typos check, and sentence files (ECSpell's `label<TAB>source<TAB>corrected`). Notes: docs/modules.md.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { getEngine, type TextOptionsInput } from '../src/analysis/text/engine.js';
import { evaluateRealText } from './_typos-realtext.js';
import { officialText } from './text.js';

const args = process.argv.slice(2);
const outDir = args[0];
if (!outDir) {
  process.stderr.write('usage: node dist/bench/_text-findings.js OUT_DIR [--real DIR] [SENTENCES.tsv …]\n');
  process.exit(2);
}
let realDir = '/work/shared/data/real-pages';
const files: string[] = [];
for (let i = 1; i < args.length; i++) {
  if (args[i] === '--real') realDir = args[++i];
  else files.push(args[i]);
}
mkdirSync(outDir, { recursive: true });

const configs: Array<[string, TextOptionsInput]> = [
  ['default', {}],
  ['lm-off', { lm: { enabled: false } }],
  ['lm-all', { lm: { report: 'all' } }],
];

function write(name: string, value: unknown): void {
  const f = path.join(outDir, `${name}.json`);
  writeFileSync(f, `${JSON.stringify(value, null, 1)}\n`);
  process.stdout.write(`${f}\n`);
}

const generated = officialText(4 * 1024 * 1024);
const sentenceSets = files.map((f) => ({
  name: path.basename(f).replace(/[^\w.-]/g, '_'),
  lines: readFileSync(f, 'utf8')
    .split(/\r?\n/)
    .filter(Boolean)
    .map((l) => l.split('\t')[1] ?? l),
}));
for (const [name, opts] of configs) {
  const engine = getEngine(opts);
  write(
    `generated.${name}`,
    generated.map((p, i) => ({ i, ...engine.scan(p, { asOf: '2024-07-01' }) })),
  );
  for (const s of sentenceSets)
    write(
      `${s.name}.${name}`,
      s.lines.map((l, i) => ({ i, ...engine.scan(l, { asOf: '2018-01-01' }) })),
    );
}
if (existsSync(realDir)) {
  write('real-pages.default', (await evaluateRealText(realDir)).findings);
  write('real-pages.lm-all', (await evaluateRealText(realDir, '2024-07-01', { text: { lm: { report: 'all' } } })).findings);
}
