import { stringify as stringifyCsv } from 'csv-stringify/sync';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { registryCsv, registryXlsx, registryYaml } from '../../src/registry/export.js';
import { importRegistryFile, listRegistry, loadGroups, formatRowError, importLog } from '../../src/registry/index.js';
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
const csv = (rows: string[][]) => stringifyCsv(rows);
const count = (db: ReturnType<typeof openDb>) => (db.prepare(`SELECT COUNT(*) AS n FROM sites WHERE in_registry = 1`).get() as { n: number }).n;

const ZH_HEADER = ['序号', '名称', '网址', '网站标识码', '类型', '平台', '来源', '主办单位', '部门/地区', '状态'];

describe('registry import: formats and header languages', () => {
  it('imports a CSV with Chinese headers (websites and accounts) and lists it in registry order', async () => {
    const f = file(
      'zh.csv',
      '\uFEFF' +
        csv([
          ZH_HEADER,
          ['1', '示例省人民政府', 'http://127.0.0.1:8001/', '9900000001', '网站', '', '', '示例省人民政府办公厅', '省直部门', '运作'],
          ['2', '甲市人民政府', '127.0.0.1:8002', '', '网站', '', '', '甲市人民政府办公室', '甲市', '运行'],
          ['3', '甲市发布', '', '', '新媒体', '微信公众号', 'http://127.0.0.1:8003/feed.xml', '甲市人民政府办公室', '甲市', '运作'],
          ['4', '旧版网站', 'http://127.0.0.1:8004/', '', '网站', '', '', '甲市', '甲市', '关停'],
        ]),
    );
    const db = openDb(':memory:');
    const r = await importRegistryFile(db, f, { groups });
    expect(r.ok).toBe(true);
    const sites = listRegistry(db);
    expect(sites.map((s) => [s.seq, s.kind, s.name, s.group, s.status])).toEqual([
      ['1', 'website', '示例省人民政府', '省直部门', 'operating'],
      ['2', 'website', '甲市人民政府', '甲市', 'operating'],
      ['4', 'website', '旧版网站', '甲市', 'closed'],
      ['3', 'newmedia', '甲市发布', '甲市', 'operating'],
    ]);
    // A URL without a scheme is http://; accounts store the platform id and use the source as their address.
    expect(sites[1].url).toBe('http://127.0.0.1:8002/');
    expect(sites[3]).toMatchObject({ platform: 'wechat', source: 'http://127.0.0.1:8003/feed.xml', url: 'http://127.0.0.1:8003/feed.xml', id: 'nm:wechat:127.0.0.1:8003/feed.xml' });
    expect(sites[0]).toMatchObject({ id: '127.0.0.1:8001', siteCode: '9900000001', owner: '示例省人民政府办公厅' });
    expect(importLog(db)).toHaveLength(1);
    db.close();
  });

  it('imports YAML with English keys, and a GBK CSV as Excel saves it on Chinese Windows', async () => {
    const y = file(
      'en.yaml',
      `sites:
  - id: 7
    name: 乙市人民政府
    url: https://127.0.0.1:9001/portal/
    kind: website
    owner: 乙市人民政府办公室
    group: 乙市
  - name: 乙市发布
    kind: newmedia
    platform: Weibo
    source: http://127.0.0.1:9002/rss
    group: 乙市
    status: operating
`,
    );
    const db = openDb(':memory:');
    const r = await importRegistryFile(db, y, { groups });
    expect(r.ok).toBe(true);
    expect(listRegistry(db).map((s) => [s.id, s.kind, s.platform ?? null, s.seq ?? null])).toEqual([
      ['127.0.0.1:9001/portal', 'website', null, '7'],
      ['nm:weibo:127.0.0.1:9002/rss', 'newmedia', 'weibo', null],
    ]);
    const gbk = file(
      'gbk.csv',
      iconv.encode(
        csv([
          ['名称', '网址', '部门/地区'],
          ['丙市水利局', 'http://127.0.0.1:9003/', '丙市'],
        ]),
        'gbk',
      ),
    );
    const g = await importRegistryFile(db, gbk, { groups });
    expect(g.ok && g.table.encoding).toBe('gb18030');
    expect(listRegistry(db, { group: '丙市' })[0].name).toBe('丙市水利局');
    db.close();
  });

  it('reads XLSX: skips the title row above the header, takes link targets from hyperlink cells', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('名录');
    ws.addRow(['2024年示例省政府网站名录']);
    ws.mergeCells(1, 1, 1, 5);
    ws.addRow(['序号', '网站名称', '首页网址', '主办单位', '部门/地区']);
    ws.addRow([1, '丁市人民政府', { text: '点击访问', hyperlink: 'http://127.0.0.1:9101/' }, '丁市人民政府办公室', '丁市']);
    ws.addRow([2, '丁市商务局', 'http://127.0.0.1:9102/', '丁市商务局', '丁市']);
    ws.addRow([]);
    ws.addRow([3, '丁市医保局', 'not a url', '丁市医保局', '丁市']);
    const x = file('r.xlsx', Buffer.from(await wb.xlsx.writeBuffer()));
    const db = openDb(':memory:');
    const bad = await importRegistryFile(db, x, { groups });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.errors).toHaveLength(1);
    expect(bad.errors[0]).toMatchObject({ line: 6, field: 'url', value: 'not a url' });
    expect(count(db)).toBe(0);
    ws.getRow(6).getCell(3).value = 'http://127.0.0.1:9103/';
    const good = await importRegistryFile(db, file('r2.xlsx', Buffer.from(await wb.xlsx.writeBuffer())), { groups });
    expect(good.ok).toBe(true);
    expect(listRegistry(db).map((s) => s.url)).toEqual(['http://127.0.0.1:9101/', 'http://127.0.0.1:9102/', 'http://127.0.0.1:9103/']);
    db.close();
  });
});

