import { describe, expect, it } from 'vitest';
import blankColumns from '../../checks/blank-columns.js';
import staleContent from '../../checks/stale-content.js';
import type { CheckModule } from '../../src/check-api/api.js';
import { notColumnReason } from '../../src/analysis/content/columns.js';
import { analyzePage, DEFAULT_PLACEHOLDERS, type PageContent } from '../../src/analysis/content/page-analysis.js';
import { artifactsFromHtml } from '../../src/gather/page-artifact.js';
import { angularList, articleStart, columnPage, plainHome, scriptList, scriptShell, tableColumnList, tabbedHome } from '../fixtures/real-structures.js';
import { runOffline } from './run.js';

const probe = { meta: { id: 'probe' }, collect: (ctx: Parameters<typeof analyzePage>[0]) => analyzePage(ctx, { placeholders: DEFAULT_PLACEHOLDERS }), run: () => ({ findings: [] }) } as unknown as CheckModule;
function analyze(html: string, path = '/list/', asOf = '2023-08-02'): PageContent {
  const a = artifactsFromHtml(
    [
      { url: 'http://127.0.0.1:9/', html: '<p>home</p>' },
      { url: `http://127.0.0.1:9${path}`, html },
    ],
    { asOf, collectors: [{ module: probe, options: {} }] },
  );
  return a.pages[1].collected.probe as PageContent;
}

type Row = { name: string; items: number; newest: string | null; blank: string | null };
const table = (summary: Record<string, unknown> | undefined) => summary!.table as Row[];

/** The menu's column pages answer; the links that are not columns lead to 404 pages (as dead links do on real sites). */
const homeSite = () => [
  { path: '/', html: tabbedHome() },
  { path: '/zwgk/', html: columnPage('政务公开', [['/zwgk/202307/t20230730_1.shtml', '政务公开目录更新说明', '2023-07-30']]), depth: 1 },
  { path: '/hdjl/', html: columnPage('互动交流', [['/hdjl/202307/t20230729_1.shtml', '关于营业执照办理的留言答复', '2023-07-29']]), depth: 1 },
  { path: '/bsfw/', html: columnPage('办事服务', [['/bsfw/202307/t20230728_1.shtml', '食品经营许可办事指南更新', '2023-07-28']]), depth: 1 },
  { path: '/zwgk/tzgg/', html: columnPage('通知公告', [['/zwgk/tzgg/202307/t20230725_41.shtml', '关于印发买卖合同示范文本的通知', '2023-07-25']]), depth: 1 },
  { path: '/ld/wangjianguo/', html: '<html><body>404</body></html>', status: 404, depth: 1 },
  { path: '/xwdt/zxdt/', html: '<html><body>404</body></html>', status: 404, depth: 1 },
  { path: '/zwgk/wj/', html: '<html><body>404</body></html>', status: 404, depth: 1 },
  { path: '/search/index.html?sword=%E8%BD%AC%E5%9E%8B', html: '<html><body>404</body></html>', status: 404, depth: 1 },
];

