/**
 * Every export of a quarterly run with hostile data planted (issue 17, items 2 and 7: formula-like names, line breaks,
 * Markdown/HTML in owners, terminal escapes in anchor texts), over a real two-quarter run on 127.0.0.1: every CSV,
 * XLSX sheet, Markdown file and the terminal output are parsed back as data. Notes: docs/modules.md.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify as stringifyCsv } from 'csv-stringify/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { loadGroups } from '../../src/registry/groups.js';
import { importRegistryFile } from '../../src/registry/index.js';
import { listRegistry } from '../../src/registry/store.js';
import { neutraliseCell, toCsv, unneutraliseCell } from '../../src/report/csv.js';
import { writeReportBundle } from '../../src/report/bundle.js';
import { mdText } from '../../src/report/markdown.js';
import { terminalCell, terminalText } from '../../src/report/terminal.js';
import { quarterReport } from '../../src/rollup/index.js';
import { parseQuarter } from '../../src/run/quarter.js';
import { runQuarter } from '../../src/run/runner.js';
import { buildApp } from '../../src/server/app.js';
import { DOWNLOADS } from '../../src/server/downloads.js';
import { openDb } from '../../src/store/db.js';
import { probeWeek } from '../fixtures/probe-week.js';
import { addDays, externalRoutes, generateSite, serve, type Routes, type Served } from '../fixtures/site.js';
import { runCli, tmpDir } from '../helpers.js';

const tmp = tmpDir('govcheck-exports-');
const groups = loadGroups();
const config = loadConfig(undefined, {
  allowPrivateNetwork: true,
  gather: { maxPages: 30, retries: 0 },
  http: { retries: 0, retryBaseMs: 20, timeoutMs: 5000, perHostIntervalMs: 0 },
  browser: { loopbackOnly: true },
});

const HYPERLINK = '=HYPERLINK("http://x")';
const NEWLINE_NAME = '丙市人民政府\n门户网站';
const HEADING_OWNER = '# 假标题 <img src=x onerror=alert(1)>';
const ESC_ANCHOR = '\u001b[2J\u001b]8;;http://x\u001b\\专题\u001b]8;;\u001b\\\u202e链接\u009b31m';
/** Cells that a spreadsheet would evaluate (the test's own rule, not the implementation's). */
const FORMULA = /^[ \u3000]*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20]|^[\t\r]/;
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

let servers: Served[] = [];
let dbFile = '';

function jiaRoutes(asOf: string, ext: string): Routes {
  const s = generateSite({ name: '甲市人民政府', seed: 3, articlesPerColumn: 1, externalOrigin: ext, newest: addDays(asOf, -2), planted: false });
  const home = s.routes.get('/')!;
  const esc = (x: string) => x.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  home.body = String(home.body).replace(
    '<div class="footer">',
    `<p><a href="/zt/gone-1.html">${esc(HYPERLINK)}</a> <a href="/zt/gone-2.html">@SUM(1)+2</a> <a href="/zt/gone-3.html">${esc(ESC_ANCHOR)}</a> <a href="/zt/gone-4.html">-3+4|</a></p><div class="footer">`,
  );
  return s.routes;
}

function bingRoutes(asOf: string, ext: string): Routes {
  const s = generateSite({ name: '丙市', seed: 6, articlesPerColumn: 1, externalOrigin: ext, newest: addDays(asOf, -1), planted: false });
  const home = s.routes.get('/')!;
  home.body = String(home.body).replace('<div class="footer">', `<p><a href="/zt/gone-9.html">专题</a></p><div class="footer">`);
  return s.routes;
}

