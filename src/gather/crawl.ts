/**
 * Gather: crawl a site once and record one compact artifact per page (checks' `collect` hooks run while
 * each page is parsed, so no HTML is kept after a page is done). The engine is chosen by
 * `gather.engine`: the lean undici loop (default) or Crawlee's CheerioCrawler, loaded only when asked for.
 */
import type { CheckModule, CrawlHooks } from '../check-api/api.js';
import type { SiteArtifacts, SiteRef } from '../types.js';
import { gatherSiteWithHttp, type HostSlot } from './http-gather.js';
import { defaultGatherOptions, type GatherOptions } from './options.js';

export { defaultGatherOptions, normalizeUrl, type GatherOptions } from './options.js';

/**
 * Crawls one site within its bounds and returns the site's artifacts. Never throws for site problems:
 * pages that fail carry a classified error; the home page's failure is the availability check's finding.
 * `slot` (the run's HttpClient.slot) puts the crawl's requests through the per-host gate the checks' probes use,
 * so probes may run while the crawl does (HTTP engine; Crawlee keeps its own limit and gets no early probes).
 */
export async function gatherSite(
  site: SiteRef,
  options: Partial<GatherOptions>,
  checks: Array<{ module: CheckModule; options: unknown }>,
  asOf: string,
  slot?: HostSlot,
  /** What the crawl tells as it goes (HTTP engine; see EarlyContext.home). */
  hooks?: CrawlHooks,
): Promise<SiteArtifacts> {
  const opts: GatherOptions = { ...defaultGatherOptions, ...options };
  if (opts.engine === 'crawlee') {
    const { gatherSiteWithCrawlee } = await import('./crawlee-gather.js');
    return gatherSiteWithCrawlee(site, opts, checks, asOf);
  }
  return gatherSiteWithHttp(site, opts, checks, asOf, slot, hooks);
}
