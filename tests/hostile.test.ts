/**
 * Hostile-site suite: each case is a real local server misbehaving; each must end, within a bound of time
 * and memory, with a finding or a clear error for that site — never a crash or a missing result.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { checkSite } from '../src/site-check.js';
import { outcomeOf } from '../src/run/job.js';
import type { SiteResult } from '../src/types.js';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as hostile from './fixtures/hostile.js';
import { createTestPki, serveHttps } from './fixtures/tls.js';
import { serve, type Routes, type Served } from './fixtures/site.js';

const servers: Served[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

const MB = 2 ** 20;

// Both crawl engines (the lean HTTP loop, the default, and Crawlee's CheerioCrawler) face every hostile site.
const ENGINES = ['http', 'crawlee'] as const;

async function checkHostile(engine: (typeof ENGINES)[number], routes: Routes, over: Record<string, unknown> = {}, url?: (origin: string) => string) {
  const s = await serve(routes);
  servers.push(s);
  const config = loadConfig(undefined, {
    allowNetworks: ['127.0.0.0/8'],
    gather: { timeoutMs: 3000, maxBytes: 2 * MB, retries: 0, maxPages: 100, engine, ...(over.gather as object) },
    http: { timeoutMs: 3000, retries: 0, retryBaseMs: 20 },
    ...over,
  });
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  const t0 = Date.now();
  const result = await checkSite({ id: 'hostile', url: url ? url(s.origin) : `${s.origin}/`, kind: 'website' }, { config, asOf: '2024-07-01', checks: ['availability', 'broken-links', 'page-health'] });
  return { result, ms: Date.now() - t0, rssGrowth: process.memoryUsage().rss - rss0, server: s };
}

const findings = (r: SiteResult, check?: string) => r.checks.filter((c) => !check || c.id === check).flatMap((c) => c.findings);

describe.each(ENGINES)('hostile sites (%s engine)', (engine) => {
  it('a server that drips one byte a second: the page times out, classified, within the limit', async () => {
    const { result, ms } = await checkHostile(engine, hostile.dripSite());
    expect(ms).toBeLessThan(15_000);
    // One visit timed out: W-V1 is suspected (a week of probes decides it) and the site was not inspected.
    expect(outcomeOf(result)).toBe('error');
    expect(result.error).toMatchObject({ kind: 'timeout' });
    const f = findings(result, 'availability')[0];
    expect(f).toMatchObject({ severity: 'veto', tier: 'suspected', rule: 'W-V1' });
    expect(f.evidence.errorKind).toBe('timeout');
  });

  it('a chunked response that never ends: cut at the size cap and reported', async () => {
    const { result, ms, rssGrowth } = await checkHostile(engine, hostile.endlessChunkedSite());
    expect(ms).toBeLessThan(15_000);
    expect(rssGrowth).toBeLessThan(300 * MB);
    expect(findings(result, 'page-health').map((f) => f.code)).toContain('truncated');
    expect(result.stats.pages).toBe(1);
  });

  it('a 50 MB page: read up to the cap only, memory bounded', async () => {
    const { result, ms, rssGrowth } = await checkHostile(engine, hostile.hugePageSite(50));
    expect(ms).toBeLessThan(15_000);
    expect(rssGrowth).toBeLessThan(300 * MB);
    const f = findings(result, 'page-health').find((x) => x.code === 'truncated');
    expect(f?.params.bytes).toBe(2 * MB);
  });

  it('a gzip bomb (1 GB inflated): inflation stops at the cap', async () => {
    const { result, ms, rssGrowth } = await checkHostile(engine, hostile.gzipBombSite(1024));
    expect(ms).toBeLessThan(20_000);
    expect(rssGrowth).toBeLessThan(300 * MB);
    expect(findings(result, 'page-health').map((f) => f.code)).toContain('truncated');
  });

  it('an endless calendar: the URL space is capped and reported, the crawl ends', async () => {
    const { result, ms } = await checkHostile(engine, hostile.endlessCalendarSite(), { gather: { maxQueryVariants: 20, maxDepth: 1000, maxPages: 500 } });
    expect(ms).toBeLessThan(30_000);
    expect(result.stats.pages).toBeLessThanOrEqual(22);
    const f = findings(result, 'page-health').find((x) => x.code === 'url-space');
    expect(f?.target).toMatch(/\/calendar$/);
  });

  it('10,000 links on one page: all extracted, crawl bounded by the page limit and reported', async () => {
    const { result, ms } = await checkHostile(engine, hostile.linkFloodSite(10_000), { gather: { maxPages: 50 } });
    expect(ms).toBeLessThan(60_000);
    expect(result.stats.pages).toBe(50);
    expect(result.stats.links).toBeGreaterThanOrEqual(10_000);
    expect(findings(result, 'page-health').find((x) => x.code === 'crawl-limit')?.params.skipped).toBe(10_000 - 49);
    expect(findings(result, 'broken-links').filter((f) => f.severity !== 'info')).toEqual([]);
  });

  it('a redirect loop on the home page: veto with the loop in the evidence', async () => {
    const { result } = await checkHostile(engine, hostile.redirectLoopSite());
    const f = findings(result, 'availability')[0];
    expect(f.evidence.errorKind).toBe('redirect_loop');
    expect(String(f.evidence.actual)).toContain('/a');
  });

  it('binary served as text/html: a page-health finding, no crash', async () => {
    const { result } = await checkHostile(engine, hostile.binaryAsHtmlSite());
    expect(findings(result, 'page-health').map((f) => f.code)).toContain('binary');
  });

  it('an unknown charset: decoded anyway and reported', async () => {
    const { result } = await checkHostile(engine, hostile.unknownCharsetSite());
    const f = findings(result, 'page-health').find((x) => x.code === 'unknown_charset');
    expect(f?.params.declared).toBe('x-govcheck-unknown');
    expect(result.verdict).toBe('pass');
  });

  it('a connection reset mid-body: classified, veto on the home page', async () => {
    const { result, ms } = await checkHostile(engine, hostile.resetMidBodySite());
    expect(ms).toBeLessThan(15_000);
    const f = findings(result, 'availability')[0];
    expect(f?.severity).toBe('veto');
    expect(['connection_reset', 'timeout', 'protocol_error']).toContain(f.evidence.errorKind);
  });

  it('a name that does not resolve: dns_error, and no DNS server is asked', async () => {
    const { result } = await checkHostile(engine, new Map(), { hosts: { 'gone.example.gov.cn': null } }, (origin) => origin.replace('127.0.0.1', 'gone.example.gov.cn') + '/');
    expect(result.error?.kind).toBe('dns_error');
    expect(findings(result, 'availability')[0].evidence.errorKind).toBe('dns_error');
  });

  it('links to private and metadata addresses are refused without connecting', async () => {
    const { result } = await checkHostile(engine, hostile.privateLinksSite());
    const refused = findings(result, 'broken-links').filter((f) => f.evidence.errorKind === 'private_address_blocked');
    expect(refused.map((f) => new URL(f.target!).hostname).sort()).toEqual(['10.1.2.3', '169.254.169.254', '192.168.1.10']);
    expect(refused.every((f) => f.severity === 'info')).toBe(true);
  });
});

describe.each(ENGINES)('parser-breaking input (%s engine)', (engine) => {
  it('nesting 30,000 levels deep (far past the stack of any recursive walker): links still found, no stack overflow', async () => {
    const { result, ms } = await checkHostile(engine, hostile.deepNestingSite(30_000));
    expect(ms).toBeLessThan(30_000);
    expect(result.error).toBeUndefined();
    expect(result.verdict).toBe('pass');
    expect(result.stats.pages).toBe(2);
  });
});

describe.each(ENGINES)('bad TLS (%s engine)', (engine) => {
  it('a self-signed certificate: the site is still inspected, and the https check reports the certificate', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'govcheck-hostile-tls-'));
    const pki = createTestPki(dir);
    const s = await serveHttps(new Map([['/', { headers: { 'content-type': 'text/html; charset=utf-8' }, body: '<html><head><title>证书无效的网站</title></head><body><p>正文</p></body></html>' }]]), pki.selfSigned);
    servers.push(s);
    try {
      const config = loadConfig(undefined, { allowNetworks: ['127.0.0.0/8'], gather: { timeoutMs: 3000, retries: 0, engine }, http: { timeoutMs: 3000, retries: 0 } });
      const t0 = Date.now();
      const result = await checkSite({ id: 'bad-tls', url: `${s.origin}/`, kind: 'website' }, { config, asOf: '2024-07-01', checks: ['availability', 'https'] });
      expect(Date.now() - t0).toBeLessThan(30_000);
      expect(result.stats.pages).toBe(1);
      expect(findings(result, 'availability')).toEqual([]);
      const tls = findings(result, 'https');
      expect(tls.length).toBeGreaterThan(0);
      expect(JSON.stringify(tls)).toMatch(/self[- ]signed|SELF_SIGNED|证书/i);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