describe('column discovery on real page structures (src/analysis/content/columns.ts)', () => {
  it('binds tab headers to their panes: each pane its own column named after its tab; an empty script-filled pane is no column', async () => {
    const r = await runOffline(staleContent, homeSite(), { maxProbes: 0 }, '2023-08-02');
    const rows = table(r.summary);
    const by = (n: string) => rows.find((c) => c.name === n);
    // Tabs bound by order (four panes, one hidden and three shown by the tab), by handler index (setTab('zw',n) → con_zw_n).
    expect(by('省局动态')).toMatchObject({ items: 2, newest: '2023-07-28' });
    expect(by('行业直通')).toMatchObject({ items: 2, newest: '2023-07-27' });
    expect(by('招考录用')).toMatchObject({ items: 2, newest: '2023-06-30' });
    expect(by('通知公告')).toMatchObject({ items: 2, newest: '2023-07-25' }); // the tab and its list page are one column
    expect(by('总局要闻')).toMatchObject({ items: 2, newest: '2023-06-20' });
    expect(by('政策文件')).toMatchObject({ items: 2, newest: '2023-07-31' });
    expect(by('政策解读')).toMatchObject({ items: 2, newest: '2023-07-10' });
    // A heading written as the list's first child names that list only.
    expect(by('抽检公告')).toMatchObject({ items: 2, newest: '2023-07-31' });
    expect(by('广告审查')).toMatchObject({ items: 2, newest: '2023-07-11' });
    // The first tab's pane is empty in the HTML (a script fills it): it gives no column, and its name is not lent to another pane.
    expect(by('时政要闻')).toBeUndefined();
    expect(r.findings.filter((f) => f.code === 'column-stale').map((f) => f.evidence.column)).toEqual(['总局要闻']);
    expect(r.findings.filter((f) => f.severity === 'veto')).toEqual([]);
  });

  it('does not take the logo, hot-search keywords, a leader, a headline or a dated document for a column', async () => {
    const r = await runOffline(blankColumns, homeSite(), { maxProbes: 0 }, '2023-08-02');
    const names = table(r.summary).map((c) => c.name);
    for (const n of ['王建国', '转型', '许可证办理', '示例省测试局', '首页']) expect(names).not.toContain(n);
    expect(names.some((n) => n.startsWith('省局召开') || n.startsWith('抽检工作'))).toBe(false);
    const why = Object.fromEntries((r.summary!.notColumns as Array<{ text: string; reason: string }>).map((x) => [x.text, x.reason]));
    expect(why).toEqual({ 王建国: 'person', 转型: 'search', 许可证办理: 'search', 省局召开全省工作会议部署任务: 'sentence', '抽检工作通知〔2023〕7号': 'document' });
    expect(r.findings.filter((f) => f.code === 'blank')).toEqual([]);
    expect(r.status).toBe('pass');
    // The rule on its own: a name counts as a person only beside a leader's title or in a leaders' list.
    expect(notColumnReason({ text: '王建国', href: 'http://x.gov.cn/ld/wjg/' })).toBe('person');
    expect(notColumnReason({ text: '公示公告', href: 'http://x.gov.cn/gsgg/', nearLeaderTitle: true })).toBeUndefined();
    expect(notColumnReason({ text: '高新区', href: 'http://x.gov.cn/gxq/' })).toBeUndefined();
    expect(notColumnReason({ text: '重大建设项目批准和实施领域', href: 'http://x.gov.cn/zdly/' })).toBeUndefined();
    expect(notColumnReason({ text: '政府信息公开年度报告', href: 'http://x.gov.cn/ndbg/' })).toBeUndefined();
    expect(notColumnReason({ text: '市长主持召开常务会议', href: 'http://x.gov.cn/a/' })).toBe('sentence');
    expect(notColumnReason({ text: '关于印发实施方案的通知〔2023〕12号', href: 'http://x.gov.cn/wj/' })).toBe('document');
    expect(notColumnReason({ text: '政策文件', href: 'http://x.gov.cn/zcwj/202308/t20230828_1.html' })).toBe('document');
  });

  it('checks the site home page, not the article, when the registered address is an article; says so when the home page cannot be reached', async () => {
    const article = { path: '/zwgk/tzgg/202110/t20211011_5.shtml', html: articleStart() };
    const reached = await runOffline(staleContent, [article, { path: '/', html: plainHome('2023-09-28'), depth: 1 }], { maxProbes: 0 }, '2023-10-01');
    expect(reached.findings.find((f) => f.code === 'start-article')).toMatchObject({ severity: 'info', evidence: { home: 'http://127.0.0.1:9/' } });
    expect(reached.summary!.homeNewest).toBe('2023-09-28');
    expect(reached.findings.filter((f) => f.rule === 'W-V2')).toEqual([]);

    // The site root answers 404 and nothing else is a home page: could not be checked — never a W-V2 veto from the
    // article's 关联稿件 box (2018) or its own 发布时间 (2021).
    const lost = await runOffline(staleContent, [article, { path: '/', html: '<html><body>404</body></html>', status: 404, depth: 1 }], { maxProbes: 0 }, '2023-10-01');
    expect(lost.findings.find((f) => f.code === 'home-not-found')).toMatchObject({ severity: 'warning', tier: 'suspected', rule: 'W-V2' });
    expect(lost.findings.filter((f) => f.severity === 'veto' || f.severity === 'deduction').filter((f) => f.tier === 'confirmed')).toEqual([]);
    expect(lost.status).toBe('pass');
  });

  it('checks the home page, not a column list whose two-level address looks like a home (real structure: breadcrumb and 首页 link)', async () => {
    const list = {
      path: '/xxgk/nb/',
      html: tableColumnList([
        ['./202009/t20200903_11.html', '示范区2019年政府信息公开工作年度报告', '2020-09-03'],
        ['./202005/t20200506_12.html', '示范区召开年度工作会议', '2020-05-06'],
        ['./201811/t20181102_13.html', '示范区召开2018年度工作会议', '2018-03-26'],
      ]),
    };
    // /xxgk/nb/ passes for a sub-site's home by its path; its breadcrumb 首页>>信息公开>>年度报告 and its 首页 link to
    // ../../ say it is a column page. The root answers 404: could not be checked — never a W-V2 veto from the list.
    const lost = await runOffline(staleContent, [list, { path: '/', html: '<html><body>404</body></html>', status: 404, depth: 1 }], { maxProbes: 0 }, '2020-10-30');
    const notFound = lost.findings.find((f) => f.code === 'home-not-found');
    expect(notFound).toMatchObject({ severity: 'warning', tier: 'suspected', rule: 'W-V2' });
    expect(String(notFound!.evidence.actual)).toContain('breadcrumb 首页 > 信息公开 > 年度报告');
    expect(lost.findings.filter((f) => f.code === 'home-stale')).toEqual([]);
    expect(lost.findings.filter((f) => (f.severity === 'veto' || f.severity === 'deduction') && f.tier === 'confirmed')).toEqual([]);
    // The root is a fresh home page: it is checked instead.
    const reached = await runOffline(staleContent, [list, { path: '/', html: plainHome('2020-10-28'), depth: 1 }], { maxProbes: 0 }, '2020-10-30');
    expect(reached.findings.find((f) => f.code === 'start-article')).toMatchObject({ severity: 'info', evidence: { home: 'http://127.0.0.1:9/' } });
    expect(reached.summary!.homeNewest).toBe('2020-10-28');
    expect(reached.findings.filter((f) => f.rule === 'W-V2')).toEqual([]);
    // A home page at such an address (no breadcrumb trail) is still judged as the home page.
    const subHome = await runOffline(staleContent, [{ path: '/xxgk/nb/', html: plainHome('2020-08-01') }], { maxProbes: 0 }, '2020-10-30');
    expect(subHome.findings.find((f) => f.code === 'home-stale')).toMatchObject({ severity: 'veto', rule: 'W-V2' });
  });

  it('binds tabs by the pane id they name, and leaves a pane unnamed when tabs and panes cannot be matched', () => {
    const item = (n: number) => `<li><a href="/x/202307/t2023071${n}_${n}.html">关于开展第${n}批质量提升工作的通知</a><span>2023-07-1${n}</span></li>`;
    const byRef = analyze(`<div class="box"><div class="tab-hd"><a href="#p-b" data-toggle="tab">工作动态</a><a href="#p-a" data-toggle="tab">通知公告</a></div>
      <div class="tab-bd"><div id="p-a"><ul>${item(1)}${item(2)}</ul></div><div id="p-b" class="hidden" hidden><ul>${item(3)}${item(4)}</ul></div></div></div>`);
    expect(byRef.blocks.map((b) => [b.heading, b.items.length, b.tab, b.hidden ?? false])).toEqual([
      ['通知公告', 2, true, false],
      ['工作动态', 2, true, true],
    ]);
    const unmatched = analyze(`<div class="box"><h3 class="tab"><a href="/a/">工作动态</a><a href="/b/">通知公告</a></h3>
      <div class="pane"><ul>${item(1)}${item(2)}</ul><ul>${item(3)}${item(4)}</ul><ul>${item(5)}${item(6)}</ul></div></div>`);
    expect(unmatched.blocks.map((b) => b.heading)).toEqual([undefined, undefined, undefined]);
  });

  it('reads list items from JSON in a script and marks script-built pages; neither blank nor stale when unreadable', async () => {
    const list = analyze(
      scriptList([
        { title: '全市质量工作会议召开', url: '/gzdt/202306/t20230628_1.html', date: '2023-06-28' },
        { title: '开展计量宣传日活动', url: '/gzdt/202305/t20230520_2.html', date: '2023-05-20' },
      ]),
      '/gzdt/',
    );
    expect(list.blocks.find((b) => b.source === 'script')).toMatchObject({
      total: 2,
      dated: 2,
      items: [{ title: '全市质量工作会议召开', href: 'http://127.0.0.1:9/gzdt/202306/t20230628_1.html', date: '2023-06-28' }, { date: '2023-05-20' }],
    });
    expect(list.scriptBuilt).toBe(true);
    const shell = analyze(scriptShell(), '/xxgk/');
    expect(shell).toMatchObject({ scriptBuilt: true, blocks: [] });
    expect(shell.scriptSignals.join(' ')).toMatch(/empty list container|loading/);
    expect(analyze(angularList(), '/rsxx/').scriptBuilt).toBe(true);
    // A page with its own list, or an empty column that says so, is not script-built.
    expect(analyze(columnPage('通知公告', [['/a/202307/t20230725_1.shtml', '关于开展质量月活动的通知', '2023-07-25']])).scriptBuilt).toBe(false);
    expect(analyze('<div class="crumb">当前位置：首页 &gt; 人事信息</div><ul class="list"><li>暂无信息</li></ul><script src="/js/a.js"></script>').scriptBuilt).toBe(false);

    const home = `<html><head><title>示例省测试局</title></head><body><div class="menu"><ul><li><a href="/gzdt/">工作动态</a></li><li><a href="/xxgk/">信息公开</a></li><li><a href="/rsxx/">人事信息</a></li><li><a href="/lost/">统计数据</a></li></ul></div>
      <div class="box"><h3>通知公告</h3><ul><li><a href="/tzgg/202307/t20230730_1.html">关于开展质量提升行动的通知</a><span>2023-07-30</span></li></ul></div></body></html>`;
    const pages = [
      { path: '/', html: home },
      {
        path: '/gzdt/',
        html: scriptList([
          { title: '全市质量工作会议召开', url: '/gzdt/202307/t20230728_1.html', date: '2023-07-28' },
          { title: '开展计量宣传日活动', url: '/gzdt/202307/t20230720_2.html', date: '2023-07-20' },
        ]),
        depth: 1,
      },
      { path: '/xxgk/', html: scriptShell(), depth: 1 },
      { path: '/rsxx/', html: angularList(), depth: 1 },
    ];
    // /lost/ is beyond the crawl: its probe gets no answer (nothing listens on the port) — unknowable, not blank.
    const blank = await runOffline(blankColumns, pages, { maxProbes: 5 }, '2023-08-02');
    expect(blank.findings.filter((f) => f.code === 'blank' || f.code === 'blank-veto' || f.code === 'blank-warning')).toEqual([]);
    const notChecked = blank.findings.find((f) => f.code === 'not-checked')!;
    expect(notChecked).toMatchObject({ severity: 'info', tier: 'suspected' });
    expect((notChecked.evidence.pages as Array<{ name: string; detail: string }>).map((p) => [p.name, p.detail.startsWith('page built by script') ? 'script' : 'no answer']).sort()).toEqual([
      ['人事信息', 'script'],
      ['信息公开', 'script'],
      ['统计数据', 'no answer'],
    ]);
    const stale = await runOffline(staleContent, pages, { maxProbes: 0 }, '2023-08-02');
    expect(table(stale.summary).find((c) => c.name === '工作动态')).toMatchObject({ items: 2, newest: '2023-07-28' });
    expect(stale.findings.filter((f) => f.tier !== 'suspected' && (f.severity === 'veto' || f.severity === 'deduction'))).toEqual([]);
  });
});
