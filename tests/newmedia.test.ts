/**
 * New-media accounts end to end: real feed files (RSS, Atom, JSON Feed; GBK; wrong dates) and
 * script-rendered account pages served on 127.0.0.1, read by the adapters (feeds through the shared HTTP
 * client, pages in real Chromium), then judged by the three new-media checks through checkSite.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserSession } from '../src/browser/launcher.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { HttpClient } from '../src/net/http.js';
import { parseSourceDate } from '../src/newmedia/dates.js';
import { decodeFeed } from '../src/newmedia/feed.js';
import { gatherAccount } from '../src/newmedia/index.js';
import { loadPlatforms } from '../src/newmedia/platforms.js';
import { checkSite } from '../src/site-check.js';
import type { SiteResult, SiteRef } from '../src/types.js';
import { generateAccounts, type FixtureAccount } from './fixtures/newmedia.js';
import { serve, type Served } from './fixtures/site.js';
import { tmpDir } from './helpers.js';

const asOf = '2024-07-01';
const fx = generateAccounts({ asOf });
const config = loadConfig(undefined, { allowPrivateNetwork: true, browser: { loopbackOnly: true }, http: { retries: 0, retryBaseMs: 20 } });
const CHECKS = ['newmedia-freshness', 'newmedia-display', 'newmedia-menus'];
let s: Served;
let browser: BrowserSession;
const evidence = tmpDir('govcheck-nm-');

beforeAll(async () => {
  s = await serve(fx.routes);
  browser = await BrowserSession.launch({ loopbackOnly: true });
});
afterAll(async () => {
  await browser?.close();
  await s?.close();
  evidence.cleanup();
});

const account = (id: string) => fx.accounts.find((a) => a.id === id)!;
const siteOf = (a: FixtureAccount): SiteRef => ({ id: `nm-${a.id}`, name: a.name, url: s.origin + a.sourcePath, kind: 'newmedia', platform: a.platform, source: s.origin + a.sourcePath });

async function gather(a: FixtureAccount) {
  const http = new HttpClient({ networkPolicy: true, retries: 0 });
  try {
    return await gatherAccount(siteOf(a), { config, http, asOf, getBrowser: async () => browser });
  } finally {
    await http.close();
  }
}

describe('dates as sources write them', () => {
  const now = Date.parse('2024-07-01T12:00:00+08:00');
  it.each([
    ['Mon, 24 Jun 2024 08:00:00 +0800', '2024-06-24T00:00:00.000Z'],
    ['Mon, 24 Jun 2024 08:00:00 CST', '2024-06-24T00:00:00.000Z'],
    ['2024-06-24T08:00:00+08:00', '2024-06-24T00:00:00.000Z'],
    ['2024-06-24 08:00', '2024-06-24T00:00:00.000Z'],
    ['2024年6月24日 08:00', '2024-06-24T00:00:00.000Z'],
    ['２０２４年０６月２４日', '2024-06-23T16:00:00.000Z'],
    ['1719187200', '2024-06-24T00:00:00.000Z'],
    ['6月24日 08:00', '2024-06-24T00:00:00.000Z'],
    ['昨天 08:00', '2024-06-30T00:00:00.000Z'],
    ['3小时前', '2024-07-01T01:00:00.000Z'],
  ])('%s', (raw, iso) => {
    expect(parseSourceDate(raw, now)).toEqual({ iso });
  });
  it('refuses dates that cannot be true', () => {
    expect(parseSourceDate('2099-01-01', now)).toEqual({ problem: 'future' });
    expect(parseSourceDate('Thu, 01 Jan 1970 08:00:00 +0800', now)).toEqual({ problem: 'implausible' });
    expect(parseSourceDate('2024-02-31', now)).toEqual({ problem: 'unparseable' });
    expect(parseSourceDate('某日', now)).toEqual({ problem: 'unparseable' });
  });
});

describe('feed adapter', () => {
  it.each(['rss-ok', 'atom-ok', 'json-ok'])('reads %s into posts with title, date, URL, text, media and links', async (id) => {
    const a = await gather(account(id));
    const acc = a.account!;
    expect(acc.error).toBeUndefined();
    expect(acc).toMatchObject({ sourceKind: 'feed', name: account(id).name, menusExtracted: false, format: id.split('-')[0] });
    expect(a.pages).toEqual([]);
    expect(acc.posts).toHaveLength(8);
    const [first] = acc.posts;
    expect(first.url).toBe(`${s.origin}/nm/${id}/p/1.html`);
    expect(first.publishedAt!.slice(0, 10)).toBe('2024-06-30'); // China date 06-30 (UTC may be 06-29 or 06-30)
    expect(first.text).toContain('深入贯彻落实党中央、国务院决策部署');
    expect(first.media).toEqual([{ url: `${s.origin}/nm/${id}/img/1.png`, kind: 'image' }]);
    expect(first.links).toEqual([`${s.origin}/nm/${id}/p/2.html`]);
    // Newest first.
    const times = acc.posts.map((p) => Date.parse(p.publishedAt!));
    expect([...times].sort((x, y) => y - x)).toEqual(times);
  });

  it.each([
    ['gbk-xml', 'declared in the XML declaration'],
    ['gbk-none', 'declared nowhere'],
    ['rss-display', 'declared as gb2312 in the Content-Type header'],
  ])('decodes a GBK feed %s (%s) without mojibake', async (id) => {
    const acc = (await gather(account(id))).account!;
    expect(acc.error).toBeUndefined();
    expect(acc.name).toBe(account(id).name);
    expect(acc.posts.map((p) => p.title).join('')).toMatch(/^[\u4e00-\u9fff0-9《》“”：（）、，]+$/);
    expect(acc.posts.every((p) => !p.text.includes('\uFFFD'))).toBe(true);
  });

  it('keeps wrong dates with their problem instead of using them', async () => {
    const acc = (await gather(account('json-stale-wrongdate'))).account!;
    const wrong = acc.posts.filter((p) => p.dateProblem);
    expect(wrong.map((p) => [p.dateRaw, p.dateProblem])).toEqual([
      ['2099-01-01T09:00:00+08:00', 'future'],
      ['1970-01-01T08:00:00+08:00', 'implausible'],
      ['某日', 'unparseable'],
    ]);
    expect(wrong.every((p) => p.publishedAt === undefined)).toBe(true);
  });

  it('reports a source that is not a feed, or not there, as the account error', async () => {
    const http = new HttpClient({ networkPolicy: true, retries: 0 });
    try {
      const missing = await gatherAccount({ id: 'x', url: `${s.origin}/nm/none/feed.xml`, kind: 'newmedia', platform: 'wechat', source: `${s.origin}/nm/none/feed.xml` }, { config, http, asOf, getBrowser: async () => browser });
      expect(missing.account!.error).toMatchObject({ kind: 'http_error', status: 404 });
      const junk = await gatherAccount(
        { id: 'y', url: `${s.origin}/nm/rss-ok/img/1.png`, kind: 'newmedia', platform: 'wechat', source: `${s.origin}/nm/rss-ok/img/1.png` },
        { config: loadConfig(undefined, { allowPrivateNetwork: true, newmedia: { platformsDir: feedOnlyPlatforms() } }), http, asOf, getBrowser: async () => browser },
      );
      expect(junk.account!.error).toMatchObject({ kind: 'decode_error' });
      const bad = await gatherAccount({ id: 'z', url: 'feed', kind: 'newmedia', platform: 'wechat', source: 'not a url' }, { config, http, asOf, getBrowser: async () => browser });
      expect(bad.account!.error).toMatchObject({ kind: 'malformed_url' });
    } finally {
      await http.close();
    }
  });

  it('decodes by BOM and verifies a wrong declaration', () => {
    const gbkBytes = Buffer.from([0xd6, 0xd0, 0xce, 0xc4]); // 中文 in GBK
    const xml = Buffer.concat([Buffer.from('<?xml version="1.0" encoding="utf-8"?><rss><channel><title>'), gbkBytes, Buffer.from('</title></channel></rss>')]);
    const d = decodeFeed(xml);
    expect(d.text).toContain('<title>中文</title>');
    expect(d.mismatch).toEqual({ declared: 'utf-8', used: 'gb18030' });
    expect(decodeFeed(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('<rss/>')])).text).toBe('<rss/>');
  });
});

/** A platforms folder where wechat is feed-only (for the "not a feed" case). */
function feedOnlyPlatforms(): string {
  const dir = path.join(evidence.dir, 'platforms');
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'wechat.yaml'), 'id: wechat\nname: { zh: 微信公众号, en: WeChat }\nadapter: feed\n');
  }
  return dir;
}

