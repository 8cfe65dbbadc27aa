/**
 * Websites gathered in real Chromium (`render: browser`): a CMS whose lists are loaded by script gives the
 * same PageArtifacts as the HTML crawler, so website checks work unchanged; with --screenshots, veto
 * findings get a screenshot. Also the CLI flags (--render, --screenshots, --platform).
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import brokenLinks from '../checks/broken-links.js';
import { defineCheck } from '../src/check-api/api.js';
import { BrowserSession } from '../src/browser/launcher.js';
import { loadConfig } from '../src/config.js';
import { gatherSiteWithBrowser } from '../src/gather/browser.js';
import { gatherSite } from '../src/gather/crawl.js';
import { HttpClient } from '../src/net/http.js';
import { checkSite, runChecks } from '../src/site-check.js';
import { z } from 'zod';
import { generateAccounts } from './fixtures/newmedia.js';
import { serve, type Route, type Routes, type Served } from './fixtures/site.js';
import { runCli, tmpDir } from './helpers.js';

const html = (body: string) => ({ headers: { 'content-type': 'text/html; charset=utf-8' }, body });
/** A small county page: its own nav (home, one column) and body. */
const county = (title: string, body: string, meta = '') =>
  html(`<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>${title}</title><meta name="SiteName" content="示例县人民政府">${meta}</head>
<body><ul class="nav"><li><a href="/">首页</a></li><li><a href="/ywdt/">要闻动态</a></li></ul><div class="main">${body}</div><img src="/images/logo.png" alt="县徽"></body></html>`);
const article = (title: string, date: string) => county(title, `<h2>${title}</h2><p>发布时间：${date}</p><p>正文内容。</p>`, `<meta name="PubDate" content="${date} 09:00"><meta name="ColumnName" content="要闻动态">`);

/** A county site whose home-page news list and column list are built by script from JSON (as many CMSs do). */
function scriptedSite(): Routes {
  const listScript = (api: string) =>
    `<ul id="list">加载中…</ul><script>fetch('${api}').then(function(r){return r.json();}).then(function(d){document.getElementById('list').innerHTML=d.map(function(x){return '<li><a href="'+x.url+'">'+x.title+'</a><span>'+x.date+'</span></li>';}).join('');});</script>`;
  return new Map<string, Route>([
    ['/', county('示例县人民政府', `<h2>要闻动态</h2>${listScript('/api/home.json')}`)],
    ['/old-home', { status: 301, headers: { location: '/' } }],
    ['/ywdt/', county('要闻动态', listScript('/api/ywdt.json'))],
    [
      '/api/home.json',
      {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([
          { url: '/art/2024/6/28/art_1_1.html', title: '县政府召开常务会议', date: '2024-06-28' },
          { url: '/art/2024/6/20/art_1_9.html', title: '已删除的旧文章', date: '2024-06-20' },
        ]),
      },
    ],
    ['/api/ywdt.json', { headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ url: '/art/2024/6/25/art_1_2.html', title: '全县安全生产工作会议召开', date: '2024-06-25' }]) }],
    ['/art/2024/6/28/art_1_1.html', article('县政府召开常务会议', '2024-06-28')],
    ['/art/2024/6/25/art_1_2.html', article('全县安全生产工作会议召开', '2024-06-25')],
    ['/css/main.css', { headers: { 'content-type': 'text/css' }, body: 'body{}' }],
    ['/js/main.js', { headers: { 'content-type': 'application/javascript' }, body: '' }],
    ['/images/logo.png', { headers: { 'content-type': 'image/png' }, body: Buffer.alloc(10) }],
  ]);
}

/** A collector that sees what a check's `collect` sees: the rendered DOM. */
const listCounter = defineCheck({
  meta: { id: 'list-counter', scope: ['website'], rules: [], options: z.object({}) },
  collect: ({ $ }) => $('#list li').length,
  run: () => ({ findings: [] }),
});

let s: Served;
let browser: BrowserSession;
const asOf = '2024-07-01';
const gatherOpts = { networkPolicy: true, maxPages: 50, timeoutMs: 15_000 } as const;

beforeAll(async () => {
  s = await serve(scriptedSite());
  browser = await BrowserSession.launch({ loopbackOnly: true });
});
afterAll(async () => {
  await browser?.close();
  await s?.close();
});

