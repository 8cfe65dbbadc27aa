/**
 * The two crawl engines — the lean HTTP loop (default) and Crawlee's CheerioCrawler — must produce the same
 * artifacts for the same site: same pages, statuses, redirect chains, decoded text, encodings and references.
 */
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatherSite } from '../src/gather/crawl.js';
import type { PageArtifact, SiteArtifacts } from '../src/types.js';
import { generateSite, serve, type Route, type Served } from './fixtures/site.js';

const html = (title: string, body: string, charset = 'utf-8') => `<!DOCTYPE html><html><head><meta charset="${charset}"><title>${title}</title></head><body>${body}</body></html>`;
const typed = { 'content-type': 'text/html; charset=utf-8' };

function engineSite(): Map<string, Route> {
  const home = html('引擎对照首页', ['/gz', '/deflate', '/br', '/gbk', '/old', '/cookie', '/missing', '/broken-server', '/logo.png'].map((p) => `<a href="${p}">${p}</a>`).join(' '));
  return new Map<string, Route>([
    ['/', { headers: typed, body: home }],
    ['/gz', { headers: { ...typed, 'content-encoding': 'gzip' }, body: gzipSync(html('压缩页面', '<p>gzip 正文</p><a href="/">首页</a>')) }],
    ['/deflate', { headers: { ...typed, 'content-encoding': 'deflate' }, body: deflateSync(html('deflate 页面', '<p>deflate 正文</p>')) }],
    ['/br', { headers: { ...typed, 'content-encoding': 'br' }, body: brotliCompressSync(Buffer.from(html('br 页面', '<p>brotli 正文</p>'))) }],
    // GBK declared only in <meta>: both engines sniff it.
    ['/gbk', { headers: { 'content-type': 'text/html' }, body: iconv.encode(html('国家税务总局通知', '<p>关于进一步优化营商环境的通知</p><a href="/gbk-child">下级</a>', 'gbk'), 'gbk') }],
    ['/gbk-child', { headers: typed, body: html('下级页面', '<p>正文</p>') }],
    ['/old', { status: 301, headers: { location: '/new' } }],
    ['/new', { status: 302, headers: { location: '/final' } }],
    ['/final', { headers: typed, body: html('跳转终点', '<p>终点</p>') }],
    // Sets a session cookie and redirects to itself; a client that keeps cookies along the chain gets the page.
    [
      '/cookie',
      {
        handler: (req, res) => {
          if (/sid=1/.test(req.headers.cookie ?? '')) {
            res.writeHead(200, typed).end(html('会话页面', '<p>带会话的内容</p>'));
          } else {
            res.writeHead(302, { location: '/cookie', 'set-cookie': 'sid=1; Path=/' }).end();
          }
        },
      },
    ],
    ['/broken-server', { status: 500, headers: typed, body: html('服务器错误', '<p>内部错误</p>') }],
    ['/logo.png', { headers: { 'content-type': 'image/png' }, body: Buffer.alloc(2048, 1) }],
  ]);
}

interface Summary {
  url: string;
  finalUrl: string;
  status: number | null;
  error?: string;
  chain: string[];
  title: string;
  textLength: number;
  encoding: string | null;
  links: string[];
}

const summary = (p: PageArtifact): Summary => ({
  url: p.url,
  finalUrl: p.finalUrl,
  status: p.status,
  error: p.error?.kind,
  chain: p.redirectChain.map((h) => `${h.status} ${h.url} → ${h.location}`),
  title: p.title,
  textLength: p.textLength,
  encoding: p.encoding,
  links: p.links.map((l) => `${l.element}[${l.attribute}] ${l.url}`),
});

const byUrl = (a: SiteArtifacts) => a.pages.map(summary).sort((x, y) => (x.url < y.url ? -1 : 1));

