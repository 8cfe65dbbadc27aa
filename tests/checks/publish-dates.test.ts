import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import publishDates from '../../checks/publish-dates.js';
import { html, runOffline, runServed } from '../content/run.js';
import { externalRoutes, generateSite, serve, type Served } from '../fixtures/site.js';

const article = (title: string, opts: { pubDate?: string; visible?: string; jsonLd?: string; meta?: Record<string, string> }) =>
  html(
    title,
    `<div class="article"><h2>${title}</h2>${opts.visible ? `<div class="info">发布日期：${opts.visible}　来源：办公室</div>` : ''}<div class="TRS_Editor"><p>为进一步做好相关工作，现通知如下。</p></div></div>${opts.jsonLd ? `<script type="application/ld+json">${opts.jsonLd}</script>` : ''}`,
    { ArticleTitle: title, ...(opts.pubDate ? { PubDate: opts.pubDate } : {}), ...opts.meta },
  );
const list = (name: string, items: Array<[string, string, string]>) =>
  html(name, `<h2>${name}</h2><ul class="list">${items.map(([href, t, d]) => `<li><a href="${href}">${t}</a><span>${d}</span></li>`).join('')}</ul>`, { ColumnName: name });

describe('publish-dates (W-V4)', () => {
  it('reports future dates in lists and on articles, relative to as-of', async () => {
    const pages = [
      { path: '/', html: html('示例市人民政府', '<p>首页</p>') },
      { path: '/tzgg/', html: list('通知公告', [['/tzgg/a1.html', '关于开展年度行政执法检查的通知', '2024-07-25'], ['/tzgg/a2.html', '关于做好防汛工作的通知', '2024-06-20']]) },
      { path: '/tzgg/a1.html', html: article('关于开展年度行政执法检查的通知', { pubDate: '2024-07-25 09:00', visible: '2024-07-25' }) },
      { path: '/tzgg/a2.html', html: article('关于做好防汛工作的通知', { pubDate: '2024-06-20 09:00', visible: '2024-06-20' }) },
    ];
    const r = await runOffline(publishDates, pages, {}, '2024-07-01');
    expect(r.findings.map((f) => f.code).sort()).toEqual(['future-article', 'future-list']);
    const fl = r.findings.find((f) => f.code === 'future-list')!;
    expect(fl).toMatchObject({ severity: 'veto', tier: 'confirmed', rule: 'W-V4', target: 'http://127.0.0.1:9/tzgg/a1.html', evidence: { listUrl: 'http://127.0.0.1:9/tzgg/', actual: '2024-07-25' } });
    expect(fl.message).toBe('列表中“关于开展年度行政执法检查的通知”的发布日期 2024-07-25 晚于检查日期 2024-07-01');
    // The same site inspected after that date has no future dates.
    expect((await runOffline(publishDates, pages, {}, '2024-07-26')).findings).toEqual([]);
  });

  it('finds old items republished with new dates: against the article page, the URL and an earlier listing', async () => {
    const pages = [
      { path: '/', html: html('示例市人民政府', '<p>首页</p>') },
      {
        path: '/ywdt/',
        html: list('要闻动态', [
          ['/ywdt/202203/t20220301_9.html', '我市召开优化营商环境工作推进会', '2024-06-25'],
          ['/ywdt/old.html', '全市安全生产工作会议召开部署夏季工作', '2024-06-24'],
          ['/ywdt/new.html', '全市安全生产工作会议召开部署夏季工作', '2024-06-24'],
          ['/ywdt/x.html', '我市举办重点项目集中开工仪式', '2024-06-20'],
        ]),
      },
      { path: '/ywdt/202203/t20220301_9.html', html: article('我市召开优化营商环境工作推进会', { pubDate: '2022-03-01 10:00', visible: '2022-03-01' }) },
      { path: '/bmdt/', html: list('部门动态', [['/bmdt/a.html', '全市安全生产工作会议召开部署夏季工作', '2023-06-02']]) },
      // Shown as new, but the CMS created it (URL) in 2023.
      { path: '/zcjd/202301/t20230105_7.html', html: article('一图读懂政府工作报告', { visible: '2024-06-18' }) },
      { path: '/ywdt/x.html', html: article('我市举办重点项目集中开工仪式', { jsonLd: '{"@context":"https://schema.org","@type":"NewsArticle","datePublished":"2024-06-20T08:00:00+08:00"}' }) },
    ];
    const r = await runOffline(publishDates, pages, {}, '2024-07-01');
    const rep = r.findings.find((f) => f.code === 'republished')!;
    expect(rep).toMatchObject({ severity: 'veto', tier: 'suspected', rule: 'W-V4', evidence: { listDate: '2024-06-25', articleDate: '2022-03-01', listUrl: 'http://127.0.0.1:9/ywdt/', articleUrl: 'http://127.0.0.1:9/ywdt/202203/t20220301_9.html' } });
    expect(rep.message).toContain('疑似旧稿新发');
    expect(r.findings.find((f) => f.code === 'republished-url')).toMatchObject({ evidence: { shownDate: '2024-06-18', urlDate: '2023-01-05' } });
    expect(r.findings.find((f) => f.code === 'republished-title')).toMatchObject({ evidence: { firstDate: '2023-06-02', secondDate: '2024-06-24', firstUrl: 'http://127.0.0.1:9/bmdt/a.html' } });
    expect(r.findings.filter((f) => f.target === 'http://127.0.0.1:9/ywdt/x.html')).toEqual([]);
    // Candidates are reported, not scored, unless a province confirms them by configuration.
    expect(r.status).toBe('pass');
    const strict = await runOffline(publishDates, pages, { republishTier: 'confirmed' }, '2024-07-01');
    expect(strict.status).toBe('fail');
  });

  it('warns when a PubDate tag or a list disagrees with the shown date', async () => {
    const pages = [
      { path: '/', html: html('示例市人民政府', '<p>首页</p>') },
      { path: '/tzgg/', html: list('通知公告', [['/tzgg/a.html', '关于公布2024年度重点项目的通知', '2024-06-01']]) },
      { path: '/tzgg/a.html', html: article('关于公布2024年度重点项目的通知', { pubDate: '2024-06-12 09:00', visible: '2024年6月10日' }) },
    ];
    const r = await runOffline(publishDates, pages, {}, '2024-07-01');
    expect(r.findings.find((f) => f.code === 'meta-mismatch')).toMatchObject({ severity: 'warning', evidence: { metaDate: '2024-06-12', visibleDate: '2024-06-10' } });
    expect(r.findings.find((f) => f.code === 'list-older')).toMatchObject({ severity: 'warning', evidence: { listDate: '2024-06-01', articleDate: '2024-06-12' } });
  });
});

