import { createRequire } from 'node:module';
import type { getEncoding as GetEncoding } from 'encoding-sniffer';
import iconv from 'iconv-lite';
import type { ContentIssue, PageArtifact } from '../types.js';

export interface Decoded {
  text: string;
  /** Canonical encoding name used to decode. */
  encoding: string;
  source: NonNullable<PageArtifact['encodingSource']>;
  /** Share of U+FFFD replacement characters in the result (0 = clean). */
  replacementRatio: number;
  /** What the page declared, when that was not what decoded it cleanly: a finding for the site. */
  mismatch?: { declared: string; declaredBy: 'header' | 'meta'; used: string };
}

const require = createRequire(import.meta.url);
let sniffer: typeof GetEncoding | undefined;
/**
 * encoding-sniffer's getEncoding, loaded at the first page that needs sniffing (a page whose header charset decodes
 * it cleanly never does): with its decoder tables it is ≈ 35 ms of CPU to load. require() of the ES module is
 * synchronous and silent on Node ≥ 20.19 (the engines field).
 */
function getEncoding(buf: Buffer, options: Parameters<typeof GetEncoding>[1]): string {
  sniffer ??= (require('encoding-sniffer') as typeof import('encoding-sniffer')).getEncoding;
  return sniffer(buf, options);
}

/** Labels browsers treat as GBK-family; GB18030 is a superset, so decode them all as GB18030. */
const GB_FAMILY = new Set(['gbk', 'gb2312', 'gb_2312', 'gb_2312-80', 'x-gbk', 'gb18030', 'cp936', 'windows-936', 'csgb2312', 'chinese', 'iso-ir-58']);

/** Labels already made canonical: a crawl meets the same two or three labels on every page. */
const canonical = new Map<string, string | undefined>();

export function canonicalEncoding(label: string | undefined | null): string | undefined {
  if (!label) return undefined;
  if (canonical.has(label)) return canonical.get(label);
  const c = canonicalOf(label);
  if (canonical.size < 256) canonical.set(label, c);
  return c;
}

