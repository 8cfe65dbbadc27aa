import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import services from '../../checks/services.js';
import { html, runOffline, runServed } from '../content/run.js';
import { GUIDE_ROWS } from '../fixtures/freshness.js';
import { externalRoutes, generateSite, serve, type Served } from '../fixtures/site.js';
import { homeWithImageEntrances } from '../fixtures/verdicts.js';
import interaction from '../../checks/interaction.js';

const guide = (title: string, rows: Array<[string, string]>) => html(title, `<div class="article"><h1>${title}</h1><table>${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</table></div>`);

describe('services (W-V6)', () => {
  it('finds guides by title or by their labels, in Simplified and Traditional, and names the missing elements', async () => {
    const trad: Array<[string, string]> = [
      ['事項名稱', '居住證辦理'],
      ['設定依據', '《居住證暫行條例》'],
      ['申請條件', '在本市居住半年以上'],
      ['申請材料', '身份證'],
      ['辦理地點', '各派出所'],
      ['辦理機構', '市公安局'],
      ['收費標準', '不收費'],
      ['辦理時間', '工作日'],
      ['諮詢電話', '12345'],
      ['辦理流程', '申請、受理、發證'],
    ];
    const pages = [
      { path: '/', html: html('示例市人民政府', '<p><a href="/bsfw/">网上办事</a></p>') },
      {
        path: '/bsfw/',
        html: html('网上办事', '<h2>网上办事</h2><ul class="list"><li><a href="/bsfw/1.html">居住证办理办事指南</a></li><li><a href="/bsfw/2.html">居住證辦理</a></li><li><a href="/bsfw/3.html">建设工程规划许可</a></li></ul>'),
      },
      {
        path: '/bsfw/1.html',
        html: guide(
          '居住证办理办事指南',
          GUIDE_ROWS.filter(([id]) => id !== 'basis' && id !== 'procedure').map(([, k, v]) => [k, v]),
        ),
      },
      { path: '/bsfw/2.html', html: guide('居住證辦理', trad) },
      // No guide title, but enough element labels: still a guide.
      {
        path: '/bsfw/3.html',
        html: guide(
          '建设工程规划许可',
          GUIDE_ROWS.filter(([id]) => id !== 'fees').map(([, k, v]) => [k, v]),
        ),
      },
    ];
    const r = await runOffline(services, pages, { maxProbes: 0 });
    const inc = r.findings.filter((f) => f.code === 'guide-incomplete');
    expect(inc.map((f) => [f.params.title, f.evidence.missing])).toEqual(
      expect.arrayContaining([
        ['居住证办理办事指南', ['basis', 'procedure']],
        ['建设工程规划许可', ['fees']],
      ]),
    );
    expect(inc).toHaveLength(2);
    expect(inc[0]).toMatchObject({ severity: 'veto', rule: 'W-V6' });
    expect(inc.find((f) => f.params.title === '居住证办理办事指南')!.message).toBe('办事指南“居住证办理办事指南”缺少要素：设定依据、办理流程');
    expect(r.summary).toMatchObject({ guides: 3, incompleteGuides: 2 });
    // Which elements are required is configuration.
    const lenient = await runOffline(services, pages, { maxProbes: 0, requiredElements: ['name', 'conditions', 'materials', 'place', 'time', 'phone'] });
    expect(lenient.findings).toEqual([]);
  });

  it('requires online services', async () => {
    const r = await runOffline(services, [{ path: '/', html: html('示例市人民政府', '<p>首页</p>') }], { maxProbes: 0 });
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({ code: 'no-services', severity: 'veto', rule: 'W-V6' });
  });
  it('sees service and channel entrances drawn as images (empty alt; file name, target host)', async () => {
    const home = homeWithImageEntrances({ zwfwHost: 'zwfw.shifan.gov.cn', hudongHost: 'www.shifan.gov.cn' });
    const r = await runOffline(services, [{ path: '/', html: home }], { maxProbes: 0 }, '2024-07-01');
    expect(r.findings.filter((f) => f.code === 'no-services')).toEqual([]);
    const imgs = (r.artifacts.home!.collected.services as { images: Array<{ url: string; why: string }> }).images.map((i) => `${i.url} ${i.why}`);
    expect(imgs).toEqual(['http://zwfw.shifan.gov.cn/ host zwfw.shifan.gov.cn', 'http://127.0.0.1:9/bsdt/index.html image bsdt.jpg']);
    const i = await runOffline(interaction, [{ path: '/', html: home }], { maxProbes: 0 }, '2024-07-01');
    expect(i.findings.filter((f) => f.code === 'no-channel')).toEqual([]);
    // Without the images' clues the same page has no entrance at all.
    const bare = home.replace(/<div class="banner-links">[\s\S]*?<\/div>/, '');
    const none = await runOffline(services, [{ path: '/', html: bare }], { maxProbes: 0 }, '2024-07-01');
    expect(none.findings.map((f) => `${f.code}/${f.tier}`)).toEqual(['no-services/confirmed']);
  });

  it('does not confirm broken services it could not know; an answered 404 is definitive', async () => {
    // 127.0.0.2:9: nothing listens (connection refused) — unknowable, suspected.
    const home = homeWithImageEntrances({ zwfwHost: '127.0.0.2:9' }).replace('<a href="/bsdt/index.html" target="_blank"><img src="/images/bsdt.jpg"></a>', '');
    const r = await runOffline(services, [{ path: '/', html: home }], { maxProbes: 5 }, '2024-07-01');
    expect(r.findings.map((f) => `${f.code}/${f.tier}`)).toEqual(['services-unverified/suspected']);
    const dead = homeWithImageEntrances({ zwfwHost: '127.0.0.1:9/zwfw' }).replace('http://127.0.0.1:9/zwfw/', '/zwfw/');
    const r2 = await runOffline(
      services,
      [
        { path: '/', html: dead },
        { path: '/zwfw/', html: 'Not Found', status: 404 },
        { path: '/bsdt/index.html', html: 'Not Found', status: 404 },
      ],
      { maxProbes: 0 },
      '2024-07-01',
    );
    expect(r2.findings.map((f) => `${f.code}/${f.tier}`)).toEqual(['services-broken/confirmed']);
    // On an article start page, "no services" is only suspected.
    const art = await runOffline(services, [{ path: '/xxgk/202406/t20240620_1.html', html: html('通知', `<p>${'正文内容。'.repeat(40)}</p>`, { ArticleTitle: '通知' }) }], { maxProbes: 0 }, '2024-07-01');
    expect(art.findings.map((f) => `${f.code}/${f.tier}`)).toEqual(['no-services/suspected']);
  });
});

