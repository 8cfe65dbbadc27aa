/**
 * Traditional Chinese input (繁体). Pages in Traditional script are scanned through a character-for-character
 * Simplified copy (opencc-js, `t` → `cn`), so every offset of the copy is an offset of the original; findings
 * show the original text and a suggestion converted back to Traditional (`cn` → `t`).
 */
import { openccConverter } from './opencc.js';

/** code unit → Simplified code unit, for characters whose Simplified form differs (one-to-one only). */
let table: Uint16Array | undefined;

function init(): void {
  if (table) return;
  const t2s = openccConverter('t', 'cn');
  table = new Uint16Array(65536);
  // convert every CJK character once, in chunks separated by newlines, to learn the one-to-one mapping
  const ranges: Array<[number, number]> = [
    [0x3400, 0x4dbf],
    [0x4e00, 0x9fff],
    [0xf900, 0xfaff],
  ];
  for (const [a, b] of ranges) {
    let src = '';
    for (let c = a; c <= b; c++) src += String.fromCharCode(c) + '\n';
    const dst = t2s(src);
    if (dst.length !== src.length) {
      for (let c = a; c <= b; c++) {
        const s = t2s(String.fromCharCode(c));
        if (s.length === 1 && s.charCodeAt(0) !== c) table[c] = s.charCodeAt(0);
      }
      continue;
    }
    for (let i = 0; i < src.length; i += 2) {
      const x = src.charCodeAt(i);
      const y = dst.charCodeAt(i);
      if (x !== y) table[x] = y;
    }
  }
}

/**
 * Frequent characters that exist only in Traditional script: a quick look for them spares loading the
 * converter (about a second) for the Simplified pages that are the vast majority.
 */
const COMMON_TRADITIONAL = new Uint8Array(65536);
for (const c of '們這個來時會對說為與開關發經處從當還點體學實現電際長問題書國過動種區圖將應機員務產進東間議無樣麼見讓證認識論設計劃報導網頁係統資訊縣鄉鎮辦廳達標準規則條監稅貿營業專華語萬億號') COMMON_TRADITIONAL[c.charCodeAt(0)] = 1;

function quickTraditional(text: string, limit: number): boolean {
  const n = Math.min(text.length, limit);
  for (let i = 0; i < n; i++) if (COMMON_TRADITIONAL[text.charCodeAt(i)]) return true;
  return false;
}

/** Share of Chinese characters that exist only in Traditional script (0 for Simplified text). */
export function traditionalRatio(text: string, limit = 20000): number {
  if (!quickTraditional(text, limit)) return 0;
  init();
  let han = 0;
  let trad = 0;
  const n = Math.min(text.length, limit);
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x3400) continue;
    han++;
    if (table![c]) trad++;
  }
  return han ? trad / han : 0;
}

/** A Simplified copy of the text with the same length (offsets are shared). */
export function simplifiedCopy(text: string): string {
  init();
  const conv = openccConverter('t', 'cn')(text);
  if (conv.length === text.length) return conv;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out += String.fromCharCode(table![c] || c);
  }
  return out;
}

export function toTraditionalText(s: string): string {
  return openccConverter('cn', 't')(s);
}
