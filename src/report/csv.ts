/**
 * The one CSV output layer: every CSV govcheck writes (`govcheck table --format csv` in every view, the
 * report bundle of the demo, `govcheck registry export|list --format csv`, the review server's downloads)
 * goes through `toCsv`. RFC 4180 quoting (a field with a comma, a quote, CR or LF is quoted, so a name
 * with a line break never splits a row), CRLF between records and a UTF-8 BOM, which Excel and WPS need
 * to open Chinese text.
 *
 * Formula injection (OWASP "CSV Injection"): a text cell whose first character (after any spaces) is
 * `=`, `+`, `-`, `@`, TAB or CR — or their full-width forms ＝ ＋ － ＠, which some spreadsheets fold — gets a
 * leading `'`, so spreadsheets show it as text and never evaluate it. Choice: only values govcheck
 * computes as numbers (typeof number: counts, scores) are written bare; every string is judged, even one
 * that reads like a negative number ("-3.2" as text becomes "'-3.2"). Rates are strings without a sign and
 * stay as they are. `unneutraliseCell` undoes the prefix when a registry CSV export is imported back.
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
