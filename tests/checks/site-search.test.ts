import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import search, { siteNameOf } from '../../checks/site-search.js';
import { gatherSite } from '../../src/gather/crawl.js';
import { HttpClient } from '../../src/net/http.js';
import { runChecks } from '../../src/site-check.js';
import { html, runOffline, runServed } from '../content/run.js';
import { addSiteSearch, type SearchPlant } from '../fixtures/province-search.js';
import { generateSite, serve, type Routes, type Served } from '../fixtures/site.js';
import { config, withOptions } from './harness.js';

const NAME = '示例市教育局';
const ASOF = '2024-07-01';
const servers: Served[] = [];

async function site(plant: SearchPlant, edit?: (r: Routes) => void): Promise<Served> {
  const { routes } = generateSite({ name: NAME, seed: 7, articlesPerColumn: 2, newest: '2024-06-25' });
  addSiteSearch(routes, { key: 'x', name: NAME }, 0, plant);
  edit?.(routes);
  const s = await serve(routes);
  servers.push(s);
  return s;
}

/** Crawls the site (registry name given) and runs the check with a client of the given time limit. */
async function check(origin: string, opts: { name?: string; timeoutMs?: number } = {}) {
  const checks = withOptions(search);
  const artifacts = await gatherSite({ id: 'fixture', url: `${origin}/`, kind: 'website', ...(opts.name === undefined ? { name: NAME } : opts.name ? { name: opts.name } : {}) }, { networkPolicy: true, maxPages: 15 }, checks, ASOF);
  const http = new HttpClient({ networkPolicy: true, retries: 0, timeoutMs: opts.timeoutMs ?? 5000 });
  try {
    const [r] = await runChecks(artifacts, checks, { config, http });
    return r;
  } finally {
    await http.close();
  }
}

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe('site-search (W-D5)', () => {
  let trs: Served;
  beforeAll(async () => {
    trs = await site('trs');
  });

  it('a TRS, a Hanweb and a linked search page that list results for the site’s own name pass', async () => {
    for (const plant of ['trs', 'hanweb', 'link'] as const) {
      const s = plant === 'trs' ? trs : await site(plant);
      const r = await check(s.origin);
      expect(r.status, plant).toBe('pass');
      expect(r.findings, plant).toEqual([]);
      expect(r.summary, plant).toMatchObject({ works: true });
      expect((r.summary as { terms: string[] }).terms[0]).toBe(NAME);
      const tried = (r.summary as { tried: Array<{ kind: string; url: string; count: number }> }).tried;
      expect(tried.at(-1), plant).toMatchObject({ kind: 'results' });
      expect(tried.at(-1)!.count).toBeGreaterThan(0);
      // The query carries the form's hidden fields and the term in the form's own field.
      const u = new URL(tried.at(-1)!.url);
      if (plant === 'trs') expect([u.pathname, u.searchParams.get('channelid'), u.searchParams.get('searchword')]).toEqual(['/was5/web/search', '200001', NAME]);
      if (plant === 'hanweb') expect([u.pathname, u.searchParams.get('websiteid'), u.searchParams.get('q')]).toEqual(['/jsearchfront/search.do', '330000000000000', NAME]);
      if (plant === 'link') expect([u.pathname, u.searchParams.get('sword')]).toEqual(['/search/result', NAME]);
      expect(s.hits.get(`GET ${u.pathname}`)).toBeGreaterThanOrEqual(1);
    }
  });

  it('no search on a home page read completely is a confirmed deduction', async () => {
    const s = await site('none');
    const r = await check(s.origin);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({ code: 'no-search', severity: 'deduction', tier: 'confirmed', rule: 'W-D5', message: '首页未发现站内搜索', messageEn: 'No site search on the home page' });
  });

  it('a results page answering 500 is search-broken; one that finds nothing for the name and a title is search-no-results', async () => {
    const broken = await check((await site('broken')).origin);
    expect(broken.findings.map((f) => [f.code, f.tier, f.severity])).toEqual([['search-broken', 'confirmed', 'deduction']]);
    expect(broken.findings[0].message).toBe('站内搜索无法使用：HTTP 500');
    expect(broken.findings[0].target).toMatch(/\/was5\/web\/search\?channelid=200001&searchword=/);

    const empty = await check((await site('no-results')).origin);
    expect(empty.findings.map((f) => [f.code, f.tier])).toEqual([['search-no-results', 'confirmed']]);
    const terms = empty.findings[0].evidence.terms as string[];
    // The site's name, then an article title of the crawl: both searched, neither found.
    expect(terms[0]).toBe(NAME);
    expect(terms).toHaveLength(2);
    expect(empty.findings[0].message).toContain(`站内搜索检索“${NAME}”`);
  });

  it('a results page that times out on the site’s own host is broken; 403 and a page drawn by script are only suspected', async () => {
    const slow = await site('trs', (r) =>
      r.set('/was5/web/search', {
        handler: (_req, res) => {
          setTimeout(() => res.end('late'), 3000);
        },
      }),
    );
    const t = await check(slow.origin, { timeoutMs: 800 });
    expect(t.findings.map((f) => [f.code, f.tier])).toEqual([['search-broken', 'confirmed']]);
    expect(t.findings[0].params.why).toMatch(/time limit/);

    const waf = await site('trs', (r) => r.set('/was5/web/search', { status: 403, headers: { 'content-type': 'text/html' }, body: '<html><body>Access denied</body></html>' }));
    const w = await check(waf.origin);
    expect(w.findings.map((f) => [f.code, f.tier])).toEqual([['search-unverified', 'suspected']]);

    // Hanweb-style: the results page is a shell the script fills; its "no results" line is a hidden template.
    const shell = await site('hanweb', (r) =>
      r.set('/jsearchfront/search.do', {
        headers: { 'content-type': 'text/html; charset=utf-8' },
        body: '<html><head><title>搜索</title><script src="/jsearchfront/js/search.js"></script></head><body><div id="result"></div><div class="noresult" style="display: none">没有找到相关结果</div></body></html>',
      }),
    );
    const sh = await check(shell.origin);
    expect(sh.findings.map((f) => [f.code, f.tier])).toEqual([['search-unverified', 'suspected']]);
    expect(sh.findings[0].evidence.reason).toBeTruthy();
  });

  it('a home page built by script or shown in frames gets only a suspected no-search; a field a script submits is an entrance', async () => {
    const scriptBuilt = await runOffline(search, [{ path: '/', html: '<html><head><title>示例市人民政府</title><script src="/app.js"></script></head><body><div id="app"></div></body></html>' }]);
    expect(scriptBuilt.findings.map((f) => [f.code, f.tier])).toEqual([['no-search', 'suspected']]);
    expect(scriptBuilt.findings[0].evidence.reason).toMatch(/built by script/);

    const long = '<p>' + '深入贯彻落实党中央决策部署，持续优化营商环境。'.repeat(10) + '</p>';
    const framed = await runOffline(search, [{ path: '/', html: html('首页', `${long}<iframe src="/top.html"></iframe>`) }]);
    expect(framed.findings.map((f) => [f.code, f.tier])).toEqual([['no-search', 'suspected']]);

    // As on www.gov.cn or hubei: an input outside any form, submitted by onclick="Search()".
    const scripted = await runOffline(search, [
      { path: '/', html: html('首页', `${long}<div class="search-box"><input type="text" id="keyword" name="keyword" placeholder="请输入关键字"><a href="javascript:void(0)" onclick="Search()">搜索</a></div>`) },
    ]);
    expect(scripted.findings).toEqual([]);
    expect(scripted.summary).toMatchObject({ entrance: 'script', works: null });
    // As on www.gov.cn: a form without an action whose button calls the script; submitting it would ask the page itself.
    const actionless = await runOffline(search, [{ path: '/', html: html('首页', `${long}<form><input type="hidden" name="t" value="govall"><input name="headSearchword" type="text"><input type="btn" onclick="goSearch(this)"></form>`) }]);
    expect(actionless.findings).toEqual([]);
    expect(actionless.summary).toMatchObject({ entrance: 'script', works: null });

    // A message form (textarea) and a login form (password) are not searches.
    const forms = await runOffline(search, [
      {
        path: '/',
        html: html('首页', `${long}<form action="/hdjl/submit" method="post"><input name="title"><textarea name="content"></textarea></form><form action="/login" method="post"><input name="user"><input type="password" name="pw"></form>`),
      },
    ]);
    expect(forms.findings.map((f) => [f.code, f.tier])).toEqual([['no-search', 'confirmed']]);
  });

  it('never sends a title naming people; the name comes from the registry or the home page title', async () => {
    const s = await site('no-results', (r) => {
      // Every article is an appointment notice: no article title may be sent, only the site's name.
      for (const [path, route] of r) if (typeof route.body === 'string' && /\/t\d{8}_\d+\.html$/.test(path)) route.body = route.body.replace(/[^>"]*（第(\d)期）/g, '关于张某某同志任职的通知（第$1期）');
    });
    const r = await check(s.origin, { name: '' });
    expect(r.findings.map((f) => f.code)).toEqual(['search-no-results']);
    expect(r.findings[0].evidence.terms).toEqual([NAME]);
    expect(siteNameOf({ site: { id: 'x', url: 'x', kind: 'website' }, home: { title: '首页 - 示例县人民政府门户网站', meta: {} } } as never)).toBe('示例县人民政府');
  });
});

describe('site-search in served sites', () => {
  it('runs with the other checks of govcheck check', async () => {
    const s = await site('trs');
    const r = await runServed([search], s.origin, ASOF);
    expect(r['site-search'].status).toBe('pass');
  });
});
