/**
 * Builds the character 4-gram model of src/analysis/text/lm.ts from plain sentences (exact counts, interpolated
 * Kneser–Ney, pruning, 8-bit quantisation, the hashed bucket layout the pass reads). Used by scripts/build-lm.ts and by
 * the unit tests (a tiny model from own sentences). Notes: docs/modules.md.
 */
import { BOS, FIRST_CHAR_ID, fuzzyPinyin, primaryPinyin, fingerprint, hashNgram, hashString, LM_MAGIC, normCode, normalizeForModel, ORDER, sortedIndexOf, tokenize, V_SIZE, type LmHeader, type TokenBuffer } from './lm.js';

export { fuzzyPinyin, primaryPinyin };

export interface BuildOptions {
  /** Characters seen fewer times are unknown tokens. */
  minCharCount?: number;
  /** Entries of order n with a count at most prune[n] are dropped (unless a kept entry needs them as context). */
  prune?: Partial<Record<number, number>>;
  /** Village and street names for the place-name guard. */
  places?: Iterable<string>;
  /** Average entries per bucket (smaller: faster look-ups, bigger offset tables). */
  bucketLoad?: number;
  /** Anything to record in the header (sources, commits, counts). */
  sources?: unknown;
  log?: (msg: string) => void;
}

export interface BuildResult {
  bytes: Uint8Array;
  stats: Record<string, number>;
}

const V = V_SIZE;

/** Sorted unique keys with run lengths. */
function runLength(keys: Float64Array, len: number): { keys: Float64Array; counts: Uint32Array } {
  let u = 0;
  for (let i = 0; i < len; i++) if (i === 0 || keys[i] !== keys[i - 1]) u++;
  const k = new Float64Array(u);
  const c = new Uint32Array(u);
  let j = -1;
  for (let i = 0; i < len; i++) {
    if (i === 0 || keys[i] !== keys[i - 1]) k[++j] = keys[i];
    c[j]++;
  }
  return { keys: k, counts: c };
}

/** The (n−1)-gram table: suffixes of the n-grams (continuation counts) ∪ their prefixes (count 0 if only a prefix). */
function lowerOrder(keys: Float64Array, mod: number): { keys: Float64Array; counts: Uint32Array } {
  const suf = new Float64Array(keys.length);
  for (let i = 0; i < keys.length; i++) suf[i] = keys[i] % mod;
  suf.sort();
  const s = runLength(suf, suf.length);
  const pre = new Float64Array(keys.length);
  for (let i = 0; i < keys.length; i++) pre[i] = Math.floor(keys[i] / V);
  const p = runLength(pre, pre.length); // already sorted
  // merge
  const outK = new Float64Array(s.keys.length + p.keys.length);
  const outC = new Uint32Array(outK.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < s.keys.length || j < p.keys.length) {
    const a = i < s.keys.length ? s.keys[i] : Infinity;
    const b = j < p.keys.length ? p.keys[j] : Infinity;
    if (a === b) {
      outK[k] = a;
      outC[k++] = s.counts[i++];
      j++;
    } else if (a < b) {
      outK[k] = a;
      outC[k++] = s.counts[i++];
    } else {
      outK[k] = b;
      outC[k++] = 0;
      j++;
    }
  }
  return { keys: outK.slice(0, k), counts: outC.slice(0, k) };
}

function discount(counts: Uint32Array): number {
  let n1 = 0;
  let n2 = 0;
  for (let i = 0; i < counts.length; i++) {
    if (counts[i] === 1) n1++;
    else if (counts[i] === 2) n2++;
  }
  const d = n1 + 2 * n2 > 0 ? n1 / (n1 + 2 * n2) : 0.5;
  return Math.min(0.95, Math.max(0.1, d));
}