describe('gathering a website in Chromium (render: browser)', () => {
  it('finds pages that only script-built lists link to, as the same PageArtifacts the crawler makes', async () => {
    const site = { id: 'county', url: `${s.origin}/`, kind: 'website' as const };
    const checks = [{ module: listCounter, options: {} }];
    const html = await gatherSite(site, gatherOpts, checks, asOf);
    const rendered = await gatherSiteWithBrowser(site, gatherOpts, checks, asOf, browser);
    const paths = (a: typeof html) => a.pages.map((p) => new URL(p.url).pathname).sort();
    expect(paths(html)).toEqual(['/', '/ywdt/']);
    expect(paths(rendered)).toEqual(['/', '/art/2024/6/20/art_1_9.html', '/art/2024/6/25/art_1_2.html', '/art/2024/6/28/art_1_1.html', '/ywdt/']);
    const art = rendered.pages.find((p) => p.url.endsWith('art_1_1.html'))!;
    const same = (await gatherSite({ ...site, url: art.url }, { ...gatherOpts, maxDepth: 0 }, [], asOf)).home!;
    // Same artifact as the HTML crawler makes of a static page.
    for (const key of ['url', 'finalUrl', 'status', 'title', 'meta', 'depth'] as const) if (key !== 'depth') expect(art[key]).toEqual(same[key]);
    expect(art.links.map((l) => [l.url, l.element, l.attribute, l.kind])).toEqual(same.links.map((l) => [l.url, l.element, l.attribute, l.kind]));
    expect(art).toMatchObject({ depth: 1, referrer: `${s.origin}/`, encoding: 'utf-8', contentType: 'text/html; charset=utf-8', collected: { '@render': { browser: true } } });
    expect(rendered.home!.collected['list-counter']).toBe(2);
    expect(html.home!.collected['list-counter']).toBe(0);
    const gone = rendered.pages.find((p) => p.url.endsWith('art_1_9.html'))!;
    expect(gone).toMatchObject({ status: 404, error: { kind: 'http_error', status: 404 } });
  });

  it('lets website checks run unchanged: the script-only broken link is found (W-D1)', async () => {
    const site = { id: 'county', url: `${s.origin}/`, kind: 'website' as const };
    const a = await gatherSiteWithBrowser(site, gatherOpts, [], asOf, browser);
    const http = new HttpClient({ networkPolicy: true, retries: 0 });
    const [r] = await runChecks(a, [{ module: brokenLinks, options: brokenLinks.meta.options.parse({}) }], { config: loadConfig(), http });
    await http.close();
    const f = r.findings.find((x) => x.target === `${s.origin}/art/2024/6/20/art_1_9.html`);
    expect(f).toMatchObject({ code: 'broken', rule: 'W-D1', url: `${s.origin}/` });
    expect((f!.evidence.parents as Array<{ text: string }>)[0].text).toBe('已删除的旧文章');
  });

  it('records redirects and named errors like the crawler', async () => {
    const site = { id: 'county', url: `${s.origin}/old-home`, kind: 'website' as const };
    const a = await gatherSiteWithBrowser(site, { ...gatherOpts, maxDepth: 0 }, [], asOf, browser);
    expect(a.home).toMatchObject({ finalUrl: `${s.origin}/`, redirectChain: [{ url: `${s.origin}/old-home`, status: 301, location: `${s.origin}/` }] });
    const closed = await serve(new Map());
    const port = closed.port;
    await closed.close();
    const refused = await gatherSiteWithBrowser({ id: 'x', url: `http://127.0.0.1:${port}/`, kind: 'website' }, gatherOpts, [], asOf, browser);
    expect(refused.home!.error).toMatchObject({ kind: 'connection_refused' });
    const blocked = await gatherSiteWithBrowser({ id: 'y', url: `${s.origin}/`, kind: 'website' }, { ...gatherOpts, networkPolicy: false }, [], asOf, browser);
    expect(blocked.home!.error).toMatchObject({ kind: 'private_address_blocked' });
  });

  it('bounds a page whose script never yields, and goes on with the next pages', async () => {
    const hostile = await serve(
      new Map([
        ['/', county('首页', '<a href="/loop.html">死循环</a><a href="/ok.html">正常</a>')],
        ['/loop.html', county('死循环', '<script>setTimeout(function () { for (;;) {} }, 50);</script>')],
        ['/ok.html', county('正常页面', '<p>正常</p>')],
      ]),
    );
    try {
      const started = Date.now();
      const a = await gatherSiteWithBrowser({ id: 'h', url: `${hostile.origin}/`, kind: 'website' }, { ...gatherOpts, timeoutMs: 3_000, browserConcurrency: 1 }, [], asOf, browser);
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(a.pages.find((p) => p.url.endsWith('/loop.html'))!.error).toMatchObject({ kind: 'timeout' });
      expect(a.pages.find((p) => p.url.endsWith('/ok.html'))).toMatchObject({ status: 200, title: '正常页面' });
    } finally {
      await hostile.close();
    }
  });

  it('gives veto findings a screenshot of the page when screenshots are on', async () => {
    const down = await serve(new Map([['/', { status: 503, headers: { 'content-type': 'text/html; charset=utf-8' }, body: '<html><body><h1>系统维护中</h1></body></html>' }]]));
    const ev = tmpDir('govcheck-shot-');
    try {
      const config = loadConfig(undefined, { allowPrivateNetwork: true, browser: { loopbackOnly: true }, http: { retries: 0 }, gather: { retries: 0 } });
      const r = await checkSite({ id: 'down.example', url: `${down.origin}/`, kind: 'website', render: 'browser' }, { config, asOf, checks: ['availability'], browser, evidenceDir: ev.dir });
      const f = r.checks[0].findings[0];
      expect(f).toMatchObject({ code: 'unreachable', severity: 'veto' });
      expect(f.evidence.screenshot).toBe(path.join(ev.dir, 'down.example', 'availability-1.png'));
      expect(existsSync(f.evidence.screenshot as string)).toBe(true);
    } finally {
      ev.cleanup();
      await down.close();
    }
  });
});

