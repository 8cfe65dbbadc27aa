import * as cheerio from 'cheerio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import privacyPolicy from '../../checks/privacy-policy.js';
import { personalDataForms } from '../../src/analysis/privacy/forms.js';
import { gatherSite } from '../../src/gather/crawl.js';
import { HttpClient } from '../../src/net/http.js';
import { runChecks } from '../../src/site-check.js';
import { computeVerdict } from '../../src/verdict.js';
import type { ProvinceWebsite } from '../fixtures/province.js';
import { addJiucuoAndPrivacy } from '../fixtures/province-jiucuo.js';
import { addServicesAndInteraction } from '../fixtures/province.js';
import { generateSite, page, serve, type Route, type Routes, type Served } from '../fixtures/site.js';
import { artifactsFromHtml, config, withOptions } from './harness.js';

const http = new HttpClient({ networkPolicy: true, retries: 0, timeoutMs: 2000 });
const checks = (o: Record<string, unknown> = {}) => withOptions(privacyPolicy, o);
const spec = (key: string): ProvinceWebsite => ({ kind: 'website', key, name: '示例市民政局', group: '甲市', owner: '示例市民政局', status: 'operating', plant: 'clean' });
const codes = (r: { findings: Array<{ code: string; tier: string; severity: string }> }) => r.findings.map((f) => `${f.code}/${f.severity}/${f.tier}`);

/** A province-shaped site (互动交流 form, services) with the key's privacy plant. */
function site(key: string): Routes {
  const routes = generateSite({ name: '示例市民政局', planted: false }).routes;
  addServicesAndInteraction(routes, '示例市民政局', '2024-06-25');
  addJiucuoAndPrivacy(routes, spec(key), 4);
  return routes;
}

const served: Record<string, Served> = {};
let pages: Served;
beforeAll(async () => {
  for (const key of ['clean', 'jia-mz', 'yi-jt', 'ding-yb']) served[key] = await serve(site(key));
  // Pages beyond a crawl: declarations with and without a privacy section, a slow page, an empty shell, a PDF.
  const decl = (body: string): Route => ({ headers: { 'content-type': 'text/html; charset=utf-8' }, body: page({ siteName: '示例市', title: '网站声明_示例市', body }) });
  pages = await serve(
    new Map<string, Route>([
      [
        '/wzsm/privacy.html',
        decl(
          `<h2>网站声明</h2><p>一、版权保护。本网站所载内容的版权属于示例市人民政府。</p><h3>二、隐私保护</h3><p>本网站尊重用户隐私，对您在留言时提供的个人信息予以保密，只用于答复您的留言，不向第三方披露，法律另有规定的除外。我们采取安全措施存储这些信息。</p>`,
        ),
      ],
      ['/wzsm/plain.html', decl('<h2>免责声明</h2><p>本网站所载内容的版权属于示例市人民政府，转载请注明来源。本网站链接的其他网站所载内容，不代表本网站的观点。对因使用本网站内容造成的损失，本网站不承担责任。</p>')],
      ['/yssm/empty.html', decl('<h2>隐私政策</h2><p>本栏目正在建设中，敬请期待。本网站将尽快公布相关内容，感谢您的关注与支持，如有疑问请与我们联系。</p>')],
      ['/yssm/policy.pdf', { headers: { 'content-type': 'application/pdf' }, body: Buffer.from('%PDF-1.4\n%%EOF\n') }],
      ['/yssm/slow.html', { handler: (_req, res) => setTimeout(() => res.writeHead(503).end(), 50) }],
    ]),
  );
});
afterAll(async () => {
  await Promise.all([...Object.values(served).map((s) => s.close()), pages.close(), http.close()]);
});

async function crawl(key: string) {
  const s = served[key];
  const a = await gatherSite({ id: key, url: `${s.origin}/`, kind: 'website' }, { networkPolicy: true, maxPages: 40 }, checks(), '2024-07-01');
  const [r] = await runChecks(a, checks(), { config, http });
  return r;
}

/** A home page on the pages server's host linking `links` in its footer (those pages are fetched through ctx.pages). */
async function offline(links: string, o: { url?: string; options?: Record<string, unknown>; body?: string } = {}) {
  const html = page({
    siteName: '示例市人民政府',
    title: '示例市人民政府',
    body: o.body ?? '<div class="block"><h3>要闻动态</h3><ul><li><a href="/ywdt/1.html">示例市召开全市优化营商环境推进会议，部署下一阶段重点工作，推动经济社会高质量发展再上新台阶</a><span>2024-06-28</span></li></ul></div>',
  }).replace('返回顶部</a></p></div>', `返回顶部</a></p><p>${links}</p></div>`);
  const a = artifactsFromHtml([{ url: o.url ?? `${pages.origin}/`, html }], { asOf: '2024-07-01', collectors: checks(o.options) });
  const [r] = await runChecks(a, checks(o.options), { config, http });
  return r;
}

