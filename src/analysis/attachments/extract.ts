/**
 * Text of published attachments (PDF, XLSX, XLS, DOCX, DOC, CSV, TXT) for checks that read them (privacy-leaks; typo
 * and content checks may reuse it). Maintained extractors do the parsing: unpdf (PDF.js), exceljs (XLSX), SheetJS
 * (@e965/xlsx, legacy XLS), mammoth (DOCX), word-extractor (DOC). Notes: docs/modules.md.
 */
import iconv from 'iconv-lite';

export type AttachmentKind = 'pdf' | 'xlsx' | 'xls' | 'docx' | 'doc' | 'csv' | 'txt' | 'unknown';

export interface TextSegment {
  /** Where the text is in the file: 'page 3', 'sheet 名单', 'body'. */
  label: string;
  text: string;
}

export interface ExtractedText {
  kind: AttachmentKind;
  segments: TextSegment[];
  /** Characters extracted in all (after the cut). */
  chars: number;
  /** True when text was cut at maxChars. */
  truncated: boolean;
  /** Why nothing could be read (unsupported, corrupt, too large when unzipped, timed out). */
  error?: string;
}

export interface ExtractOptions {
  maxChars?: number;
  maxUnzippedBytes?: number;
  timeoutMs?: number;
}

const DEFAULTS = { maxChars: 2_000_000, maxUnzippedBytes: 200 * 1024 * 1024, timeoutMs: 30_000 };

/** Kind of an attachment from its bytes, name and content type. */
export function attachmentKind(buf: Buffer, contentType: string | null | undefined, name: string): AttachmentKind {
  const ext = /\.([a-z0-9]{2,5})(?:$|[?#])/i.exec(name)?.[1]?.toLowerCase() ?? '';
  const ct = (contentType ?? '').toLowerCase();
  if (buf.subarray(0, 1024).includes('%PDF-')) return 'pdf';
  if (buf.length >= 4 && buf.readUInt32BE(0) === 0x504b0304) {
    if (buf.includes('word/document.xml')) return 'docx';
    if (buf.includes('xl/workbook.xml')) return 'xlsx';
    if (ext === 'docx' || ext === 'xlsx') return ext;
    return 'unknown';
  }
  if (buf.length >= 8 && buf.readUInt32BE(0) === 0xd0cf11e0 && buf.readUInt32BE(4) === 0xa1b11ae1) {
    if (ext === 'xls' || ext === 'et' || ct.includes('excel')) return 'xls';
    if (ext === 'doc' || ext === 'wps' || ct.includes('msword')) return 'doc';
    // OLE without a hint: the Workbook stream name is stored in UTF-16 in the directory.
    if (buf.includes(Buffer.from('Workbook', 'utf16le')) || buf.includes(Buffer.from('Book', 'utf16le'))) return 'xls';
    if (buf.includes(Buffer.from('WordDocument', 'utf16le'))) return 'doc';
    return 'unknown';
  }
  if (ext === 'csv' || ct.includes('csv')) return 'csv';
  if (ext === 'txt' || ct.startsWith('text/plain')) return 'txt';
  return 'unknown';
}

/** Sum of the uncompressed sizes declared in a ZIP's central directory (undefined when it cannot be read). */
export function zipDeclaredSize(buf: Buffer): number | undefined {
  // End of central directory: signature 0x06054b50, within the last 64 KiB + 22 bytes.
  const start = Math.max(0, buf.length - 65_557);
  let eocd = -1;
  for (let i = buf.length - 22; i >= start; i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return undefined;
  const entries = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  let total = 0;
  for (let n = 0; n < entries; n++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== 0x02014b50) return undefined;
    total += buf.readUInt32LE(p + 24);
    p += 46 + buf.readUInt16LE(p + 28) + buf.readUInt16LE(p + 30) + buf.readUInt16LE(p + 32);
  }
  return total;
}

/** Decodes a text file: BOM, then strict UTF-8, else GB18030 (Chinese government CSVs are often GBK). */
export function decodeTextFile(buf: Buffer): string {
  if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return buf.subarray(3).toString('utf8');
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return buf.subarray(2).toString('utf16le');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    return iconv.decode(buf, 'gb18030');
  }
}

let pdfjsReady: Promise<void> | undefined;

/**
 * Loads PDF.js once with its console quiet: the bundled build prints a notice on load (to stdout), which
 * would corrupt the CLI's JSON output.
 */
function preparePdfjs(): Promise<void> {
  pdfjsReady ??= (async () => {
    const { getResolvedPDFJS } = await import('unpdf');
    const log = console.log;
    const warn = console.warn;
    console.log = () => undefined;
    console.warn = () => undefined;
    try {
      const pdfjs = await getResolvedPDFJS();
      (pdfjs as unknown as { setVerbosityLevel?: (n: number) => void }).setVerbosityLevel?.(0);
    } finally {
      console.log = log;
      console.warn = warn;
    }
  })();
  return pdfjsReady;
}

async function extractPdf(buf: Buffer): Promise<TextSegment[]> {
  await preparePdfjs();
  const { getDocumentProxy, extractText } = await import('unpdf');
  const doc = await getDocumentProxy(new Uint8Array(buf), { verbosity: 0, isEvalSupported: false, stopAtErrors: false } as never);
  try {
    const { text } = await extractText(doc, { mergePages: false });
    return text.map((t, i) => ({ label: `page ${i + 1}`, text: t }));
  } finally {
    await doc.destroy().catch(() => undefined);
  }
}

async function extractXlsx(buf: Buffer): Promise<TextSegment[]> {
  const { default: ExcelJS } = await import('exceljs');
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf as never);
  const out: TextSegment[] = [];
  wb.eachSheet((ws) => {
    const lines: string[] = [];
    ws.eachRow({ includeEmpty: false }, (row) => {
      const cells: string[] = [];
      row.eachCell({ includeEmpty: false }, (cell) => {
        const v = cell.value;
        cells.push(typeof v === 'number' ? numberText(v) : cell.text);
      });
      lines.push(cells.join('\t'));
    });
    out.push({ label: `sheet ${ws.name}`, text: lines.join('\n') });
  });
  return out;
}