describe('page adapter (real Chromium)', () => {
  it('reads posts and menus that only exist after the page script ran', async () => {
    const raw = await fetch(`${s.origin}/nm/page-ok/`).then((r) => r.text());
    expect(raw).toContain('加载中');
    expect(raw).not.toContain('我要留言'); // no post and no menu in the HTML as served
    expect(raw).not.toContain('.png');
    const a = await gather(account('page-ok'));
    const acc = a.account!;
    expect(acc.error).toBeUndefined();
    expect(acc).toMatchObject({ sourceKind: 'page', name: '示例市政务服务', menusExtracted: true });
    expect(a.stats.pages).toBeGreaterThanOrEqual(2); // the list and some post pages
    expect(acc.posts).toHaveLength(8);
    expect(acc.posts[0]).toMatchObject({ url: `${s.origin}/nm/page-ok/p/1.html`, publishedAt: expect.stringMatching(/^2024-06-30T/) });
    expect(acc.posts[0].dateRaw).toMatch(/^2024年06月30日 \d\d:30$/);
    expect(acc.posts[0].media).toContainEqual({ url: `${s.origin}/nm/page-ok/img/1.png`, kind: 'image' });
    expect(acc.posts[0].selector).toMatch(/article/);
    expect(acc.menus.map((m) => m.label)).toEqual(['最新发布', '政务服务', '互动交流']);
    expect(acc.menus[2].children).toEqual([
      { label: '我要留言', url: `${s.origin}/nm/page-ok/message.html` },
      { label: '关于我们', url: `${s.origin}/nm/page-ok/about.html` },
    ]);
  });

  it('reads the placeholder a post page shows once rendered', async () => {
    const acc = (await gather(account('page-problems'))).account!;
    const deleted = acc.posts.find((p) => p.url === `${s.origin}/nm/page-problems/p/2.html`)!;
    expect(deleted.text).toContain('该内容已被发布者删除');
    expect(acc.menus[1].children!.find((m) => m.label === '便民服务')).toEqual({ label: '便民服务', raw: 'javascript:void(0)' });
  });

  it('refuses every request to a non-loopback address in tests (guarding proxy), names without asking DNS', async () => {
    const guarded = await serve(
      new Map([
        [
          '/',
          {
            headers: { 'content-type': 'text/html; charset=utf-8' },
            body: '<html><body><img src="http://198.51.100.7/x.png"><img src="http://unpinned.example.gov.cn/y.png"><script>fetch("http://203.0.113.9/api").catch(function(){})</script><article class="h-entry"><h3 class="p-name">甲</h3></article></body></html>',
          },
        ],
      ]),
    );
    try {
      const before = browser.blocked.length;
      const http = new HttpClient({ networkPolicy: true, retries: 0 });
      const a = await gatherAccount({ id: 'g', url: `${guarded.origin}/`, kind: 'newmedia', platform: 'generic', source: `${guarded.origin}/`, render: 'browser' }, { config, http, asOf, getBrowser: async () => browser });
      await http.close();
      expect(a.account!.posts.map((p) => p.title)).toEqual(['甲']);
      // the page's three requests were refused (the shared browser's own service traffic, if any, is refused too)
      const refused = browser.blocked.slice(before);
      expect(refused).toEqual(expect.arrayContaining(['http://198.51.100.7/x.png', 'http://203.0.113.9/api', 'http://unpinned.example.gov.cn/y.png']));
      expect(refused.filter((u) => !/^(http:\/\/(198\.51\.100\.7|203\.0\.113\.9|unpinned\.example\.gov\.cn)\/|[a-z0-9.-]+\.(google|googleapis|gstatic)\.com:443$)/.test(u))).toEqual([]);
    } finally {
      await guarded.close();
    }
  });

  it('applies the private-address policy in production: loopback refused unless allowed', async () => {
    const prod = await BrowserSession.launch({ policy: false });
    try {
      const a = await gatherAccount(
        { id: 'p', url: `${s.origin}/nm/page-ok/`, kind: 'newmedia', platform: 'wechat', source: `${s.origin}/nm/page-ok/`, render: 'browser' },
        { config: loadConfig(), http: new HttpClient({ retries: 0 }), asOf, getBrowser: async () => prod },
      );
      expect(a.account!.error).toMatchObject({ kind: 'private_address_blocked' });
      expect(prod.blocked).toContain(`${s.origin}/nm/page-ok/`);
    } finally {
      await prod.close();
    }
    expect(prod.isClosed).toBe(true);
  });
});

