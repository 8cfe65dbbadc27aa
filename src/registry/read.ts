/**
 * Reading a registry file into rows of named cells, each with the line (CSV, YAML) or row number (XLSX) it came
 * from, so validation can point at it. CSV: UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030/GBK as Excel
 * and WPS save it on Chinese Windows; comma, tab or semicolon separated. Notes: docs/modules.md.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { unneutraliseCell } from '../report/csv.js';
import iconv from 'iconv-lite';
import { isMap, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { EXPORT_HEADERS, fieldOfHeader, type RegistryField } from './fields.js';

export type RegistryFormat = 'csv' | 'xlsx' | 'yaml';

export interface RawRow {
  /** Line (CSV, YAML) or row number (XLSX) where the row starts, 1-based. */
  line: number;
  cells: Partial<Record<RegistryField, string>>;
  /** Set when the row is not a row at all (a YAML list item that is not a mapping). */
  problem?: string;
}

export interface RawTable {
  format: RegistryFormat;
  /** Encoding a CSV file was read with. */
  encoding?: string;
  /** Sheet an XLSX file was read from. */
  sheet?: string;
  /** Line of the header row (CSV, XLSX). */
  headerLine?: number;
  /** Fields found in the header. */
  fields: RegistryField[];
  /** Columns or keys that are not registry fields (ignored, reported). */
  ignored: string[];
  rows: RawRow[];
}

export class RegistryFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistryFileError';
  }
}

export function formatOf(file: string): RegistryFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv' || ext === '.tsv' || ext === '.txt') return 'csv';
  if (ext === '.xlsx') return 'xlsx';
  if (ext === '.yaml' || ext === '.yml' || ext === '.json') return 'yaml';
  if (ext === '.xls' || ext === '.et' || ext === '.wps') throw new RegistryFileError(`${file}: old binary spreadsheet formats cannot be read; save it as .xlsx or .csv (另存为 .xlsx 或 .csv)`);
  throw new RegistryFileError(`${file}: unknown registry format ${ext || '(no extension)'}; expected .csv, .xlsx or .yaml`);
}

export async function readRegistryFile(file: string, format: RegistryFormat = formatOf(file)): Promise<RawTable> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new RegistryFileError(`cannot read ${file}: ${(e as Error).message}`);
  }
  if (format === 'csv') return readCsv(bytes, file);
  if (format === 'xlsx') return readXlsx(bytes, file);
  return readYaml(bytes, file);
}

/** Decodes CSV bytes: BOM, then strict UTF-8, then GB18030 (a superset of GBK and GB2312). */
export function decodeCsv(bytes: Buffer): { text: string; encoding: string } {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { text: bytes.subarray(3).toString('utf8'), encoding: 'utf-8' };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: iconv.decode(bytes.subarray(2), 'utf-16le'), encoding: 'utf-16le' };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { text: iconv.decode(bytes.subarray(2), 'utf-16be'), encoding: 'utf-16be' };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8' };
  } catch {
    return { text: iconv.decode(bytes, 'gb18030'), encoding: 'gb18030' };
  }
}

function sniffDelimiter(text: string): string {
  const first = text.split(/\r?\n/).find((l) => l.trim()) ?? '';
  const counts = [',', '\t', ';'].map((d) => [d, first.split(d).length - 1] as const);
  counts.sort((a, b) => b[1] - a[1]);
  return counts[0][1] > 0 ? counts[0][0] : ',';
}

/** Finds the header row among the first rows: the first with at least two registry fields. */
function headerOf(rows: string[][], limit = 20): { index: number; map: Array<RegistryField | undefined>; ignored: string[] } | undefined {
  for (let i = 0; i < Math.min(rows.length, limit); i++) {
    const map = rows[i].map((h) => (h.trim() ? fieldOfHeader(h) : undefined));
    const known = map.filter(Boolean);
    if (known.length >= 2) {
      return { index: i, map, ignored: rows[i].filter((h, j) => h.trim() && !map[j]).map((h) => h.trim()) };
    }
  }
  return undefined;
}