describe('services on served fixture sites', () => {
  let ext: Served;
  const servers: Served[] = [];
  beforeAll(async () => {
    ext = await serve(externalRoutes());
  });
  afterAll(async () => {
    await Promise.all([ext.close(), ...servers.map((s) => s.close())]);
  });
  const up = async (o: Parameters<typeof generateSite>[0]) => {
    const site = generateSite({ externalOrigin: ext.origin, planted: false, gbk: false, ...o });
    const s = await serve(site.routes);
    servers.push(s);
    return { site, s };
  };

  it('the fixture guide is complete and its forms download; planted gaps and a dead form are reported (the footer phone is not the guide’s)', async () => {
    const { s: clean } = await up({});
    const ok = (await runServed([services], clean.origin, '2024-07-01'))['services'];
    expect(ok.findings).toEqual([]);
    expect(ok.summary).toMatchObject({ guides: 1, incompleteGuides: 0, attachments: 2, brokenAttachments: 0, workingEntrances: 2 });

    const { site, s } = await up({ freshness: { guideMissing: ['fees', 'phone'], brokenGuideForm: true } });
    const r = (await runServed([services], s.origin, '2024-07-01'))['services'];
    const g = site.truth.freshness!.guides[0];
    // Confirmed: the footer's site phone is not the guide's, and the guide's own content was read.
    expect(r.findings.find((f) => f.code === 'guide-incomplete')).toMatchObject({ tier: 'confirmed', url: `${s.origin}${g.path}`, evidence: { missing: g.missing } });
    expect(r.findings.find((f) => f.code === 'form-unavailable')).toMatchObject({ severity: 'warning', target: `${s.origin}/files/bszn-sqb-2019.docx`, evidence: { status: 404 } });
  });

  it('fails a site without online services, and accepts an entrance on another host that opens', async () => {
    const { s } = await up({ freshness: { services: false } });
    const r = (await runServed([services], s.origin, '2024-07-01'))['services'];
    expect(r.findings.map((f) => f.code)).toEqual(['no-services']);
    expect(r.status).toBe('fail');

    const site = generateSite({ externalOrigin: ext.origin, planted: false, gbk: false, freshness: { services: false } });
    const home = site.routes.get('/')!;
    home.body = String(home.body).replace('<div class="main">', `<div class="main"><p><a href="${ext.origin}/ok.html">政务服务网</a></p>`);
    const s2 = await serve(site.routes);
    servers.push(s2);
    const r2 = (await runServed([services], s2.origin, '2024-07-01'))['services'];
    expect(r2.findings).toEqual([]);
    expect(r2.summary).toMatchObject({ entrances: 1, workingEntrances: 1 });
  });
});