describe('govcheck check --render browser / --screenshots / --platform', () => {
  it('checks a script-built site in Chromium and a new-media feed from the command line', async () => {
    const t = tmpDir('govcheck-cli-nm-');
    const fx = generateAccounts({ asOf, specs: [{ id: 'cli', name: '示例市发布', platform: 'wechat', source: 'rss', problems: ['stale'] }] });
    const feeds = await serve(fx.routes);
    try {
      const cfg = path.join(t.dir, 'test.yaml');
      writeFileSync(cfg, 'browser:\n  loopbackOnly: true\nhttp:\n  retries: 0\n');
      const site = await runCli(
        ['check', `${s.origin}/`, '--render', 'browser', '--config', cfg, '--allow-private-network', '--no-store', '--format', 'json', '--as-of', asOf, '--checks', 'broken-links', '--screenshots', path.join(t.dir, 'shots')],
        { timeoutMs: 90_000 },
      );
      expect(site.stderr).toBe('');
      const json = JSON.parse(site.stdout);
      expect(json.stats.pages).toBe(5);
      expect(json.checks[0].findings.map((f: { target: string }) => f.target)).toContain(`${s.origin}/art/2024/6/20/art_1_9.html`);

      const feedUrl = feeds.origin + fx.accounts[0].sourcePath;
      const acct = await runCli(['check', feedUrl, '--platform', 'wechat', '--config', cfg, '--allow-private-network', '--no-store', '--format', 'json', '--as-of', asOf, '--screenshots', path.join(t.dir, 'shots')], { timeoutMs: 90_000 });
      expect(acct.code).toBe(1);
      const aj = JSON.parse(acct.stdout);
      expect(aj.site.kind).toBe('newmedia');
      const stale = aj.checks.find((c: { id: string }) => c.id === 'newmedia-freshness').findings[0];
      expect(stale).toMatchObject({ code: 'stale', severity: 'veto', rule: 'M-V2' });
      expect(stale.message).toContain('最近一条发布于 2024-06-01');
      expect(existsSync(stale.evidence.screenshot)).toBe(true);

      const unknown = await runCli(['check', feedUrl, '--platform', 'myspace', '--no-store'], { timeoutMs: 30_000 });
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toMatch(/unknown platform myspace; known: .*wechat/);
    } finally {
      await feeds.close();
      t.cleanup();
    }
  });
});
