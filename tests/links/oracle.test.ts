/**
 * Oracle: linkinator 6.3 (a dev dependency) and govcheck check the same link-case site (two fresh instances of
 * tests/fixtures/links.ts, so the 429/5xx/reset counters start equal). Notes: docs/modules.md.
 */
import { LinkChecker, LinkState } from 'linkinator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { checkSite } from '../../src/site-check.js';
import { linksSite, withOrigin, type LinksSite } from '../fixtures/links.js';
import { externalRoutes, generateSite, serve, type Served } from '../fixtures/site.js';

let ext: Served;
let forLinkinator: Served;
let forGovcheck: Served;
let site: LinksSite;

beforeAll(async () => {
  ext = await serve(externalRoutes());
  const a = linksSite({ externalOrigin: ext.origin });
  forLinkinator = await serve(a.routes);
  withOrigin(a.routes, forLinkinator.origin);
  site = linksSite({ externalOrigin: ext.origin });
  forGovcheck = await serve(site.routes);
  withOrigin(site.routes, forGovcheck.origin);
});
afterAll(async () => {
  await Promise.all([ext.close(), forLinkinator.close(), forGovcheck.close()]);
});

/** A link as both tools can name it: path and query on the site, the full URL elsewhere, the raw value when unparseable. */
const key = (url: string, origin: string) => (url.startsWith(origin + '/') ? url.slice(origin.length) : url);

/**
 * linkinator's known false positives on this site, each with why govcheck is right not to call it broken.
 */
const LINKINATOR_FALSE_POSITIVES: Record<string, string> = {
  // 403 with `cf-mitigated: challenge`: a bot wall in front of a working page; a visitor's browser passes it.
  // govcheck reports it as inconclusive (status policy: inconclusiveHeaders).
  '/blocked.html': 'bot wall (Cloudflare challenge), inconclusive',
  // 401: a login-protected system (内部系统); it works for its users. govcheck: inconclusive (statusPolicy 401).
  '/members/': 'login required, inconclusive',
};

async function linkinatorBroken(origin: string): Promise<Map<string, string[]>> {
  const lk = await new LinkChecker().check({
    path: `${origin}/`,
    recurse: true,
    timeout: 10_000,
    concurrency: 10,
    retry: true,
    retryErrors: true,
    retryErrorsCount: 1,
    retryErrorsJitter: 100,
  });
  const broken = new Map<string, string[]>();
  for (const l of lk.links) {
    if (l.state !== LinkState.BROKEN) continue;
    const k = key(l.url, origin);
    broken.set(k, [...(broken.get(k) ?? []), key(l.parent ?? '', origin)]);
  }
  return broken;
}

/** govcheck's reported and inconclusive links, named the way linkinator names them. */
async function govcheckReported(origin: string): Promise<{ reported: Set<string>; inconclusive: Set<string> }> {
  const config = loadConfig(undefined, { allowPrivateNetwork: true });
  const result = await checkSite({ id: 'oracle', url: `${origin}/`, kind: 'website' }, { config, asOf: '2024-07-01', checks: ['broken-links'] });
  const reported = new Set<string>();
  const inconclusive = new Set<string>();
  for (const f of result.checks[0].findings) {
    if (f.severity === 'info') {
      inconclusive.add(key(f.target!, origin));
      continue;
    }
    if (f.code !== 'malformed') {
      reported.add(key(f.target!, origin));
      continue;
    }
    // A malformed link is one finding with every parent; linkinator requests it resolved against each
    // parent, or reports the raw value when it cannot parse it.
    reported.add(f.target!);
    for (const p of f.evidence.parents as Array<{ page: string }>) {
      try {
        reported.add(key(new URL(f.target!, p.page).href, origin));
      } catch {
        /* not parseable at all: the raw value, added above */
      }
    }
  }
  return { reported, inconclusive };
}

describe('oracle: govcheck finds every link linkinator calls broken', () => {
  it('on the link-case site', async () => {
    const lkBroken = await linkinatorBroken(forLinkinator.origin);
    const { reported: gcReported, inconclusive: gcInconclusive } = await govcheckReported(forGovcheck.origin);

    const missed = [...lkBroken.keys()].filter((k) => !gcReported.has(k));
    // Everything govcheck does not call broken is a named false positive of linkinator, and govcheck
    // reports each of those as inconclusive rather than ignoring it.
    expect(missed.sort()).toEqual(Object.keys(LINKINATOR_FALSE_POSITIVES).sort());
    for (const k of missed) expect(gcInconclusive.has(k), k).toBe(true);
    // Sanity: linkinator did find the plain 404s, so the comparison is not vacuous.
    expect(lkBroken.has('/images/banner-2023.jpg')).toBe(true);
    // "#top" under a <base href> pointing elsewhere leaves the page (both tools follow the browser here).
    expect(lkBroken.has('/b1/')).toBe(true);

    // What govcheck reports beyond linkinator, each explained:
    const extra = [...gcReported].filter((k) => !lkBroken.has(k) && !/^https?;|^\/\/\/|%zz/.test(k)).sort();
    expect(extra).toEqual(
      [
        // Soft 404s: answered 200, but the page says "该信息已删除" (linkinator only looks at the status).
        '/info/deleted.html',
        '/files/notice.pdf',
        // A relative meta refresh target: linkinator checks <meta content> only when it is an absolute URL.
        '/moved/away.html',
        // CSS url() in a <style> block: linkinator does not read CSS.
        '/images/missing-bg.png',
      ].sort(),
    );
    expect(gcReported.size).toBeGreaterThanOrEqual(site.truth.broken.length);
  });

  it('on the generated government site with planted problems', async () => {
    const make = () => generateSite({ externalOrigin: ext.origin });
    const a = await serve(make().routes);
    const b = await serve(make().routes);
    try {
      const lkBroken = await linkinatorBroken(a.origin);
      const { reported } = await govcheckReported(b.origin);
      // No known false positive of linkinator applies to this site: the sets are equal.
      expect([...reported].sort()).toEqual([...lkBroken.keys()].sort());
      expect(reported.size).toBe(make().truth.broken.length);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
