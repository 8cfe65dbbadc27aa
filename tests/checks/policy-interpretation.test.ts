import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import policy, { docNumbers, interpretedTitle, matchTitle, normTitle } from '../../checks/policy-interpretation.js';
import { gatherSite } from '../../src/gather/crawl.js';
import { HttpClient } from '../../src/net/http.js';
import { runChecks } from '../../src/site-check.js';
import { computeVerdict } from '../../src/verdict.js';
import { addPolicyAndMaps, type PolicyTruth } from '../fixtures/province-policy.js';
import { generateSite, page, serve, type Served } from '../fixtures/site.js';
import { artifactsFromHtml, config, withOptions } from './harness.js';

const client = new HttpClient({ networkPolicy: true, retries: 0 });
const checks = (o: Record<string, unknown> = {}) => withOptions(policy, o);

function site(plants: Parameters<typeof addPolicyAndMaps>[1]['plants']): { routes: ReturnType<typeof generateSite>['routes']; truth: PolicyTruth } {
  const s = generateSite({ name: '示例市人民政府', planted: false, newest: '2024-06-25' });
  const truth = addPolicyAndMaps(s.routes, { siteName: '示例市人民政府', short: '示例市', newest: '2024-06-25', plants });
  return { routes: s.routes, truth };
}

let bad: Served;
let good: Served;
let badTruth: PolicyTruth;

beforeAll(async () => {
  const b = site({ linkedPairs: 1, unlinkedInterpretation: true, noBacklink: true });
  badTruth = b.truth;
  bad = await serve(b.routes);
  good = await serve(site({ linkedPairs: 2 }).routes);
});
afterAll(async () => {
  await Promise.all([bad.close(), good.close(), client.close()]);
});

async function check(url: string, o: Record<string, unknown> = {}, maxPages = 200) {
  const a = await gatherSite({ id: 't', url, kind: 'website' }, { networkPolicy: true, maxPages }, checks(o), '2024-07-01');
  const [r] = await runChecks(a, checks(o), { config, http: client });
  return r;
}

