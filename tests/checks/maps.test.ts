import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import maps, { approvalIn } from '../../checks/maps.js';
import { gatherSite } from '../../src/gather/crawl.js';
import { HttpClient } from '../../src/net/http.js';
import { runChecks } from '../../src/site-check.js';
import { computeVerdict } from '../../src/verdict.js';
import { addPolicyAndMaps, type PolicyTruth } from '../fixtures/province-policy.js';
import { generateSite, page, serve, type Served } from '../fixtures/site.js';
import { artifactsFromHtml, config, withOptions } from './harness.js';

const client = new HttpClient({ networkPolicy: true, retries: 0 });
const checks = (o: Record<string, unknown> = {}) => withOptions(maps, o);

function site(map: 'approved' | 'unapproved'): { routes: ReturnType<typeof generateSite>['routes']; truth: PolicyTruth } {
  const s = generateSite({ name: '示例市人民政府', planted: false });
  return { routes: s.routes, truth: addPolicyAndMaps(s.routes, { siteName: '示例市人民政府', short: '示例市', newest: '2024-06-25', plants: { map } }) };
}

let bad: Served;
let good: Served;
let badTruth: PolicyTruth;

beforeAll(async () => {
  const b = site('unapproved');
  badTruth = b.truth;
  bad = await serve(b.routes);
  good = await serve(site('approved').routes);
});
afterAll(async () => {
  await Promise.all([bad.close(), good.close(), client.close()]);
});

async function check(url: string) {
  const a = await gatherSite({ id: 't', url, kind: 'website' }, { networkPolicy: true, maxPages: 200 }, checks(), '2024-07-01');
  const [r] = await runChecks(a, checks(), { config, http: client });
  return r;
}

const offline = async (body: string, title = '示例市概况') => {
  const a = artifactsFromHtml([{ url: 'http://www.shifan.gov.cn/zjsf/index.html', html: page({ siteName: '示例市人民政府', title: `${title}_示例市人民政府`, body }) }], { asOf: '2024-07-01', collectors: checks() });
  const [r] = await runChecks(a, checks(), { config, http: client });
  return r;
};

describe('maps (W-V4, notice (五) 地图信息无误)', () => {
  it('reads approval numbers as they are written', () => {
    for (const s of ['审图号：GS(2019)1822号', 'GS京(2022)1061号', '闽S〔2023〕12号', '审图号：ＧＳ（２０２４）０６５０号', '京S（2020）009号', '粤S[2018]113号']) expect(approvalIn(s), s).toBeTruthy();
    for (const s of ['闽政〔2023〕12号', '示例市行政区划图', 'GPS 2023']) expect(approvalIn(s), s).toBeUndefined();
  });

  it('lists a map image without an approval number as a suspected warning for review, never scored', async () => {
    const r = await check(`${bad.origin}/`);
    expect(r.findings.map((f) => `${f.code} ${new URL(f.target!).pathname}`)).toEqual(badTruth.unapprovedMaps.map((p) => `map-no-approval ${p}`));
    const f = r.findings[0];
    expect(f).toMatchObject({ severity: 'warning', tier: 'suspected', rule: 'W-V4', params: { name: '示例市行政区划图' } });
    expect(f.message).toBe('疑似问题地图：地图“示例市行政区划图”旁未见审图号，请人工核验地图内容及审图号');
    expect(f.evidence.why).toBe('alt/title: 行政区划');
    expect(r.status).toBe('pass');
    // Not even when suspected findings count: a warning never decides a verdict.
    expect(computeVerdict(r.findings, { ...config.rules, countSuspected: true }).decidedBy).toEqual([]);
  });

  it('accepts a map whose caption gives the number, and lists it in the summary', async () => {
    const r = await check(`${good.origin}/`);
    expect(r.findings).toEqual([]);
    expect(r.summary).toMatchObject({ maps: 1, withoutApproval: 0, withApproval: [{ approval: 'GS(2023)2767号' }] });
  });

  it('reads figcaptions, alt text and neighbours; ignores sitemaps, logos, icons, map services and text links', async () => {
    const ok = await offline(
      `<figure><img src="/img/jt.jpg" alt="示例市交通图"><figcaption>示例市交通图 GS(2019)1822号</figcaption></figure>
       <p><img src="/img/quhua.png" alt="示例市政区图 审图号：闽S〔2023〕12号"></p>
       <div><img src="/img/map-2023.jpg"></div><p>审图号：GS京(2022)1061号</p>`,
    );
    expect(ok.findings).toEqual([]);
    expect(ok.summary).toMatchObject({ maps: 3, withoutApproval: 0 });
    const noise = await offline(
      `<p><a href="/wzdt/"><img src="/img/wzdt.png" alt="网站地图"></a> <a href="https://map.baidu.com/?q=x">地图导航</a></p>
       <p><img src="/img/map-icon.png" alt="地图"> <img src="/img/logo-map.png" alt="示例市地图"> <img src="/img/dt.png" alt="地图" width="24" height="24"></p>
       <p><img src="https://api.map.baidu.com/staticimage?center=x" alt="位置地图"></p>`,
    );
    expect(noise.findings).toEqual([]);
    // A page titled …地图: its content images are maps; a link to a map image file is one too.
    const titled = await offline(`<p><img src="/img/2024-01.jpg" alt="全图"></p><p><a href="/files/示例市旅游图.jpg">下载高清旅游图</a></p>`, '示例市旅游地图');
    expect(titled.findings.map((f) => `${f.code} ${f.evidence.why}`)).toEqual(['map-no-approval page titled 示例市旅游地图', 'map-no-approval alt/title: 旅游图']);
  });
});