describe('crawl engines', () => {
  let small: Served;
  let generated: Served;
  beforeAll(async () => {
    small = await serve(engineSite());
    generated = await serve(generateSite({ seed: 11 }).routes);
  });
  afterAll(async () => {
    await Promise.all([small.close(), generated.close()]);
  });

  const gather = (origin: string, engine: 'http' | 'crawlee') => gatherSite({ id: 'engines', url: `${origin}/`, kind: 'website' }, { networkPolicy: true, maxPages: 300, maxDepth: 10, retries: 0, timeoutMs: 5000, engine }, [], '2024-07-01');

  it('the HTTP engine inflates gzip/deflate/br, sniffs GBK from <meta>, records redirect chains and keeps cookies along a chain', async () => {
    const a = await gather(small.origin, 'http');
    const page = (path: string) => a.pages.find((p) => p.url === `${small.origin}${path}`)!;
    expect(page('/gz').title).toBe('压缩页面');
    expect(page('/deflate').title).toBe('deflate 页面');
    expect(page('/br').title).toBe('br 页面');
    expect(page('/gbk')).toMatchObject({ title: '国家税务总局通知', encoding: 'gb18030' });
    expect(page('/gbk-child').depth).toBe(2);
    expect(page('/old')).toMatchObject({ finalUrl: `${small.origin}/final`, status: 200, title: '跳转终点' });
    expect(page('/old').redirectChain.map((h) => h.status)).toEqual([301, 302]);
    expect(page('/cookie')).toMatchObject({ status: 200, title: '会话页面' });
    expect(page('/missing')).toMatchObject({ status: 404, error: { kind: 'http_error', status: 404 } });
    expect(page('/broken-server')).toMatchObject({ status: 500, error: { kind: 'http_error', status: 500 } });
    // Not a page: the crawler does not download images (the broken-links check probes them).
    expect(a.pages.some((p) => p.url.endsWith('/logo.png'))).toBe(false);
  });

  it("a template's references are one shared, frozen object across pages; different ones stay apart", async () => {
    const a = await gather(generated.origin, 'http');
    const withNav = a.pages.filter((p) => p.links.length > 5);
    expect(withNav.length).toBeGreaterThan(10);
    // The first navigation reference (same target, place and text) on every page is the same object.
    const key = (l: { url: string | null; selector: string; text: string }) => `${l.url} ${l.selector} ${l.text}`;
    const first = withNav[0].links[0];
    const same = withNav.map((p) => p.links.find((l) => key(l) === key(first))).filter(Boolean);
    expect(same.length).toBeGreaterThan(10);
    expect(same.every((l) => l === first)).toBe(true);
    expect(Object.isFrozen(first)).toBe(true);
    // References that differ in anything stay distinct objects.
    const all = a.pages.flatMap((p) => p.links);
    const byKey = new Map<string, Set<object>>();
    for (const l of all) byKey.set(JSON.stringify(l), (byKey.get(JSON.stringify(l)) ?? new Set()).add(l));
    expect([...byKey.values()].every((set) => set.size === 1)).toBe(true);
    expect(new Set(all).size).toBeLessThan(all.length);
  });

  it('both engines gather the same artifacts from the same site', async () => {
    for (const origin of [small.origin, generated.origin]) {
      const [h, c] = [await gather(origin, 'http'), await gather(origin, 'crawlee')];
      // One redirect policy (src/gather/redirects.ts): the cookie page is the same on both engines too.
      expect(byUrl(h)).toEqual(byUrl(c));
      expect(h.stats.links).toBe(c.stats.links);
      expect(h.pages.length).toBeGreaterThanOrEqual(origin === generated.origin ? 40 : 10);
    }
  });
  it('both engines follow one redirect policy: back to a visited URL with a new cookie goes on, without one it is a loop', async () => {
    const redirects = await serve(
      new Map<string, Route>([
        ['/', { headers: typed, body: html('跳转首页', '<a href="/bounce">单点登录</a> <a href="/loop-a">循环</a> <a href="/far-0">长链</a>') }],
        // A page that sends a visitor without a session to a login URL, which sets the cookie and sends it back.
        [
          '/bounce',
          {
            handler: (req, res) => {
              if (/ticket=1/.test(req.headers.cookie ?? '')) res.writeHead(200, typed).end(html('登录后页面', '<p>已登录</p>'));
              else res.writeHead(302, { location: '/sso' }).end();
            },
          },
        ],
        ['/sso', { status: 302, headers: { location: '/bounce', 'set-cookie': 'ticket=1; Path=/' } }],
        ['/loop-a', { status: 302, headers: { location: '/loop-b' } }],
        ['/loop-b', { status: 302, headers: { location: '/loop-a' } }],
        ...Array.from({ length: 22 }, (_, i) => [`/far-${i}`, { status: 302, headers: { location: `/far-${i + 1}` } }] as [string, Route]),
      ]),
    );
    try {
      for (const engine of ['http', 'crawlee'] as const) {
        const a = await gather(redirects.origin, engine);
        const page = (path: string) => a.pages.find((p) => p.url === `${redirects.origin}${path}`)!;
        expect(page('/bounce'), engine).toMatchObject({ status: 200, title: '登录后页面', finalUrl: `${redirects.origin}/bounce` });
        expect(
          page('/bounce').redirectChain.map((h) => new URL(h.url).pathname),
          engine,
        ).toEqual(['/bounce', '/sso']);
        expect(page('/loop-a').error, engine).toMatchObject({ kind: 'redirect_loop' });
        expect(
          page('/loop-a').redirectChain.map((h) => new URL(h.url).pathname),
          engine,
        ).toEqual(['/loop-a', '/loop-b']);
        expect(page('/far-0').error, engine).toMatchObject({ kind: 'too_many_redirects', message: 'more than 20 redirects' });
      }
    } finally {
      await redirects.close();
    }
  });
});
