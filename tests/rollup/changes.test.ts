import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify as stringifyCsv } from 'csv-stringify/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { importRegistryFile, loadGroups } from '../../src/registry/index.js';
import { noticeBlocks, noticeMarkdown } from '../../src/report/notice.js';
import { changesMarkdown, fixMarkdown } from '../../src/report/lists.js';
import { quarterReport } from '../../src/rollup/index.js';
import { parseQuarter } from '../../src/run/quarter.js';
import { runQuarter } from '../../src/run/runner.js';
import { openDb } from '../../src/store/db.js';
import { addReview } from '../../src/store/reviews.js';
import { externalRoutes, generateSite, serve, type Served } from '../fixtures/site.js';
import { tmpDir } from '../helpers.js';

const tmp = tmpDir();
let ext: Served;
let a: Served;
let b: Served;
const siteA = () => generateSite({ name: '甲市人民政府', seed: 3, articlesPerColumn: 2 });
let routesA: ReturnType<typeof siteA>['routes'];

beforeAll(async () => {
  ext = await serve(externalRoutes());
  routesA = generateSite({ name: '甲市人民政府', seed: 3, articlesPerColumn: 2, externalOrigin: ext.origin }).routes;
  a = await serve(routesA);
  b = await serve(generateSite({ name: '甲市教育局', seed: 4, articlesPerColumn: 2, externalOrigin: ext.origin, planted: false }).routes);
});
afterAll(async () => {
  await Promise.all([ext.close(), a.close(), b.close()]);
  tmp.cleanup();
});

describe('quarter over quarter', () => {
  it('tells per site which problems are new, fixed and persisting, and the notice and 整改清单 carry them', async () => {
    const groups = loadGroups();
    const db = openDb(path.join(tmp.dir, 'qoq.db'));
    const reg = path.join(tmp.dir, 'reg.csv');
    writeFileSync(
      reg,
      stringifyCsv([
        ['名称', '网址', '主办单位', '部门/地区'],
        ['甲市人民政府', `${a.origin}/`, '甲市人民政府办公室', '甲市'],
        ['甲市教育局', `${b.origin}/`, '甲市教育局', '甲市'],
      ]),
    );
    expect((await importRegistryFile(db, reg, { groups })).ok).toBe(true);
    const config = loadConfig(undefined, { allowPrivateNetwork: true, http: { retries: 0 } });
    const checks = ['availability', 'broken-links'];
    await runQuarter(db, { quarter: parseQuarter('2024Q1'), asOf: '2024-04-02', config, checks });

    // Between the quarters the office restores the banner image, and a new broken link appears on the home page.
    routesA.set('/images/banner-2023.jpg', { headers: { 'content-type': 'image/jpeg' }, body: Buffer.from('ffd8ffe0', 'hex') });
    const home = routesA.get('/')!;
    home.body = String(home.body).replace('</div>\n<div class="footer">', '<p><a href="/2024/new-topic.html">新专题</a></p></div>\n<div class="footer">');
    await runQuarter(db, { quarter: parseQuarter('2024Q2'), asOf: '2024-07-01', config, checks });

    const r = quarterReport(db, { quarter: '2024Q2' }, config.rules, groups);
    expect(r.changes?.previousRunId).toBe('2024Q1');
    const ch = r.changes!.sites.find((s) => s.site.name === '甲市人民政府')!;
    const targets = (fs: typeof ch.new) => fs.map((f) => new URL(f.target!).pathname).sort();
    expect(targets(ch.new)).toEqual(['/2024/new-topic.html']);
    expect(targets(ch.fixed)).toEqual(['/images/banner-2023.jpg']);
    expect(targets(ch.persisting)).toEqual(['/files/2023-budget.xls', '/gone.html', '/missing.html', '/zt/2023/index.html']);
    expect(ch).toMatchObject({ verdict: 'pass', previousVerdict: 'pass', firstInspection: false });
    const clean = r.changes!.sites.find((s) => s.site.name === '甲市教育局')!;
    expect([clean.new.length, clean.fixed.length, clean.persisting.length]).toEqual([0, 0, 0]);
    expect(r.changes!.totals).toEqual({ new: 1, fixed: 1, persisting: 4, newlyFailing: 0, nowPassing: 0 });

    const md = changesMarkdown(r.changes!, 'zh');
    expect(md).toContain('与 2024Q1 相比：新增问题 1 个，已整改 1 个，仍存在 4 个');
    expect(md).toContain(`- 已整改：链接不可用`);
    const notice = noticeMarkdown(noticeBlocks({ quarter: r.quarter, runId: r.run.id, asOf: r.run.as_of, lang: 'zh', tables: r.tables, failing: r.failing, categories: r.categories, changes: r.changes }), r.quarter, 'zh');
    expect(notice).toContain('与上季度相比，新发现问题1个，已整改问题1个，仍未整改问题4个');

    // 整改清单: per owner, each problem with its evidence (page, target, where on the page).
    expect(r.fixes.map((o) => o.owner)).toEqual(['甲市人民政府办公室']);
    const items = r.fixes[0].sites[0].items;
    const newTopic = items.find((i) => i.target?.endsWith('/2024/new-topic.html'))!;
    expect(newTopic).toMatchObject({ rule: 'W-D1', severity: 'deduction', url: `${a.origin}/` });
    expect(String(newTopic.evidence.location)).toContain('a');
    expect(fixMarkdown(r.fixes, 'zh')).toContain(`### 甲市人民政府办公室`);

    // An inspector confirms the new link as a false positive: it leaves the 整改清单 and the new problems.
    const id = (db.prepare(`SELECT id FROM findings WHERE run_id = '2024Q2' AND target LIKE '%/2024/new-topic.html'`).get() as { id: number }).id;
    addReview(db, { findingId: id, status: 'false_positive', comment: '专题页已迁移，链接由跳转处理', reviewer: '省政府办公厅', rules: config.rules });
    const after = quarterReport(db, { quarter: '2024Q2' }, config.rules, groups);
    expect(after.fixes[0].sites[0].items.some((i) => i.target?.endsWith('/2024/new-topic.html'))).toBe(false);
    expect(after.changes!.totals.new).toBe(0);
    db.close();
  });
});
