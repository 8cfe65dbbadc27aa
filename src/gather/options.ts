/** Options, defaults and small helpers shared by the gatherers (HTTP, Crawlee, browser). */
import type { FetchErrorInfo, PageArtifact, SiteArtifacts, SiteRef } from '../types.js';
import type { Frontier } from './frontier.js';
import type { HostOverrides, NetworkPolicy } from '../net/guard.js';
import { GOVCHECK_USER_AGENT } from '../net/user-agent.js';
import { errorPageArtifact } from './page-artifact.js';

export interface GatherOptions {
  maxPages: number;
  maxDepth: number;
  /** A page that has not loaded within this many ms is a failure (official rule: 15 s). */
  timeoutMs: number;
  /** Bodies larger than this are cut (the page is marked truncated). */
  maxBytes: number;
  /** Concurrent requests to the site. Government servers are small: keep it polite. */
  concurrency: number;
  /** Cap on requests per minute to the site (0 = none). */
  maxRequestsPerMinute: number;
  /** Extra hosts that count as the same site. */
  extraHosts: string[];
  /** Private-address policy: true = all allowed, false = none, or CIDR ranges allowed. */
  networkPolicy: NetworkPolicy;
  /** Host overrides (name → address, null = does not resolve). */
  hosts?: HostOverrides;
  /** How many URLs that differ only in their query string one path may contribute (endless calendars). */
  maxQueryVariants: number;
  /** Retries of a page after a transient failure. */
  retries: number;
  userAgent: string;
  /**
   * Which crawler fetches the pages: 'http' (default, a lean undici loop) or 'crawlee' (Crawlee's
   * CheerioCrawler). Same artifacts and bounds; see docs/benchmarks.md for the measured difference.
   */
  engine: 'http' | 'crawlee';
  /**
   * Worker threads that decode, parse and run the checks' collectors while the crawl keeps fetching
   * ('auto' = cores − 2, at most 4, from 4 cores; on 2–3 cores one while 16 or more sites are in flight in the
   * process, else none: see page-pool.ts `autoWorkers`; 0 = all on the crawl's thread). HTTP engine only.
   */
  parseWorkers: number | 'auto';
  /** Pages the process handles on the crawl's own thread, over all its sites, before workers are used (a one-site check of a small site never starts one). */
  parseWorkersAfterPages: number;
}

export const defaultGatherOptions: GatherOptions = {
  maxPages: 500,
  maxDepth: 5,
  timeoutMs: 15_000,
  maxBytes: 5 * 1024 * 1024,
  concurrency: 4,
  maxRequestsPerMinute: 0,
  extraHosts: [],
  networkPolicy: false,
  maxQueryVariants: 50,
  retries: 1,
  userAgent: GOVCHECK_USER_AGENT,
  engine: 'http',
  parseWorkers: 'auto',
  parseWorkersAfterPages: 50,
};

/** Content types read and parsed as pages (an absent type is sniffed as HTML, as browsers do). */
export const HTML_TYPES = new Set(['text/html', 'application/xhtml+xml', 'text/xml', 'application/xml', '']);

/** Normalises a URL for de-duplication: no fragment; everything else as the browser would send it. */
export function normalizeUrl(u: string): string {
  const url = new URL(u);
  url.hash = '';
  return url.href;
}

/** A finished crawl's artifacts: pages in a stable order (depth, then URL by code point), the home page, statistics. */
export function siteArtifacts(c: { site: SiteRef; startUrl: string; pages: PageArtifact[]; targets: number; errors: number; started: number; frontier: Pick<Frontier, 'stats'>; asOf: string; siteHosts: ReadonlySet<string> }): SiteArtifacts {
  const { pages, startUrl } = c;
  const home = pages.find((p) => p.url === startUrl);
  pages.sort((a, b) => a.depth - b.depth || (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
  return {
    site: c.site,
    startUrl,
    home,
    pages,
    stats: { pages: pages.length, links: c.targets, durationMs: Date.now() - c.started, errors: c.errors, ...c.frontier.stats() },
    asOf: c.asOf,
    siteHosts: [...c.siteHosts],
  };
}

/** The artifacts of a site whose start URL could not even be requested. */
export function emptyArtifacts(site: SiteRef, startUrl: string, asOf: string, siteHosts: string[], started: number, error: FetchErrorInfo): SiteArtifacts {
  const home = errorPageArtifact({ url: startUrl, depth: 0, started }, error);
  return { site, startUrl, home, pages: [home], stats: { pages: 1, links: 0, durationMs: Date.now() - started, skippedByLimit: 0, errors: 1 }, asOf, siteHosts };
}
