import { parse as parseCsv } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import mammoth from 'mammoth';
import { describe, expect, it } from 'vitest';
import { loadGroups, type GroupsConfig } from '../../src/registry/groups.js';
import { noticeBlocks, noticeDocx, noticeMarkdown } from '../../src/report/notice.js';
import { tableCsv, tableMarkdown, tableText, tableXlsx, TABLE_COLUMN_WIDTHS } from '../../src/report/tables.js';
import type { RunSite } from '../../src/rollup/data.js';
import { computeTable, formatRate } from '../../src/rollup/tables.js';
import { parseQuarter } from '../../src/run/quarter.js';

const groups = loadGroups();
const q = parseQuarter('2024Q2');
const meta = { quarter: '2024Q2', runId: '2024Q2', asOf: '2024-07-01' };

/** Sites of a run: `spec` is group → [operating, checked, failed] (plus errors / unchecked for the remainder). */
function sites(kind: 'website' | 'newmedia', spec: Record<string, [number, number, number, number?]>): RunSite[] {
  const out: RunSite[] = [];
  for (const [group, [operating, checked, failed, errors = 0]] of Object.entries(spec)) {
    for (let i = 0; i < operating; i++) {
      const id = `${kind}-${group}-${i}`;
      const result =
        i < checked
          ? { outcome: 'checked' as const, verdict: i < failed ? ('fail' as const) : ('pass' as const), score: 90, decidedBy: [], pages: 1, finishedAt: '' }
          : i < checked + errors
            ? { outcome: 'error' as const, verdict: 'fail' as const, score: 0, decidedBy: [], pages: 0, finishedAt: '' }
            : undefined;
      out.push({ site: { id, url: `http://127.0.0.1/${id}`, kind, group }, planned: true, result });
    }
  }
  return out;
}

describe('failure rate, rounded as the notices print it', () => {
  it('rounds half up to two decimals exactly, drops trailing zeros, and is 0 when nothing was checked', () => {
    const cases: Array<[number, number, string]> = [
      [0, 7, '0'],
      [7, 7, '100'],
      [1, 2, '50'],
      [1, 3, '33.33'],
      [2, 3, '66.67'],
      [1, 6, '16.67'],
      [1, 8, '12.5'],
      [1, 16, '6.25'],
      [1, 32, '3.13'], // 3.125: half up, where binary floating point would give 3.12
      [1, 200, '0.5'],
      [1, 400, '0.25'],
      [1, 800, '0.13'], // 0.125
      [6, 27, '22.22'],
      [1, 7, '14.29'],
      [0, 0, '0'],
    ];
    for (const [f, c, want] of cases) expect(formatRate(f, c), `${f}/${c}`).toBe(want);
    expect(formatRate(1, 8, 0)).toBe('13');
    expect(formatRate(1, 3, 1)).toBe('33.3');
    expect(formatRate(1, 16, 1)).toBe('6.3');
  });
});

describe('attachment table arithmetic', () => {
  const all = [...sites('website', { 乙市: [5, 5, 1], 省直部门: [7, 7, 2], 甲市: [6, 5, 1, 1], 丁市: [3, 3, 0] }), ...sites('newmedia', { 甲市: [3, 3, 1] })];

  it('lists groups in the configured order, counts operating / checked / failed, and computes the 合计 row from the totals', () => {
    const t = computeTable(all, 'website', groups, meta);
    expect(t.rows.map((r) => [r.seq, r.group, r.operating, r.checked, r.failed, r.rate])).toEqual([
      [1, '省直部门', 7, 7, 2, '28.57'],
      [2, '甲市', 6, 5, 1, '20'],
      [3, '乙市', 5, 5, 1, '20'],
      [4, '丁市', 3, 3, 0, '0'],
    ]);
    // 合计: 4 / 20 = 20 %, not the mean of the rows' rates (17.14).
    expect(t.total).toMatchObject({ group: '合计', operating: 21, checked: 20, failed: 4, rate: '20' });
    expect(t.errors).toBe(1);
    expect(t.unfinished).toBe(0);
    const m = computeTable(all, 'newmedia', groups, meta);
    expect(m.rows.map((r) => r.group)).toEqual(['甲市']);
    expect(m.total).toMatchObject({ operating: 3, checked: 3, failed: 1, rate: '33.33' });
  });

  it('shows empty groups when configured, and puts unlisted groups after the listed ones in pinyin order', () => {
    const g: GroupsConfig = { ...groups, groups: ['省直部门', '甲市'], showEmptyGroups: true, allowUnlisted: true };
    const t = computeTable([...sites('website', { 乙市: [1, 1, 0], 丙市: [2, 1, 1], 甲市: [1, 1, 1] })], 'website', g, meta);
    expect(t.rows.map((r) => [r.group, r.operating, r.rate])).toEqual([
      ['省直部门', 0, '0'],
      ['甲市', 1, '100'],
      ['丙市', 2, '100'],
      ['乙市', 1, '0'],
    ]);
    expect(t.unfinished).toBe(1);
  });
});

