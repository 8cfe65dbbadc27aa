import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import blankColumns from '../../checks/blank-columns.js';
import { html, runOffline, runServed } from '../content/run.js';
import type { BlankForm } from '../fixtures/freshness.js';
import { externalRoutes, generateSite, serve, type Served } from '../fixtures/site.js';

const offline = { maxProbes: 0 };
const crumb = (name: string) => `<div class="crumb">当前位置：<a href="/">首页</a> &gt; ${name}</div><h2>${name}</h2>`;

describe('blank-columns (W-V3 c)', () => {
  it('recognises each form of a blank column and reports what was seen', async () => {
    const home = html(
      '示例市人民政府',
      `<div class="block"><h3>政务要闻</h3><ul><li><a href="/n/1.html">全市经济运行情况新闻发布会召开</a><span>2024-06-28</span></li><li><a href="/n/2.html">我市重点民生工程建设中取得新进展</a><span>2024-06-27</span></li></ul></div>
       <div class="block"><h3><a href="/gsgg/">公示公告</a></h3><ul><li>暂无信息</li></ul></div>
       <ul class="lanmu"><li><a href="/a/">人事信息</a></li><li><a href="/b/">規劃計劃</a></li><li><a href="/c/">统计数据</a></li><li><a href="/d/">财政预决算</a></li><li><a href="/e/">建议提案</a></li><li><a href="/f/">机构职能</a></li><li><a href="/g/">政务要闻</a></li></ul>`,
    );
    const pages = [
      { path: '/', html: home },
      { path: '/a/', html: html('人事信息', `${crumb('人事信息')}<div class="list"><p>暂无信息</p></div>`, { ColumnName: '人事信息' }) },
      { path: '/b/', html: html('規劃計劃', `${crumb('規劃計劃')}<div class="list"><p>暫無數據</p></div>`) },
      { path: '/c/', html: html('统计数据', `${crumb('统计数据')}<div class="con"><p>栏目正在建设中，敬请期待！</p></div>`) },
      { path: '/d/', html: html('财政预决算', `${crumb('财政预决算')}<ul class="list"></ul>`, { ColumnName: '财政预决算' }) },
      { path: '/e/', html: '<html><body>页面不存在</body></html>', status: 404 },
      { path: '/f/', html: html('机构职能', `${crumb('机构职能')}<div class="con"><p>${'负责贯彻执行国家有关方针政策和法律法规，拟订全市相关发展规划并组织实施。'.repeat(4)}</p></div>`) },
      { path: '/g/', html: html('政务要闻', `${crumb('政务要闻')}<ul class="list"><li><a href="/n/1.html">全市经济运行情况新闻发布会召开</a><span>2024-06-28</span></li></ul>`) },
    ];
    const r = await runOffline(blankColumns, pages, offline);
    const blank = r.findings.filter((f) => f.code === 'blank');
    const by = (name: string) => blank.find((f) => f.evidence.column === name);
    expect(by('公示公告')).toMatchObject({ severity: 'info', rule: 'W-V3', evidence: { reason: 'placeholder', placeholder: '暂无信息' } });
    expect(by('人事信息')).toMatchObject({ evidence: { reason: 'placeholder', placeholder: '暂无信息', class: 'periodic', level: 1 } });
    expect(by('規劃計劃')).toMatchObject({ evidence: { reason: 'placeholder', placeholder: '暫無數據', class: 'periodic' } });
    expect(by('统计数据')).toMatchObject({ evidence: { reason: 'placeholder', placeholder: '栏目正在建设中，敬请期待！' } });
    expect(by('财政预决算')).toMatchObject({ evidence: { reason: 'no-items', class: 'should-update' } });
    // A column page that answers 404 is a broken link (W-D1) and only a suspected blank column: listed, not counted.
    expect(by('建议提案')).toMatchObject({ tier: 'suspected', evidence: { reason: 'dead', status: 404 } });
    expect(by('建议提案')!.evidence.linkedFrom).toEqual(['http://127.0.0.1:9/']);
    expect(by('机构职能')).toBeUndefined();
    expect(by('政务要闻')).toBeUndefined();
    expect(blank).toHaveLength(6);
    expect(r.findings[0]).toMatchObject({ code: 'blank-veto', severity: 'veto', tier: 'confirmed', params: { count: 5, limit: 5 } });
    expect(r.findings[0].evidence.suspected).toEqual([{ name: '建议提案', url: 'http://127.0.0.1:9/e/', reason: 'dead', status: 404 }]);
    expect(r.status).toBe('fail');
    expect(by('人事信息')!.message).toBe('空白栏目“人事信息”：显示占位文字（暂无信息）');
    expect(by('人事信息')!.messageEn).toBe('Blank column "人事信息": shows a placeholder (暂无信息)');
  });

  it('reads an empty Hanweb jpage recordset as blank and a filled one as not', async () => {
    const store = (records: string) =>
      `<div id="4201"><script type="text/xml"><datastore><nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&columnid=101&unitid=4201"></a>]]></nextgroup><recordset>${records}</recordset></datastore></script></div>`;
    const pages = [
      { path: '/', html: html('示例县人民政府', '<div class="nav2"><ul class="lanmu"><li><a href="/col/col101/index.html">工作动态</a></li><li><a href="/col/col102/index.html">审计公告</a></li></ul></div>') },
      {
        path: '/col/col101/index.html',
        html: html('工作动态', `<div class="lm-title">工作动态</div>${store('<record><![CDATA[<li><a href="/art/2024/6/28/art_101_1.html" title="县政府召开常务会议">县政府召开常务会议</a><span>2024-06-28</span></li>]]></record>')}`, {
          ColumnName: '工作动态',
        }),
      },
      { path: '/col/col102/index.html', html: html('审计公告', `<div class="lm-title">审计公告</div>${store('')}`, { ColumnName: '审计公告' }) },
    ];
    const r = await runOffline(blankColumns, pages, offline);
    expect(r.findings.filter((f) => f.code !== 'unverified').map((f) => [f.code, f.evidence.column, f.evidence.reason])).toEqual([['blank', '审计公告', 'empty-recordset']]);
    // The page template's navigation links lead beyond these pages; with probing off they are named, not guessed at.
    expect(r.findings.find((f) => f.code === 'unverified')).toMatchObject({ severity: 'info', params: { count: 6 } });
  });

  it('does not take a news title that mentions 建设中 for a placeholder', async () => {
    const pages = [
      { path: '/', html: html('示例市人民政府', '<ul class="lanmu"><li><a href="/zdxm/">重大项目</a></li></ul>') },
      { path: '/zdxm/', html: html('重大项目', `${crumb('重大项目')}<ul class="list"><li><a href="/zdxm/1.html">全市在建中重大项目进展顺利，建设中项目达120个</a><span>2024-06-20</span></li></ul>`) },
    ];
    expect((await runOffline(blankColumns, pages, offline)).findings.filter((f) => f.code !== 'unverified')).toEqual([]);
  });
});

