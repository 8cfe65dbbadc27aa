import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import staleContent from '../../checks/stale-content.js';
import { checkSite } from '../../src/site-check.js';
import { html, runOffline, runServed, config } from '../content/run.js';
import { generateHanwebSite, generateTrsSite } from '../fixtures/freshness.js';
import { externalRoutes, generateSite, serve, type Served } from '../fixtures/site.js';

const FORMATS: Array<[string, string, string]> = [
  ['工作动态', '2024-06-20', '2024-06-10'],
  ['部门动态', '2024/6/20', '2024/6/10'],
  ['乡镇动态', '2024.06.20', '2024.06.10'],
  ['县区动态', '2024年6月20日', '2024年6月10日'],
  ['政务要闻', '二〇二四年六月二十日', '二〇二四年六月十日'],
  ['图片新闻', '[06-20]', '[06-10]'],
  ['媒体关注', '06-20', '06-10'],
  ['基层传真', '民國113年6月20日', '民國113年6月10日'],
  ['今日头条', '2024-06-20 09:30', '2024-06-10 16:00'],
];

/** A list page per date format, and a home page that links to them and shows its own dated block. */
function formatSite() {
  const cols = FORMATS.map(([name, d1, d2], i) => ({
    path: `/c${i}/`,
    html: html(
      name,
      `<h2>${name}</h2><ul class="list"><li><a href="/c${i}/a1.html">${name}：加强基层治理能力建设工作部署会召开</a><span>${d1}</span></li><li><a href="/c${i}/a2.html">${name}：扎实做好民生保障工作情况通报</a><span>${d2}</span></li></ul>`,
    ),
  }));
  const home = html(
    SITE_NAME,
    `<div class="block"><h3><a href="/c0/">工作动态</a></h3><ul><li><a href="/c0/a1.html">工作动态：加强基层治理能力建设工作部署会召开</a><span>2024-06-25</span></li></ul></div><ul class="lanmu">${FORMATS.map(([n], i) => `<li><a href="/c${i}/">${n}</a></li>`).join('')}</ul>`,
  );
  return [{ path: '/', html: home }, ...cols];
}
const SITE_NAME = '示例市人民政府';
const offline = { maxProbes: 0 };

