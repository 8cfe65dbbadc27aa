/**
 * Readers of the source formats of the language-model build (scripts/build-lm.ts): a column of a CSV file, a column
 * of the rows of a SQL dump's insert statements, and HTML fragments reduced to text lines.
 */

/** Rows of a CSV text with a header (RFC 4180: quoted fields may hold commas, doubled quotes and line ends). */
export function csvColumn(text: string, field: string): string[] | undefined {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const t = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    if (quoted) {
      if (c === '"') {
        if (t[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && t[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell || row.length) {
    row.push(cell);
    rows.push(row);
  }
  const col = rows[0]?.map((h) => h.trim()).indexOf(field) ?? -1;
  if (col < 0) return undefined;
  return rows.slice(1).map((r) => r[col] ?? '');
}

/** One column of every row of the `insert into T (cols…) values (…), (…);` statements of a SQL dump. */
export function sqlColumn(text: string, column: string): string[] {
  const out: string[] = [];
  const head = /insert\s+into\s+[`"\w.]+\s*\(([^)]*)\)\s*values\s*/gi;
  for (let m = head.exec(text); m; m = head.exec(text)) {
    const cols = m[1].split(',').map((c) => c.trim().replace(/^[`"]|[`"]$/g, ''));
    const want = cols.indexOf(column);
    let j = head.lastIndex;
    const ws = () => {
      while (j < text.length && /\s/.test(text[j])) j++;
    };
    // one or more tuples
    for (;;) {
      ws();
      if (text[j] !== '(') break;
      j++;
      const vals: string[] = [];
      for (;;) {
        ws();
        if (text[j] === "'") {
          j++;
          let v = '';
          while (j < text.length) {
            const c = text[j];
            if (c === '\\') {
              const n = text[j + 1];
              v += n === 'n' ? '\n' : n === 'r' ? '' : n === 't' ? '\t' : n;
              j += 2;
            } else if (c === "'") {
              if (text[j + 1] === "'") {
                v += "'";
                j += 2;
              } else {
                j++;
                break;
              }
            } else {
              v += c;
              j++;
            }
          }
          vals.push(v);
        } else {
          const k = j;
          while (j < text.length && text[j] !== ',' && text[j] !== ')') j++;
          vals.push(text.slice(k, j).trim());
        }
        ws();
        if (text[j] === ',') j++;
        else {
          j++; // ')'
          break;
        }
      }
      if (want >= 0 && vals[want] !== undefined && vals[want] !== 'null') out.push(vals[want]);
      ws();
      if (text[j] === ',') j++;
      else break;
    }
    head.lastIndex = j;
  }
  return out;
}

/** HTML fragment → text lines: block ends become line ends, tags dropped, common entities decoded. */
export function htmlText(html: string): string {
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>|<\/(p|div|tr|td|li|h\d)>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}
