/**
 * The crawl and the checks' probes share the run's per-host gate: a check's `early` requests (exposure's
 * sensitive paths) start with the crawl and fill the slots it leaves idle, the server never sees more than the
 * per-host limit at once, the crawl's pages go first, and time a page waits for a slot is not its load time.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { gatherSite } from '../src/gather/crawl.js';
import type { HostSlot } from '../src/gather/http-gather.js';
import { checkSite } from '../src/site-check.js';

interface Slow {
  origin: string;
  log: Array<{ path: string; at: number }>;
  maxAtOnce: number;
  reset(): void;
  close(): Promise<void>;
}

/** A site whose every answer takes `delayMs`: home → 6 column pages → 2 articles each; a leaked /.git/config. */
async function slowSite(delayMs: number): Promise<Slow> {
  const pages = new Map<string, string>();
  const html = (title: string, body: string) => `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body>${body}</body></html>`;
  pages.set('/', html('示例县人民政府', Array.from({ length: 6 }, (_, i) => `<a href="/col${i}/">栏目${i}</a>`).join(' ')));
  for (let i = 0; i < 6; i++) {
    pages.set(`/col${i}/`, html(`栏目${i}`, `<a href="/col${i}/a1.html">文章一</a> <a href="/col${i}/a2.html">文章二</a>`));
    for (const a of ['a1', 'a2']) pages.set(`/col${i}/${a}.html`, html(`文章 ${i} ${a}`, '<p>正文内容。</p>'));
  }
  const log: Slow['log'] = [];
  let open = 0;
  let maxAtOnce = 0;
  const t0 = Date.now();
  const server = http.createServer((req, res) => {
    open++;
    maxAtOnce = Math.max(maxAtOnce, open);
    res.on('close', () => open--);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    log.push({ path, at: Date.now() - t0 });
    setTimeout(() => {
      const body = pages.get(path);
      if (path === '/.git/config') res.writeHead(200, { 'content-type': 'text/plain' }).end('[core]\n\trepositoryformatversion = 0\n');
      else if (body) res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body);
      else res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' }).end('<html><body>页面不存在</body></html>');
    }, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    log,
    get maxAtOnce() {
      return maxAtOnce;
    },
    reset() {
      log.length = 0;
      maxAtOnce = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const CRAWLED = (p: string) => p === '/' || /^\/col\d\//.test(p);

describe('early probes share the per-host gate with the crawl', () => {
  let site: Slow;
  beforeAll(async () => {
    site = await slowSite(150);
  });
  afterAll(() => site.close());

  it('probes while the crawl runs, never above the per-host limit, and finds the same exposure', async () => {
    const config = loadConfig(undefined, { allowPrivateNetwork: true, http: { perHostConcurrency: 2 }, gather: { concurrency: 2 } });
    const r = await checkSite({ id: 'slow', url: `${site.origin}/`, kind: 'website' }, { config, asOf: '2024-07-01', checks: ['exposure'] });
    expect(site.maxAtOnce).toBeLessThanOrEqual(2);
    expect(r.stats.pages).toBe(19);
    const lastCrawl = Math.max(...site.log.filter((l) => CRAWLED(l.path)).map((l) => l.at));
    const probes = site.log.filter((l) => !CRAWLED(l.path));
    // Sensitive paths were asked for before the crawl's last page, not only after the crawl.
    expect(probes.some((p) => p.at < lastCrawl)).toBe(true);
    const exposure = r.checks.find((c) => c.id === 'exposure')!;
    expect(exposure.findings.map((f) => f.code)).toContain('sensitive-path');
    expect(exposure.findings.find((f) => f.code === 'sensitive-path')?.target).toBe(`${site.origin}/.git/config`);
    // The probes learnt the site's origin from the crawl's request for the home page, not from one of their own.
    expect(site.log.filter((l) => l.path === '/').length).toBe(1);
  });

  it('does not count the wait for a slot as the load time of the page', async () => {
    site.reset();
    // A gate that is busy for 1.2 s before each request: longer than the 1 s page limit, but not the site's time.
    const busy: HostSlot = async (_url, fn) => {
      await new Promise((r) => setTimeout(r, 1200));
      return fn();
    };
    const a = await gatherSite({ id: 'slow', url: `${site.origin}/col0/`, kind: 'website' }, { networkPolicy: true, timeoutMs: 1000, concurrency: 2 }, [], '2024-07-01', busy);
    expect(a.pages.map((p) => [p.url.replace(site.origin, ''), p.status, p.error?.kind])).toEqual([
      ['/col0/', 200, undefined],
      ['/col0/a1.html', 200, undefined],
      ['/col0/a2.html', 200, undefined],
    ]);
    expect(Math.max(...a.pages.map((p) => p.durationMs))).toBeLessThan(1000);
  });
});
