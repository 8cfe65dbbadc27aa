/**
 * The one CSV output layer: every CSV govcheck writes (`govcheck table --format csv` in every view, the report
 * bundle of the demo, `govcheck registry export|list --format csv`, the review server's downloads) goes through
 * `toCsv`. Notes: docs/modules.md.
 */
import { stringify } from 'csv-stringify/sync';

export type CsvCell = string | number | null | undefined;

const FORMULA_START = /^[ \u3000]*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20]|^[\t\r]/;

/** True when a spreadsheet could read this text cell as a formula. */
export function isFormulaLike(s: string): boolean {
  return FORMULA_START.test(s);
}

/** A cell as written: numbers as they are, text with a leading `'` when it could start a formula. */
export function neutraliseCell(v: CsvCell): string | number {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  const s = String(v);
  return isFormulaLike(s) ? `'${s}` : s;
}

/** Reverse of `neutraliseCell` for a cell read from a CSV we wrote (registry import of an export). */
export function unneutraliseCell(s: string): string {
  return s.startsWith("'") && isFormulaLike(s.slice(1)) ? s.slice(1) : s;
}

/** Rows to CSV bytes: neutralised cells, RFC 4180 quoting, CRLF records, UTF-8 BOM (unless `bom: false`). */
export function toCsv(rows: ReadonlyArray<ReadonlyArray<CsvCell>>, o: { bom?: boolean } = {}): Buffer {
  const body = stringify(
    rows.map((r) => r.map(neutraliseCell)),
    // quote_record_delimiter: with a CRLF record delimiter csv-stringify would otherwise leave a field
    // holding a bare LF (or CR) unquoted, and the row would split in every reader.
    { bom: o.bom ?? true, record_delimiter: 'windows', quote_record_delimiter: true },
  );
  return Buffer.from(body, 'utf8');
}

/** Several tables in one CSV file: one BOM, an empty record between them. */
export function toCsvSections(sections: ReadonlyArray<ReadonlyArray<ReadonlyArray<CsvCell>>>): Buffer {
  return Buffer.concat(sections.flatMap((rows, i) => (i === 0 ? [toCsv(rows)] : [Buffer.from('\r\n'), toCsv(rows, { bom: false })])));
}