describe('publish-dates on served fixture sites', () => {
  let ext: Served;
  const servers: Served[] = [];
  beforeAll(async () => {
    ext = await serve(externalRoutes());
  });
  afterAll(async () => {
    await Promise.all([ext.close(), ...servers.map((s) => s.close())]);
  });

  it('finds exactly the planted future and republished items of the fixture site', async () => {
    const clean = generateSite({ externalOrigin: ext.origin, planted: false });
    const planted = generateSite({ externalOrigin: ext.origin, planted: false, freshness: { futureItem: true, republishedItem: true } });
    const sc = await serve(clean.routes);
    const sp = await serve(planted.routes);
    servers.push(sc, sp);
    expect((await runServed([publishDates], sc.origin, '2024-07-01'))['publish-dates'].findings).toEqual([]);
    const r = (await runServed([publishDates], sp.origin, '2024-07-01'))['publish-dates'];
    for (const d of planted.truth.freshness!.dates) {
      if (d.kind === 'future') {
        expect(r.findings.find((f) => f.code === 'future-list' && f.target === `${sp.origin}${d.articlePath}`)).toMatchObject({ evidence: { actual: d.listDate } });
        expect(r.findings.find((f) => f.code === 'future-article' && f.url === `${sp.origin}${d.articlePath}`)).toBeDefined();
      } else {
        expect(r.findings.find((f) => f.code === 'republished')).toMatchObject({ url: `${sp.origin}${d.listPath}`, target: `${sp.origin}${d.articlePath}`, evidence: { listDate: d.listDate, articleDate: d.articleDate } });
      }
    }
    expect(r.findings).toHaveLength(3);
  });
});
