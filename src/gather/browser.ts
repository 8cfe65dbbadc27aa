/**
 * Gather with a real browser: for government CMSs that build their column lists by script, sites are marked `render:
 * browser` in the registry (or checked with `--render browser`). Notes: docs/modules.md.
 */
import { parseDocument } from 'htmlparser2';
import type { Page, Response } from 'playwright-core';
import type { CheckModule } from '../check-api/api.js';
import { bounded, classifyBrowserError, settle, type BrowserSession } from '../browser/launcher.js';
import { classifyError } from '../net/errors.js';
import { assertUrlAllowed } from '../net/guard.js';
import type { FetchErrorInfo, PageArtifact, RedirectHop, SiteArtifacts, SiteRef } from '../types.js';
import { defaultGatherOptions, normalizeUrl, siteArtifacts, type GatherOptions } from './options.js';
import { Frontier } from './frontier.js';
import { buildPageArtifact, errorPageArtifact } from './page-artifact.js';

export interface BrowserGatherOptions extends GatherOptions {
  /** Pages rendered at once (each is a Chromium tab: keep it small). */
  browserConcurrency: number;
}

interface Pending {
  url: string;
  depth: number;
  referrer?: string;
}

async function redirectChain(response: Response): Promise<RedirectHop[]> {
  const hops: RedirectHop[] = [];
  let req = response.request();
  let next = req.url();
  while (req.redirectedFrom()) {
    const prev = req.redirectedFrom()!;
    const r = await prev.response().catch(() => null);
    hops.unshift({ url: prev.url(), status: r?.status() ?? 0, location: next });
    next = prev.url();
    req = prev;
  }
  return hops;
}

function errorPage(p: Pending, error: FetchErrorInfo, started: number): PageArtifact {
  return errorPageArtifact({ url: p.url, depth: p.depth, referrer: p.referrer, started }, error);
}

/** Renders one page into its artifact. Never throws. */
async function renderPage(
  page: Page,
  p: Pending,
  ctx: { session: BrowserSession; site: SiteRef; asOf: string; siteHosts: Set<string>; collectors: Array<{ module: CheckModule; options: unknown }>; timeoutMs: number; maxBytes: number },
): Promise<PageArtifact> {
  const started = Date.now();
  const refusals = ctx.session.watchRefusals(page);
  try {
    const artifact = await renderWatched(page, p, ctx, started);
    // What the guard refused while the page rendered (frames, scripts' fetches, WebSockets, redirects).
    if (refusals.urls.length && !artifact.error) artifact.collected['@render'] = { browser: true, blocked: refusals.urls };
    return artifact;
  } finally {
    refusals.stop();
  }
}

async function renderWatched(
  page: Page,
  p: Pending,
  ctx: { session: BrowserSession; site: SiteRef; asOf: string; siteHosts: Set<string>; collectors: Array<{ module: CheckModule; options: unknown }>; timeoutMs: number; maxBytes: number },
  started: number,
): Promise<PageArtifact> {
  const deadline = started + ctx.timeoutMs;
  let response: Response | null;
  try {
    response = await ctx.session.goto(page, p.url, { waitUntil: 'domcontentloaded', timeout: ctx.timeoutMs });
  } catch (e) {
    return errorPage(p, classifyBrowserError(e), started);
  }
  if (!response) return errorPage(p, { kind: 'unknown', message: 'no response' }, started);
  const headers = response.headers();
  const contentType = headers['content-type'] ?? '';
  const isHtml = /html|xml/i.test(contentType) || contentType === '';
  const status = response.status();
  if (isHtml && status < 400) await settle(page, deadline);
  let html = '';
  let encoding: string | null = null;
  try {
    if (isHtml) {
      html = await page.content();
      encoding = (await page.evaluate(() => document.characterSet)).toLowerCase();
    }
  } catch (e) {
    return errorPage(p, classifyBrowserError(e), started);
  }
  const bytes = await response
    .body()
    .then((b) => b.length)
    .catch(() => Buffer.byteLength(html));
  const truncated = Buffer.byteLength(html) > ctx.maxBytes;
  if (truncated) html = html.slice(0, ctx.maxBytes);
  const artifact = buildPageArtifact(
    {
      url: p.url,
      finalUrl: normalizeUrl(page.url() || p.url),
      status,
      headers,
      redirectChain: await redirectChain(response).catch(() => []),
      depth: p.depth,
      referrer: p.referrer,
      fetchedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      bytes,
      truncated,
      encoding,
      encodingSource: encoding ? (/charset=/i.test(contentType) ? 'header' : 'sniff') : null,
      html,
      dom: parseDocument(html),
    },
    { site: ctx.site, asOf: ctx.asOf, siteHosts: ctx.siteHosts, collectors: ctx.collectors },
  );
  artifact.collected['@render'] = { browser: true };
  return artifact;
}

