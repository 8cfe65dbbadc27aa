/**
 * Converts a language model file of the first format (GCLM0001, 32-bit bucket offsets) to the current one (16-bit
 * offsets from a 32-bit base a block), every other section byte-identical, and proves it:
 *   npx tsx scripts/lm-reencode.ts IN OUT        Notes: docs/modules.md.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { assembleModel, packOffsets } from '../src/analysis/text/lm-build.js';
import { LanguageModel, LM_MAGIC, LM_MAGIC_V1, type LmHeader } from '../src/analysis/text/lm.js';

function readHeader(buf: Uint8Array): LmHeader {
  const hlen = new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getUint32(8, true);
  return JSON.parse(Buffer.from(buf.subarray(12, 12 + hlen)).toString('utf8')) as LmHeader;
}

function section(buf: Uint8Array, h: LmHeader, name: string): Uint8Array {
  const s = h.sections.find((x) => x.name === name);
  if (!s) throw new Error(`section ${name} missing`);
  return buf.subarray(s.offset, s.offset + s.bytes);
}

const [inFile, outFile] = process.argv.slice(2);
if (!inFile || !outFile) throw new Error('usage: lm-reencode IN OUT');
const old = new Uint8Array(readFileSync(inFile));
const magic = Buffer.from(old.subarray(0, 8)).toString('latin1');
if (magic !== LM_MAGIC_V1) throw new Error(`${inFile}: magic ${JSON.stringify(magic)}, not ${LM_MAGIC_V1}`);
const oh = readHeader(old);
const header: LmHeader = JSON.parse(JSON.stringify(oh)) as LmHeader;
header.magic = LM_MAGIC;
const sections: Array<{ name: string; data: Uint8Array }> = [];
const offs = new Map<number, Uint32Array>();
for (const s of oh.sections) {
  const m = /^off(\d+)$/.exec(s.name);
  const data = old.slice(s.offset, s.offset + s.bytes);
  if (!m) {
    sections.push({ name: s.name, data });
    continue;
  }
  const n = Number(m[1]);
  const t = header.tables.find((x) => x.order === n);
  const off = new Uint32Array(data.buffer, 0, data.byteLength / 4);
  if (!t || off.length !== 2 ** t.bits + 1) throw new Error(`${s.name}: ${off.length} offsets, table bits ${t?.bits}`);
  const p = packOffsets(off);
  t.block = p.block;
  offs.set(n, off);
  sections.push({ name: `base${n}`, data: new Uint8Array(p.base.buffer) });
  sections.push({ name: `o16${n}`, data: new Uint8Array(p.o16.buffer) });
}
const out = assembleModel(header, sections);

// proof, on the bytes as written: every bucket's [start, end) as before, every other section byte-identical
const nh = readHeader(out);
for (const t of nh.tables) {
  const off = offs.get(t.order)!;
  const base = new Uint32Array(section(out, nh, `base${t.order}`).slice().buffer);
  const o16 = new Uint16Array(section(out, nh, `o16${t.order}`).slice().buffer);
  for (let bk = 0; bk < off.length; bk++) {
    if (base[bk >>> t.block] + o16[bk] !== off[bk]) throw new Error(`table ${t.order}: bucket ${bk} offset differs`);
  }
  console.log(`${t.order}-grams: ${off.length - 1} buckets, block 2^${t.block}, every [start, end) equal; off${t.order} ${off.byteLength} bytes → base + o16 ${base.byteLength + o16.byteLength} bytes`);
}
for (const s of oh.sections) {
  if (/^off\d+$/.test(s.name)) continue;
  if (!Buffer.from(section(old, oh, s.name)).equals(Buffer.from(section(out, nh, s.name)))) throw new Error(`section ${s.name} differs`);
}
const { sections: _a, magic: _b, tables: ta, ...restOld } = oh;
const { sections: _c, magic: _d, tables: tb, ...restNew } = nh;
if (JSON.stringify(restOld) !== JSON.stringify(restNew)) throw new Error('header fields differ');
if (JSON.stringify(ta.map(({ block: _, ...r }) => r)) !== JSON.stringify(tb.map(({ block: _, ...r }) => r))) throw new Error('tables differ');
new LanguageModel(out); // the loader accepts it
writeFileSync(outFile, out);
console.log(`${inFile} (${old.byteLength} bytes) → ${outFile} (${out.byteLength} bytes); other sections and header fields identical`);