describe('policy-interpretation (W-D7, notice (一))', () => {
  it('reads titles, document numbers and the forms a policy title takes', () => {
    const w = /解读|图解|一图读懂/;
    expect(interpretedTitle('[文字方式]《湖北省某某纲要》解读', w)).toEqual({ key: normTitle('湖北省某某纲要'), named: true });
    expect(interpretedTitle('图文解读：《某县2022年统计公报》', w)?.key).toBe('某县2022年统计公报');
    expect(interpretedTitle('关于加强基层治理的若干措施的解读', w)?.key).toBe('加强基层治理的若干措施');
    expect(interpretedTitle('一图读懂示例市养老服务体系建设规划', w)?.key).toBe('示例市养老服务体系建设规划');
    expect(interpretedTitle('国常会部署加快推进新型工业化', w)).toBeUndefined();
    expect(matchTitle(normTitle('示例市城市更新实施方案'), '示例市人民政府关于印发《示例市城市更新实施方案》的通知')).toBe('exact');
    expect(matchTitle(normTitle('关于加强基层治理的若干措施'), '示例市人民政府关于加强基层治理的若干措施')).toBe('exact');
    expect(matchTitle(normTitle('城市更新实施方案'), '示例市城市更新实施方案（试行）')).toBe('loose');
    expect(matchTitle(normTitle('城市更新实施方案'), '示例市政务数据共享管理办法')).toBeUndefined();
    expect(docNumbers('近日印发《办法》（闽政办〔2024〕12号），另见闽政[2023]3号')).toEqual(['政办|2024|12', '闽政|2023|3']);
  });

  it('reports an interpretation linking nothing and a policy not linking back, both confirmed, on a crawled site', async () => {
    const r = await check(`${bad.origin}/`);
    const got = r.findings.map((f) => `${f.code} ${f.tier} ${new URL(f.url).pathname}`).sort();
    expect(got).toEqual([...badTruth.unlinked.map((p) => `interpretation-unlinked confirmed ${p}`), ...badTruth.noBacklink.map((p) => `policy-no-backlink confirmed ${p}`)].sort());
    const unlinked = r.findings.find((f) => f.code === 'interpretation-unlinked')!;
    expect(unlinked).toMatchObject({ severity: 'deduction', rule: 'W-D7', points: 1 });
    expect(unlinked.message).toMatch(/^政策解读“《示例市.+》解读”未链接所解读的政策文件“示例市人民政府关于印发《示例市.+》的通知”$/);
    expect(String(unlinked.evidence.policyFound)).toContain('exact match on this site');
    const back = r.findings.find((f) => f.code === 'policy-no-backlink')!;
    expect(back.messageEn).toMatch(/^Policy ".+" does not link to its interpretation ".+"$/);
    expect(back.evidence.pairedBy).toBe('the interpretation links here by the policy title');
    expect(r.summary).toMatchObject({ interpretations: 3, judged: 3, linked: 2, policiesChecked: 3, policiesLinkingBack: 2 });
    const v = computeVerdict(r.findings, config.rules);
    expect(v.decidedBy).toEqual([{ rule: 'W-D7', kind: 'deduction', points: 2, findings: 2 }]);
  });

  it('is silent on a site whose interpretations and policies link both ways', async () => {
    const r = await check(`${good.origin}/`);
    expect(r.findings).toEqual([]);
    expect(r.summary).toMatchObject({ judged: 2, linked: 2, policiesLinkingBack: 2 });
  });

  it('fetches listed interpretations beyond the crawl, within maxFetches, and says what it left unread', async () => {
    // Only the home page is crawled: interpretations come from its 政策解读 block, policies from their links.
    const all = await check(`${bad.origin}/`, {}, 1);
    expect(all.findings.map((f) => f.code).sort()).toEqual(['interpretation-unlinked', 'policy-no-backlink']);
    // Without the 政策文件 list the unlinked interpretation's policy is not known: suspected, not scored.
    expect(all.findings.find((f) => f.code === 'interpretation-unlinked')).toMatchObject({ tier: 'suspected' });
    expect(all.findings.find((f) => f.code === 'policy-no-backlink')).toMatchObject({ tier: 'confirmed' });
    // One fetch: the first interpretation; the two others and the policy it links to are left unread, and named.
    const few = await check(`${bad.origin}/`, { maxFetches: 1 }, 1);
    expect(few.findings.map((f) => f.code)).toEqual(['not-verified']);
    expect(few.findings[0]).toMatchObject({ severity: 'info', params: { count: 3 } });
    expect(few.summary).toMatchObject({ fetches: 1 });
  });

  it('keeps to suspected what it cannot know, and leaves statistics and unnamed documents alone', async () => {
    const origin = 'http://www.shifan.gov.cn';
    const art = (title: string, column: string, body: string) =>
      page({ siteName: '示例市人民政府', title: `${title}_示例市人民政府`, meta: { ColumnName: column, ArticleTitle: title, PubDate: '2024-06-20 10:00' }, body: `<h2>${title}</h2><div class="TRS_Editor">${body}</div>` });
    const pages = [
      { url: `${origin}/`, html: page({ siteName: '示例市人民政府', title: '示例市人民政府', body: '<p>首页</p>' }) },
      // A policy of the province, not on this site: the interpretation does not link it → suspected.
      { url: `${origin}/zcjd/202406/t20240620_1.html`, html: art('《示例省促进消费若干措施》解读', '政策解读', '<p>省政府近日出台若干措施。</p>') },
      // A statistics bulletin's interpretation and a news item with 解读 in its title: not judged.
      { url: `${origin}/zcjd/202406/t20240620_2.html`, html: art('《示例市2023年国民经济和社会发展统计公报》解读', '数据解读', '<p>全年经济运行稳中有进。</p>') },
      { url: `${origin}/zcjd/202406/t20240620_3.html`, html: art('专家解读经济形势', '政策解读', '<p>专家认为经济稳中向好。</p>') },
      // A pair whose policy page shows an empty 相关解读 box (filled by a script on real sites) → suspected.
      { url: `${origin}/zcjd/202406/t20240620_4.html`, html: art('《示例市科技创新券管理办法》解读', '政策解读', `<p>原文链接：<a href="${origin}/zcwj/202406/t20240619_9.html">示例市科技创新券管理办法</a></p>`) },
      { url: `${origin}/zcwj/202406/t20240619_9.html`, html: art('示例市科技创新券管理办法', '政策文件', '<p>第一条 为规范管理，制定本办法。</p><div class="side"><h3><span>相关解读</span></h3><ul class="relnew"></ul></div>') },
      // An attachment with a bare name may be the policy itself: the missing link is only suspected.
      { url: `${origin}/zcjd/202406/t20240620_5.html`, html: art('《示例市人才安居实施办法》解读', '政策解读', '<p>附件：<a href="/files/fj1.pdf">附件1.pdf</a></p>') },
      {
        url: `${origin}/zcwj/202406/t20240618_8.html`,
        html: art('示例市人民政府关于印发《示例市人才安居实施办法》的通知', '政策文件', `<p>相关解读：<a href="${origin}/zcjd/202406/t20240620_5.html">《示例市人才安居实施办法》解读</a></p>`),
      },
    ];
    const a = artifactsFromHtml(pages, { asOf: '2024-07-01', collectors: checks() });
    const [r] = await runChecks(a, checks(), { config, http: client });
    const got = r.findings.map((f) => `${f.code} ${f.tier} ${new URL(f.url).pathname}`).sort();
    expect(got).toEqual(['interpretation-unlinked suspected /zcjd/202406/t20240620_1.html', 'interpretation-unlinked suspected /zcjd/202406/t20240620_5.html', 'policy-no-backlink suspected /zcwj/202406/t20240619_9.html']);
    expect(r.findings.find((f) => f.url.endsWith('_5.html'))!.evidence.reason).toContain('attachment that may be the policy itself');
    expect(r.findings.find((f) => f.code === 'policy-no-backlink')!.evidence.reason).toContain('相关解读 box is empty');
    expect(r.findings.find((f) => f.code === 'interpretation-unlinked')!.evidence.reason).toContain('not found on this site');
    expect(r.summary).toMatchObject({ notPolicy: 1, unidentified: 1, judged: 3, policiesLinkingBack: 1 });
    expect(computeVerdict(r.findings, config.rules).decidedBy).toEqual([]);
    // A policy page that cannot be fetched is suspected too (nothing listens on port 9: the connection is refused).
    const far = artifactsFromHtml(
      [
        { url: 'http://127.0.0.1:9/', html: page({ siteName: '示例市人民政府', title: '示例市人民政府', body: '<p>首页</p>' }) },
        { url: 'http://127.0.0.1:9/zcjd/202406/t20240620_4.html', html: art('《示例市科技创新券管理办法》解读', '政策解读', '<p>原文链接：<a href="/zcwj/202406/t20240619_9.html">示例市科技创新券管理办法</a></p>') },
      ],
      { asOf: '2024-07-01', collectors: checks() },
    );
    const [rf] = await runChecks(far, checks(), { config, http: client });
    expect(rf.findings.map((f) => `${f.code} ${f.tier}`)).toEqual(['policy-no-backlink suspected']);
    expect(String(rf.findings[0].evidence.reason)).toContain('could not be read');
  });
});
