import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import jiucuo from '../../checks/jiucuo.js';
import { gatherSite } from '../../src/gather/crawl.js';
import { HttpClient } from '../../src/net/http.js';
import { runChecks } from '../../src/site-check.js';
import { computeVerdict } from '../../src/verdict.js';
import { type ProvinceWebsite, serveProvince } from '../fixtures/province.js';
import { addJiucuoAndPrivacy, jiucuoLink, jiucuoScript, PLANT_FINDINGS, PLANTS, siteCodeOf } from '../fixtures/province-jiucuo.js';
import { generateSite, page, serve, type Served } from '../fixtures/site.js';
import { footerWithServiceLinks } from '../fixtures/verdicts.js';
import privacyPolicy from '../../checks/privacy-policy.js';
import { artifactsFromHtml, config, runCheck, withOptions } from './harness.js';

// Addresses of the national service are only read, never requested: the check makes no request.
const http = new HttpClient({ networkPolicy: true, retries: 0 });
const checks = (o: Record<string, unknown> = {}) => withOptions(jiucuo, o);
const SITE = 'http://www.shifan.gov.cn/';
const CODE = '3201100001';

const NEWS = `<div class="block"><h3>要闻动态</h3><ul>${['示范市召开全市优化营商环境推进会议，部署下一阶段重点工作', '示范市政府常务会议研究部署防汛救灾和安全生产工作', '示范市发布二〇二四年民生实事项目完成情况通报'].map((t, i) => `<li><a href="/ywdt/${i}.html">${t}</a><span>2024-06-2${i}</span></li>`).join('')}</ul></div>`;

/** A home page as the generator writes it (footer 网站标识码：3201000001) with the code, tag and entrance given. */
function home(o: { entrance?: string; meta?: string | null; code?: string; body?: string } = {}): string {
  const html = page({ siteName: '示范市人民政府', title: '示范市人民政府', body: o.body ?? NEWS });
  return html
    .replace('网站标识码：3201000001', `网站标识码：${o.code ?? CODE}`)
    .replace('<meta name="SiteName"', o.meta === null ? '<meta name="SiteName"' : `<meta name="SiteIDCode" content="${o.meta ?? CODE}">\n<meta name="SiteName"`)
    .replace('返回顶部</a></p></div>', `返回顶部</a></p>${o.entrance ?? ''}</div>`);
}

async function check(html: string, o: { url?: string; options?: Record<string, unknown>; siteCode?: string } = {}) {
  const a = artifactsFromHtml([{ url: o.url ?? SITE, html }], { asOf: '2024-07-01', collectors: checks(o.options), site: o.siteCode ? { siteCode: o.siteCode } : {} });
  return runCheck(a, jiucuo, o.options, http);
}

const codes = (r: { findings: Array<{ code: string; tier: string; severity: string }> }) => r.findings.map((f) => `${f.code}/${f.severity}/${f.tier}`);

let good: Served;
let missing: Served;
const spec = (key: string): ProvinceWebsite => ({ kind: 'website', key, name: '示例省地方志办公室', group: '省直单位', owner: '示例省地方志办公室', status: 'operating', plant: 'clean' });
beforeAll(async () => {
  const a = generateSite({ planted: false }).routes;
  addJiucuoAndPrivacy(a, spec('demo-clean'), 3);
  good = await serve(a);
  const b = generateSite({ planted: false }).routes;
  addJiucuoAndPrivacy(b, spec('sdfz'), 8);
  missing = await serve(b);
});
afterAll(async () => {
  await Promise.all([good.close(), missing.close(), http.close()]);
});