/** Whole numbers as all their digits (a phone stored as a number must not turn into 1.38e10). */
function numberText(v: number): string {
  return Number.isInteger(v) && Math.abs(v) < Number.MAX_SAFE_INTEGER ? v.toFixed(0) : String(v);
}

async function extractXls(buf: Buffer): Promise<TextSegment[]> {
  const XLSX = await import('@e965/xlsx');
  const wb = XLSX.read(buf, { type: 'buffer', dense: true, cellFormula: false, cellHTML: false, cellStyles: false });
  return wb.SheetNames.map((n) => ({ label: `sheet ${n}`, text: XLSX.utils.sheet_to_csv(wb.Sheets[n], { FS: '\t', rawNumbers: true }) }));
}

async function extractDocx(buf: Buffer): Promise<TextSegment[]> {
  const mammoth = (await import('mammoth')).default;
  const r = await mammoth.extractRawText({ buffer: buf });
  return [{ label: 'body', text: r.value }];
}

async function extractDoc(buf: Buffer): Promise<TextSegment[]> {
  const { default: WordExtractor } = await import('word-extractor');
  const doc = await new WordExtractor().extract(buf);
  const parts: TextSegment[] = [{ label: 'body', text: doc.getBody() }];
  const extra = [doc.getHeaders({ includeFooters: true }), doc.getFootnotes(), doc.getEndnotes(), doc.getTextboxes?.() ?? ''].filter((t) => t && t.trim());
  if (extra.length) parts.push({ label: 'headers, notes', text: extra.join('\n') });
  return parts;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`extraction did not finish within ${Math.round(ms / 1000)} s`)), ms)))]).finally(() => clearTimeout(timer));
}

/**
 * Text of an attachment. Never throws: an unreadable file comes back with `error` set and no segments.
 * Error messages are short and generic (they never quote the file's content).
 */
export async function extractAttachmentText(buffer: Buffer, contentType: string | null | undefined, name: string, opts: ExtractOptions = {}): Promise<ExtractedText> {
  const o = { ...DEFAULTS, ...opts };
  const kind = attachmentKind(buffer, contentType, name);
  const fail = (error: string): ExtractedText => ({ kind, segments: [], chars: 0, truncated: false, error });
  if (kind === 'unknown') return fail('unsupported or unrecognised file type');
  if (kind === 'xlsx' || kind === 'docx') {
    const size = zipDeclaredSize(buffer);
    if (size === undefined) return fail('corrupt ZIP container');
    if (size > o.maxUnzippedBytes) return fail(`declared uncompressed size ${size} bytes is over the limit of ${o.maxUnzippedBytes}`);
  }
  let segments: TextSegment[];
  try {
    const work =
      kind === 'pdf'
        ? extractPdf(buffer)
        : kind === 'xlsx'
          ? extractXlsx(buffer)
          : kind === 'xls'
            ? extractXls(buffer)
            : kind === 'docx'
              ? extractDocx(buffer)
              : kind === 'doc'
                ? extractDoc(buffer)
                : Promise.resolve([{ label: 'body', text: decodeTextFile(buffer) }]);
    segments = await withTimeout(work, o.timeoutMs);
  } catch (e) {
    const name = (e as Error)?.name && (e as Error).name !== 'Error' ? `${(e as Error).name}: ` : '';
    const msg = String((e as Error)?.message ?? e)
      .slice(0, 160)
      .replace(/\d{6,}/g, '…');
    return fail(`cannot read ${kind}: ${name}${msg}`);
  }
  let left = o.maxChars;
  let truncated = false;
  const out: TextSegment[] = [];
  for (const s of segments) {
    if (left <= 0) {
      truncated = true;
      break;
    }
    const text = s.text.length > left ? s.text.slice(0, left) : s.text;
    if (text.length < s.text.length) truncated = true;
    left -= text.length;
    out.push({ label: s.label, text });
  }
  return { kind, segments: out, chars: o.maxChars - left, truncated };
}