function checkDuplicateColumns(map: Array<RegistryField | undefined>, headers: string[], file: string, line: number): void {
  const seen = new Map<RegistryField, string>();
  map.forEach((f, j) => {
    if (!f) return;
    if (seen.has(f)) throw new RegistryFileError(`${file}:${line}: columns "${seen.get(f)}" and "${headers[j].trim()}" both mean ${f}`);
    seen.set(f, headers[j].trim());
  });
}

function toRows(grid: Array<{ line: number; cells: string[] }>, file: string, base: Omit<RawTable, 'fields' | 'ignored' | 'rows'>): RawTable {
  const header = headerOf(grid.map((g) => g.cells));
  if (!header) {
    throw new RegistryFileError(`${file}: no header row found; the first row needs column names such as 名称/name, 网址/url, 部门/地区/group`);
  }
  const headerLine = grid[header.index].line;
  checkDuplicateColumns(header.map, grid[header.index].cells, file, headerLine);
  const rows: RawRow[] = [];
  for (const g of grid.slice(header.index + 1)) {
    if (g.cells.every((c) => !c.trim())) continue;
    const cells: RawRow['cells'] = {};
    header.map.forEach((f, j) => {
      if (f && g.cells[j] !== undefined && g.cells[j].trim()) cells[f] = g.cells[j].trim();
    });
    rows.push({ line: g.line, cells });
  }
  return { ...base, headerLine, fields: header.map.filter((f): f is RegistryField => !!f), ignored: header.ignored, rows };
}

function readCsv(bytes: Buffer, file: string): RawTable {
  const { text, encoding } = decodeCsv(bytes);
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parseCsv(text, { delimiter: sniffDelimiter(text), relax_column_count: true, info: true, skip_empty_lines: false, trim: false }) as unknown as typeof records;
  } catch (e) {
    throw new RegistryFileError(`${file}: not valid CSV: ${(e as Error).message}`);
  }
  let prevEnd = 0;
  const grid = records.map((r) => {
    const line = prevEnd + 1;
    prevEnd = r.info.lines;
    // Our own CSV exports guard cells that would start a formula with a leading ' (src/report/csv.ts).
    return { line, cells: r.record.map(unneutraliseCell) };
  });
  return toRows(grid, file, { format: 'csv', encoding });
}

/** A cell's value as a plain value: a formula gives its cached result; an error value is returned as such. */
function plainValue(v: unknown): unknown {
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    const o = v as { error?: unknown; formula?: unknown; sharedFormula?: unknown; result?: unknown; richText?: Array<{ text?: string }>; text?: unknown; hyperlink?: unknown };
    if (o.error !== undefined) return { error: String(o.error) };
    if (o.formula !== undefined || o.sharedFormula !== undefined) return plainValue(o.result ?? null);
    if (Array.isArray(o.richText)) return o.richText.map((r) => r.text ?? '').join('');
    if (o.hyperlink !== undefined) return plainValue(o.text ?? o.hyperlink);
  }
  return v;
}

