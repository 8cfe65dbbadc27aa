import Database from 'better-sqlite3';
import ExcelJS from 'exceljs';
import mammoth from 'mammoth';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadGroups } from '../src/registry/groups.js';
import { generateAccounts } from './fixtures/newmedia.js';
import { PROVINCE_ACCOUNT_SEED, provinceSpecs, type ProvinceSpec } from './fixtures/province.js';
import { runCli, tmpDir } from './helpers.js';

const tmp = tmpDir();
afterAll(() => tmp.cleanup());

/** The planted truth: which entries must fail, and by which rule. Websites fail only by planted vetoes. */
function truth(): Array<{ spec: ProvinceSpec; mustFail: boolean; why: string[] }> {
  const specs = provinceSpecs();
  const accounts = generateAccounts({
    asOf: '2024-07-01',
    seed: PROVINCE_ACCOUNT_SEED,
    specs: specs.flatMap((s) => (s.kind === 'newmedia' ? [{ id: s.key, name: s.name, platform: s.platform, source: s.source, gbk: s.gbk, problems: s.problems }] : [])),
  }).accounts;
  return specs.map((spec) => {
    if (spec.kind === 'website') {
      const down = ['home-500', 'home-503', 'home-404', 'unreachable'].includes(spec.plant);
      return { spec, mustFail: down, why: down ? ['W-V1'] : [] };
    }
    const t = accounts.find((a) => a.id === spec.key)!.truth;
    return { spec, mustFail: t.verdict === 'fail', why: [...new Set(t.expected.filter((e) => e.severity === 'veto').map((e) => e.rule!))] };
  });
}

function expectedRows(kind: 'website' | 'newmedia') {
  const order = loadGroups().groups;
  const live = truth().filter((t) => t.spec.kind === kind && t.spec.status === 'operating');
  const groups = order.filter((g) => live.some((t) => t.spec.group === g));
  const rate = (f: number, c: number) => String(c ? Math.round((f / c) * 10000) / 100 : 0);
  const rows = groups.map((g, i) => {
    const inG = live.filter((t) => t.spec.group === g);
    const failed = inG.filter((t) => t.mustFail).length;
    return { seq: i + 1, group: g, operating: inG.length, checked: inG.length, failed, rate: rate(failed, inG.length) };
  });
  const failed = live.filter((t) => t.mustFail).length;
  return { rows, total: { group: '合计', operating: live.length, checked: live.length, failed, rate: rate(failed, live.length) } };
}