describe('table files, opened and read back', () => {
  const web = computeTable(sites('website', { 省直部门: [7, 7, 2], 甲市: [6, 6, 1] }), 'website', groups, meta);
  const nm = computeTable(sites('newmedia', { 甲市: [3, 3, 1] }), 'newmedia', groups, meta);

  it('CSV starts with a UTF-8 BOM, uses CRLF, and parses back to the same cells', () => {
    const buf = tableCsv(web, 'zh');
    expect([...buf.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(buf.toString('utf8')).toContain('\r\n');
    const rows = parseCsv(buf, { bom: true }) as string[][];
    expect(rows).toEqual([
      ['序号', '部门/地区', '运作网站总数(个)', '检查总数(个)', '不合格数(个)', '不合格率(%)'],
      ['1', '省直部门', '7', '7', '2', '28.57'],
      ['2', '甲市', '6', '6', '1', '16.67'],
      ['', '合计', '13', '13', '3', '23.08'],
    ]);
    expect((parseCsv(tableCsv(nm, 'en'), { bom: true }) as string[][])[0]).toEqual(['No.', 'Department/region', 'Accounts operating', 'Checked', 'Failed', 'Failure rate (%)']);
  });

  it('XLSX has the attachment label, the merged title row, the header, the rows, 合计 and the column widths', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await tableXlsx([web, nm], q, 'zh')) as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['附件1', '附件2']);
    const ws = wb.worksheets[0];
    expect(ws.getCell('A1').text).toBe('附件1');
    expect(ws.getCell('A2').text).toBe('2024年第二季度全省政府网站检查情况统计表');
    expect(ws.getCell('F2').isMerged).toBe(true);
    expect(ws.getCell('F2').master.address).toBe('A2');
    const row = (n: number) => [1, 2, 3, 4, 5, 6].map((c) => ws.getRow(n).getCell(c).value);
    expect(row(3)).toEqual(['序号', '部门/地区', '运作网站总数(个)', '检查总数(个)', '不合格数(个)', '不合格率(%)']);
    expect(row(4)).toEqual([1, '省直部门', 7, 7, 2, 28.57]);
    expect(row(6)).toEqual([null, '合计', 13, 13, 3, 23.08]);
    expect(ws.columns.map((c) => c.width)).toEqual(TABLE_COLUMN_WIDTHS);
    expect(ws.getRow(6).font?.bold).toBe(true);
    expect(wb.worksheets[1].getCell('A2').text).toBe('2024年第二季度全省政务新媒体检查情况统计表');
    expect(wb.worksheets[1].getRow(3).getCell(3).value).toBe('运作政务新媒体总数(个)');
  });

  it('text and Markdown show the same figures, CJK columns aligned', () => {
    const text = tableText(web, q, 'zh');
    const lines = text.split('\n');
    expect(lines[0]).toBe('附件1  2024年第二季度全省政府网站检查情况统计表');
    const rateCol = (l: string) => l.trimEnd().length;
    // Right-aligned numbers end in the same display column (CJK counted double: equal string-width).
    const body = lines.filter((l) => /^(1|2| ) /.test(l) && /\d$/.test(l));
    expect(body).toHaveLength(3);
    expect(new Set(body.map((l) => l.replace(/[\u4e00-\u9fff]/g, 'xx').length)).size).toBe(1);
    expect(rateCol(body[2])).toBeGreaterThan(0);
    expect(text).toMatch(/合计\s+13\s+13\s+3\s+23\.08/);
    const md = tableMarkdown(web, q, 'en');
    expect(md).toContain('| No. | Department/region | Websites operating | Checked | Failed | Failure rate (%) |');
    expect(md).toContain('| **Total** | **13** | **13** | **3** | **23.08** |');
  });
});