describe('stale-content (W-V2, W-V3 a/b, W-D4)', () => {
  it('reads list dates in every format and holds each column to its class rule, relative to as-of', async () => {
    const fresh = await runOffline(staleContent, formatSite(), offline, '2024-07-01');
    expect(fresh.findings).toEqual([]);
    expect(fresh.summary?.homeAgeDays).toBe(6);
    const table = fresh.summary?.table as Array<{ name: string; newest: string; class: string; level: number }>;
    for (const [name] of FORMATS)
      expect(
        table.find((c) => c.name === name),
        name,
      ).toMatchObject({ newest: '2024-06-20', class: 'dynamic', level: 1 });

    const late = await runOffline(staleContent, formatSite(), offline, '2024-07-25');
    const stale = late.findings.filter((f) => f.code === 'column-stale');
    expect(stale.map((f) => f.evidence.column).sort()).toEqual(FORMATS.map(([n]) => n).sort());
    for (const f of stale) expect(f).toMatchObject({ severity: 'deduction', rule: 'W-D4', points: 1, evidence: { newestDate: '2024-06-20', daysStale: 35, class: 'dynamic' } });
    expect(late.findings.find((f) => f.code === 'columns-a')).toMatchObject({ severity: 'veto', rule: 'W-V3', params: { count: 9, limit: 5 } });
    expect(late.findings.find((f) => f.code === 'home-stale')).toMatchObject({ severity: 'veto', rule: 'W-V2', params: { days: 30 } });
    expect(late.status).toBe('fail');
    // Reproducible: the same input and as-of give the same findings.
    const again = await runOffline(staleContent, formatSite(), offline, '2024-07-25');
    expect(again.findings.map((f) => f.message)).toEqual(late.findings.map((f) => f.message));
  });

  it('warns at 10 days and vetoes after 14; footer, header and document-number dates are not news', async () => {
    const home = (newest: string) =>
      html(
        SITE_NAME,
        `<div class="top">今天是2024年7月1日 星期一</div><div class="block"><h3>政务要闻</h3><ul><li><a href="/a/1.html">市政府常务会议研究部署重点工作</a><span>${newest}</span></li><li><a href="/a/2.html">苏政发〔2024〕30号文件解读</a><span>2024-05-02</span></li></ul></div><div class="footer"><p>更新日期：2024-06-30</p></div>`,
      );
    const at = async (newest: string) => runOffline(staleContent, [{ path: '/', html: home(newest) }], offline, '2024-07-01');
    expect((await at('2024-06-22')).findings).toEqual([]);
    const warn = await at('2024-06-21');
    expect(warn.findings).toHaveLength(1);
    expect(warn.findings[0]).toMatchObject({ code: 'home-warning', severity: 'warning', rule: 'W-V2', params: { days: 10 } });
    expect(warn.status).toBe('pass');
    expect((await at('2024-06-17')).findings.map((f) => f.code)).toEqual(['home-warning']);
    const veto = await at('2024-06-16');
    expect(veto.findings[0]).toMatchObject({ code: 'home-stale', severity: 'veto', tier: 'confirmed', evidence: { newestDate: '2024-06-16', daysStale: 15, newestTitle: '市政府常务会议研究部署重点工作' } });
    expect(veto.findings[0].message).toBe('首页 15 天未更新（最新信息 2024-06-16），超过 14 天');
    expect(veto.findings[0].messageEn).toContain('not updated for 15 days');
  });

  it('applies each class: first-level notices and policies count toward (a), deeper ones toward (b), policy −5, periodic −1, unclassified named', async () => {
    const list = (name: string, date: string, meta?: Record<string, string>) =>
      html(
        name,
        `<h2>${name}</h2><ul class="list"><li><a href="/x/${encodeURIComponent(name)}1.html">${name}：关于做好年度重点工作的通知</a><span>${date}</span></li><li><a href="/x/${encodeURIComponent(name)}2.html">${name}：关于进一步加强管理的意见</a><span>2020-01-02</span></li></ul>`,
        meta,
      );
    const pages = [
      {
        path: '/',
        html: html(
          SITE_NAME,
          `<div class="block"><h3>要闻</h3><ul><li><a href="/n/1.html">全市经济运行情况新闻发布会召开</a><span>2024-06-28</span></li></ul></div><ul class="lanmu"><li><a href="/tzgg/">通知公告</a></li><li><a href="/zcwj/">政策文件</a></li><li><a href="/rsxx/">人事信息</a></li><li><a href="/fcz/">风采展示</a></li><li><a href="/jgzn/">机构职能</a></li><li><a href="/zwgk/">政务公开</a></li></ul>`,
        ),
      },
      { path: '/tzgg/', html: list('通知公告', '2023-12-01', { ColumnName: '通知公告' }) },
      { path: '/zcwj/', html: list('政策文件', '2023-11-01', { ColumnName: '政策文件' }) },
      { path: '/rsxx/', html: list('人事信息', '2023-05-01') },
      { path: '/fcz/', html: list('风采展示', '2023-01-01') },
      { path: '/jgzn/', html: list('机构职能', '2019-01-01') },
      { path: '/zwgk/', html: html('政务公开', `<h2>政务公开</h2><ul class="sub-lanmu"><li><a href="/zwgk/bmwj/">部门文件</a></li></ul><p>${'政务公开专栏介绍。'.repeat(20)}</p>`) },
      { path: '/zwgk/bmwj/', html: list('部门文件', '2023-10-01', { ColumnName: '部门文件' }), depth: 2 },
    ];
    const r = await runOffline(staleContent, pages, offline, '2024-07-01');
    const by = (name: string) => r.findings.find((f) => f.evidence.column === name);
    expect(by('通知公告')).toMatchObject({ code: 'column-stale', points: 1, evidence: { class: 'notice', level: 1, countsToward: 'W-V3(a)', daysStale: 213 } });
    expect(by('政策文件')).toMatchObject({ code: 'column-stale', points: 5, evidence: { class: 'policy', level: 1, countsToward: 'W-V3(a)' } });
    expect(by('部门文件')).toMatchObject({ points: 5, evidence: { class: 'policy', level: 2, countsToward: 'W-V3(b)' } });
    expect(by('人事信息')).toMatchObject({ points: 1, evidence: { class: 'periodic', countsToward: null, limitDays: 365 } });
    expect(by('机构职能')).toBeUndefined();
    expect(r.findings.find((f) => f.code === 'unclassified')).toMatchObject({ severity: 'info', params: { count: 1, names: '风采展示' } });
    expect(r.summary).toMatchObject({ staleA: 2, staleB: 1 });
    // Thresholds are options: three (a) columns warn by default; a province may set the veto at 2.
    const strict = await runOffline(staleContent, pages, { ...offline, vetoA: 2, unclassified: 'should-update' }, '2024-07-01');
    expect(strict.findings.find((f) => f.code === 'columns-a')).toMatchObject({ severity: 'veto', params: { count: 2, limit: 2 } });
    expect(strict.findings.find((f) => f.evidence.column === '风采展示')).toMatchObject({ evidence: { class: 'should-update' } });
    const named = await runOffline(staleContent, pages, { ...offline, addNames: { dynamic: ['风采'] } }, '2024-07-01');
    expect(named.findings.find((f) => f.evidence.column === '风采展示')).toMatchObject({ evidence: { class: 'dynamic', matchedBy: '风采' } });
  });

  it('judges a navigation-only home page by its second-level pages, and items without dates as not updated', async () => {
    const nav = html(SITE_NAME, `<div class="rukou"><a href="/xxgk/">信息公开</a> <a href="/bsfw/">办事服务</a></div>`);
    const second = (date: string) =>
      html(
        '信息公开',
        `<h2>信息公开</h2><ul class="list"><li><a href="/xxgk/1.html">关于公布第一批重点项目名单的公告</a><span>${date}</span></li><li><a href="/xxgk/2.html">关于调整部分公交线路的公告内容</a><span>2024-01-05</span></li><li><a href="/xxgk/3.html">关于开展安全生产大检查的通知</a><span>2024-01-02</span></li></ul>`,
      );
    const ok = await runOffline(
      staleContent,
      [
        { path: '/', html: nav },
        { path: '/xxgk/', html: second('2024-06-28') },
      ],
      offline,
    );
    expect(ok.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    const old = await runOffline(
      staleContent,
      [
        { path: '/', html: nav },
        { path: '/xxgk/', html: second('2024-05-28') },
      ],
      offline,
    );
    expect(old.findings[0]).toMatchObject({ code: 'home-nav-stale', severity: 'veto', rule: 'W-V2', evidence: { newestDate: '2024-05-28' } });
    // Nothing dated anywhere: not updated, but only suspected (the dates may be out of our sight, e.g. loaded by script).
    const undated = await runOffline(
      staleContent,
      [{ path: '/', html: html(SITE_NAME, '<ul class="news"><li><a href="/a.html">市政府召开全体会议部署工作</a></li><li><a href="/b.html">全市安全生产工作会议召开</a></li><li><a href="/c.html">我市启动防汛四级应急响应</a></li></ul>') }],
      offline,
    );
    expect(undated.findings[0]).toMatchObject({ code: 'home-undated', severity: 'veto', tier: 'suspected' });
    expect(undated.status).toBe('pass');
  });
});

describe('stale-content on served sites (real crawl on 127.0.0.1)', () => {
  let ext: Served;
  const servers: Served[] = [];
  beforeAll(async () => {
    ext = await serve(externalRoutes());
  });
  afterAll(async () => {
    await Promise.all([ext.close(), ...servers.map((s) => s.close())]);
  });
  const up = async (routes: Parameters<typeof serve>[0]) => {
    const s = await serve(routes);
    servers.push(s);
    return s;
  };

  it('the standard fixture site is clean as of 2024-07-01 and fails with a W-V2 veto when its home page is stale', async () => {
    const clean = await up(generateSite({ externalOrigin: ext.origin, planted: false }).routes);
    const checks = ['stale-content', 'blank-columns', 'publish-dates', 'interaction', 'services'];
    const ok = await checkSite({ id: 'clean', url: `${clean.origin}/`, kind: 'website' }, { config: { ...config, allowPrivateNetwork: true }, asOf: '2024-07-01', checks });
    expect(ok.verdict).toBe('pass');
    for (const c of ok.checks)
      expect(
        c.findings.filter((f) => f.severity !== 'info'),
        c.id,
      ).toEqual([]);

    const stale = await up(generateSite({ externalOrigin: ext.origin, planted: false, newest: '2024-06-01' }).routes);
    const bad = await checkSite({ id: 'stale', url: `${stale.origin}/`, kind: 'website' }, { config: { ...config, allowPrivateNetwork: true }, asOf: '2024-07-01', checks });
    expect(bad.verdict).toBe('fail');
    expect(bad.decidedBy.find((h) => h.rule === 'W-V2')).toMatchObject({ kind: 'veto' });
    const f = bad.checks.find((c) => c.id === 'stale-content')!.findings.find((x) => x.code === 'home-stale')!;
    expect(f.evidence).toMatchObject({ newestDate: '2024-06-01', daysStale: 30 });
  });

  it('plants stale columns with their truth: a policy column over 6 months is −5, a notice column −1', async () => {
    const site = generateSite({ externalOrigin: ext.origin, planted: false, freshness: { columnNewest: { zcwj: '2023-11-01', tzgg: '2023-12-01' } } });
    const s = await up(site.routes);
    const r = (await runServed([staleContent], s.origin, '2024-07-01'))['stale-content'];
    const stale = r.findings.filter((f) => f.code === 'column-stale');
    expect(stale.map((f) => new URL(f.url).pathname).sort()).toEqual(site.truth.freshness!.staleColumns.map((c) => c.path).sort());
    expect(stale.find((f) => f.evidence.column === '政策文件')!.points).toBe(5);
    expect(stale.find((f) => f.evidence.column === '通知公告')!.points).toBe(1);
    expect(r.findings.some((f) => f.severity === 'veto')).toBe(false);
  });

  it('finds the columns of a Hanweb JCMS site (jpage datastore in CDATA) and of a Traditional one', async () => {
    const hw = generateHanwebSite();
    const s = await up(hw.routes);
    const r = (await runServed([staleContent], s.origin, '2024-07-01'))['stale-content'];
    const table = r.summary!.table as Array<{ name: string; newest: string | null; url: string; class: string; blank: string | null }>;
    for (const [name, c] of Object.entries(hw.columns)) {
      const col = table.find((t) => t.name === name)!;
      expect(col, name).toBeDefined();
      expect(new URL(col.url).pathname).toBe(c.path);
      expect(col.newest).toBe(c.newest || null);
    }
    expect(r.findings.filter((f) => f.severity !== 'info')).toEqual([]);

    const tw = generateHanwebSite({ traditional: true, staleDynamic: true });
    const t = await up(tw.routes);
    const rt = (await runServed([staleContent], t.origin, '2024-07-01'))['stale-content'];
    expect(rt.findings.find((f) => f.code === 'column-stale')).toMatchObject({ evidence: { column: '工作動態', class: 'dynamic', newestDate: '2024-05-16' } });
    expect(rt.findings.find((f) => f.code === 'home-stale')).toMatchObject({ evidence: { newestDate: '2024-06-16' } });
  });

  it('dates a TRS list whose items show only month and day by the date in their URLs, and a navigation home page by its second level', async () => {
    const trs = generateTrsSite({ navigationOnly: true, newest: '2024-05-01' });
    const s = await up(trs.routes);
    const r = (await runServed([staleContent], s.origin, '2024-07-01'))['stale-content'];
    expect(r.findings.find((f) => f.code === 'home-nav-stale')).toMatchObject({ severity: 'veto', evidence: { newestDate: '2024-05-01', daysStale: 61 } });
    const table = r.summary!.table as Array<{ name: string; newest: string; items: number }>;
    expect(table.find((c) => c.name === '通知公告')).toMatchObject({ newest: '2024-05-01', items: 20 });
  });
});