function quantize(values: Float32Array, keep: Uint8Array | null): { q: Uint8Array; range: [number, number] } {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    if (keep && !keep[i]) continue;
    const v = values[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!Number.isFinite(lo)) {
    lo = 0;
    hi = 0;
  }
  lo = Math.max(lo, -30);
  if (hi <= lo) hi = lo + 1e-3;
  const q = new Uint8Array(values.length);
  const scale = 255 / (hi - lo);
  for (let i = 0; i < values.length; i++) q[i] = Math.max(0, Math.min(255, Math.round((values[i] - lo) * scale)));
  return { q, range: [lo, hi] };
}

/** Builds a model from sentences or documents (sentence ends inside them are honoured). */
export function buildModel(texts: string[], opts: BuildOptions = {}): BuildResult {
  const log = opts.log ?? (() => {});
  const prune = { 2: 0, 3: 1, 4: 1, ...opts.prune } as Record<number, number>;
  const stats: Record<string, number> = {};
  // 1. vocabulary
  const charCount = new Uint32Array(65536);
  let chars = 0;
  for (const t of texts) {
    for (let i = 0; i < t.length; i++) {
      const n = normCode(t.charCodeAt(i));
      if (n >= 0) {
        charCount[n]++;
        chars++;
      }
    }
  }
  stats.chars = chars;
  const minCount = opts.minCharCount ?? 1;
  const cand: number[] = [];
  for (let c = 0; c < 65536; c++) if (charCount[c] >= minCount) cand.push(c);
  cand.sort((a, b) => charCount[b] - charCount[a]);
  const vocabChars = cand.slice(0, V - FIRST_CHAR_ID);
  const vocab = FIRST_CHAR_ID + vocabChars.length;
  const idOf = new Uint16Array(65536);
  const charsOf = new Uint16Array(vocab);
  vocabChars.forEach((c, i) => {
    idOf[c] = FIRST_CHAR_ID + i;
    charsOf[FIRST_CHAR_ID + i] = c;
  });
  stats.vocab = vocab;
  log(`vocabulary: ${vocab} tokens from ${chars} characters`);

  // 2. 4-gram keys
  let keys = new Float64Array(1 << 20);
  let nk = 0;
  const buf: TokenBuffer = { ids: new Uint16Array(4096), offs: new Int32Array(4096), length: 0 };
  for (const t of texts) {
    tokenize(t, idOf, buf);
    const ids = buf.ids;
    for (let i = 3; i < buf.length; i++) {
      if (ids[i] === BOS) continue;
      if (nk === keys.length) {
        const nk2 = new Float64Array(keys.length * 2);
        nk2.set(keys);
        keys = nk2;
      }
      keys[nk++] = ((ids[i - 3] * V + ids[i - 2]) * V + ids[i - 1]) * V + ids[i];
    }
  }
  stats.tokens = nk;
  const sorted = keys.subarray(0, nk).sort();
  const g4 = runLength(sorted, nk);
  keys = new Float64Array(0);
  const g3 = lowerOrder(g4.keys, V * V * V);
  const g2 = lowerOrder(g3.keys, V * V);
  // unigram continuation counts
  const c1 = new Uint32Array(vocab);
  for (let i = 0; i < g2.keys.length; i++) c1[g2.keys[i] % V]++;
  const grams: Array<{ keys: Float64Array; counts: Uint32Array }> = [];
  grams[2] = g2;
  grams[3] = g3;
  grams[4] = g4;
  log(`distinct n-grams: 2: ${g2.keys.length}, 3: ${g3.keys.length}, 4: ${g4.keys.length}`);

  // 3. probabilities bottom-up (ln), back-off weights on contexts
  const p1 = new Float32Array(vocab);
  const b1 = new Float32Array(vocab);
  {
    let total = 0;
    let types = 0;
    for (let i = 0; i < vocab; i++) {
      total += c1[i];
      if (c1[i]) types++;
    }
    const d = discount(c1);
    const gamma = total ? (d * types) / total : 1;
    for (let i = 0; i < vocab; i++) p1[i] = Math.log((total ? Math.max(c1[i] - d, 0) / total : 0) + gamma / vocab);
  }
  const prob: Float32Array[] = [];
  const back: Float32Array[] = [];
  for (let n = 2; n <= ORDER; n++) {
    const g = grams[n];
    const len = g.keys.length;
    const p = new Float32Array(len);
    back[n] = new Float32Array(len);
    const d = discount(g.counts);
    const lowerMod = V ** (n - 1);
    let i = 0;
    while (i < len) {
      const ctx = Math.floor(g.keys[i] / V);
      let j = i;
      let total = 0;
      let types = 0;
      while (j < len && Math.floor(g.keys[j] / V) === ctx) {
        total += g.counts[j];
        if (g.counts[j]) types++;
        j++;
      }
      const gamma = total ? (d * types) / total : 1;
      for (let k = i; k < j; k++) {
        const suf = g.keys[k] % lowerMod;
        let lower: number;
        if (n === 2) lower = p1[suf];
        else {
          const at = sortedIndexOf(grams[n - 1].keys, suf);
          lower = at >= 0 ? prob[n - 1][at] : back[n - 1].length ? -20 : -20;
        }
        p[k] = Math.log((total ? Math.max(g.counts[k] - d, 0) / total : 0) + gamma * Math.exp(lower));
      }
      // the context's back-off weight
      if (n === 2) b1[ctx] = Math.log(gamma);
      else {
        const at = sortedIndexOf(grams[n - 1].keys, ctx);
        if (at >= 0) back[n - 1][at] = Math.log(gamma);
      }
      i = j;
    }
    prob[n] = p;
  }

  // 4. pruning (top-down: a context of a kept entry is kept)
  const keep: Uint8Array[] = [];
  for (let n = ORDER; n >= 2; n--) {
    const g = grams[n];
    const k = new Uint8Array(g.keys.length);
    const higher = n < ORDER ? { g: grams[n + 1], keep: keep[n + 1] } : undefined;
    const needed = new Uint8Array(g.keys.length);
    if (higher) {
      for (let i = 0; i < higher.g.keys.length; i++) {
        if (!higher.keep[i]) continue;
        const at = sortedIndexOf(g.keys, Math.floor(higher.g.keys[i] / V));
        if (at >= 0) needed[at] = 1;
      }
    }
    let kept = 0;
    for (let i = 0; i < g.keys.length; i++) {
      if (needed[i] || g.counts[i] > (prune[n] ?? 0)) {
        k[i] = 1;
        kept++;
      }
    }
    keep[n] = k;
    stats[`kept${n}`] = kept;
  }
  log(`kept after pruning: 2: ${stats.kept2}, 3: ${stats.kept3}, 4: ${stats.kept4}`);

  // 5. pinyin of the vocabulary
  const pyNames: string[] = [''];
  const pyIndex = new Map<string, number>([['', 0]]);
  const pyId = (p: string) => {
    let id = pyIndex.get(p);
    if (id === undefined) {
      id = pyNames.length;
      pyNames.push(p);
      pyIndex.set(p, id);
    }
    return id;
  };
  const pinyinArr = new Uint16Array(vocab);
  const fuzzyArr = new Uint16Array(vocab);
  for (let i = FIRST_CHAR_ID; i < vocab; i++) {
    const ch = String.fromCharCode(charsOf[i]);
    if (!/\p{Script=Han}/u.test(ch)) continue;
    const p = primaryPinyin(ch);
    if (!p) continue;
    pinyinArr[i] = pyId(p);
    fuzzyArr[i] = pyId(`~${fuzzyPinyin(p)}`);
  }

  // 6. tables
  const sections: Array<{ name: string; data: Uint8Array }> = [];
  const add = (name: string, a: ArrayBufferView) => sections.push({ name, data: new Uint8Array(a.buffer, a.byteOffset, a.byteLength) });
  add('chars', charsOf);
  const qp1 = quantize(p1, null);
  const qb1 = quantize(b1, null);
  add('p1', qp1.q);
  add('b1', qb1.q);
  add('pinyin', pinyinArr);
  add('fuzzy', fuzzyArr);
  const quant: Record<string, [number, number]> = { p1: qp1.range, b1: qb1.range };
  const tables: LmHeader['tables'] = [];
  const ids = new Uint16Array(ORDER);
  for (let n = 2; n <= ORDER; n++) {
    const g = grams[n];
    const k = keep[n];
    const entries = stats[`kept${n}`];
    const bits = Math.max(4, Math.min(28, Math.ceil(Math.log2(Math.max(1, entries / (opts.bucketLoad ?? 6))))));
    const shift = 32 - bits;
    const qp = quantize(prob[n], k);
    const qb = n < ORDER ? quantize(back[n], k) : undefined;
    quant[`p${n}`] = qp.range;
    if (qb) quant[`b${n}`] = qb.range;
    const bucketOf = new Uint32Array(entries);
    const fpOf = new Uint16Array(entries);
    const src = new Uint32Array(entries);
    const off = new Uint32Array((1 << bits) + 1);
    let e = 0;
    for (let i = 0; i < g.keys.length; i++) {
      if (!k[i]) continue;
      let key = g.keys[i];
      for (let t = n - 1; t >= 0; t--) {
        ids[t] = key % V;
        key = Math.floor(key / V);
      }
      const h = hashNgram(ids, 0, n);
      bucketOf[e] = h >>> shift;
      fpOf[e] = fingerprint(h);
      src[e] = i;
      off[bucketOf[e] + 1]++;
      e++;
    }
    for (let b = 0; b < 1 << bits; b++) off[b + 1] += off[b];
    const fill = off.slice(0, 1 << bits);
    const fp = new Uint16Array(entries);
    const pq = new Uint8Array(entries);
    const bq = n < ORDER ? new Uint8Array(entries) : undefined;
    for (let x = 0; x < entries; x++) {
      const at = fill[bucketOf[x]]++;
      fp[at] = fpOf[x];
      pq[at] = qp.q[src[x]];
      if (bq) bq[at] = qb!.q[src[x]];
    }
    // sort each bucket by fingerprint (insertion sort: buckets are small)
    for (let b = 0; b < 1 << bits; b++) {
      for (let x = off[b] + 1; x < off[b + 1]; x++) {
        const f = fp[x];
        const pv = pq[x];
        const bv = bq ? bq[x] : 0;
        let y = x - 1;
        while (y >= off[b] && fp[y] > f) {
          fp[y + 1] = fp[y];
          pq[y + 1] = pq[y];
          if (bq) bq[y + 1] = bq[y];
          y--;
        }
        fp[y + 1] = f;
        pq[y + 1] = pv;
        if (bq) bq[y + 1] = bv;
      }
    }
    const packed = packOffsets(off);
    add(`base${n}`, packed.base);
    add(`o16${n}`, packed.o16);
    add(`fp${n}`, fp);
    add(`p${n}`, pq);
    if (bq) add(`b${n}`, bq);
    tables.push({ order: n, bits, entries, block: packed.block });
  }
  // 7. place names
  if (opts.places) {
    const hs = new Set<number>();
    for (const p of opts.places) if (p.length >= 2 && p.length <= 8) hs.add(hashString(p));
    const arr = Uint32Array.from(hs).sort();
    add('places', arr);
    stats.places = arr.length;
  }
  // 8. layout
  const header: LmHeader = { magic: LM_MAGIC, vocab, order: ORDER, quant, tables, pinyin: pyNames, sections: [], sources: opts.sources, stats };
  const out = assembleModel(header, sections);
  stats.bytes = out.byteLength;
  return { bytes: out, stats };
}

