import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import brokenLinks from '../../checks/broken-links.js';
import { loadConfig } from '../../src/config.js';
import { artifactsFromHtml } from '../../src/gather/page-artifact.js';
import { HttpClient } from '../../src/net/http.js';
import { runChecks } from '../../src/site-check.js';
import { serve, type Route, type Served } from '../fixtures/site.js';

let s: Served;
beforeAll(async () => {
  s = await serve(
    new Map<string, Route>([
      ['/ok.png', { headers: { 'content-type': 'image/png' }, body: 'png' }],
      ['/forbidden', { status: 403 }],
      ['/bot-wall', { status: 403, headers: { 'cf-mitigated': 'challenge' } }],
      ['/server-error', { status: 500 }],
      ['/head-refused', { handler: (req, res) => res.writeHead(req.method === 'HEAD' ? 405 : 200).end() }],
      ['/files/ok.pdf', { body: '%PDF' }],
      ['/was-down.html', { headers: { 'content-type': 'text/html; charset=utf-8' }, body: '<title>恢复</title><p>ok</p>' }],
      ['/moved', { status: 301, headers: { location: '/moved-again' } }],
      ['/moved-again', { status: 302, headers: { location: '/nowhere.html' } }],
      ['/deleted-article.html', { headers: { 'content-type': 'text/html; charset=utf-8' }, body: '<html><head><title>提示</title></head><body><p>您访问的页面不存在！</p></body></html>' }],
      ['/report.doc', { headers: { 'content-type': 'application/msword' }, body: 'DOC' }],
    ]),
  );
});
afterAll(() => s.close());

const config = loadConfig();

async function check(homeHtml: string, other: Array<{ path: string; html: string; status?: number }> = [], opts: Record<string, unknown> = {}, http = new HttpClient({ networkPolicy: true, retries: 0 })) {
  const options = brokenLinks.meta.options.parse(opts);
  const collectors = [{ module: brokenLinks, options }];
  const a = artifactsFromHtml([{ url: `${s.origin}/`, html: homeHtml }, ...other.map((o) => ({ url: `${s.origin}${o.path}`, html: o.html, status: o.status }))], { asOf: '2024-07-01', collectors });
  try {
    const [r] = await runChecks(a, collectors, { config, http });
    return r;
  } finally {
    await http.close();
  }
}

