/**
 * Renderers of the notice's attachment tables: aligned text for the terminal (CJK characters count as
 * two columns), Markdown, CSV (UTF-8 with BOM and CRLF, so Excel and WPS open it in Chinese), XLSX (the
 * attachment label, the title row merged over the table, borders, column widths) and JSON.
 */
import { stringify as stringifyCsv } from 'csv-stringify/sync';
import ExcelJS from 'exceljs';
import stringWidth from 'string-width';
import type { Quarter } from '../run/quarter.js';
import { CN_ATTACHMENT, tableCells, tableHeaders, tableTitle, type QuarterTable } from '../rollup/tables.js';

export type Lang = 'zh' | 'en';

function pad(s: string, width: number, right: boolean): string {
  const w = stringWidth(s);
  const fill = ' '.repeat(Math.max(0, width - w));
  return right ? fill + s : s + fill;
}

/** Aligned plain-text grid (first two columns left-aligned unless `rightFrom` says otherwise). */
export function textGrid(headers: string[], rows: Array<Array<string | number>>, rightFrom = 2): string {
  const all = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, j) => Math.max(...all.map((r) => stringWidth(String(r[j] ?? '')))));
  const fmt = (r: Array<string | number>) => r.map((c, j) => pad(String(c ?? ''), widths[j], j >= rightFrom)).join('  ').trimEnd();
  const rule = '-'.repeat(widths.reduce((s, w) => s + w, 0) + 2 * (widths.length - 1));
  return [fmt(headers), rule, ...rows.map(fmt)].join('\n');
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
  return [title, '', textGrid(tableHeaders(t.kind, lang), tableCells(t, lang)), ...notes(t, lang)].join('\n');
}

function mdCell(v: string | number): string {
  return String(v).replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function markdownTable(headers: string[], rows: Array<Array<string | number>>, rightFrom = 2): string {
  return [
    `| ${headers.map(mdCell).join(' | ')} |`,
    `| ${headers.map((_, j) => (j >= rightFrom ? '---:' : '---')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(mdCell).join(' | ')} |`),
  ].join('\n');
}

export function tableMarkdown(t: QuarterTable, q: Quarter, lang: Lang): string {
  const rows = tableCells(t, lang).map((r, i, all) => (i === all.length - 1 ? r.map((c) => (c === '' ? '' : `**${c}**`)) : r));
  return [`**${attachmentLabel(t, lang)}**`, '', `### ${tableTitle(t.kind, q, lang)}`, '', markdownTable(tableHeaders(t.kind, lang), rows), ...notes(t, lang).map((n) => `\n${n}`)].join('\n') + '\n';
}

/** CSV with a UTF-8 BOM and CRLF line ends (what Excel and WPS expect). */
export function csvWithBom(rows: Array<Array<string | number>>): Buffer {
  return Buffer.from(stringifyCsv(rows, { bom: true, record_delimiter: 'windows' }), 'utf8');
}

export function tableCsv(t: QuarterTable, lang: Lang): Buffer {
  return csvWithBom([tableHeaders(t.kind, lang), ...tableCells(t, lang)]);
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
  const label = ws.addRow([attachmentLabel(t, lang)]);
  label.font = { name: '黑体', size: 14 };
  const title = ws.addRow([tableTitle(t.kind, q, lang)]);
  ws.mergeCells(title.number, 1, title.number, headers.length);
  title.height = 30;
  title.font = { name: '宋体', size: 16, bold: true };
  title.alignment = { horizontal: 'center', vertical: 'middle' };
  const head = ws.addRow(headers);
  head.height = 32;
  head.font = { name: '黑体', size: 11 };
  head.eachCell((c) => {
    c.border = THIN;
    c.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
  });
  const cells = tableCells(t, lang);
  cells.forEach((r, i) => {
    const isTotal = i === cells.length - 1;
    const row = ws.addRow(r.map((c, j) => (j === 5 ? Number(c) : c === '' ? null : c)));
    row.font = { name: '宋体', size: 11, bold: isTotal };
    for (let j = 1; j <= headers.length; j++) {
      const c = row.getCell(j);
      c.border = THIN;
      c.alignment = { horizontal: 'center', vertical: 'middle' };
    }
  });
  for (const n of notes(t, lang)) ws.addRow([n]).font = { size: 10, italic: true };
  ws.views = [{ state: 'frozen', ySplit: head.number }];
  return ws;
}

export async function tableXlsx(tables: QuarterTable[], q: Quarter, lang: Lang): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'govcheck';
  for (const t of tables) addTableSheet(wb, t, q, lang);
  return Buffer.from(await wb.xlsx.writeBuffer());
}
