/**
 * Page workers: pages decoded, parsed and collected on worker threads give exactly the results of the
 * crawl's own thread, and a page too large for a worker's heap is an error page (refused before parsing), not a crashed crawl.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { crawlsInProcess } from '../src/gather/http-gather.js';
import { AUTO_SITES_FOR_A_WORKER, autoWorkers, PagePool, pageWorkerUrl, PageWorkerError, sharedPagePool } from '../src/gather/page-pool.js';
import type { FetchedPage } from '../src/gather/process.js';
import { checkSite } from '../src/site-check.js';
import type { SiteResult } from '../src/types.js';
import { generateSite, serve, type Served } from './fixtures/site.js';

const comparable = (r: SiteResult) => r.checks.map((c) => ({ id: c.id, status: c.status, findings: c.findings.map((f) => ({ ...f, evidence: { ...f.evidence, durationMs: undefined } })) }));

const fetched = (html: string, url = 'http://127.0.0.1:9/'): FetchedPage => ({
  url,
  finalUrl: url,
  status: 200,
  headers: { 'content-type': 'text/html; charset=utf-8' },
  redirectChain: [],
  depth: 0,
  started: Date.now(),
  durationMs: 1,
  body: Buffer.from(html),
  truncated: false,
  timedOut: false,
});

describe('page workers', () => {
  let site: Served;
  beforeAll(async () => {
    site = await serve(generateSite({ seed: 5 }).routes);
  });
  afterAll(() => site.close());

  it('the worker is built (npm test builds dist/ first)', () => {
    expect(pageWorkerUrl()?.pathname).toMatch(/dist\/src\/gather\/page-worker\.js$|src\/gather\/page-worker\.js$/);
  });

  it('every check finds the same on worker threads as on the crawl thread', async () => {
    const run = (parseWorkers: number) =>
      checkSite(
        { id: 'pool', url: `${site.origin}/`, kind: 'website' },
        { config: loadConfig(undefined, { allowPrivateNetwork: true, gather: { parseWorkers, parseWorkersAfterPages: 0, retries: 0 }, http: { retries: 0, retryBaseMs: 20 } }), asOf: '2024-07-01' },
      );
    const inThread = await run(0);
    const before = sharedPagePool(2)!.processed;
    const onWorkers = await run(2);
    // Every page went through the workers.
    expect(sharedPagePool(2)!.processed - before).toBe(onWorkers.stats.pages);
    expect(inThread.stats.pages).toBeGreaterThan(40);
    expect(onWorkers.stats).toMatchObject({ pages: inThread.stats.pages, links: inThread.stats.links, errors: inThread.stats.errors });
    expect(onWorkers.verdict).toBe(inThread.verdict);
    expect(onWorkers.score).toBe(inThread.score);
    expect(comparable(onWorkers)).toEqual(comparable(inThread));
    // The fixture plants problems: the comparison is not between two empty results.
    expect(inThread.checks.flatMap((c) => c.findings).length).toBeGreaterThan(5);
  });

  it('parseWorkersAfterPages counts the pages of every crawl in the process, not of one site', async () => {
    const onThread = 7;
    // The pages this process's earlier crawls processed count: the threshold is reached 7 pages into this site.
    const after = crawlsInProcess().pages + onThread;
    const before = sharedPagePool(1)!.processed;
    const r = await checkSite(
      { id: 'after', url: `${site.origin}/`, kind: 'website' },
      { config: loadConfig(undefined, { allowPrivateNetwork: true, gather: { parseWorkers: 1, parseWorkersAfterPages: after, retries: 0 }, http: { retries: 0, retryBaseMs: 20 } }), asOf: '2024-07-01' },
    );
    expect(r.stats.pages).toBeGreaterThan(40);
    expect(sharedPagePool(1)!.processed - before).toBe(r.stats.pages - onThread);
    expect(crawlsInProcess()).toEqual({ inFlight: 0, pages: after - onThread + r.stats.pages });
  });

  it('auto: cores − 2 (at most 4) from 4 cores; on 2–3 cores one worker only while a run has many sites in flight', () => {
    expect(AUTO_SITES_FOR_A_WORKER).toBe(16);
    const table = [1, 15, 16, 120].map((sites) => [1, 2, 3, 4, 6, 8, 64].map((cores) => autoWorkers(sites, cores)));
    expect(table).toEqual([
      [0, 0, 0, 2, 4, 4, 4],
      [0, 0, 0, 2, 4, 4, 4],
      [0, 1, 1, 2, 4, 4, 4],
      [0, 1, 1, 2, 4, 4, 4],
    ]);
  });

  it("a worker that cannot load the site's checks hands the page back to the crawl thread (inThread), not an error page", async () => {
    const pool = new PagePool(1, pageWorkerUrl()!, 256, 1000);
    try {
      const context = () => ({ site: { id: 'x', url: 'http://127.0.0.1:9/', kind: 'website' as const }, asOf: '2024-07-01', siteHosts: ['127.0.0.1:9'], checks: [{ id: 'no-such-check', options: {} }] });
      const err = await pool.process('x', context, fetched('<html><body>正文</body></html>')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PageWorkerError);
      expect((err as PageWorkerError).inThread).toBe(true);
      expect((err as PageWorkerError).message).toContain('no-such-check');
    } finally {
      await pool.close();
    }
  });

  it('a page too large for a worker heap is an error page (too_large), refused before parsing; the next page is processed', async () => {
    const pool = new PagePool(1, pageWorkerUrl()!, 48, 1000);
    const context = () => ({ site: { id: 'oom', url: 'http://127.0.0.1:9/', kind: 'website' as const }, asOf: '2024-07-01', siteHosts: ['127.0.0.1:9'], checks: [] });
    try {
      const bomb = `<html><body>${'<div><span>政务</span><a href="/x">链接</a></div>'.repeat(400_000)}</body></html>`;
      const err = await pool.process('oom', context, fetched(bomb)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PageWorkerError);
      expect((err as PageWorkerError).info.kind).toBe('too_large');
      const ok = await pool.process('oom', context, fetched('<html><head><title>正常页面</title></head><body><a href="/a">甲</a></body></html>'));
      expect(ok.title).toBe('正常页面');
      expect(ok.links.map((l) => l.url)).toEqual(['http://127.0.0.1:9/a']);
    } finally {
      await pool.close();
    }
  });
});
