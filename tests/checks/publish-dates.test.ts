import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import publishDates, { smallestDistinct } from '../../checks/publish-dates.js';
import { html, runOffline, runServed } from '../content/run.js';
import { externalRoutes, generateSite, serve, type Served } from '../fixtures/site.js';
import { columnList, fireworksBody, labelledArticle, noticeArticle } from '../fixtures/verdicts.js';

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
      {
        path: '/tzgg/',
        html: list('通知公告', [
          ['/tzgg/a1.html', '关于开展年度行政执法检查的通知', '2024-07-25'],
          ['/tzgg/a2.html', '关于做好防汛工作的通知', '2024-06-20'],
        ]),
      },
      { path: '/tzgg/a1.html', html: article('关于开展年度行政执法检查的通知', { pubDate: '2024-07-25 09:00', visible: '2024-07-25' }) },
      { path: '/tzgg/a2.html', html: article('关于做好防汛工作的通知', { pubDate: '2024-06-20 09:00', visible: '2024-06-20' }) },
    ];
    const r = await runOffline(publishDates, pages, {}, '2024-07-01');
    expect(r.findings.map((f) => f.code).sort()).toEqual(['future-article', 'future-list']);
    const fl = r.findings.find((f) => f.code === 'future-list')!;
    expect(fl).toMatchObject({ severity: 'veto', tier: 'confirmed', rule: 'W-V4', target: 'http://127.0.0.1:9/tzgg/a1.html', evidence: { listUrl: 'http://127.0.0.1:9/tzgg/', actual: '2024-07-25' } });
    expect(fl.message).toBe('列表中“关于开展年度行政执法检查的通知”的发布日期 2024-07-25 晚于检查日期 2024-07-01');
    expect(r.findings.find((f) => f.code === 'future-article')).toMatchObject({ tier: 'confirmed', params: { days: 24, source: 'pubdate' }, evidence: { daysAfterAsOf: 24 } });
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
      // The same document (same body) posted again a year later under a new URL.
      { path: '/bmdt/a.html', html: noticeArticle({ title: '全市安全生产工作会议召开部署夏季工作', year: 2023, date: '2023-06-02', body: fireworksBody(2023, 'a') }) },
      { path: '/ywdt/new.html', html: noticeArticle({ title: '全市安全生产工作会议召开部署夏季工作', year: 2023, date: '2024-06-24', body: fireworksBody(2023, 'a') }) },
      // Shown as new, but the CMS created it (URL) in 2023.
      { path: '/zcjd/202301/t20230105_7.html', html: article('一图读懂政府工作报告', { visible: '2024-06-18' }) },
      { path: '/ywdt/x.html', html: article('我市举办重点项目集中开工仪式', { jsonLd: '{"@context":"https://schema.org","@type":"NewsArticle","datePublished":"2024-06-20T08:00:00+08:00"}' }) },
    ];
    const r = await runOffline(publishDates, pages, {}, '2024-07-01');
    const rep = r.findings.find((f) => f.code === 'republished')!;
    expect(rep).toMatchObject({
      severity: 'veto',
      tier: 'suspected',
      rule: 'W-V4',
      evidence: { listDate: '2024-06-25', articleDate: '2022-03-01', listUrl: 'http://127.0.0.1:9/ywdt/', articleUrl: 'http://127.0.0.1:9/ywdt/202203/t20220301_9.html' },
    });
    expect(rep.message).toContain('疑似旧稿新发');
    expect(r.findings.find((f) => f.code === 'republished-url')).toMatchObject({ evidence: { shownDate: '2024-06-18', urlDate: '2023-01-05' } });
    expect(r.findings.find((f) => f.code === 'republished-title')).toMatchObject({
      tier: 'suspected',
      evidence: { firstDate: '2023-06-02', secondDate: '2024-06-24', firstUrl: 'http://127.0.0.1:9/bmdt/a.html', secondUrl: 'http://127.0.0.1:9/ywdt/new.html', bodySimilarity: 1 },
    });
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
    // A 政务公开 metadata table's 发文日期 (the document's issuing date) may precede the PubDate tag: no warning.
    const meta = html(
      '关于公布2024年度重点项目的通知',
      `<table class="xxgk-meta"><tr><td>索引号：</td><td>0001/2024-00012</td><td>发文日期：</td><td>2024-05-20</td></tr></table><div class="TRS_Editor"><p>${'正文内容。'.repeat(40)}</p></div>`,
      { ArticleTitle: '关于公布2024年度重点项目的通知', PubDate: '2024-06-12 09:00' },
    );
    const r2 = await runOffline(publishDates, [pages[0], { path: '/xxgk/a.html', html: meta }], {}, '2024-07-01');
    expect(r2.findings).toEqual([]);
  });
  it('lets the labelled 发布日期 win over a loose date in the text: a conflict is a warning, never a confirmed veto', async () => {
    const home = { path: '/', html: html('示例市人民政府', '<p>首页</p>') };
    // The label in an info bar classed like a page header, and a bracketed label: both must still be read.
    for (const shape of [{ infoClass: 'head' }, { bracket: true }, {}]) {
      const art = labelledArticle({ label: '2020年08月02日', loose: '2020/8/10', ...shape });
      const r = await runOffline(publishDates, [home, { path: '/art/2020/8/2/art_1_2.html', html: art }], {}, '2020-08-05');
      expect(r.findings.filter((f) => f.tier === 'confirmed' && f.severity === 'veto')).toEqual([]);
      expect(r.findings.find((f) => f.code === 'future-article')).toBeUndefined();
      // Without a dated URL too: a loose date in the text is not a publication date at all when a label exists.
      const r2 = await runOffline(publishDates, [home, { path: '/xxgk/show.html', html: art }], {}, '2020-08-05');
      expect(r2.findings).toEqual([]);
      // A TRS URL dated after as-of disagrees with the label: a conflict between sources is a warning.
      const r5 = await runOffline(publishDates, [home, { path: '/xxgk/202008/t20200810_5.html', html: art }], {}, '2020-08-05');
      expect(r5.findings.map((f) => `${f.code}/${f.severity}`)).toEqual(['date-conflict/warning']);
      expect(r5.findings[0].evidence).toMatchObject({ authoritativeDate: '2020-08-02', authoritativeSource: 'label', otherDate: '2020-08-10', otherSource: 'url' });
    }
    // The authoritative source itself after as-of: confirmed, and by how much.
    const future = labelledArticle({ label: '2020年08月12日', loose: '2020/8/1', meta: '2020-08-12 09:00' });
    const r3 = await runOffline(publishDates, [home, { path: '/xxgk/f.html', html: future }], {}, '2020-08-05');
    expect(r3.findings.find((f) => f.code === 'future-article')).toMatchObject({ tier: 'confirmed', params: { date: '2020-08-12', days: 7 } });
    // Only a loose date, and it is in the future: suspected (no label, no PubDate, no dated URL).
    const loose = html('会议纪要', `<div class="article"><h2>会议纪要</h2><p>时间 2020/9/1 地点 会议室</p><p>${'会议研究了有关工作。'.repeat(40)}</p></div>`);
    const r4 = await runOffline(publishDates, [home, { path: '/xxgk/g.html', html: loose }], {}, '2020-08-05');
    expect(r4.findings.filter((f) => f.code === 'future-article').map((f) => f.tier)).toEqual(['suspected']);
  });

  it('does not take two annual notices with the same title for a re-post (document numbers, years, body)', async () => {
    const title = '示范市人民政府关于禁限燃放烟花爆竹的通告';
    const pages = [
      { path: '/', html: html('示例市人民政府', '<p>首页</p>') },
      {
        path: '/tzgg/',
        html: columnList([
          { href: '/tzgg/201912/t20191220_2.html', title, date: '2019-12-20' },
          { href: '/tzgg/201901/t20190110_1.html', title, date: '2019-01-10' },
        ]),
      },
      { path: '/tzgg/201901/t20190110_1.html', html: noticeArticle({ title, docNo: '示政通〔2019〕1号', year: 2019, date: '2019-01-10', body: fireworksBody(2019, 'a') }) },
      { path: '/tzgg/201912/t20191220_2.html', html: noticeArticle({ title, docNo: '示政通〔2019〕35号', year: 2020, date: '2019-12-20', body: fireworksBody(2020, 'b') }) },
    ];
    const r = await runOffline(publishDates, pages, {}, '2020-01-15');
    expect(r.findings.filter((f) => f.code.startsWith('republished'))).toEqual([]);
    expect(r.summary).toMatchObject({ sameTitleDifferent: 1 });
    // Same number and body, but neither article read: not a finding either (unverified).
    const unread = await runOffline(publishDates, pages.slice(0, 2), {}, '2020-01-15');
    expect(unread.findings).toEqual([]);
    expect(unread.summary).toMatchObject({ sameTitleUnverified: 1 });
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

describe('documentPrint sketch', () => {
  it('keeps the k smallest distinct values, ascending, as sorting all of them would', () => {
    // A fixed pseudo-random sequence (LCG), so a failure is reproducible.
    let seed = 12345;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    for (let t = 0; t < 400; t++) {
      const range = [4, 50, 300, 2 ** 32][t % 4];
      // Short arrays take the sorting path, long ones (over 2,000 values) the heap.
      const all = new Uint32Array(t % 5 === 0 ? 2001 + (next() % 3000) : next() % 600);
      for (let i = 0; i < all.length; i++) all[i] = next() % range;
      const k = [1, 5, 128][t % 3];
      const sorted = all.slice().sort();
      const expected: number[] = [];
      for (let i = 0; i < sorted.length && expected.length < k; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) expected.push(sorted[i]);
      expect(smallestDistinct(all, k)).toEqual(expected);
    }
  });
});