function canonicalOf(label: string): string | undefined {
  const l = label
    .trim()
    .toLowerCase()
    .replace(/^["']|["']$/g, '');
  if (!l) return undefined;
  if (GB_FAMILY.has(l)) return 'gb18030';
  if (l === 'utf8' || l === 'unicode-1-1-utf-8') return 'utf-8';
  if (l === 'big5-hkscs' || l === 'x-x-big5' || l === 'cn-big5' || l === 'csbig5') return 'big5';
  return l;
}

function knownEncoding(label: string): boolean {
  try {
    new TextDecoder(label);
    return true;
  } catch {
    return iconv.encodingExists(label);
  }
}

/** One decoder per encoding (a decode without `stream` keeps no state between calls). */
const decoders = new Map<string, TextDecoder>();

function decodeWith(buf: Buffer, encoding: string): string | undefined {
  try {
    let d = decoders.get(encoding);
    if (!d) decoders.set(encoding, (d = new TextDecoder(encoding, { fatal: false })));
    return d.decode(buf);
  } catch {
    if (iconv.encodingExists(encoding)) return iconv.decode(buf, encoding);
    return undefined;
  }
}

function replacementRatio(s: string): number {
  if (s.length === 0) return 0;
  let n = 0;
  for (let i = s.indexOf('\uFFFD'); i !== -1; i = s.indexOf('\uFFFD', i + 1)) n++;
  return n / s.length;
}

const CLEAN = 0.0005;

/**
 * Decodes an HTML body the way a browser would (BOM, then the header charset, then <meta charset>/http-equiv,
 * per the WHATWG sniffing algorithm), and then verifies the result: when the declared encoding garbles the page
 * (many U+FFFD) but another candidate (the other declaration, UTF-8, GB18030) decodes it cleanly, the clean one
 * is used and the mismatch is reported. Chinese government sites often declare GBK wrongly, or only in <meta>.
 */
export function decodeHtml(buf: Buffer, headerCharset?: string): Decoded {
  const header = canonicalEncoding(headerCharset);
  const hasBom = buf.length >= 2 && ((buf[0] === 0xef && buf[1] === 0xbb) || (buf[0] === 0xfe && buf[1] === 0xff) || (buf[0] === 0xff && buf[1] === 0xfe));
  // What the document itself says (BOM / meta), ignoring the transport layer: sniffed only when needed (a page
  // whose header charset decodes it cleanly, the common case, never asks).
  let sniffed: { docEnc: string | undefined; metaDeclared: string | undefined } | undefined;
  const sniff = () => {
    if (!sniffed) {
      const docEnc = canonicalEncoding(getEncoding(buf, { maxBytes: 4096, defaultEncoding: 'utf-8' }));
      sniffed = { docEnc, metaDeclared: !hasBom && docEnc && docEnc !== 'utf-8' ? docEnc : declaredUtf8InMeta(buf) ? 'utf-8' : undefined };
    }
    return sniffed;
  };

  let first: string;
  let source: Decoded['source'];
  if (hasBom) {
    first = sniff().docEnc ?? 'utf-8';
    source = 'bom';
  } else if (header) {
    first = header;
    source = 'header';
  } else if (sniff().metaDeclared) {
    first = sniff().metaDeclared!;
    source = 'meta';
  } else {
    first = 'utf-8';
    source = 'default';
  }

  // The other candidates, in order, only when the first one does not decode the page cleanly.
  const others = (): Array<[string, Decoded['source']]> => {
    const { metaDeclared } = sniff();
    const candidates: Array<[string, Decoded['source']]> = [[first, source]];
    if (metaDeclared && metaDeclared !== first) candidates.push([metaDeclared, 'meta']);
    if (header && header !== first) candidates.push([header, 'header']);
    for (const e of ['utf-8', 'gb18030']) if (!candidates.some(([c]) => c === e)) candidates.push([e, 'sniff']);
    return candidates.slice(1);
  };

  let best: Decoded | undefined;
  const tryDecode = (enc: string, src: Decoded['source']): boolean => {
    const text = decodeWith(buf, enc);
    if (text === undefined) return false;
    const ratio = replacementRatio(text);
    const d: Decoded = { text, encoding: enc, source: src, replacementRatio: ratio };
    if (!best || ratio < best.replacementRatio) best = d;
    return ratio <= CLEAN;
  };
  if (!tryDecode(first, source)) for (const [enc, src] of others()) if (tryDecode(enc, src)) break;
  if (!best) {
    const text = buf.toString('utf8');
    best = { text, encoding: 'utf-8', source: 'default', replacementRatio: replacementRatio(text) };
  }
  const declared = source === 'header' || source === 'meta' ? first : undefined;
  if (declared && best.encoding !== declared) {
    best.mismatch = { declared, declaredBy: source as 'header' | 'meta', used: best.encoding };
  }
  return best;
}

/** Share of control bytes (not tab, newline, carriage return, form feed, escape) in the first 8 KB. */
function controlRatio(buf: Buffer): number {
  const n = Math.min(buf.length, 8192);
  if (n === 0) return 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const b = buf[i];
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x1b) c++;
  }
  return c / n;
}

/** Why a decoded page would not display properly, if it would not (内容无法正常显示). */
export function contentIssueOf(buf: Buffer, d: Decoded): ContentIssue | undefined {
  const ctrl = controlRatio(buf);
  if (ctrl > 0.05) return { kind: 'binary', ratio: Math.round(ctrl * 1000) / 1000 };
  if (d.replacementRatio > 0.01) return { kind: 'garbled', used: d.encoding, ratio: Math.round(d.replacementRatio * 1000) / 1000, declared: d.mismatch?.declared, declaredBy: d.mismatch?.declaredBy };
  if (d.mismatch) {
    const kind = knownEncoding(d.mismatch.declared) ? 'encoding_mismatch' : 'unknown_charset';
    return { kind, declared: d.mismatch.declared, declaredBy: d.mismatch.declaredBy, used: d.mismatch.used };
  }
  return undefined;
}

function declaredUtf8InMeta(buf: Buffer): boolean {
  const head = buf.subarray(0, 4096).toString('latin1');
  return /<meta[^>]+charset\s*=\s*["']?\s*utf-?8/i.test(head);
}
