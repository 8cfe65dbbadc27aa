/**
 * Renderers of the notice's attachment tables: aligned text for the terminal (CJK characters count as
 * two columns), Markdown, CSV (UTF-8 with BOM and CRLF, so Excel and WPS open it in Chinese), XLSX (the
 * attachment label, the title row merged over the table, borders, column widths) and JSON.
 */
import ExcelJS from 'exceljs';
import stringWidth from 'string-width';
import type { Quarter } from '../run/quarter.js';
import { CN_ATTACHMENT, tableCells, tableHeaders, tableTitle, type QuarterTable } from '../rollup/tables.js';
import { toCsv, toCsvSections, type CsvCell } from './csv.js';
import { mdText } from './markdown.js';
import { terminalCell, terminalText } from './terminal.js';

export type Lang = 'zh' | 'en';

function pad(s: string, width: number, right: boolean): string {
  const w = stringWidth(s);
  const fill = ' '.repeat(Math.max(0, width - w));
  return right ? fill + s : s + fill;
}

/** Aligned plain-text grid (first two columns left-aligned unless `rightFrom` says otherwise). */
export function textGrid(headers: string[], rows: Array<Array<string | number>>, rightFrom = 2): string {
  // Registry names and crawled text reach the terminal here: no escape sequences, one line per cell.
  const all = [headers.map(terminalCell), ...rows.map((r) => r.map(terminalCell))];
  const widths = headers.map((_, j) => Math.max(...all.map((r) => stringWidth(String(r[j] ?? '')))));
  const fmt = (r: string[]) =>
    r
      .map((c, j) => pad(c ?? '', widths[j], j >= rightFrom))
      .join('  ')
      .trimEnd();
  const rule = '-'.repeat(widths.reduce((s, w) => s + w, 0) + 2 * (widths.length - 1));
  return [fmt(all[0]), rule, ...all.slice(1).map(fmt)].join('\n');
}

function notes(t: QuarterTable, lang: Lang): string[] {
  const out: string[] = [];
  const what = t.kind === 'website' ? (lang === 'zh' ? '个网站' : ' website(s)') : lang === 'zh' ? '个账号' : ' account(s)';
  if (t.errors) out.push(lang === 'zh' ? `注：另有 ${t.errors}${what}未能完成检查，未计入检查总数，需人工复核。` : `Note: ${t.errors}${what} could not be checked; not counted, to be reviewed by hand.`);
  if (t.unfinished) out.push(lang === 'zh' ? `注：检查尚未完成，还有 ${t.unfinished}${what}待检查。` : `Note: the run is unfinished; ${t.unfinished}${what} still to check.`);
  return out;
}

export function attachmentLabel(t: QuarterTable, lang: Lang): string {
  return lang === 'zh' ? `附件${CN_ATTACHMENT[t.kind]}` : `Attachment ${CN_ATTACHMENT[t.kind]}`;
}

export function tableText(t: QuarterTable, q: Quarter, lang: Lang): string {
  const title = `${attachmentLabel(t, lang)}  ${tableTitle(t.kind, q, lang)}`;
  return terminalText([title, '', textGrid(tableHeaders(t.kind, lang), tableCells(t, lang)), ...notes(t, lang)].join('\n'));
}

/** A Markdown table; every cell escaped (`mdText`); `boldLast`: the last row (合计) in bold. */
export function markdownTable(headers: string[], rows: Array<Array<string | number>>, rightFrom = 2, boldLast = false): string {
  const cell = (c: string | number, bold: boolean) => (bold && c !== '' ? `**${mdText(c, false)}**` : mdText(c, false));
  return [
    `| ${headers.map((h) => mdText(h, false)).join(' | ')} |`,
    `| ${headers.map((_, j) => (j >= rightFrom ? '---:' : '---')).join(' | ')} |`,
    ...rows.map((r, i) => `| ${r.map((c) => cell(c, boldLast && i === rows.length - 1)).join(' | ')} |`),
  ].join('\n');
}

export function tableMarkdown(t: QuarterTable, q: Quarter, lang: Lang): string {
  return (
    [
      `**${mdText(attachmentLabel(t, lang), false)}**`,
      '',
      `### ${mdText(tableTitle(t.kind, q, lang), false)}`,
      '',
      markdownTable(tableHeaders(t.kind, lang), tableCells(t, lang), 2, true),
      ...notes(t, lang).map((n) => `\n${mdText(n)}`),
    ].join('\n') + '\n'
  );
}