beforeAll(async () => {
  const ext = await serve(externalRoutes());
  const jia: Routes = new Map();
  const yi: Routes = new Map();
  const bing: Routes = new Map();
  servers = [ext, await serve(jia), await serve(yi), await serve(bing)];
  const [, jiaS, yiS, bingS] = servers;
  const fill = (q: number, asOf: string) => {
    for (const [target, routes] of [
      [jia, jiaRoutes(asOf, ext.origin)],
      [
        yi,
        q === 0
          ? generateSite({ name: '乙市', seed: 4, articlesPerColumn: 1, externalOrigin: ext.origin, newest: addDays(asOf, -1), planted: false }).routes
          : new Map([['/', { status: 503, headers: { 'content-type': 'text/html; charset=utf-8' }, body: '<html><body>系统维护中</body></html>' }]]),
      ],
      [bing, bingRoutes(asOf, ext.origin)],
    ] as Array<[Routes, Routes]>) {
      target.clear();
      for (const [k, v] of routes) target.set(k, v);
    }
  };
  const registry = path.join(tmp.dir, 'registry.csv');
  writeFileSync(
    registry,
    stringifyCsv(
      [
        ['序号', '名称', '网址', '类型', '主办单位', '部门/地区', '状态'],
        ['1', HYPERLINK, `${jiaS.origin}/`, '网站', HEADING_OWNER, '甲市', '运作'],
        ['2', '+1', `${yiS.origin}/`, '网站', '@SUM(1)', '乙市', '运作'],
        ['3', NEWLINE_NAME, `${bingS.origin}/`, '网站', '-2+3', '丙市', '运作'],
      ],
      { bom: true, record_delimiter: 'windows', quoted: true },
    ),
  );
  dbFile = path.join(tmp.dir, 'exports.db');
  const db = openDb(dbFile);
  try {
    const imported = await importRegistryFile(db, registry, { groups });
    expect(imported.ok, JSON.stringify('errors' in imported ? imported.errors : undefined)).toBe(true);
    for (const [q, [id, asOf]] of [
      ['2024Q1', '2024-03-28'],
      ['2024Q2', '2024-06-27'],
    ].entries()) {
      fill(q, asOf);
      // The week of availability visits before the date (W-V1 needs it to confirm 乙市's outage).
      await probeWeek(
        db,
        (imported.ok ? imported.entries : []).map((e) => ({ id: e.id, url: e.url })),
        { asOf, config },
      );
      await runQuarter(db, { quarter: parseQuarter(id), asOf, asOfExplicit: true, config, checks: ['availability', 'broken-links'], concurrency: 3, siteTimeoutMs: 120_000 });
    }
  } finally {
    db.close();
  }
}, 240_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  tmp.cleanup();
});

/** Parses CSV bytes as data and checks the shape: BOM, CRLF, every record as wide as its header. */
function checkCsv(name: string, bytes: Buffer): string[][] {
  expect(bytes.subarray(0, 3).toString('hex'), name).toBe('efbbbf');
  const records = parseCsv(bytes, { bom: true, relax_column_count: true, skip_empty_lines: true }) as string[][];
  expect(records.length, name).toBeGreaterThan(1);
  const width = records[0].length;
  for (const r of records) expect(r.length, `${name}: ${JSON.stringify(r)}`).toBe(width);
  for (const r of records) for (const c of r) expect(FORMULA.test(c), `${name}: cell ${JSON.stringify(c)}`).toBe(false);
  return records;
}