/**
 * Cumulative bucket offsets (2^bits + 1 of them) as a 32-bit base per block of 2^block buckets plus a 16-bit offset
 * per bucket from its block's base; block is the largest ≤ 8 whose every block spans < 2^16 entries.
 */
export function packOffsets(off: Uint32Array): { base: Uint32Array; o16: Uint16Array; block: number } {
  const nb = off.length - 1;
  const bits = Math.log2(nb);
  if (!Number.isInteger(bits)) throw new Error(`bucket offsets: ${off.length} is not 2^bits + 1`);
  for (let block = Math.min(8, bits); block >= 0; block--) {
    const base = new Uint32Array((nb >>> block) + 1);
    const o16 = new Uint16Array(nb + 1);
    let fits = true;
    for (let k = 0; k < base.length; k++) base[k] = off[Math.min(nb, k << block)];
    for (let bk = 0; bk <= nb && fits; bk++) {
      const d = off[bk] - base[bk >>> block];
      if (d > 0xffff) fits = false;
      o16[bk] = d;
    }
    if (fits) return { base, o16, block };
  }
  throw new Error('bucket offsets: unreachable (one bucket a block always fits)');
}

/** The model file: magic, header length, header JSON (its `sections` filled in), sections (8-aligned). */
export function assembleModel(header: LmHeader, sections: Array<{ name: string; data: Uint8Array }>): Uint8Array {
  const layout = (headerBytes: number) => {
    let pos = align(12 + headerBytes);
    return sections.map((s) => {
      const o = { name: s.name, offset: pos, bytes: s.data.byteLength };
      pos = align(pos + s.data.byteLength);
      return o;
    });
  };
  // the header's own length moves the sections: iterate until stable
  let hjson = '';
  let guess = 0;
  for (let round = 0; round < 5; round++) {
    header.sections = layout(guess);
    hjson = JSON.stringify(header);
    const len = Buffer.byteLength(hjson);
    if (len === guess) break;
    guess = len;
  }
  header.sections = layout(guess);
  hjson = JSON.stringify(header).padEnd(guess, ' ');
  const last = header.sections[header.sections.length - 1];
  const out = new Uint8Array(last.offset + last.bytes);
  out.set(Buffer.from(header.magic, 'latin1'), 0);
  new DataView(out.buffer).setUint32(8, guess, true);
  out.set(Buffer.from(hjson, 'utf8'), 12);
  sections.forEach((s, i) => out.set(s.data, header.sections[i].offset));
  return out;
}