describe('platform files', () => {
  it('ship the common platforms, each readable by page rules inherited from generic', () => {
    const all = loadPlatforms();
    for (const id of ['wechat', 'weibo', 'douyin', 'toutiao', 'kuaishou', 'channels', 'generic']) {
      expect(all.get(id)?.page?.posts.item, id).toBeTruthy();
      expect(all.get(id)!.name.zh).toMatch(/[\u4e00-\u9fff]/);
    }
    expect(all.get('wechat')!.page!.post.body).toContain('#js_content');
  });
  it('reject a bad platform file with its name and key', () => {
    const dir = path.join(evidence.dir, 'bad-platforms');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'oops.yaml'), 'id: oops\nname: { zh: 坏 }\nadapter: sometimes\n');
    expect(() => loadPlatforms(dir)).toThrow(ConfigError);
    expect(() => loadPlatforms(dir)).toThrow(/oops\.yaml: .*(adapter|name)/);
  });
});

describe('checkSite over the fixture province accounts', () => {
  const results = new Map<string, SiteResult>();
  beforeAll(async () => {
    const http = new HttpClient({ networkPolicy: true, retries: 0, retryBaseMs: 20 });
    try {
      for (const a of fx.accounts) {
        results.set(a.id, await checkSite(siteOf(a), { config, asOf, checks: CHECKS, http, browser, evidenceDir: evidence.dir }));
      }
    } finally {
      await http.close();
    }
  }, 180_000);

  it.each(fx.accounts.map((a) => [a.id, a] as const))('%s: every planted problem is found, nothing else is scored, the verdict matches', (_id, a) => {
    const r = results.get(a.id)!;
    expect(r.error).toBeUndefined();
    const got = r.checks.flatMap((c) => c.findings.filter((f) => f.severity !== 'info').map((f) => ({ check: c.id, code: f.code, severity: f.severity, rule: f.rule, target: f.target, f })));
    for (const e of a.truth.expected) {
      const hit = got.find((g) => g.check === e.check && g.code === e.code && (!e.target || g.target === s.origin + e.target));
      expect(hit, `${a.id}: ${e.check} ${e.code} ${e.target ?? ''}`).toBeDefined();
      expect(hit!.severity).toBe(e.severity);
      if (e.rule) expect(hit!.rule).toBe(e.rule);
      expect(hit!.f.tier).toBe('confirmed');
    }
    const scored = got.filter((g) => g.severity === 'veto' || g.severity === 'deduction' || g.severity === 'warning');
    expect(scored).toHaveLength(a.truth.expected.length);
    expect(r.verdict).toBe(a.truth.verdict);
  });

  it('gives display and menu findings, and vetoes, a screenshot saved with the run', () => {
    const shot = (id: string, code: string) =>
      results
        .get(id)!
        .checks.flatMap((c) => c.findings)
        .find((f) => f.code === code)!.evidence.screenshot as string;
    for (const [id, code] of [
      ['rss-display', 'placeholder'],
      ['page-problems', 'media-broken'],
      ['page-problems', 'broken'],
      ['page-nointeract', 'no-interaction'],
      ['rss-stale', 'stale'],
    ]) {
      const file = shot(id, code);
      expect(file, `${id} ${code}`).toMatch(new RegExp(`^${evidence.dir}/nm-${id}/.+\\.png$`));
      expect(existsSync(file)).toBe(true);
    }
    // The rendered account page itself is kept too.
    expect(existsSync(path.join(evidence.dir, 'nm-page-ok', 'account.png'))).toBe(true);
    // Warnings do not get one.
    const warn = results
      .get('rss-display')!
      .checks.flatMap((c) => c.findings)
      .find((f) => f.code === 'bad-date')!;
    expect(warn.evidence.screenshot).toBeUndefined();
  });

  it('records an unreadable source as the result error, not as a pass in disguise', async () => {
    const r = await checkSite({ id: 'gone', url: `${s.origin}/nm/gone/feed.xml`, kind: 'newmedia', platform: 'weibo', source: `${s.origin}/nm/gone/feed.xml` }, { config, asOf, checks: CHECKS, browser });
    expect(r.error).toMatchObject({ kind: 'http_error', status: 404 });
    expect(r.checks.map((c) => c.status)).toEqual(['not_applicable', 'not_applicable', 'not_applicable']);
  });
});