describe('registry validation: every bad row with its line and reason, nothing imported', () => {
  it('reports bad rows, duplicate URLs and unknown groups, and imports nothing from the file', async () => {
    const f = file(
      'bad.csv',
      csv([
        ZH_HEADER,
        ['1', '示例省财政厅', 'http://127.0.0.1:7001/', '', '网站', '', '', '示例省财政厅', '省直部门', '运作'], // line 2: ok
        ['2', '', 'http://127.0.0.1:7002/', '', '网站', '', '', '', '省直部门', '运作'], // 3: no name
        ['3', '示例省教育厅', 'ftp://127.0.0.1/', '', '网站', '', '', '', '省直部门', '运作'], // 4: not http(s)
        ['4', '示例省财政厅（副本）', 'HTTP://127.0.0.1:7001', '', '网站', '', '', '', '省直部门', '运作'], // 5: duplicate of line 2
        ['5', '火星市人民政府', 'http://127.0.0.1:7005/', '', '网站', '', '', '', '火星市', '运作'], // 6: unknown group
        ['6', '甲市交通局', 'http://127.0.0.1:7006/', '12345', '网站', '', '', '', '甲市', '运作'], // 7: bad site code
        ['7', '甲市发布', '', '', '新媒体', '飞信', 'http://127.0.0.1:7007/feed', '', '甲市', '运作'], // 8: unknown platform
        ['8', '甲市公安', '', '', '新媒体', '微博', '', '', '甲市', '运作'], // 9: account without url or source
        ['9', '甲市档案馆', 'http://127.0.0.1:7009/', '', '网站', '', '', '', '甲市', '暂停'], // 10: unknown status
        ['10', '甲市水务局', 'http://127.0.0.1:7010/', '', '网页', '', '', '', '甲市', '运作'], // 11: unknown kind
      ]),
    );
    const db = openDb(':memory:');
    const r = await importRegistryFile(db, f, { groups });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => [e.line, e.field])).toEqual([
      [3, 'name'],
      [4, 'url'],
      [5, 'url'],
      [6, 'group'],
      [7, 'siteCode'],
      [8, 'platform'],
      [9, 'url'],
      [10, 'status'],
      [11, 'kind'],
    ]);
    const zh = r.errors.map((e) => formatRowError(e, 'zh'));
    expect(zh[2]).toBe('第5行［网址］：网址重复：与第2行相同');
    expect(zh[3]).toContain('部门/地区“火星市”不在分组配置中');
    expect(formatRowError(r.errors[1], 'en')).toBe('line 4 [url]: url "ftp://127.0.0.1/" is not a valid http(s) address');
    expect(count(db)).toBe(0);
    expect(importLog(db)).toHaveLength(0);
    db.close();
  });

  it('rejects a file without the required columns, and duplicate accounts on one platform', async () => {
    const db = openDb(':memory:');
    const noGroup = await importRegistryFile(
      db,
      file(
        'nogroup.csv',
        csv([
          ['名称', '网址'],
          ['甲', 'http://127.0.0.1:1/'],
        ]),
      ),
      { groups },
    );
    expect(!noGroup.ok && noGroup.errors.map((e) => e.field)).toEqual(['group']);
    const dup = await importRegistryFile(
      db,
      file(
        'dup.csv',
        csv([
          ['name', 'kind', 'platform', 'source', 'group'],
          ['乙市发布', 'newmedia', 'wechat', 'http://127.0.0.1:2/a', '乙市'],
          ['乙市发布', 'newmedia', '微信', 'http://127.0.0.1:2/b', '乙市'],
        ]),
      ),
      { groups },
    );
    expect(!dup.ok && dup.errors.map((e) => [e.line, e.reason.en])).toEqual([[3, 'duplicate account: wechat 乙市发布 is on line 2 too']]);
    expect(count(db)).toBe(0);
    db.close();
  });

  it('accepts unlisted groups only when the groups config allows them, and then orders them after the listed ones', async () => {
    const g = file('groups.yaml', 'groups: [省直部门, 东市]\nallowUnlisted: true\n');
    const custom = loadGroups({ groupsFile: g });
    const db = openDb(':memory:');
    const r = await importRegistryFile(
      db,
      file(
        'ok.csv',
        csv([
          ['名称', '网址', '部门/地区'],
          ['火星市人民政府', 'http://127.0.0.1:3/', '火星市'],
        ]),
      ),
      { groups: custom },
    );
    expect(r.ok).toBe(true);
    db.close();
  });
});

