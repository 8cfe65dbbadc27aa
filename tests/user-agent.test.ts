/**
 * One name in the inspected site's logs: the crawl and the checks' probes (exposure, soft-404, links) send the same
 * User-Agent, govcheck's own by default and `http.userAgent` when configured.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { GOVCHECK_USER_AGENT } from '../src/net/user-agent.js';
import { checkSite } from '../src/site-check.js';
import { generateSite, serve, type Served } from './fixtures/site.js';

describe('User-Agent', () => {
  let site: Served;
  const seen: Array<{ path: string; agent: string }> = [];
  beforeAll(async () => {
    site = await serve(generateSite({ seed: 11 }).routes);
    site.server.prependListener('request', (req) => seen.push({ path: req.url ?? '', agent: req.headers['user-agent'] ?? '' }));
  });
  afterAll(() => site.close());

  const check = (http: Record<string, unknown>) =>
    checkSite({ id: 'ua', url: `${site.origin}/`, kind: 'website' }, { config: loadConfig(undefined, { allowPrivateNetwork: true, gather: { retries: 0 }, http: { retries: 0, ...http } }), asOf: '2024-07-01' });

  it("the crawl and every check's probes send govcheck's own User-Agent", async () => {
    seen.length = 0;
    await check({});
    // Pages and probes both: the exposure check's sensitive paths are never pages of the crawl.
    expect(seen.some((s) => s.path === '/.git/HEAD')).toBe(true);
    expect(seen.some((s) => s.path.startsWith('/ywdt/'))).toBe(true);
    expect(new Set(seen.map((s) => s.agent))).toEqual(new Set([GOVCHECK_USER_AGENT]));
  });

  it('http.userAgent names every request', async () => {
    seen.length = 0;
    const agent = 'Mozilla/5.0 (compatible; province-web-inspection/1.0)';
    await check({ userAgent: agent });
    expect(seen.length).toBeGreaterThan(40);
    expect(new Set(seen.map((s) => s.agent))).toEqual(new Set([agent]));
  });

  it('an empty or non-ASCII http.userAgent is a configuration error, before any request', () => {
    expect(() => loadConfig(undefined, { http: { userAgent: '' } })).toThrow(/userAgent/);
    // An HTTP header cannot carry it: every request would fail.
    expect(() => loadConfig(undefined, { http: { userAgent: 'Mozilla/5.0 (compatible; 政府网站检查)' } })).toThrow(/printable ASCII/);
  });
});