/**
 * Crawls one site in Chromium within its bounds and returns the same SiteArtifacts as gatherSite.
 * Never throws for site problems.
 */
export async function gatherSiteWithBrowser(site: SiteRef, options: Partial<BrowserGatherOptions>, checks: Array<{ module: CheckModule; options: unknown }>, asOf: string, session: BrowserSession): Promise<SiteArtifacts> {
  const opts: BrowserGatherOptions = { ...defaultGatherOptions, browserConcurrency: 2, ...options };
  const started = Date.now();
  const collectors = checks.filter((c) => c.module.collect);
  let startUrl: string;
  try {
    startUrl = normalizeUrl(site.url);
  } catch {
    const error: FetchErrorInfo = { kind: 'malformed_url', message: `invalid site URL: ${site.url}` };
    const home = errorPage({ url: site.url, depth: 0 }, error, started);
    return { site, startUrl: site.url, home, pages: [home], stats: { pages: 1, links: 0, durationMs: 0, skippedByLimit: 0, errors: 1 }, asOf, siteHosts: [] };
  }
  const siteHosts = new Set<string>([new URL(startUrl).host.toLowerCase(), ...opts.extraHosts.map((h) => h.toLowerCase())]);
  try {
    assertUrlAllowed(startUrl, opts.networkPolicy);
  } catch (e) {
    const home = errorPage({ url: startUrl, depth: 0 }, classifyError(e), started);
    return { site, startUrl, home, pages: [home], stats: { pages: 1, links: 0, durationMs: Date.now() - started, skippedByLimit: 0, errors: 1 }, asOf, siteHosts: [...siteHosts] };
  }

  const pages: PageArtifact[] = [];
  const frontier = new Frontier(startUrl, opts);
  const queue: Pending[] = [{ url: startUrl, depth: 0 }];
  const allTargets = new Set<string>();
  let inFlight = 0;

  const context = await session.newContext();
  try {
    const worker = async () => {
      let tab = await context.newPage();
      try {
        for (;;) {
          const next = queue.shift();
          if (!next) {
            if (inFlight === 0) return;
            await new Promise((r) => setTimeout(r, 20));
            continue;
          }
          inFlight++;
          try {
            const started = Date.now();
            let artifact: PageArtifact;
            try {
              artifact = await bounded(renderPage(tab, next, { session, site, asOf, siteHosts, collectors, timeoutMs: opts.timeoutMs, maxBytes: opts.maxBytes }), opts.timeoutMs + 2_000, `rendering ${next.url}`);
            } catch (e) {
              // A page whose script never yields: record the timeout and replace the stuck tab.
              artifact = errorPage(next, classifyBrowserError(e), started);
              void tab.close().catch(() => undefined);
              tab = await context.newPage();
            }
            pages.push(artifact);
            for (const l of artifact.links) if (l.url) allTargets.add(l.url);
            queue.push(...frontier.next(artifact, next.depth));
          } finally {
            inFlight--;
          }
        }
      } finally {
        await tab.close().catch(() => undefined);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, opts.browserConcurrency) }, worker));
  } finally {
    await context.close().catch(() => undefined);
  }
  return siteArtifacts({ site, startUrl, pages, targets: allTargets.size, errors: pages.filter((p) => p.error).length, started, frontier, asOf, siteHosts });
}