/** CSV through the one output layer (src/report/csv.ts): BOM, CRLF, quoting, formulas neutralised. */
export function csvWithBom(rows: ReadonlyArray<ReadonlyArray<CsvCell>>): Buffer {
  return toCsv(rows);
}

/** Header and rows of an attachment table as CSV records. */
export function tableCsvRows(t: QuarterTable, lang: Lang): Array<Array<string | number>> {
  return [tableHeaders(t.kind, lang), ...tableCells(t, lang)];
}

/** Several attachment tables in one CSV: one BOM, an empty record between them. */
export function tablesCsv(ts: QuarterTable[], lang: Lang): Buffer {
  return toCsvSections(ts.map((t) => tableCsvRows(t, lang)));
}

export function tableCsv(t: QuarterTable, lang: Lang): Buffer {
  return toCsv(tableCsvRows(t, lang));
}

/**
 * Values of one spreadsheet row: numbers and text only, so no value can become a formula, a hyperlink
 * or rich text (exceljs writes a string as a string cell, however it begins; an object could be a formula).
 */
export function xlsxValues(r: ReadonlyArray<unknown>): Array<string | number | null> {
  return r.map((v) => (v === null || v === undefined || v === '' ? null : typeof v === 'number' && Number.isFinite(v) ? v : String(v)));
}

export function tableJson(t: QuarterTable, q: Quarter, lang: Lang) {
  return {
    attachment: attachmentLabel(t, lang),
    title: tableTitle(t.kind, q, lang),
    kind: t.kind,
    quarter: t.quarter,
    runId: t.runId,
    asOf: t.asOf,
    headers: tableHeaders(t.kind, lang),
    rows: t.rows,
    total: t.total,
    errors: t.errors,
    unfinished: t.unfinished,
  };
}

const THIN: Partial<ExcelJS.Borders> = {
  top: { style: 'thin' },
  left: { style: 'thin' },
  bottom: { style: 'thin' },
  right: { style: 'thin' },
};

/** Column widths (characters) of the attachment tables, as the notices lay them out. */
export const TABLE_COLUMN_WIDTHS = [8, 22, 24, 16, 16, 16];

/** Adds one attachment table as a worksheet: label row, merged title row, header, rows, 合计. */
export function addTableSheet(wb: ExcelJS.Workbook, t: QuarterTable, q: Quarter, lang: Lang): ExcelJS.Worksheet {
  const ws = wb.addWorksheet(attachmentLabel(t, lang), { pageSetup: { paperSize: 9, orientation: 'portrait', fitToPage: true, fitToWidth: 1, fitToHeight: 0 } });
  const headers = tableHeaders(t.kind, lang);
  ws.columns = TABLE_COLUMN_WIDTHS.map((width) => ({ width }));
  const label = ws.addRow(xlsxValues([attachmentLabel(t, lang)]));
  label.font = { name: '黑体', size: 14 };
  const title = ws.addRow(xlsxValues([tableTitle(t.kind, q, lang)]));
  ws.mergeCells(title.number, 1, title.number, headers.length);
  title.height = 30;
  title.font = { name: '宋体', size: 16, bold: true };
  title.alignment = { horizontal: 'center', vertical: 'middle' };
  const head = ws.addRow(xlsxValues(headers));
  head.height = 32;
  head.font = { name: '黑体', size: 11 };
  head.eachCell((c) => {
    c.border = THIN;
    c.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
  });
  const cells = tableCells(t, lang);
  cells.forEach((r, i) => {
    const isTotal = i === cells.length - 1;
    const row = ws.addRow(xlsxValues(r.map((c, j) => (j === 5 ? Number(c) : c))));
    row.font = { name: '宋体', size: 11, bold: isTotal };
    for (let j = 1; j <= headers.length; j++) {
      const c = row.getCell(j);
      c.border = THIN;
      c.alignment = { horizontal: 'center', vertical: 'middle' };
    }
  });
  for (const n of notes(t, lang)) ws.addRow(xlsxValues([n])).font = { size: 10, italic: true };
  ws.views = [{ state: 'frozen', ySplit: head.number }];
  return ws;
}

export async function tableXlsx(tables: QuarterTable[], q: Quarter, lang: Lang): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'govcheck';
  for (const t of tables) addTableSheet(wb, t, q, lang);
  return Buffer.from(await wb.xlsx.writeBuffer());
}
