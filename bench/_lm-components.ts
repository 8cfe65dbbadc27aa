/**
 * How many error characters of a spelling set (`label<TAB>source<TAB>corrected`) the component relation (IDS, lm-components.ts)
 * relates to their correction where the pass's other candidates do not, and how many candidates it adds per character.
 *   node dist/bench/_lm-components.js --ids ids.txt [--max-swap N] FILE   Notes: docs/modules.md.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CharRelations } from '../src/analysis/text/chars.js';
import { CONFIG_DIR } from '../src/config.js';
import { parseArgs } from 'node:util';
import { componentNeighbours, parseIds } from '../src/analysis/text/lm-components.js';
import { candidateChars, FIRST_CHAR_ID, lmOptionsSchema, loadLanguageModel } from '../src/analysis/text/lm.js';

const { values, positionals: args } = parseArgs({ options: { ids: { type: 'string', default: '' }, 'max-swap': { type: 'string', default: '5,10,20,50,1000' } }, allowPositionals: true });
const idsFile = values.ids;
const maxSwaps = values['max-swap'].split(',').map(Number);
if (!idsFile || !args.length) {
  process.stderr.write('usage: node dist/bench/_lm-components.js --ids ids.txt [--max-swap 5,10,20] FILE\n');
  process.exit(2);
}
const model = loadLanguageModel();
if (!model) throw new Error('no language model (npm run build-lm)');
const opts = lmOptionsSchema.parse({ report: 'all', components: false });
const groups = readFileSync(path.join(CONFIG_DIR, 'dictionaries/lookalike.txt'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() && !l.startsWith('#'))
  .map((l) => l.trim().split(/\s+/));
const rel = new CharRelations(groups);
const look = (c: number) => rel.lookAlikesOf(c);
const known = (ch: string) => model.idOf[ch.charCodeAt(0)] >= FIRST_CHAR_ID && model.uniP[model.idOf[ch.charCodeAt(0)]] >= opts.minCandidateLogp;
const ids = parseIds(readFileSync(idsFile, 'utf8'));
const existing = new Map<string, Set<string>>();
const candsOf = (w: string) => {
  let s = existing.get(w);
  if (!s) existing.set(w, (s = new Set(candidateChars(model, opts, w, look).map((c) => c.ch))));
  return s;
};

for (const file of args) {
  const pairs: Array<{ w: string; r: string; row: number }> = [];
  let errRows = 0;
  readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .forEach((line, row) => {
      const [, src, tgt] = line.split('\t');
      if (!src || !tgt || src === tgt || src.length !== tgt.length) return;
      errRows++;
      for (let i = 0; i < src.length; i++) if (src[i] !== tgt[i]) pairs.push({ w: src[i], r: tgt[i], row });
    });
  const uncovered = pairs.filter((p) => !candsOf(p.w).has(p.r));
  const rowsUncovered = new Set(uncovered.map((p) => p.row));
  process.stdout.write(
    `${path.basename(file)}: ${errRows} error sentences, ${pairs.length} error characters; ${uncovered.length} (${((100 * uncovered.length) / pairs.length).toFixed(1)} %) not among the existing candidates, in ${rowsUncovered.size} sentences (${((100 * rowsUncovered.size) / errRows).toFixed(1)} %)\n`,
  );
  const written = [...new Set(pairs.map((p) => p.w))];
  const vocab: string[] = [];
  for (let i = FIRST_CHAR_ID; i < model.vocab; i++) if (model.chars[i] && known(String.fromCharCode(model.chars[i]))) vocab.push(String.fromCharCode(model.chars[i]));
  const settings: Array<[string, Parameters<typeof componentNeighbours>[2]]> = [
    ['contains', { contains: true, swap: false, maxSwapClass: 0 }],
    ...maxSwaps.map((m): [string, Parameters<typeof componentNeighbours>[2]] => [`swap ≤ ${m}`, { contains: false, swap: true, maxSwapClass: m }]),
    ...maxSwaps.map((m): [string, Parameters<typeof componentNeighbours>[2]] => [`contains + swap ≤ ${m}`, { contains: true, swap: true, maxSwapClass: m }]),
  ];
  for (const [name, o] of settings) {
    const nb = componentNeighbours(ids, known, o);
    const newOf = (w: string) => [...(nb.get(w) ?? [])].filter((x) => !candsOf(w).has(x));
    const hit = uncovered.filter((p) => nb.get(p.w)?.has(p.r));
    const hitRows = new Set(hit.map((p) => p.row));
    const rowsNowCovered = [...rowsUncovered].filter((r) => uncovered.every((p) => p.row !== r || nb.get(p.w)?.has(p.r))).length;
    const mean = (xs: string[]) => (xs.reduce((a, w) => a + newOf(w).length, 0) / xs.length).toFixed(2);
    const pairsTotal = [...nb.values()].reduce((a, s) => a + s.size, 0) / 2;
    const sample = hit
      .slice(0, 12)
      .map((p) => `${p.w}→${p.r}`)
      .join(' ');
    process.stdout.write(
      `  ${name}: ${hit.length} of the ${uncovered.length} uncovered characters (${hitRows.size} sentences; ${rowsNowCovered} sentences fully covered now); new candidates per character: vocabulary ${mean(vocab)}, written error characters ${mean(written)}; ${pairsTotal} pairs, ${nb.size} characters  e.g. ${sample}\n`,
    );
  }
  process.stdout.write(
    `  uncovered, e.g.: ${uncovered
      .slice(0, 40)
      .map((p) => `${p.w}→${p.r}`)
      .join(' ')}\n`,
  );
}