describe('blank-columns on served fixture sites', () => {
  let ext: Served;
  const servers: Served[] = [];
  beforeAll(async () => {
    ext = await serve(externalRoutes());
  });
  afterAll(async () => {
    await Promise.all([ext.close(), ...servers.map((s) => s.close())]);
  });

  it('a site with 5 blank columns fails, one with 4 passes this rule with an early warning; the threshold is configuration', async () => {
    const seen: BlankForm[] = ['placeholder', 'building', 'empty-list', 'empty-recordset', 'placeholder'];
    const five = generateSite({ externalOrigin: ext.origin, planted: false, freshness: { blankColumns: 5, blankForms: seen } });
    const four = generateSite({ externalOrigin: ext.origin, planted: false, freshness: { blankColumns: 4, blankForms: seen.slice(0, 4) } });
    const s5 = await serve(five.routes);
    const s4 = await serve(four.routes);
    servers.push(s5, s4);
    const r5 = (await runServed([blankColumns], s5.origin, '2024-07-01'))['blank-columns'];
    expect(r5.status).toBe('fail');
    expect(r5.findings[0]).toMatchObject({ code: 'blank-veto', severity: 'veto', rule: 'W-V3', params: { count: 5 } });
    const reported = r5.findings
      .filter((f) => f.code === 'blank')
      .map((f) => [new URL(f.url).pathname, f.evidence.reason])
      .sort();
    const formToReason = { placeholder: 'placeholder', building: 'placeholder', 'empty-list': 'no-items', dead: 'dead', 'empty-recordset': 'empty-recordset' } as const;
    expect(reported).toEqual(five.truth.freshness!.blankColumns.map((b) => [b.path, formToReason[b.form]]).sort());

    const r4 = (await runServed([blankColumns], s4.origin, '2024-07-01'))['blank-columns'];
    expect(r4.status).toBe('pass');
    expect(r4.findings[0]).toMatchObject({ code: 'blank-warning', severity: 'warning', params: { count: 4, warn: 2, limit: 5 } });
    expect(r4.findings.filter((f) => f.severity === 'veto')).toEqual([]);
    const strict = (await runServed([blankColumns], s4.origin, '2024-07-01', { 'blank-columns': { vetoAt: 4 } }))['blank-columns'];
    expect(strict.status).toBe('fail');

    // Four seen empty and a fifth whose page answers 404: the veto is only suspected (listed for review), the site passes.
    const withDead = generateSite({ externalOrigin: ext.origin, planted: false, freshness: { blankColumns: 5, blankForms: ['placeholder', 'building', 'empty-list', 'empty-recordset', 'dead'] } });
    const sd = await serve(withDead.routes);
    servers.push(sd);
    const rd = (await runServed([blankColumns], sd.origin, '2024-07-01'))['blank-columns'];
    expect(rd.findings[0]).toMatchObject({ code: 'blank-veto', severity: 'veto', tier: 'suspected', params: { count: 5 } });
    expect(rd.status).toBe('pass');
  });

  it('verifies column pages beyond the crawl bounds through the shared client', async () => {
    const site = generateSite({ externalOrigin: ext.origin, planted: false, freshness: { blankColumns: 4, blankForms: ['placeholder', 'dead', 'empty-list', 'building'] } });
    const s = await serve(site.routes);
    servers.push(s);
    const r = (await runServed([blankColumns], s.origin, '2024-07-01', {}, { maxDepth: 0 }))['blank-columns'];
    expect(
      r.findings
        .filter((f) => f.code === 'blank')
        .map((f) => f.evidence.reason)
        .sort(),
    ).toEqual(['dead', 'no-items', 'placeholder', 'placeholder']);
    expect(s.hits.get('GET /zwgk/lm1/')).toBe(1);
  });
});