function align(x: number): number {
  return (x + 7) & ~7;
}

/**
 * Leakage filter: drops every sentence sharing a window of `window` normalised characters with any of the
 * evaluation sentences (and any sentence equal to a shorter evaluation sentence). Returns the kept sentences
 * and how many were removed.
 */
export function leakageFilter(sentences: string[], evaluation: Iterable<string>, window = 15): { kept: string[]; removed: number } {
  const grams = new Set<number>();
  const whole = new Set<string>();
  const key = (s: string, i: number) => hashString(s, i, i + window) * 2097152 + (hashString(s, i + 1, i + window) & 0x1fffff);
  for (const e of evaluation) {
    for (const part of normalizeForModel(e).split('\n')) {
      if (part.length < window) {
        if (part.length >= 4) whole.add(part);
        continue;
      }
      for (let i = 0; i + window <= part.length; i++) grams.add(key(part, i));
    }
  }
  const kept: string[] = [];
  let removed = 0;
  for (const s of sentences) {
    const parts = normalizeForModel(s).split('\n');
    let hit = false;
    for (const part of parts) {
      if (whole.has(part)) hit = true;
      for (let i = 0; !hit && i + window <= part.length; i++) if (grams.has(key(part, i))) hit = true;
      if (hit) break;
    }
    if (hit) removed++;
    else kept.push(s);
  }
  return { kept, removed };
}