describe('privacy-policy (notice: 制定并执行隐私保护政策; W-D6)', () => {
  it('passes a site whose footer links a 隐私声明 page that reads as a policy (from the crawl)', async () => {
    const r = await crawl('clean');
    expect(r.findings).toEqual([]);
    expect(r.summary).toMatchObject({ policy: { kind: 'policy', state: 'policy', text: '隐私声明' }, fetched: 0, personalDataForms: 1 });
    expect(String((r.summary!.policy as { url: string }).url)).toMatch(/\/yssm\/$/);
  });

  it('finds no policy (1 point), no policy on a site with a personal-data form (2 points, forms listed) and a broken policy link', async () => {
    const none = await crawl('jia-mz');
    expect(codes(none)).toEqual(['no-policy/deduction/confirmed']);
    expect(none.findings[0]).toMatchObject({ rule: 'W-D6', points: 1, message: '首页未链接隐私保护政策' });

    const forms = await crawl('yi-jt');
    expect(codes(forms)).toEqual(['no-policy-forms/deduction/confirmed']);
    expect(forms.findings[0]).toMatchObject({ rule: 'W-D6', points: 2, params: { forms: 1 } });
    expect(forms.findings[0].message).toMatch(/^网站设有 1 个收集个人信息的表单（如 http:\/\/127\.0\.0\.1:\d+\/hdjl\/write\.html），但首页未链接隐私保护政策$/);
    expect((forms.findings[0].evidence.forms as Array<{ fields: unknown }>)[0].fields).toEqual([
      { kind: 'name', field: 'name' },
      { kind: 'phone', field: 'phone' },
    ]);
    expect(computeVerdict(forms.findings, config.rules)).toMatchObject({ verdict: 'pass', score: 98, decidedBy: [{ rule: 'W-D6', points: 2 }] });

    const broken = await crawl('ding-yb');
    expect(codes(broken)).toEqual(['policy-broken/deduction/confirmed']);
    expect(broken.findings[0].message).toMatch(/^隐私政策链接无法访问：http:\/\/127\.0\.0\.1:\d+\/yssm\/（http_error 404）$/);
    expect(broken.findings[0].points).toBe(2);
  });

  it('reads declaration pages beyond the crawl through the check API: a privacy section counts, a plain one does not', async () => {
    const decl = await offline('<a href="/wzsm/privacy.html">网站声明</a>');
    expect(decl.findings).toEqual([]);
    expect(decl.summary).toMatchObject({ policy: { kind: 'declaration', state: 'policy' }, fetched: 1 });
    const plain = await offline('<a href="/wzsm/plain.html">免责声明</a>');
    expect(codes(plain)).toEqual(['no-policy/deduction/confirmed']);
    expect(plain.findings[0].evidence.actual).toContain('免责声明 (no privacy text)');
    // A declaration that cannot be read leaves it open.
    const gone = await offline('<a href="/wzsm/gone.html">网站声明</a>');
    expect(codes(gone)).toEqual(['no-policy/deduction/suspected']);
    expect(gone.findings[0].evidence.reason).toContain('declaration page(s) not read: 网站声明 (HTTP 404)');
  });

  it('a privacy link that opens without a policy, or does not answer, is suspected; a policy document counts', async () => {
    const empty = await offline('<a href="/yssm/empty.html">隐私政策</a>');
    expect(codes(empty)).toEqual(['policy-unverified/deduction/suspected']);
    const slow = await offline('<a href="/yssm/slow.html">隐私保护</a>');
    expect(codes(slow)).toEqual(['policy-unverified/deduction/suspected']);
    expect(slow.findings[0].message).toContain('隐私保护（HTTP 503）');
    const pdf = await offline('<a href="/yssm/policy.pdf">個人信息保護政策</a>');
    expect(pdf.findings).toEqual([]);
    expect(pdf.summary).toMatchObject({ policy: { state: 'document' } });
    // The fetch budget is bounded: links beyond it are not fetched (unknown, so suspected).
    const capped = await offline('<a href="/yssm/empty.html">隐私政策</a>', { options: { maxFetches: 0 } });
    expect(capped.findings[0].params.links).toContain('not fetched (maxFetches)');
  });

  it('confirms no policy only on a home page read whole', async () => {
    const article = await offline('', { url: `${pages.origin}/art/2024/7/1/art_1_2.html` });
    expect(codes(article)).toEqual(['no-policy/deduction/suspected']);
    expect(article.findings[0].evidence.reason).toMatch(/article/);
    const lower = await offline('', { url: `${pages.origin}/col/col1/index.html` });
    expect(lower.findings[0]).toMatchObject({ tier: 'suspected', evidence: { reason: expect.stringMatching(/not the site root/) } });
    // A shell page scripts fill: its footer (and any privacy link in it) is not in the HTML.
    const a = artifactsFromHtml([{ url: `${pages.origin}/`, html: '<html><head><title>示例市</title></head><body><div id="app"></div><script src="/app.js"></script></body></html>' }], { asOf: '2024-07-01', collectors: checks() });
    const [shell] = await runChecks(a, checks(), { config, http });
    expect(shell.findings.map((f) => `${f.code}/${f.tier}`)).toEqual(['no-policy/suspected']);
  });

  it('finds personal-data forms by label and field name, not search boxes or login forms', () => {
    const $ = cheerio.load(`
      <form action="/search"><input name="searchword"><input type="submit"></form>
      <form action="/login"><input name="username"><input type="password" name="pwd"></form>
      <form action="/hdjl/submit"><table><tr><td>您的姓名：</td><td><input name="f1"></td></tr><tr><td>手机号码</td><td><input name="f2"></td></tr></table><textarea name="content"></textarea></form>
      <form action="/ysqgk"><input name="sqrxm"><input name="sfzh"><input type="tel" name="x"><input type="email" name="y"></form>
      <form action="/subscribe"><input type="email" name="email"></form>`);
    expect(personalDataForms($, 'http://www.shifan.gov.cn/').map((f) => [f.action, f.fields.map((x) => x.kind).join(',')])).toEqual([
      ['http://www.shifan.gov.cn/hdjl/submit', 'name,phone'],
      ['http://www.shifan.gov.cn/ysqgk', 'name,idcard,phone,email'],
    ]);
  });
});