describe('jiucuo (W-D5 「我为政府网站找错」 entrance)', () => {
  it('passes a crawled site whose footer draws the entrance with its own code, and finds a missing one on another (confirmed, 1 point)', async () => {
    const a = await gatherSite({ id: 'good', url: `${good.origin}/`, kind: 'website' }, { networkPolicy: true, maxPages: 10 }, checks(), '2024-07-01');
    const [r] = await runChecks(a, checks(), { config, http });
    expect(r.findings).toEqual([]);
    expect(r.summary).toMatchObject({ visible: 1, homeRead: true, codes: { footer: siteCodeOf(3), meta: siteCodeOf(3) } });
    expect((r.summary!.entrances as Array<{ kind: string; siteCode: string; drawnByScript: boolean }>)[0]).toMatchObject({ kind: 'script', siteCode: siteCodeOf(3), drawnByScript: true });

    const b = await gatherSite({ id: 'missing', url: `${missing.origin}/`, kind: 'website' }, { networkPolicy: true, maxPages: 10 }, checks(), '2024-07-01');
    const [m] = await runChecks(b, checks(), { config, http });
    expect(codes(m)).toEqual(['jiucuo-missing/deduction/confirmed']);
    expect(m.findings[0]).toMatchObject({ rule: 'W-D5', points: 1, message: '首页未设置「我为政府网站找错」入口', messageEn: 'The home page has no 「我为政府网站找错」 (report an error) entrance' });
    expect(computeVerdict(m.findings, config.rules)).toEqual({ verdict: 'pass', score: 99, decidedBy: [{ rule: 'W-D5', kind: 'deduction', points: 1, findings: 1 }] });
  });

  it('accepts the link to the national service (zfwzgl, pucha, an IP host) and the script or the image it drew', async () => {
    for (const entrance of [
      jiucuoLink(CODE, SITE),
      jiucuoLink(CODE, SITE, 'pucha.kaipuyun.cn'),
      `<a href="http://121.43.68.40/exposure/jiucuo.html?site_code=${CODE}&amp;url=x"><img src="/images/jiucuo.png"></a>`,
      `<script id="_jiucuo_" sitecode="${CODE}" src="http://pucha.kaipuyun.cn/exposure/jiucuo.js"></script>`,
      `<script id="_jiucuo_" sitecode="${CODE}" src="./files/jiucuo.js"></script><span id="_span_jiucuo"><img onclick="Link('${CODE}')" src="./files/jiucuo.png" aria-label="政府网站找错"></span>`,
      `<span id="_span_jiucuo"><img onclick="Link('${CODE}')" src="/images/jiucuo.png"></span>`,
    ]) {
      const r = await check(home({ entrance }));
      expect(r.findings, entrance).toEqual([]);
      expect(r.summary!.visible, entrance).toBeGreaterThan(0);
    }
  });

  it('reports a hidden entrance (display:none, a <style> rule, zero size, a hidden box around the script) as a suspected deduction', async () => {
    const cases: Array<[string, string]> = [
      [jiucuoLink(CODE, SITE, 'zfwzgl.www.gov.cn', 'display:none'), 'display:none'],
      [`<style>.jc a{visibility:hidden}</style><div class="jc">${jiucuoLink(CODE, SITE)}</div>`, 'visibility:hidden'],
      [`<div style="width:0;height:0;overflow:hidden">${jiucuoLink(CODE, SITE)}</div>`, 'zero size'],
      [jiucuoScript(CODE, true), 'display:none'],
    ];
    for (const [entrance, technique] of cases) {
      const r = await check(home({ entrance }));
      expect(codes(r), entrance).toEqual(['jiucuo-hidden/deduction/suspected']);
      expect(r.findings[0].params.technique).toContain(technique);
      expect(r.findings[0].message).toContain('「我为政府网站找错」入口被隐藏（');
    }
    // One visible entrance is enough; the tier is configuration.
    expect((await check(home({ entrance: jiucuoLink(CODE, SITE, 'zfwzgl.www.gov.cn', 'display:none') + jiucuoScript(CODE) }))).findings).toEqual([]);
    const confirmed = await check(home({ entrance: jiucuoScript(CODE, true) }), { options: { hiddenTier: 'confirmed' } });
    expect(codes(confirmed)).toEqual(['jiucuo-hidden/deduction/confirmed']);
    expect(computeVerdict(confirmed.findings, config.rules).score).toBe(99);
  });

  it('takes over the hidden 找错 link dark-links used to report (the Hanweb footer shape)', async () => {
    const html = `<html><body><p>正文</p>${footerWithServiceLinks('pucha.kaipuyun.cn')}</body></html>`;
    const r = await check(html, { url: 'http://fgw.shifan.gov.cn/art/2024/7/1/art_1_2.html' });
    expect(r.findings.map((f) => `${f.code}/${f.rule}/${f.tier}/${f.target}`)).toEqual([`jiucuo-hidden/W-D5/suspected/http://pucha.kaipuyun.cn/exposure/jiucuo.html?site_code=9900000001&url=http%3A%2F%2Ffgw.shifan.gov.cn%2F`]);
  });

  it('compares the entrance’s site_code with the footer, the SiteIDCode tag and the registry', async () => {
    const other = '3201990001';
    const r = await check(home({ entrance: jiucuoLink(other, SITE) }));
    expect(codes(r)).toEqual(['jiucuo-code-mismatch/deduction/confirmed']);
    expect(r.findings[0].message).toBe(`「我为政府网站找错」入口的网站标识码 ${other} 与页面底部网站标识码（${CODE}）、页面标签 SiteIDCode（${CODE}）不一致`);
    expect(r.findings[0].evidence.codes).toEqual({ entrance: other, footer: CODE, meta: CODE, registry: null });
    // The registry's code (bm codes compare case-insensitively).
    const reg = await check(home({ entrance: jiucuoScript(CODE) }), { siteCode: '3201100002' });
    expect(reg.findings.map((f) => f.messageEn)).toEqual([`The 「我为政府网站找错」 entrance carries site code ${CODE}, unlike the registry’s code (3201100002)`]);
    expect((await check(home({ entrance: jiucuoScript(CODE) }), { siteCode: '3201100002', options: { compareRegistry: false } })).findings).toEqual([]);
    const bm = await check(home({ entrance: jiucuoLink('BM01000001', SITE), code: 'bm01000001', meta: 'bm01000001' }), { siteCode: 'bm01000001' });
    expect(bm.findings).toEqual([]);
    // A malformed code, a service link without one, and an empty SiteIDCode tag.
    expect(codes(await check(home({ entrance: jiucuoLink('32011', SITE) })))).toEqual(['jiucuo-bad-code/warning/confirmed']);
    expect(codes(await check(home({ entrance: '<a href="https://zfwzgl.www.gov.cn/exposure/jiucuo.html"><img src="/j.png"></a>' })))).toEqual(['jiucuo-no-code/warning/confirmed']);
    const empty = await check(home({ entrance: jiucuoScript(CODE), meta: '' }));
    expect(codes(empty)).toEqual(['siteidcode-empty/warning/confirmed']);
    expect(empty.findings[0].message).toBe('页面标签 SiteIDCode 为空');
    expect(computeVerdict(empty.findings, config.rules).score).toBe(100);
  });

  it('confirms a missing entrance only on a home page read whole; otherwise suspected with the reason', async () => {
    const suspected = async (html: string, url: string, reason: RegExp) => {
      const r = await check(html, { url });
      expect(codes(r), url).toEqual(['jiucuo-missing/deduction/suspected']);
      expect(r.findings[0].evidence.reason, url).toMatch(reason);
    };
    await suspected(home(), 'http://www.shifan.gov.cn/art/2024/7/1/art_1_2.html', /article/);
    await suspected(home(), 'http://www.shifan.gov.cn/col/col12/index.html', /not the site root/);
    // A footer loaded by script: no identity lines on the page.
    await suspected(home().replace(/<div class="footer">[\s\S]*?<\/div>\n/, '<div id="footer"></div><script>$("#footer").load("/footer.html")</script>'), SITE, /footer/);
    await suspected('<html><head><title>示范市</title></head><body><div id="app"></div><script src="/app.js"></script></body></html>', SITE, /characters/);
    await suspected('<html><frameset cols="*"><frame src="/main.html"></frameset></html>', SITE, /frameset|characters/);
  });

  it('notes a 纠错 link to the site’s own page as information, and never reads other 纠错 wording as the entrance', async () => {
    const own = await check(home({ entrance: '<a href="/fuwu/jiucuopage.html">网站纠错</a>' }));
    expect(codes(own)).toEqual(['jiucuo-unofficial/info/confirmed']);
    expect(computeVerdict(own.findings, config.rules).score).toBe(100);
    // A headline mentioning 纠错 is no entrance: the entrance is missing.
    const headline = await check(home({ body: NEWS.replace('</ul>', '<li><a href="/ywdt/9.html">示范市开展行政执法案卷评查和错案纠错专项工作</a><span>2024-06-20</span></li></ul>') }));
    expect(codes(headline)).toEqual(['jiucuo-missing/deduction/confirmed']);
    // Identity lines in the header only (a footer drawn by script): the footer was not seen.
    const header = home({ body: `<p>主办单位：示范市人民政府办公室</p>${NEWS}${'<p>示范市持续优化营商环境，推动经济社会高质量发展。</p>'.repeat(120)}` }).replace(/<div class="footer">[\s\S]*?<\/div>\n/, '<div id="footer"></div>');
    const noFooter = await check(header);
    expect(codes(noFooter)).toEqual(['jiucuo-missing/deduction/suspected']);
    expect(noFooter.findings[0].evidence.reason).toMatch(/footer/);
  });

  it('survives odd input: malformed addresses, an empty script, a flood of entrances (bounded)', async () => {
    const flood = Array.from({ length: 200 }, (_, i) => jiucuoLink(CODE, `${SITE}${i}`)).join('');
    const odd = `<a href="http://[::1">x</a><a href="https;//zfwzgl.www.gov.cn/exposure/jiucuo.html">找错</a><script id="_jiucuo_"></script><img onclick="Link(" src="jiucuo.png">${flood}`;
    const r = await check(home({ entrance: odd }), { options: { maxEntrances: 5 } });
    expect((r.summary!.entrances as unknown[]).length).toBe(5);
    expect(r.status).not.toBe('error');
  });

  it('the demo province shows each planted finding of jiucuo and privacy-policy on its site, and nothing on the others', { timeout: 120_000 }, async () => {
    const province = await serveProvince();
    try {
      const both = [...checks(), ...withOptions(privacyPolicy)];
      const clean = ['sfgw', 'jia-zj', 'ding-sw']; // a plain site, one whose home page redirects, one with broken links
      const sites = province.entries.filter((e) => e.spec.kind === 'website' && e.spec.status === 'operating' && !e.mustFail && (PLANTS[e.spec.key] || clean.includes(e.spec.key)));
      expect(sites).toHaveLength(Object.keys(PLANTS).length + clean.length);
      for (const e of sites) {
        const a = await gatherSite({ id: e.spec.key, url: e.url, kind: 'website' }, { networkPolicy: true, maxPages: 60 }, both, province.asOf);
        const results = await runChecks(a, both, { config, http });
        const got = results.flatMap((r) => r.findings.map((f) => `${r.id}:${f.code}:${f.tier}`));
        const plant = PLANTS[e.spec.key];
        const want = plant ? [`${PLANT_FINDINGS[plant].check}:${PLANT_FINDINGS[plant].code}:${plant === 'jiucuo-hidden' ? 'suspected' : 'confirmed'}`] : [];
        expect(got, e.spec.key).toEqual(want);
      }
    } finally {
      await province.close();
    }
  });
});