describe('broken-links (W-D1, W-D2)', () => {
  it('reports a broken target once with every page that links to it', async () => {
    const r = await check('<a href="/missing.html">甲</a><img src="/ok.png">', [
      { path: '/a.html', html: '<p><a href="/missing.html">乙</a></p>' },
      { path: '/b.html', html: '<a href="/missing.html">丙</a>' },
    ]);
    const broken = r.findings.filter((f) => f.code === 'broken');
    expect(broken).toHaveLength(1);
    expect(broken[0].target).toBe(`${s.origin}/missing.html`);
    expect(broken[0].url).toBe(`${s.origin}/`);
    expect(broken[0].points).toBe(1); // on the home page: −1
    const parents = broken[0].evidence.parents as Array<{ page: string; text: string; element: string; attribute: string }>;
    expect(parents.map((p) => p.text).sort()).toEqual(['丙', '乙', '甲']);
    expect(parents[0]).toMatchObject({ page: `${s.origin}/`, element: 'a', attribute: 'href' });
  });

  it('scores other-page links at −0.1 and attachments under W-D2', async () => {
    const r = await check('<a href="/a.html">a</a>', [{ path: '/a.html', html: '<a href="/gone.html">x</a><a href="/files/missing.docx">附件</a><a href="/files/ok.pdf">ok</a>' }]);
    expect(r.findings.find((f) => f.target?.endsWith('/gone.html'))).toMatchObject({ rule: 'W-D1', points: 0.1, tier: 'confirmed' });
    expect(r.findings.find((f) => f.target?.endsWith('/missing.docx'))).toMatchObject({ rule: 'W-D2', code: 'broken-attachment', points: 0.5 });
    expect(r.findings.some((f) => f.target?.endsWith('/ok.pdf'))).toBe(false);
  });

  it('applies the status policy: 403 broken, bot wall inconclusive, 5xx and network errors suspected', async () => {
    const r = await check('<a href="/forbidden">a</a><a href="/bot-wall">b</a><a href="/server-error">c</a><a href="http://127.0.0.1:1/">d</a><a href="/head-refused">e</a>');
    const by = (p: string) => r.findings.find((f) => f.target?.includes(p));
    expect(by('/forbidden')).toMatchObject({ code: 'broken', tier: 'confirmed' });
    expect(by('/bot-wall')).toMatchObject({ code: 'inconclusive', severity: 'info' });
    expect(by('/server-error')).toMatchObject({ code: 'suspected', tier: 'suspected' });
    expect(by('127.0.0.1:1')).toMatchObject({ code: 'suspected' });
    expect(by('127.0.0.1:1')!.evidence.errorKind).toBe('connection_refused');
    expect(by('127.0.0.1:1')!.message).toBe('疑似不可用链接：http://127.0.0.1:1/（连接被拒绝）');
    expect(by('127.0.0.1:1')!.messageEn).toBe('Suspected broken link: http://127.0.0.1:1/ (connection_refused)');
    expect(by('/head-refused')).toBeUndefined();
  });

  it('reports malformed links and counts skipped schemes without flagging them', async () => {
    const r = await check('<a href="https;//www.gov.cn/">政府网</a><a href="mailto:a@b.cn">信箱</a><a href="javascript:;">打印</a>');
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({ code: 'malformed', target: 'https;//www.gov.cn/', message: '链接地址格式错误：https;//www.gov.cn/（协议名写错）', messageEn: 'Malformed link: https;//www.gov.cn/ (mistyped scheme)' });
    expect(r.summary?.skipped).toEqual({ mailto: 1, javascript: 1 });
  });

  it('merges a configured status policy over the defaults, by code or by class', async () => {
    const r = await check('<a href="/forbidden">a</a><a href="/server-error">b</a><a href="http://127.0.0.1:1/">c</a>', [], { statusPolicy: { '5xx': 'broken' }, errorPolicy: { connection_refused: 'broken' } });
    const by = (p: string) => r.findings.find((f) => f.target?.includes(p));
    expect(by('/forbidden')).toMatchObject({ code: 'broken', tier: 'confirmed' });
    expect(by('/server-error')).toMatchObject({ code: 'broken', tier: 'confirmed' });
    expect(by('127.0.0.1:1')).toMatchObject({ code: 'broken', tier: 'confirmed' });
    expect(() => brokenLinks.meta.options.parse({ statusPolicy: { '4o4': 'ok' } })).toThrow();
    expect(brokenLinks.meta.options.parse({ statusPolicy: { '404': 'warning' } }).statusPolicy['404']).toBe('suspected');
  });

  it('verifies a crawl answer that may be transient again before calling it broken', async () => {
    // The crawl saw HTTP 500; the server answers now.
    const page = { path: '/was-down.html', html: '<p>系统维护中</p>', status: 500 };
    const rechecked = await check('<a href="/was-down.html">通知</a>', [page]);
    expect(rechecked.findings).toEqual([]);
    expect(rechecked.summary?.recheckedFromCrawl).toBe(1);
    const trusted = await check('<a href="/was-down.html">通知</a>', [page], { recheckTransient: false });
    expect(trusted.findings[0]).toMatchObject({ code: 'suspected', target: `${s.origin}/was-down.html` });
    expect(trusted.findings[0].evidence).toMatchObject({ status: 500, verifiedBy: 'crawl' });
  });

  it('shows the redirect chain that ends in a 404', async () => {
    const r = await check('<a href="/moved">旧地址</a>');
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0].evidence).toMatchObject({ status: 404, finalUrl: `${s.origin}/nowhere.html` });
    expect((r.findings[0].evidence.redirectChain as Array<{ status: number }>).map((h) => h.status)).toEqual([301, 302]);
  });

  it('fetches internal pages the crawl did not reach, to see a soft 404', async () => {
    const r = await check('<a href="/deleted-article.html">关于印发实施方案的通知</a>');
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({ code: 'soft-404', rule: 'W-D1', points: 1 });
    expect(r.findings[0].evidence.softNotFound).toMatchObject({ reason: 'phrase', phrase: '您访问的页面不存在', title: '提示' });
    expect(r.findings[0].message).toBe(`链接不可用：${s.origin}/deleted-article.html 返回 HTTP 200，但页面显示“您访问的页面不存在”（软 404），共 1 处引用`);
  });

  it('does not take a title that merely contains 404 for a not-found page', async () => {
    const r = await check('<a href="/a.html">a</a><a href="/b.html">b</a><a href="/c.html">c</a><a href="/d.html">d</a>', [
      { path: '/a.html', html: '<title>关于G404国道改扩建工程施工期间交通管制的通告</title><p>自即日起……</p>' },
      { path: '/b.html', html: '<title>404 Not Found</title><p>nginx</p>' },
      { path: '/c.html', html: '<title>部门动态：持续优化营商环境（第404期）_示例市人民政府</title><p>……</p>' },
      { path: '/d.html', html: '<title>示例市人民政府 - 404</title><p>……</p>' },
    ]);
    expect(r.findings.map((f) => f.target)).toEqual([`${s.origin}/b.html`, `${s.origin}/d.html`]);
  });

  it('verifies #fragments against the target page’s ids and names when asked (off by default)', async () => {
    const home =
      '<a href="/a.html#sec1">一</a><a href="/a.html#nope">二</a><a href="/a.html#%E6%97%A7%E9%94%9A%E7%82%B9">三</a><a href="#top">顶部</a><a href="#/route">应用</a><a href="#here-missing">四</a><p id="ok-here"></p><a href="#ok-here">五</a>';
    const other = [{ path: '/a.html', html: '<h2 id="sec1">第一节</h2><a name="旧锚点"></a>' }];
    const off = await check(home, other);
    expect(off.findings).toEqual([]);
    const on = await check(home, other, { checkFragments: true });
    expect(on.findings.map((f) => [f.code, f.severity, f.target])).toEqual([
      ['missing-fragment', 'warning', `${s.origin}/#here-missing`],
      ['missing-fragment', 'warning', `${s.origin}/a.html#nope`],
    ]);
    expect(on.findings[1].evidence.parents).toEqual([expect.objectContaining({ page: `${s.origin}/`, text: '二', element: 'a', attribute: 'href' })]);
    expect(on.summary?.fragments).toEqual({ checked: 5, missing: 2, unverifiable: 0 });
  });

  it('lists every parent up to maxParents and counts them all', async () => {
    const pages = Array.from({ length: 5 }, (_, i) => ({ path: `/p${i}.html`, html: `<a href="/missing.html">第${i}页</a>` }));
    const r = await check('<a href="/missing.html">首页</a>', pages, { maxParents: 3 });
    const parents = r.findings[0].evidence.parents as Array<{ page: string }>;
    expect(parents).toHaveLength(3);
    expect(parents[0].page).toBe(`${s.origin}/`);
    expect(r.findings[0].evidence.parentCount).toBe(6);
    expect(r.findings[0].params).toMatchObject({ count: 6 });
  });

  it('checks each distinct target once and an external target once per run across sites', async () => {
    const http = new HttpClient({ networkPolicy: true, retries: 0 });
    const before = s.hits.get('HEAD /report.doc') ?? 0;
    const html = '<a href="/report.doc">年报</a>';
    const shared = { module: brokenLinks, options: brokenLinks.meta.options.parse({ softNotFound: { enabled: false } }) };
    // Two "sites" (different start pages on other hosts' behalf) linking to the same target, one client.
    for (const home of ['http://127.0.0.2:9/', 'http://127.0.0.3:9/']) {
      const a = artifactsFromHtml(
        [
          { url: home, html: html.replace('/report.doc', `${s.origin}/report.doc`) },
          { url: `${home}x.html`, html: html.replace('/report.doc', `${s.origin}/report.doc`) },
        ],
        { asOf: '2024-07-01' },
      );
      const [r] = await runChecks(a, [shared], { config, http });
      expect(r.findings).toEqual([]);
    }
    await http.close();
    expect((s.hits.get('HEAD /report.doc') ?? 0) - before).toBe(1);
  });

  it('takes a bare 404 in a title as a not-found page, but not a bracketed serial number', async () => {
    const { notFoundPhrase } = await import('../../checks/broken-links.js');
    const o = brokenLinks.meta.options.parse({}).softNotFound;
    const nav = '首页 要闻动态 通知公告 政策文件 政务公开 互动交流 办事服务 '.repeat(100);
    expect(notFoundPhrase('工作动态（404）', '正文', o)).toBeUndefined();
    expect(notFoundPhrase('(404)通知', '正文', o)).toBeUndefined();
    expect(notFoundPhrase('404', nav, o)).toBe('404');
    expect(notFoundPhrase('页面错误-404', nav, o)).toBe('404');
    expect(notFoundPhrase('您访问的页面不存在', nav, o)).toBe('页面不存在');
  });
});
