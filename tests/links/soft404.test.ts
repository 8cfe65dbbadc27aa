/**
 * Soft 404s on CMS sites that answer unknown paths with 200 (tests/fixtures/links.ts softNotFoundSite):
 * the site's not-found page is learnt from one random path, internal pages are compared with it through
 * the fingerprints `collect` kept during a real crawl, and pages showing a not-found phrase count too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import brokenLinks from '../../checks/broken-links.js';
import { loadConfig } from '../../src/config.js';
import { gatherSite } from '../../src/gather/crawl.js';
import { HttpClient } from '../../src/net/http.js';
import { runChecks } from '../../src/site-check.js';
import { softNotFoundSite } from '../fixtures/links.js';
import { serve, type Served } from '../fixtures/site.js';

let cms: Served;
let homeCms: Served;
beforeAll(async () => {
  const a = softNotFoundSite();
  cms = await serve(a.routes, 0, a.fallback);
  const b = softNotFoundSite({ catchAllHome: true });
  homeCms = await serve(b.routes, 0, b.fallback);
});
afterAll(async () => {
  await Promise.all([cms.close(), homeCms.close()]);
});

const config = loadConfig();

async function checkSite(origin: string, opts: Record<string, unknown> = {}) {
  const checks = [{ module: brokenLinks, options: brokenLinks.meta.options.parse(opts) }];
  const artifacts = await gatherSite({ id: 'x', url: `${origin}/`, kind: 'website' }, { networkPolicy: true }, checks, '2024-07-01');
  const http = new HttpClient({ networkPolicy: true, retryBaseMs: 20 });
  try {
    const [r] = await runChecks(artifacts, checks, { config, http });
    return { r, artifacts };
  } finally {
    await http.close();
  }
}

describe('soft 404s (W-D1)', () => {
  it('learns the site’s not-found page from one random path and reports pages that are that page', async () => {
    const before = [...cms.hits.keys()].filter((k) => k.includes('govcheck-notfound')).length;
    const { r, artifacts } = await checkSite(cms.origin);
    // Fingerprints are compact: no HTML is kept.
    const fp = artifacts.pages.find((p) => p.url.endsWith('/news/1.html'))!.collected['broken-links'] as Record<string, unknown>;
    expect(Object.keys(fp).sort()).toEqual(['h']);
    expect(JSON.stringify(fp).length).toBeLessThan(40);

    const byTarget = (path: string) => r.findings.find((f) => f.target === `${cms.origin}${path}`);
    const dead = byTarget('/news/old-article.html');
    expect(dead).toMatchObject({ code: 'soft-404-match', severity: 'deduction', tier: 'confirmed', rule: 'W-D1', points: 1 });
    expect(dead!.evidence.status).toBe(200);
    expect(dead!.evidence.softNotFound).toMatchObject({ reason: 'same-as-not-found-page', notFoundProbe: expect.stringMatching(/\/govcheck-notfound-[0-9a-f]+\.html$/) });
    expect(dead!.message).toContain('软 404');
    const gone = byTarget('/info/gone.html');
    expect(gone).toMatchObject({ code: 'soft-404', rule: 'W-D1' });
    expect(gone!.evidence.softNotFound).toMatchObject({ reason: 'phrase', phrase: '您访问的页面不存在', title: '温馨提示' });
    // A real article and an alias of the home page are not soft 404s.
    expect(byTarget('/news/1.html')).toBeUndefined();
    expect(byTarget('/index.html')).toBeUndefined();
    expect(r.findings).toHaveLength(2);
    expect(r.summary?.notFoundProbe).toMatchObject({ status: 200, usable: true });
    // One random path per site.
    expect([...cms.hits.keys()].filter((k) => k.includes('govcheck-notfound')).length - before).toBe(1);
  });

  it('does not guess when unknown paths are answered with the home page: only not-found phrases count', async () => {
    const { r } = await checkSite(homeCms.origin);
    expect(r.summary?.notFoundProbe).toMatchObject({ status: 200, usable: false, note: expect.stringContaining('home page') });
    expect(r.findings.map((f) => [new URL(f.target!).pathname, f.code])).toEqual([['/info/gone.html', 'soft-404']]);
  });

  it('can be switched off', async () => {
    const { r } = await checkSite(cms.origin, { softNotFound: { enabled: false } });
    expect(r.findings).toEqual([]);
    expect(r.summary?.notFoundProbe).toBeUndefined();
  });
});
