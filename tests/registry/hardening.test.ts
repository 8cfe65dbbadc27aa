/**
 * Registry and quarter input that used to slip through (issue 17): URLs with an invalid or non-http(s)
 * scheme, XLSX cells holding spreadsheet errors or formulas, impossible quarters and inspection dates.
 */
import { stringify as stringifyCsv } from 'csv-stringify/sync';
import ExcelJS from 'exceljs';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatRowError, importRegistryFile, listRegistry, loadGroups } from '../../src/registry/index.js';
import { parseRegistryUrl } from '../../src/registry/validate.js';
import { assertAsOf, parseQuarter } from '../../src/run/quarter.js';
import { openDb } from '../../src/store/db.js';
import { runCli, tmpDir } from '../helpers.js';

const tmp = tmpDir();
afterAll(() => tmp.cleanup());
const groups = loadGroups();
let n = 0;
const file = (name: string, body: string | Buffer) => {
  const p = path.join(tmp.dir, `${++n}-${name}`);
  writeFileSync(p, body);
  return p;
};

describe('registry URLs', () => {
  it('rejects invalid and non-http(s) schemes and bad host names, with the line number', async () => {
    const bad = ['ht!tp://x', 'htp://a.gov.cn/', 'ftp://a.gov.cn/', 'javascript:alert(1)', 'file:///etc/passwd', '://a.gov.cn', 'http://a..gov.cn/', 'http://a gov.cn/', 'http://-a.gov.cn/'];
    const rows = [['名称', '网址', '部门/地区'], ...bad.map((u, i) => [`甲市单位${i}`, u, '甲市'])];
    const db = openDb(':memory:');
    const r = await importRegistryFile(db, file('urls.csv', stringifyCsv(rows)), { groups });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => [e.line, e.field, e.value])).toEqual(bad.map((u, i) => [i + 2, 'url', u]));
    expect(formatRowError(r.errors[0], 'en')).toBe('line 2 [url]: url "ht!tp://x" is not a valid http(s) address');
    db.close();
  });

  it('still takes what registries really hold', () => {
    for (const [v, href] of [
      ['www.example.gov.cn', 'http://www.example.gov.cn/'],
      ['www.example.gov.cn:8080/portal', 'http://www.example.gov.cn:8080/portal'],
      ['HTTPS://WWW.Example.gov.cn/a/', 'https://www.example.gov.cn/a/'],
      ['http://政府.中国/', 'http://xn--mxtq1m.xn--fiqs8s/'],
      ['http://127.0.0.1:9101/', 'http://127.0.0.1:9101/'],
      ['http://[::1]:8080/x', 'http://[::1]:8080/x'],
    ]) {
      expect(parseRegistryUrl(v)?.href, v).toBe(href);
    }
  });
});

describe('XLSX cells with spreadsheet errors and formulas', () => {
  it('an error value is a one-line error naming sheet, row and column; a formula gives its cached result', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('名录');
    ws.addRow(['序号', '网站名称', '首页网址', '部门/地区']);
    ws.addRow([1, '戊市人民政府', 'http://127.0.0.1:9201/', '戊市']);
    ws.addRow([2, '戊市教育局', { error: '#REF!' }, '戊市']);
    ws.addRow([3, { formula: 'B2&"办公室"', result: { error: '#N/A' } }, 'http://127.0.0.1:9203/', '戊市']);
    ws.addRow([4, { formula: '"戊市"&"商务局"', result: '戊市商务局' }, { formula: '"http://127.0.0.1:9204/"', result: 'http://127.0.0.1:9204/' }, '戊市']);
    const db = openDb(':memory:');
    const r = await importRegistryFile(db, file('errors.xlsx', Buffer.from(await wb.xlsx.writeBuffer())), { groups });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const en = r.errors.map((e) => formatRowError(e, 'en'));
    expect(en).toEqual([
      'line 3: sheet 名录, row 3, column C (url): the cell holds the spreadsheet error #REF!; fix it in the workbook',
      'line 4: sheet 名录, row 4, column B (name): the cell holds the spreadsheet error #N/A; fix it in the workbook',
    ]);
    expect(formatRowError(r.errors[0], 'zh')).toBe('第3行：工作表“名录”第3行C列（网址）：单元格为表格错误值 #REF!，请在表格中修正');
    for (const line of [...en, ...r.errors.map((e) => formatRowError(e, 'zh'))]) expect(line).not.toContain('[object Object]');

    ws.getRow(3).getCell(3).value = 'http://127.0.0.1:9202/';
    ws.getRow(4).getCell(2).value = { formula: 'B2&"办公室"', result: '戊市人民政府办公室' };
    const good = await importRegistryFile(db, file('fixed.xlsx', Buffer.from(await wb.xlsx.writeBuffer())), { groups });
    expect(good.ok).toBe(true);
    expect(listRegistry(db).map((s) => [s.name, s.url])).toEqual([
      ['戊市人民政府', 'http://127.0.0.1:9201/'],
      ['戊市教育局', 'http://127.0.0.1:9202/'],
      ['戊市人民政府办公室', 'http://127.0.0.1:9203/'],
      ['戊市商务局', 'http://127.0.0.1:9204/'],
    ]);
    db.close();
  });
});

describe('quarters and inspection dates', () => {
  it('accepts years 2000–2100 only', () => {
    for (const bad of ['0000Q1', '1999Q4', '2101Q1', '9999Q2']) expect(() => parseQuarter(bad), bad).toThrow(/years 2000–2100/);
    expect(parseQuarter('2000Q1').start).toBe('2000-01-01');
    expect(parseQuarter('2100Q4').end).toBe('2100-12-31');
  });

  it('refuses an inspection date before the quarter starts', () => {
    const q = parseQuarter('2024Q2');
    expect(() => assertAsOf(q, '2024-03-31')).toThrow('inspection date 2024-03-31 is before quarter 2024Q2 starts (2024-04-01)');
    expect(() => assertAsOf(q, '2024-04-01')).not.toThrow();
    expect(() => assertAsOf(q, '2024-07-01')).not.toThrow();
  });

  it('govcheck run: one line and exit 2 for both', async () => {
    const db = path.join(tmp.dir, 'q.db');
    const y = await runCli(['run', '--quarter', '0000Q1', '--db', db]);
    expect(y.code).toBe(2);
    expect(y.stderr).toBe('govcheck: not a quarter govcheck can inspect: 0000Q1 (years 2000–2100)\n');
    const early = await runCli(['run', '--quarter', '2024Q2', '--as-of', '2024-03-31', '--db', db]);
    expect(early.code).toBe(2);
    expect(early.stderr).toBe('govcheck: inspection date 2024-03-31 is before quarter 2024Q2 starts (2024-04-01); give an --as-of on or after 2024-04-01\n');
  }, 60_000);
});
