/**
 * Reminder letters (提醒函, issue 19): a real quarterly run in SQLite over fixture sites on 127.0.0.1, then the letters
 * read back from their DOCX files with mammoth. Notes: docs/modules.md.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { stringify as stringifyCsv } from 'csv-stringify/sync';
import ExcelJS from 'exceljs';
import mammoth from 'mammoth';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addWorkingDays, isWorkingDay } from '../../src/china-time.js';
import { loadConfig } from '../../src/config.js';
import { loadGroups } from '../../src/registry/groups.js';
import { importRegistryFile } from '../../src/registry/index.js';
import { writeReportBundle } from '../../src/report/bundle.js';
import { issueLetters, safeUnitName } from '../../src/report/letters.js';
import { fixCsv, listsXlsx } from '../../src/report/lists.js';
import { quarterReport } from '../../src/rollup/index.js';
import { parseQuarter } from '../../src/run/quarter.js';
import { runQuarter } from '../../src/run/runner.js';
import { openDb } from '../../src/store/db.js';
import { loadLetters } from '../../src/store/letters.js';
import { addDays, externalRoutes, generateSite, serve, type Routes, type Served } from '../fixtures/site.js';
import { runCli, tmpDir } from '../helpers.js';

const tmp = tmpDir('govcheck-letters-');
const groups = loadGroups();
const config = loadConfig(undefined, {
  allowPrivateNetwork: true,
  gather: { maxPages: 30, retries: 0 },
  http: { retries: 0, retryBaseMs: 20, timeoutMs: 5000, perHostIntervalMs: 0 },
  browser: { loopbackOnly: true },
  letters: { issuer: { zh: '示例省政务公开办', en: 'Open Government Office of 示例省' } },
});
const AS_OF = '2024-06-27';
const JIA = '甲市/乙区 数据局"办公室"<综合科>';
const YI = '乙市人民政府办公室';
const BING = '丙市人民政府办公室';

let servers: Served[] = [];
let dbFile = '';
let origins: Record<string, string> = {};

function site(name: string, seed: number, ext: string, links: string): Routes {
  const s = generateSite({ name, seed, articlesPerColumn: 1, externalOrigin: ext, newest: addDays(AS_OF, -1), planted: false });
  const home = s.routes.get('/')!;
  home.body = String(home.body).replace('<div class="footer">', `<p>${links}</p><div class="footer">`);
  s.routes.set('/err/maint.html', { status: 500, headers: { 'content-type': 'text/html; charset=utf-8' }, body: '<html><body>服务器内部错误</body></html>' });
  return s.routes;
}

beforeAll(async () => {
  const ext = await serve(externalRoutes());
  servers = [
    ext,
    await serve(site('甲市数据局', 3, ext.origin, '<a href="/zt/gone-1.html">旧专题一</a> <a href="/err/maint.html">维护中的栏目</a>')),
    await serve(site('甲市乙区政务服务网', 4, ext.origin, '<a href="/zt/gone-2.html">旧专题二</a>')),
    await serve(site('乙市人民政府', 5, ext.origin, '<a href="/err/maint.html">维护中的栏目</a>')),
    await serve(site('丙市人民政府', 6, ext.origin, '')),
  ];
  const [, a1, a2, y, b] = servers;
  origins = { a1: a1.origin, a2: a2.origin, y: y.origin, b: b.origin };
  const registry = path.join(tmp.dir, 'registry.csv');
  writeFileSync(
    registry,
    stringifyCsv(
      [
        ['序号', '名称', '网址', '类型', '主办单位', '部门/地区', '状态'],
        ['1', '甲市数据局', `${a1.origin}/`, '网站', JIA, '甲市', '运作'],
        ['2', '甲市乙区政务服务网', `${a2.origin}/`, '网站', JIA, '甲市', '运作'],
        ['3', '乙市人民政府', `${y.origin}/`, '网站', YI, '乙市', '运作'],
        ['4', '丙市人民政府', `${b.origin}/`, '网站', BING, '丙市', '运作'],
      ],
      { bom: true, record_delimiter: 'windows', quoted: true },
    ),
  );
  dbFile = path.join(tmp.dir, 'letters.db');
  const db = openDb(dbFile);
  try {
    const imported = await importRegistryFile(db, registry, { groups });
    expect(imported.ok, JSON.stringify('errors' in imported ? imported.errors : undefined)).toBe(true);
    await runQuarter(db, { quarter: parseQuarter('2024Q2'), asOf: AS_OF, asOfExplicit: true, config, checks: ['broken-links'], concurrency: 2, siteTimeoutMs: 120_000 });
  } finally {
    db.close();
  }
}, 180_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  tmp.cleanup();
});

async function docxText(file: string): Promise<string> {
  return (await mammoth.extractRawText({ path: file })).value;
}

describe('working days (China calendar)', () => {
  it('skips weekends and public holidays and counts 调休 working days', () => {
    const cal = config.calendar;
    expect(isWorkingDay('2024-09-29', cal)).toBe(true); // Sunday made a working day
    expect(isWorkingDay('2024-10-03', cal)).toBe(false); // 国庆
    expect(isWorkingDay('2024-06-29', cal)).toBe(false); // Saturday
    expect(addWorkingDays('2024-06-28', 15, cal)).toBe('2024-07-19');
    // Across 国庆 2024: 9/29 (Sun) and 10/12 (Sat) work, 10/1–10/7 do not.
    expect(addWorkingDays('2024-09-27', 15, cal)).toBe('2024-10-23');
    expect(addWorkingDays('2024-09-27', 15, { holidays: [], workdays: [] })).toBe('2024-10-18');
  });
});

describe('reminder letters of a real run', () => {
  it('writes one letter per owner unit with confirmed problems, with evidence, deadline and number; none for the others', async () => {
    const dir = path.join(tmp.dir, 'letters-zh');
    const db = openDb(dbFile);
    let result: Awaited<ReturnType<typeof issueLetters>>;
    let report: ReturnType<typeof quarterReport>;
    try {
      report = quarterReport(db, { quarter: '2024Q2' }, config.rules, groups);
      // The fixture's truth as the run stored it: 甲 passes with confirmed and suspected problems, 乙 only suspected.
      expect(report.failing).toEqual([]);
      const jia = report.fixes.find((f) => f.owner === JIA)!;
      expect(jia.sites.map((s) => s.site.name).sort()).toEqual(['甲市乙区政务服务网', '甲市数据局']);
      expect(jia.sites.every((s) => s.verdict === 'pass')).toBe(true);
      const yi = report.fixes.find((f) => f.owner === YI);
      expect(yi?.sites.flatMap((s) => s.items.filter((i) => i.severity === 'deduction').map((i) => i.tier))).toEqual(['suspected']);
      expect(report.fixes.find((f) => f.owner === BING)).toBeUndefined();

      result = await issueLetters(db, report, {
        dir,
        lang: 'zh',
        issuer: config.letters.issuer,
        numberPrefix: config.letters.numberPrefix,
        replyDays: 15,
        date: '2024-06-28',
        today: '2026-01-01',
        calendar: config.calendar,
      });
    } finally {
      db.close();
    }
    expect(result.warnings).toEqual([]);
    expect(result.letters.map((l) => [l.plan.owner, l.letterNo, l.issuedOn, l.replyBy, l.replyDays])).toEqual([[JIA, '〔2024Q2〕第001号', '2024-06-28', '2024-07-19', 15]]);
    const files = readdirSync(dir);
    expect(files).toEqual([result.letters[0].file]);
    expect(files[0]).toBe(`提醒函-2024Q2-001-${safeUnitName(JIA)}.docx`);
    expect(files[0]).not.toMatch(/[/\\:*?"<>|]/);
    expect(files[0]).toContain('甲市_乙区 数据局_办公室_综合科');

    const text = await docxText(path.join(dir, files[0]));
    expect(text).toContain('关于2024年第二季度政府网站和政务新媒体检查发现问题的提醒函');
    expect(text).toContain('〔2024Q2〕第001号');
    expect(text).toContain(`${JIA}：`);
    expect(text).toContain('2024年7月19日前（15个工作日内）');
    expect(text).toContain('示例省政务公开办');
    expect(text).toContain('2024年6月28日');
    // Both of the unit's sites, their pass verdict, each problem with rule, message and evidence.
    expect(text).toContain(`甲市数据局（${origins.a1}/）：本季度检查结论为合格`);
    expect(text).toContain(`甲市乙区政务服务网（${origins.a2}/）：本季度检查结论为合格`);
    const fixHead = text.indexOf('一、需要整改的问题（2处）');
    const checkHead = text.indexOf('二、请核实的问题（疑似，1处）');
    expect(fixHead).toBeGreaterThan(0);
    expect(checkHead).toBeGreaterThan(fixHead);
    for (const [origin, p] of [
      [origins.a1, '/zt/gone-1.html'],
      [origins.a2, '/zt/gone-2.html'],
    ]) {
      const at = text.indexOf(`问题对象：${origin}${p}`);
      expect(at, p).toBeGreaterThan(fixHead);
      expect(at, p).toBeLessThan(checkHead);
    }
    expect(text).toMatch(/【扣[\d.]+分】W-D1[^：\n]*：[^\n]*gone-1\.html/);
    expect(text).toContain(`问题页面：${origins.a1}/`);
    const suspectedAt = text.indexOf(`问题对象：${origins.a1}/err/maint.html`);
    expect(suspectedAt).toBeGreaterThan(checkHead);
    expect(text.slice(checkHead)).toMatch(/【疑似·扣[\d.]+分】W-D1/);
    // Nothing of the units without a letter.
    expect(text).not.toContain(origins.y);
    expect(text).not.toContain(origins.b);

    // Stored for the rectification follow-up.
    const db2 = openDb(dbFile);
    try {
      expect(loadLetters(db2, '2024Q2')).toEqual([{ run_id: '2024Q2', owner: JIA, letter_no: '〔2024Q2〕第001号', issued_on: '2024-06-28', reply_by: '2024-07-19', file: files[0] }]);
    } finally {
      db2.close();
    }
    // The report the letters were issued on carries the number for the 整改清单.
    expect(report.fixes.find((f) => f.owner === JIA)!.letterNo).toBe('〔2024Q2〕第001号');
    expect(report.fixes.find((f) => f.owner === YI)!.letterNo).toBeUndefined();
  });

  it('the 整改清单 (CSV, XLSX, bundle) gains a letter-number column, formula-safe', async () => {
    const db = openDb(dbFile);
    const report = quarterReport(db, { quarter: '2024Q2' }, config.rules, groups);
    db.close();
    const rows = parseCsv(fixCsv(report.fixes, 'zh'), { bom: true }) as string[][];
    expect(rows[0].at(-1)).toBe('提醒函编号');
    const jiaRows = rows.slice(1).filter((r) => r[0] === JIA);
    expect(jiaRows.length).toBeGreaterThanOrEqual(3);
    for (const r of jiaRows) expect(r.at(-1)).toBe('〔2024Q2〕第001号');
    for (const r of rows.slice(1).filter((x) => x[0] === YI)) expect(r.at(-1)).toBe('');

    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await listsXlsx({ fixes: report.fixes }, 'en')) as unknown as ArrayBuffer);
    const ws = wb.getWorksheet('fixes')!;
    expect(ws.getRow(2).getCell(14).value).toBe('Letter no.');
    expect(ws.getRow(3).getCell(14).value).toBe(report.fixes[0].owner === JIA ? '〔2024Q2〕第001号' : '');

    const bundle = path.join(tmp.dir, 'bundle');
    await writeReportBundle(bundle, report, 'zh', { letters: 1 });
    const csv = parseCsv(readFileSync(path.join(bundle, '整改清单-2024Q2.csv')), { bom: true }) as string[][];
    expect(csv[0].at(-1)).toBe('提醒函编号');
    expect(await docxText(path.join(bundle, '检查情况通报-草稿-2024Q2.docx'))).toContain('对存在问题的1个主办单位，已另行发送提醒函');

    // A number that starts a formula (a configured prefix such as "=…") is neutralised like every cell.
    const hostile = report.fixes.map((f) => ({ ...f, letterNo: f.letterNo ? `=HYPERLINK("x")${f.letterNo}` : undefined }));
    const cells = (parseCsv(fixCsv(hostile, 'zh'), { bom: true }) as string[][]).slice(1).map((r) => r.at(-1));
    expect(cells).toContain(`'=HYPERLINK("x")〔2024Q2〕第001号`);
    // Without letters the list keeps its 13 columns.
    const plain = parseCsv(
      fixCsv(
        report.fixes.map((f) => ({ ...f, letterNo: undefined })),
        'zh',
      ),
      { bom: true },
    ) as string[][];
    expect(plain[0]).toHaveLength(13);
  });

  it('govcheck notice --letters: numbers and dates stay on re-generation; English letters; bad dates refused', async () => {
    const cfg = path.join(tmp.dir, 'config.yaml');
    writeFileSync(cfg, 'letters:\n  issuer:\n    zh: 示例省政务公开办\n    en: Open Government Office of 示例省\n');
    const out = path.join(tmp.dir, 'cli');
    mkdirSync(out);
    const notice = path.join(out, 'notice.docx');
    const r = await runCli(['notice', '--db', dbFile, '--quarter', '2024Q2', '--config', cfg, '--out', notice, '--letters'], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const dir = path.join(out, '提醒函-2024Q2');
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(r.stderr).toContain('〔2024Q2〕第001号');
    expect(r.stderr).toContain('2024-07-19');
    const text = await docxText(path.join(dir, files[0]));
    // Re-generated without --date: the stored date and deadline, not today's.
    expect(text).toContain('〔2024Q2〕第001号');
    expect(text).toContain('2024年7月19日前');
    expect(text).toContain('2024年6月28日');
    expect(await docxText(notice)).toContain('对存在问题的1个主办单位，已另行发送提醒函');

    // English, with a new reply window: the deadline is recomputed, the number stays.
    const en = await runCli(['notice', '--db', dbFile, '--quarter', '2024Q2', '--config', cfg, '--lang', 'en', '--out', path.join(out, 'notice-en.docx'), '--letters', path.join(out, 'en'), '--reply-days', '10'], { timeoutMs: 60_000 });
    expect(en.code, en.stderr).toBe(0);
    const enFiles = readdirSync(path.join(out, 'en'));
    expect(enFiles).toHaveLength(1);
    expect(enFiles[0]).toMatch(/^letter-2024Q2-001-/);
    const enText = await docxText(path.join(out, 'en', enFiles[0]));
    expect(enText).toContain('Ref. 〔2024Q2〕第001号');
    expect(enText).toContain('by 2024-07-12 (within 10 working days)');
    expect(enText).toContain('1. Problems to fix (2)');
    expect(enText).toContain('2. Suspected problems to verify (1)');
    expect(enText).toContain(`Target: ${origins.a2}/zt/gone-2.html`);
    expect(enText).toContain('Open Government Office of 示例省');
    const db = openDb(dbFile);
    try {
      const rows = loadLetters(db, '2024Q2');
      expect(rows.map((x) => [x.letter_no, x.issued_on, x.reply_by, x.file])).toEqual([['〔2024Q2〕第001号', '2024-06-28', '2024-07-12', enFiles[0]]]);
    } finally {
      db.close();
    }

    const early = await runCli(['notice', '--db', dbFile, '--quarter', '2024Q2', '--out', path.join(out, 'x.docx'), '--letters', '--date', '2024-06-01'], { timeoutMs: 60_000 });
    expect(early.code).toBe(2);
    expect(early.stderr.trim().split('\n')).toHaveLength(1);
    expect(early.stderr).toContain('before the inspection date 2024-06-27');
    const stray = await runCli(['notice', '--db', dbFile, '--quarter', '2024Q2', '--out', path.join(out, 'y.docx'), '--reply-days', '5'], { timeoutMs: 60_000 });
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain('add --letters');
    expect(existsSync(path.join(out, 'y.docx'))).toBe(false);
    // A folder that cannot be made: one line, no stack.
    const nowhere = await runCli(['notice', '--db', dbFile, '--quarter', '2024Q2', '--out', path.join(out, 'z.docx'), '--letters', path.join(tmp.dir, 'no-such-parent', 'letters')], { timeoutMs: 60_000 });
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr.trim().split('\n')).toHaveLength(1);
    expect(nowhere.stderr).toContain('cannot write letter');
  });
});