/** A cell's text, or the spreadsheet error it holds (#REF!, #N/A…, directly or as a formula's cached result). */
function cellText(cell: ExcelJS.Cell, wantLink: boolean): string | { error: string } {
  const raw = cell.value as unknown;
  if (wantLink && raw && typeof raw === 'object' && 'hyperlink' in (raw as object)) {
    const link = String((raw as { hyperlink: string }).hyperlink ?? '');
    if (/^https?:\/\//i.test(link)) return link;
  }
  const v = plainValue(raw);
  if (v && typeof v === 'object' && 'error' in (v as object)) return v as { error: string };
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Column letters of a 1-based column number (1 → A, 27 → AA). */
function columnName(n: number): string {
  let out = '';
  for (let c = n; c > 0; c = Math.floor((c - 1) / 26)) out = String.fromCharCode(65 + ((c - 1) % 26)) + out;
  return out;
}

const FIELD_ZH = EXPORT_HEADERS.zh;

async function readXlsx(bytes: Buffer, file: string): Promise<RawTable> {
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch (e) {
    throw new RegistryFileError(`${file}: not a readable .xlsx workbook: ${(e as Error).message}`);
  }
  let firstError: Error | undefined;
  for (const ws of wb.worksheets) {
    const grid: Array<{ line: number; cells: string[] }> = [];
    const errorCells = new Map<string, string>(); // "row:col" → error value
    const text = (row: ExcelJS.Row, c: number, wantLink: boolean): string => {
      const t = cellText(row.getCell(c), wantLink);
      if (typeof t === 'string') return t;
      errorCells.set(`${row.number}:${c}`, t.error);
      return '';
    };
    // First pass: plain text, to find the header and which columns hold links.
    ws.eachRow({ includeEmpty: false }, (row) => {
      const cells: string[] = [];
      for (let c = 1; c <= ws.columnCount; c++) cells.push(text(row, c, false));
      grid.push({ line: row.number, cells });
    });
    let table: RawTable;
    let header: NonNullable<ReturnType<typeof headerOf>>;
    try {
      const h = headerOf(grid.map((g) => g.cells));
      if (!h) throw new RegistryFileError(`${file}: no header row found in sheet ${ws.name}`);
      header = h;
      const linkCols = new Set(header.map.flatMap((f, j) => (f === 'url' || f === 'source' ? [j + 1] : [])));
      for (const g of grid) {
        const row = ws.getRow(g.line);
        for (const c of linkCols) g.cells[c - 1] = text(row, c, true);
      }
      table = toRows(grid, file, { format: 'xlsx', sheet: ws.name });
    } catch (e) {
      firstError ??= e as Error;
      continue;
    }
    // A registry cell holding a spreadsheet error (#REF!, #N/A…) is a problem of its row, named by sheet, row and column.
    for (const r of table.rows) {
      const en: string[] = [];
      const zh: string[] = [];
      header.map.forEach((f, j) => {
        const err = f ? errorCells.get(`${r.line}:${j + 1}`) : undefined;
        if (!f || err === undefined) return;
        en.push(`sheet ${ws.name}, row ${r.line}, column ${columnName(j + 1)} (${f}): the cell holds the spreadsheet error ${err}; fix it in the workbook`);
        zh.push(`工作表“${ws.name}”第${r.line}行${columnName(j + 1)}列（${FIELD_ZH[f] ?? f}）：单元格为表格错误值 ${err}，请在表格中修正`);
      });
      if (en.length) r.problem = `${en.join('; ')} / ${zh.join('；')}`;
    }
    return table;
  }
  throw firstError ?? new RegistryFileError(`${file}: the workbook has no sheets`);
}

function scalarText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function readYaml(bytes: Buffer, file: string): RawTable {
  const text = decodeCsv(bytes).text;
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0];
    throw new RegistryFileError(`${file}:${e.linePos?.[0]?.line ?? '?'}: not valid YAML: ${e.message.split('\n')[0]}`);
  }
  let list: YamlNode | null | undefined = doc.contents as YamlNode | null;
  if (isMap(list)) list = (list.get('sites', true) ?? list.get('registry', true) ?? list.get('网站', true)) as YamlNode | undefined;
  if (!isSeq(list)) throw new RegistryFileError(`${file}: expected a list of sites (or a mapping with a "sites:" list)`);
  const fields = new Set<RegistryField>();
  const ignored = new Set<string>();
  const rows: RawRow[] = [];
  for (const item of list.items as YamlNode[]) {
    const line = item?.range ? lc.linePos(item.range[0]).line : 0;
    if (!isMap(item)) {
      rows.push({ line, cells: {}, problem: 'not a mapping of column names to values / 不是“列名: 值”形式的条目' });
      continue;
    }
    const cells: RawRow['cells'] = {};
    for (const pair of item.items) {
      const key = scalarText((pair.key as { value?: unknown })?.value ?? pair.key);
      const f = fieldOfHeader(key);
      if (!f) {
        ignored.add(key);
        continue;
      }
      fields.add(f);
      const value = scalarText((pair.value as { toJSON?: () => unknown })?.toJSON ? (pair.value as { toJSON: () => unknown }).toJSON() : pair.value).trim();
      if (value) cells[f] = value;
    }
    rows.push({ line, cells });
  }
  return { format: 'yaml', fields: [...fields], ignored: [...ignored], rows };
}