describe('notice draft', () => {
  const web = computeTable(sites('website', { 省直部门: [7, 7, 2], 甲市: [6, 6, 1] }), 'website', groups, meta);
  const nm = computeTable(sites('newmedia', { 甲市: [3, 3, 1] }), 'newmedia', groups, meta);
  const input = {
    quarter: q,
    runId: '2024Q2',
    asOf: '2024-07-01',
    tables: { website: web, newmedia: nm },
    failing: [
      {
        seq: 1,
        site: { id: 'x', url: 'http://127.0.0.1:1/', kind: 'website' as const, name: '示例省财政厅', group: '省直部门' },
        score: 99,
        reasons: [
          {
            rule: 'W-V1',
            kind: 'veto' as const,
            title: { zh: '站点无法访问', en: 'Site unreachable' },
            points: 0,
            findings: 1,
            examples: [{ message: '首页无法访问：HTTP 500', messageEn: 'Home page unreachable: HTTP 500', url: 'http://127.0.0.1:1/' }],
            findingIds: [1],
          },
        ],
      },
    ],
    categories: [
      {
        rule: 'W-V1',
        title: { zh: '站点无法访问', en: 'Site unreachable' },
        kind: 'veto' as const,
        siteKind: 'website' as const,
        sites: 1,
        failed: 1,
        findings: 1,
        examples: [{ site: { id: 'x', url: 'http://127.0.0.1:1/', kind: 'website' as const, name: '示例省财政厅' }, message: '首页无法访问：HTTP 500', messageEn: 'Home page unreachable: HTTP 500', url: 'http://127.0.0.1:1/' }],
      },
    ],
  };

  it('DOCX opens (mammoth and the raw XML) with the overall figures, the problem category, the failing site and both tables', async () => {
    const buf = await noticeDocx(noticeBlocks({ ...input, lang: 'zh' }), q, 'zh');
    const { value: text } = await mammoth.extractRawText({ buffer: buf });
    expect(text).toContain('关于2024年第二季度全省政府网站与政务新媒体检查情况的通报（草稿）');
    expect(text).toContain('本季度共检查政府网站13个（运作13个），不合格3个，不合格率23.08%；检查政务新媒体3个（运作3个），不合格1个，不合格率33.33%');
    expect(text).toContain('（一）站点无法访问（单项否决）。1个网站存在此类问题');
    expect(text).toContain('示例省财政厅（http://127.0.0.1:1/）：W-V1 站点无法访问（单项否决）：首页无法访问：HTTP 500');
    const xml = await (await JSZip.loadAsync(buf)).file('word/document.xml')!.async('string');
    expect((xml.match(/<w:tbl>/g) ?? []).length).toBe(2);
    expect(xml).toContain('2024年第二季度全省政务新媒体检查情况统计表');
    // The 合计 row of 附件1, cell by cell.
    const html = (await mammoth.convertToHtml({ buffer: buf })).value;
    const cells = (tr: string) => [...tr.matchAll(/<td>(.*?)<\/td>/g)].map((m) => m[1].replace(/<[^>]+>/g, ''));
    const rows = [...html.matchAll(/<tr>(.*?)<\/tr>/g)].map((m) => cells(m[1]));
    expect(rows).toContainEqual(['', '合计', '13', '13', '3', '23.08']);
    expect(rows).toContainEqual(['1', '甲市', '3', '3', '1', '33.33']);
  });

  it('Markdown and English drafts carry the same figures', () => {
    const md = noticeMarkdown(noticeBlocks({ ...input, lang: 'en' }), q, 'en');
    expect(md).toContain('# Inspection of government websites and new-media accounts, 2024 Q2 (draft notice)');
    expect(md).toContain('13 websites were checked (13 operating), 3 failed, a failure rate of 23.08%');
    expect(md).toContain('|  | Total | 13 | 13 | 3 | 23.08 |');
    expect(md).toContain('- 省直部门 示例省财政厅 (http://127.0.0.1:1/): W-V1 Site unreachable (veto): Home page unreachable: HTTP 500\n\n## 4. Requirements');
  });
});