describe('registry merge, replace, export round trip', () => {
  it('re-importing is idempotent; replace takes out missing entries; CSV, XLSX and YAML exports import back unchanged', async () => {
    const rows = [
      ['名称', '网址', '主办单位', '部门/地区', '类型', '平台', '来源'],
      ['甲市人民政府', 'http://127.0.0.1:6001/', '甲市人民政府办公室', '甲市', '网站', '', ''],
      ['甲市教育局', 'http://127.0.0.1:6002/', '甲市教育局', '甲市', '网站', '', ''],
      ['甲市发布', '', '甲市人民政府办公室', '甲市', '新媒体', '抖音', 'http://127.0.0.1:6003/feed.json'],
    ];
    const db = openDb(':memory:');
    const first = await importRegistryFile(db, file('a.csv', csv(rows)), { groups });
    expect(first.ok && first.summary).toMatchObject({ added: 3, updated: 0, unchanged: 0 });
    const again = await importRegistryFile(db, file('a.csv', csv(rows)), { groups });
    expect(again.ok && again.summary).toMatchObject({ added: 0, updated: 0, unchanged: 3 });
    const changed = rows.map((r) => [...r]);
    changed[2][2] = '甲市教育体育局';
    const upd = await importRegistryFile(db, file('b.csv', csv(changed.slice(0, 3))), { groups, mode: 'replace' });
    expect(upd.ok && upd.summary).toMatchObject({ added: 0, updated: 1, unchanged: 1, removed: 1 });
    expect(listRegistry(db).map((s) => s.name)).toEqual(['甲市人民政府', '甲市教育局']);
    // The removed account is still in the store (history), just not in the registry.
    expect((db.prepare(`SELECT in_registry FROM sites WHERE id = 'nm:douyin:127.0.0.1:6003/feed.json'`).get() as { in_registry: number }).in_registry).toBe(0);

    await importRegistryFile(db, file('c.csv', csv(rows)), { groups });
    const before = listRegistry(db);
    for (const [ext, body] of [
      ['csv', registryCsv(before, 'zh')],
      ['csv', registryCsv(before, 'en')],
      ['xlsx', await registryXlsx(before, 'zh')],
      ['yaml', registryYaml(before, 'en')],
    ] as const) {
      const db2 = openDb(':memory:');
      const r = await importRegistryFile(db2, file(`export.${ext}`, body), { groups });
      expect(r.ok, ext).toBe(true);
      expect(listRegistry(db2)).toEqual(before);
      db2.close();
    }
    expect(registryCsv(before).subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    db.close();
  });
});

describe('govcheck registry (CLI)', () => {
  it('prints each bad row as file:line with the reason and exits 2; a good file imports and lists', async () => {
    const db = path.join(tmp.dir, 'cli.db');
    const bad = file(
      'cli-bad.csv',
      csv([
        ['名称', '网址', '部门/地区'],
        ['甲市人民政府', 'http://127.0.0.1:5001/', '甲市'],
        ['甲市人民政府', 'http://127.0.0.1:5001', '甲市'],
      ]),
    );
    const r = await runCli(['registry', 'import', bad, '--db', db]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}:3: 第3行［网址］：网址重复：与第2行相同`);
    expect(r.stderr).toContain('未导入任何记录');
    const en = await runCli(['registry', 'import', bad, '--db', db, '--lang', 'en']);
    expect(en.stderr).toContain(`${bad}:3: line 3 [url]: duplicate URL: same as line 2`);
    const good = file(
      'cli-good.csv',
      csv([
        ['名称', '网址', '部门/地区'],
        ['甲市人民政府', 'http://127.0.0.1:5001/', '甲市'],
        ['甲市教育局', 'http://127.0.0.1:5002/', '甲市'],
      ]),
    );
    const ok = await runCli(['registry', 'import', good, '--db', db]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('已导入 2 条');
    const list = await runCli(['registry', 'list', '--db', db, '--format', 'json']);
    expect(JSON.parse(list.stdout).map((s: { name: string }) => s.name)).toEqual(['甲市人民政府', '甲市教育局']);
    const out = path.join(tmp.dir, 'export.xlsx');
    const ex = await runCli(['registry', 'export', '--db', db, '--format', 'xlsx', '--out', out]);
    expect(ex.code).toBe(0);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(out);
    expect(wb.worksheets[0].getRow(1).getCell(2).text).toBe('名称');
    expect(wb.worksheets[0].getRow(3).getCell(2).text).toBe('甲市教育局');
  }, 240_000); // five CLI processes
});
