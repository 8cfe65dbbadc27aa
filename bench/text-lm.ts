/**
 * The language-model pass of the typo engine (src/analysis/text/lm.ts): model file size, load time (in this fresh
 * process), resident memory after loading, and throughput of the pass alone and of the engine with and without it,
 * on the generated official-style text of bench/text.ts (4,000-character blocks, one core). Notes: docs/modules.md.
 */
import { statSync } from 'node:fs';
import { getEngine } from '../src/analysis/text/engine.js';
import { DEFAULT_MODEL, lmOptionsSchema, lmScan, loadLanguageModel, sentenceMemo } from '../src/analysis/text/lm.js';
import type { BenchSection } from './index.js';
import { officialText } from './text.js';

/** The model pass's targets (issue 16): MB/s of CPU time, load time in a fresh process. */
const LM_TARGET_MBS = 1;
const LM_LOAD_TARGET_MS = 500;

function cpuS(f: () => void): number {
  const c = process.cpuUsage();
  f();
  const u = process.cpuUsage(c);
  return (u.user + u.system) / 1e6;
}

export default async function bench(): Promise<BenchSection> {
  const rss0 = process.memoryUsage().rss;
  const t0 = process.hrtime.bigint();
  const model = loadLanguageModel();
  const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (!model) return { title: 'Text scanning: language-model pass', body: `No model at ${DEFAULT_MODEL} (npm run build-lm).` };
  const rssModel = process.memoryUsage().rss - rss0;
  const size = statSync(DEFAULT_MODEL).size;
  const pages = officialText(2 * 1024 * 1024, 20240702);
  const bytes = pages.reduce((s, p) => s + Buffer.byteLength(p), 0);
  const opts = lmOptionsSchema.parse({});
  const base = getEngine({ lm: { enabled: false } });
  const withLm = getEngine({ lm: { enabled: true } });
  const look = (c: number) => base.chars.lookAlikesOf(c);
  // warm up (JIT, candidate lists)
  for (const p of pages.slice(0, 20)) {
    lmScan(model, p, opts, { lookalike: look });
    base.scan(p);
    withLm.scan(p);
  }
  let found = 0;
  let surprising = 0;
  let chars = 0;
  // The target figure and the engine rows score every sentence afresh: this generated text repeats its templates'
  // sentences, which the sentence memo (src/analysis/text/lm.ts) would answer after their first sightings.
  sentenceMemo.enabled = false;
  const lmS = cpuS(() => {
    for (const p of pages) {
      const r = lmScan(model, p, opts, { lookalike: look });
      found += r.findings.length;
      surprising += r.surprising;
      chars += p.length;
    }
  });
  const baseS = cpuS(() => {
    for (const p of pages) base.scan(p);
  });
  const allS = cpuS(() => {
    for (const p of pages) withLm.scan(p);
  });
  // One pass with the memo on, from empty (it was off until now): a site's text met once, in order.
  sentenceMemo.enabled = true;
  const lmMemoS = cpuS(() => {
    for (const p of pages) lmScan(model, p, opts, { lookalike: look });
  });
  const mb = bytes / 1e6;
  const rss = process.memoryUsage().rss;
  const met = (ok: boolean) => (ok ? 'met' : '**not met**');
  const passMbs = mb / lmS;
  return {
    title: 'Text scanning: language-model pass',
    body: `Model \`models/official-zh.4gram.bin\` (${(size / 2 ** 20).toFixed(2)} MiB; ${model.header.tables.map((t) => `${t.order}-grams ${t.entries.toLocaleString('en')}`).join(', ')}; vocabulary ${model.vocab}). Generated official-style text of bench/text.ts, ${mb.toFixed(2)} MB in ${pages.length} blocks of about 4,000 characters, one core (\`npm run bench -- text\`). MB = 10^6 UTF-8 bytes per second of CPU time.

| measure | value | target (issue 16) | |
|---|---|---|---|
| model pass alone, every sentence scored (sentence memo off) | ${passMbs.toFixed(2)} MB/s (${surprising.toLocaleString('en')} surprising positions tried = ${((100 * surprising) / chars).toFixed(1)}% of characters; ${found} findings) | ≥ ${LM_TARGET_MBS} MB/s | ${met(passMbs >= LM_TARGET_MBS)} |
| model pass alone with the sentence memo (the default; a sentence met again is not scored again — this text repeats its templates' sentences, real pages of one site their navigation and footers) | ${(mb / lmMemoS).toFixed(2)} MB/s | | |
| model load (fresh process) | ${Math.round(loadMs)} ms | ≤ ${LM_LOAD_TARGET_MS} ms | ${met(loadMs <= LM_LOAD_TARGET_MS)} |
| model size | ${(size / 2 ** 20).toFixed(2)} MiB = ${(size / 1e6).toFixed(2)} × 10^6 bytes | ≤ 25 MB | ${size <= 25 * 2 ** 20 ? (size <= 25e6 ? 'met' : 'met in MiB (2^20 bytes), over in 10^6 bytes') : '**not met**'} |
| resident memory added by the model | ${Math.round(rssModel / 2 ** 20)} MiB (process RSS ${Math.round(rss / 2 ** 20)} MiB) | | |
| engine without the model pass | ${(mb / baseS).toFixed(2)} MB/s | | |
| engine with the model pass (lm.enabled: true) | ${(mb / allS).toFixed(2)} MB/s | | |
`,
  };
}