describe('govcheck demo (the README main command)', () => {
  it('runs the fixture province and its tables, failing list and reports match the planted truth', async () => {
    const out = path.join(tmp.dir, 'demo');
    const r = await runCli(['demo', '--out', out, '--no-progress'], { timeoutMs: 240_000 });
    expect(r.code, r.stderr).toBe(0);
    const tables = JSON.parse(readFileSync(path.join(out, '检查情况统计表-2024Q2.json'), 'utf8'));
    for (const kind of ['website', 'newmedia'] as const) {
      const want = expectedRows(kind);
      expect(tables[kind].rows, kind).toEqual(want.rows);
      expect(tables[kind].total, kind).toEqual(want.total);
      expect(tables[kind].errors).toBe(0);
    }
    // The truth is not trivial: several failures in both tables, passing sites in every group but one.
    expect(tables.website.total.failed).toBeGreaterThanOrEqual(5);
    expect(tables.newmedia.total.failed).toBeGreaterThanOrEqual(2);

    // Exactly the planted entries fail, each by the planted rule.
    const db = new Database(path.join(out, 'govcheck-demo.db'), { readonly: true });
    const rows = db.prepare(`SELECT s.name, r.verdict, r.decided_by_json FROM site_results r JOIN sites s ON s.id = r.site_id WHERE r.run_id = '2024Q2'`).all() as Array<{ name: string; verdict: string; decided_by_json: string }>;
    db.close();
    const t = truth().filter((x) => x.spec.status === 'operating');
    expect(rows).toHaveLength(t.length);
    expect(
      rows
        .filter((x) => x.verdict === 'fail')
        .map((x) => x.name)
        .sort(),
    ).toEqual(
      t
        .filter((x) => x.mustFail)
        .map((x) => x.spec.name)
        .sort(),
    );
    for (const x of t.filter((y) => y.mustFail)) {
      const hit = JSON.parse(rows.find((row) => row.name === x.spec.name)!.decided_by_json) as Array<{ rule: string; kind: string }>;
      for (const rule of x.why)
        expect(
          hit.map((h) => `${h.rule}:${h.kind}`),
          x.spec.name,
        ).toContain(`${rule}:veto`);
    }
    // Closed entries are in the registry but never counted or checked.
    const closed = truth()
      .filter((x) => x.spec.status === 'closed')
      .map((x) => x.spec.name);
    expect(closed.length).toBeGreaterThan(0);
    for (const n of closed) expect(rows.map((x) => x.name)).not.toContain(n);

    // What it prints: both tables and the failing list, and where it wrote the reports.
    expect(r.stdout).toContain('附件1  2024年第二季度全省政府网站检查情况统计表');
    expect(r.stdout).toContain('附件2  2024年第二季度全省政务新媒体检查情况统计表');
    expect(r.stdout).toMatch(new RegExp(`合计\\s+${tables.website.total.operating}\\s+${tables.website.total.checked}\\s+${tables.website.total.failed}\\s+${tables.website.total.rate.replace('.', '\\.')}`));
    expect(r.stdout).toContain('W-V1 站点无法访问（单项否决）：监测期内首页访问失败 140 次，共 140 次');
    expect(r.stdout).toContain(`报告已写入 ${out}`);
    for (const f of ['附件1-政府网站检查情况统计表-2024Q2.csv', '附件2-政务新媒体检查情况统计表-2024Q2.csv', '不合格名单-2024Q2.csv', '整改清单-2024Q2.md', '名录-示例省.csv']) {
      expect(existsSync(path.join(out, f)), f).toBe(true);
    }
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(path.join(out, '检查情况统计表-2024Q2.xlsx'));
    const ws = wb.getWorksheet('附件1')!;
    expect(ws.getRow(ws.rowCount).getCell(2).value === '合计' || ws.getRow(4 + tables.website.rows.length).getCell(2).value === '合计').toBe(true);
    expect(ws.getRow(4 + tables.website.rows.length).getCell(5).value).toBe(tables.website.total.failed);
    const { value: notice } = await mammoth.extractRawText({ path: path.join(out, '检查情况通报-草稿-2024Q2.docx') });
    expect(notice).toContain(`本季度共检查政府网站${tables.website.total.checked}个（运作${tables.website.total.operating}个），不合格${tables.website.total.failed}个，不合格率${tables.website.total.rate}%`);
    expect(notice).toContain('站点无法访问（单项否决）');

    // The same reports come again from the demo's database through the table and notice commands.
    const dbFile = path.join(out, 'govcheck-demo.db');
    const failing = await runCli(['table', '--db', dbFile, '--quarter', '2024Q2', '--view', 'failing', '--format', 'json']);
    expect(failing.code, failing.stderr).toBe(0);
    expect(
      JSON.parse(failing.stdout)
        .map((f: { site: { name: string } }) => f.site.name)
        .sort(),
    ).toEqual(
      t
        .filter((x) => x.mustFail)
        .map((x) => x.spec.name)
        .sort(),
    );
    // Reminder letters beside the notice: one per owner unit with a confirmed scored problem, passing units
    // included (the seed notice's units all passed and still got letters), numbered in the 整改清单.
    const ldb = new Database(dbFile, { readonly: true });
    const owed = (
      ldb
        .prepare(
          `SELECT DISTINCT COALESCE(s.owner, s.name, s.id) AS owner, MIN(r.verdict) AS verdict FROM findings f JOIN sites s ON s.id = f.site_id JOIN site_results r ON r.run_id = f.run_id AND r.site_id = f.site_id
           WHERE f.run_id = '2024Q2' AND f.severity IN ('veto', 'deduction') AND f.tier = 'confirmed' AND f.rule IS NOT NULL AND f.excluded IS NULL AND r.outcome = 'checked' GROUP BY 1`,
        )
        .all() as Array<{ owner: string; verdict: string }>
    ).map((x) => x.owner);
    const letters = ldb.prepare(`SELECT owner, letter_no, issued_on, reply_by, file FROM letters WHERE run_id = '2024Q2' ORDER BY letter_no`).all() as Array<{
      owner: string;
      letter_no: string;
      issued_on: string;
      reply_by: string;
      file: string;
    }>;
    const passingOwners = (ldb.prepare(`SELECT DISTINCT s.owner FROM site_results r JOIN sites s ON s.id = r.site_id WHERE r.run_id = '2024Q2' AND r.verdict = 'pass'`).all() as Array<{ owner: string }>).map((x) => x.owner);
    ldb.close();
    expect(letters.map((l) => l.owner).sort()).toEqual(owed.sort());
    expect(letters.some((l) => passingOwners.includes(l.owner))).toBe(true);
    const lettersDir = path.join(out, '提醒函-2024Q2');
    expect(readdirSync(lettersDir).sort()).toEqual(letters.map((l) => l.file).sort());
    letters.forEach((l, i) => {
      expect(l.letter_no).toBe(`〔2024Q2〕第${String(i + 1).padStart(3, '0')}号`);
      expect([l.issued_on, l.reply_by]).toEqual(['2024-07-01', '2024-07-22']);
    });
    const first = (await mammoth.extractRawText({ path: path.join(lettersDir, letters[0].file) })).value;
    expect(first).toContain(letters[0].letter_no);
    expect(first).toContain(`${letters[0].owner}：`);
    expect(first).toContain('2024年7月22日前（15个工作日内）');
    expect(first).toContain('示例省人民政府办公厅');
    expect(notice).toContain(`对存在问题的${letters.length}个主办单位，已另行发送提醒函`);
    const fixesCsv = readFileSync(path.join(out, '整改清单-2024Q2.csv'), 'utf8');
    expect(fixesCsv.split('\r\n')[0]).toMatch(/,提醒函编号$/);
    expect(fixesCsv).toContain(`${letters[0].letter_no}`);

    const en = await runCli(['notice', '--db', dbFile, '--quarter', '2024Q2', '--format', 'md', '--lang', 'en']);
    expect(en.code, en.stderr).toBe(0);
    expect(en.stdout).toContain(`${tables.website.total.checked} websites were checked (${tables.website.total.operating} operating), ${tables.website.total.failed} failed`);
  }, 300_000);
});