describe('the CSV output layer', () => {
  it('neutralises formula starts, quotes line breaks, keeps numbers numeric, and undoes the guard on import', () => {
    const csv = toCsv([
      ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'],
      [HYPERLINK, '+1', '@SUM(1)', '-3.2', -3.2, '\tx', '＝1+1', 'two\nlines'],
      [' =1', '\rx', 'a,b', 'say "hi"', 0, '', null, '甲市'],
    ]).toString('utf8');
    expect(csv.startsWith('\ufeff')).toBe(true);
    expect(csv.split('\r\n')).toHaveLength(4);
    const rows = parseCsv(csv, { bom: true }) as string[][];
    expect(rows[1]).toEqual([`'${HYPERLINK}`, "'+1", "'@SUM(1)", "'-3.2", '-3.2', "'\tx", "'＝1+1", 'two\nlines']);
    expect(rows[2]).toEqual(["' =1", "'\rx", 'a,b', 'say "hi"', '0', '', '', '甲市']);
    expect(neutraliseCell(42)).toBe(42);
    expect(neutraliseCell(-Infinity)).toBe("'-Infinity");
    expect(unneutraliseCell(`'${HYPERLINK}`)).toBe(HYPERLINK);
    expect(unneutraliseCell("'quoted")).toBe("'quoted");
  });

  it('every CSV of a hostile run is data only: no formula, no split row (bundle, table views, registry, server downloads)', async () => {
    const files: Array<[string, Buffer]> = [];
    // The report bundle (what the demo writes).
    const db = openDb(dbFile);
    const report = quarterReport(db, { quarter: '2024Q2' }, config.rules, groups);
    db.close();
    expect(report.changes).toBeDefined();
    const bundleDir = path.join(tmp.dir, 'bundle');
    await writeReportBundle(bundleDir, report, 'zh');
    for (const f of readdirSync(bundleDir).filter((x) => x.endsWith('.csv'))) files.push([`bundle/${f}`, readFileSync(path.join(bundleDir, f))]);
    expect(files.length).toBeGreaterThanOrEqual(5);
    // govcheck table --format csv, every view, both languages.
    for (const view of ['table', 'failing', 'fixes', 'changes']) {
      for (const lang of ['zh', 'en']) {
        const out = path.join(tmp.dir, `table-${view}-${lang}.csv`);
        const r = await runCli(['table', '--db', dbFile, '--quarter', '2024Q2', '--view', view, '--format', 'csv', '--lang', lang, '--out', out], { timeoutMs: 60_000 });
        expect(r.code, r.stderr).toBe(0);
        files.push([`table ${view} ${lang}`, readFileSync(out)]);
      }
    }
    // Registry export and list.
    const exp = await runCli(['registry', 'export', '--db', dbFile, '--format', 'csv', '--out', path.join(tmp.dir, 'reg-export.csv')], { timeoutMs: 60_000 });
    expect(exp.code, exp.stderr).toBe(0);
    files.push(['registry export', readFileSync(path.join(tmp.dir, 'reg-export.csv'))]);
    const list = await runCli(['registry', 'list', '--db', dbFile, '--format', 'csv'], { timeoutMs: 60_000 });
    files.push(['registry list', Buffer.from(list.stdout, 'utf8')]);
    // The review server's downloads.
    const app = await buildApp({ db: dbFile, host: '127.0.0.1', config, groups });
    try {
      for (const d of DOWNLOADS.filter((x) => x.format === 'csv')) {
        const res = await app.inject({ method: 'GET', url: `/runs/2024Q2/download/${d.name}` });
        expect(res.statusCode, d.name).toBe(200);
        files.push([`download ${d.name}`, res.rawPayload]);
      }
    } finally {
      await app.close();
    }

    const all = new Map(files.map(([n, b]) => [n, checkCsv(n, b)]));
    const cells = (n: string) => all.get(n)!.flat();
    // The hostile values are there, neutralised, and the name with a line break is one cell.
    expect(cells('registry export')).toEqual(expect.arrayContaining([`'${HYPERLINK}`, "'+1", "'@SUM(1)", "'-2+3", NEWLINE_NAME]));
    expect(cells('table failing zh')).toEqual(expect.arrayContaining(["'+1", "'@SUM(1)"]));
    const fixes = cells('download fixes.csv');
    expect(fixes).toEqual(expect.arrayContaining([`'${HYPERLINK}`, "'@SUM(1)+2", "'-3+4|", NEWLINE_NAME]));
    // The anchor with terminal escapes is in the CSV as data (a spreadsheet shows it; no formula).
    expect(fixes.some((c) => c.includes('专题'))).toBe(true);

    // The registry export imports back to the same names (the guard is taken off again).
    const db2 = openDb(path.join(tmp.dir, 'reimport.db'));
    try {
      const back = await importRegistryFile(db2, path.join(tmp.dir, 'reg-export.csv'), { groups });
      expect(back.ok, JSON.stringify('errors' in back ? back.errors : undefined)).toBe(true);
      expect(
        listRegistry(db2)
          .map((s) => [s.name, s.owner])
          .sort(),
      ).toEqual(
        [
          [HYPERLINK, HEADING_OWNER],
          ['+1', '@SUM(1)'],
          [NEWLINE_NAME, '-2+3'],
        ].sort(),
      );
    } finally {
      db2.close();
    }
  }, 180_000);

  it('XLSX exports hold the hostile values as text cells, never formulas', async () => {
    const db = openDb(dbFile);
    const report = quarterReport(db, { quarter: '2024Q2' }, config.rules, groups);
    db.close();
    const bundleDir = path.join(tmp.dir, 'bundle-xlsx');
    await writeReportBundle(bundleDir, report, 'en');
    const books = readdirSync(bundleDir)
      .filter((x) => x.endsWith('.xlsx'))
      .map((f) => path.join(bundleDir, f));
    const regX = path.join(tmp.dir, 'reg.xlsx');
    const r = await runCli(['registry', 'export', '--db', dbFile, '--format', 'xlsx', '--out', regX], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    books.push(regX);
    let seen = 0;
    for (const file of books) {
      const zip = await JSZip.loadAsync(readFileSync(file));
      for (const sheet of Object.keys(zip.files).filter((f) => /^xl\/worksheets\/sheet\d+\.xml$/.test(f))) {
        expect(await zip.file(sheet)!.async('string'), `${file} ${sheet}`).not.toMatch(/<f[ >]/);
      }
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(readFileSync(file) as never);
      wb.eachSheet((ws) =>
        ws.eachRow((row) =>
          row.eachCell((c) => {
            if (c.value === HYPERLINK || c.value === '+1' || c.value === '@SUM(1)') {
              expect(c.type, `${file} ${c.address}`).toBe(ExcelJS.ValueType.String);
              seen++;
            }
          }),
        ),
      );
    }
    expect(seen).toBeGreaterThanOrEqual(4);
  });
});

describe('Markdown exports', () => {
  it('escapes names and crawled text in headings, table cells and list items', async () => {
    expect(mdText('a|b\nc')).toBe('a\\|b c');
    expect(mdText('# x')).toBe('\\# x');
    expect(mdText('- x')).toBe('\\- x');
    expect(mdText('> x')).toBe('\\> x');
    expect(mdText('1. x')).toBe('1\\. x');
    expect(mdText('[a](javascript:x) <b> `c`')).toBe('\\[a\\](javascript:x) \\<b\\> \\`c\\`');
    const db = openDb(dbFile);
    const report = quarterReport(db, { quarter: '2024Q2' }, config.rules, groups);
    db.close();
    const dir = path.join(tmp.dir, 'bundle-md');
    await writeReportBundle(dir, report, 'zh');
    const mds = readdirSync(dir).filter((x) => x.endsWith('.md'));
    expect(mds.length).toBeGreaterThanOrEqual(5);
    for (const f of mds) {
      const md = readFileSync(path.join(dir, f), 'utf8');
      // No HTML, link or image from a value; no heading, quote or list opened by a value.
      expect(md, f).not.toMatch(/(?<!\\)<img/);
      expect(md, f).not.toMatch(/(?<!\\)\[[^\]]*(?<!\\)\]\(/);
      expect(CONTROL.test(md), f).toBe(false);
      for (const line of md.split('\n')) {
        expect(line, f).not.toMatch(/^#+ #/);
        expect(line, f).not.toMatch(/^(?:\s*[-+>] )?(?:HYPERLINK|\+1|@SUM)/);
      }
      // Every table row has its header's columns (unescaped pipes).
      const tableLines = md.split('\n').filter((l) => l.startsWith('|'));
      if (tableLines.length) {
        const cols = (l: string) => l.split(/(?<!\\)\|/).length;
        const blocks: string[][] = [];
        for (const l of md.split('\n')) {
          if (!l.startsWith('|')) blocks.push([]);
          else (blocks[blocks.length - 1] ?? blocks[blocks.push([]) - 1]).push(l);
        }
        for (const b of blocks.filter((x) => x.length)) for (const l of b) expect(cols(l), `${f}: ${l}`).toBe(cols(b[0]));
      }
    }
    const fixes = readFileSync(path.join(dir, mds.find((f) => f.startsWith('整改清单'))!), 'utf8');
    expect(fixes).toContain('### \\# 假标题 \\<img src=x onerror=alert(1)\\>');
    expect(fixes).toContain('丙市人民政府 门户网站');
  });
});

describe('text on the terminal', () => {
  it('strips escape sequences, C1 and bidi controls from every crawled string', async () => {
    expect(terminalText('a\u001b[2Jb\u001b]8;;http://x\u001b\\c\u001b]8;;\u001b\\d\u009b31me\u202ef\u2066g\r\nh\u0007')).toBe('abcdefg\nh');
    expect(terminalCell('a\tb\nc')).toBe('a b c');
    const outputs: Array<[string, string]> = [];
    for (const view of ['table', 'failing', 'fixes', 'changes']) {
      const r = await runCli(['table', '--db', dbFile, '--quarter', '2024Q2', '--view', view], { timeoutMs: 60_000 });
      expect(r.code, r.stderr).toBe(0);
      outputs.push([`table ${view}`, r.stdout]);
    }
    const md = await runCli(['notice', '--db', dbFile, '--quarter', '2024Q2', '--format', 'md'], { timeoutMs: 60_000 });
    outputs.push(['notice md', md.stdout]);
    const list = await runCli(['registry', 'list', '--db', dbFile], { timeoutMs: 60_000 });
    outputs.push(['registry list', list.stdout]);
    const db = openDb(dbFile);
    const jia = listRegistry(db).find((s) => s.name === HYPERLINK)!;
    db.close();
    const check = await runCli(['check', jia.url, '--checks', 'broken-links', '--allow-private-network', '--as-of', '2024-06-27'], { timeoutMs: 120_000 });
    expect(check.stdout).toContain('专题');
    outputs.push(['check', check.stdout]);
    for (const [n, text] of outputs) {
      expect(text.length, n).toBeGreaterThan(0);
      expect(CONTROL.test(text), `${n}: ${JSON.stringify(text.match(CONTROL))}`).toBe(false);
    }
    // The fixes view shows the anchor's visible text, without the escapes around it.
    expect(outputs[2][1]).toContain('专题链接');
    // The name with a line break stays on one line of the registry list.
    expect(list.stdout).toContain('丙市人民政府 门户网站');
  }, 240_000);
});
