/**
 * The crawl frontier shared by both gatherers (HTML crawl and browser rendering): which links of a page
 * are new in-scope pages to visit, within the page limit and the cap on query-string variants per path
 * (endless calendars). De-duplication happens here, before anything reaches a crawler's queue.
 */
import type { CrawlStats, PageArtifact } from '../types.js';
import { isAttachmentUrl, isResourceUrl } from './extract.js';

export interface FrontierLimits {
  maxPages: number;
  maxDepth: number;
  maxQueryVariants: number;
}

export interface NextPage {
  url: string;
  depth: number;
  referrer: string;
}

export class Frontier {
  private readonly seen: Set<string>;
  private readonly queryVariants = new Map<string, number>();
  private readonly capped = new Map<string, number>();
  skippedByLimit = 0;

  constructor(
    startUrl: string,
    private readonly limits: FrontierLimits,
  ) {
    this.seen = new Set([startUrl]);
  }

  /** The new pages a fetched page leads to (none from error pages or at the depth limit). */
  next(page: PageArtifact, depth: number): NextPage[] {
    if (page.error || (page.status !== null && page.status >= 400) || depth >= this.limits.maxDepth) return [];
    const out: NextPage[] = [];
    for (const l of page.links) {
      if (!l.url || !l.internal || l.attachment) continue;
      if ((l.kind !== 'page' && l.kind !== 'frame') || l.element === 'link') continue;
      // A reference's url is already a serialised URL, so most links (a site's template, on every page) are known
      // without parsing them again.
      if (this.seen.has(l.url)) continue;
      const u = new URL(l.url);
      if (isResourceUrl(u) || isAttachmentUrl(u)) continue;
      const key = u.href;
      if (this.seen.has(key)) continue;
      if (u.search) {
        const pathKey = u.origin + u.pathname;
        const n = (this.queryVariants.get(pathKey) ?? 0) + 1;
        this.queryVariants.set(pathKey, n);
        if (n > this.limits.maxQueryVariants) {
          this.seen.add(key);
          this.skippedByLimit++;
          this.capped.set(pathKey, (this.capped.get(pathKey) ?? 0) + 1);
          continue;
        }
      }
      if (this.seen.size >= this.limits.maxPages) {
        this.skippedByLimit++;
        continue;
      }
      this.seen.add(key);
      out.push({ url: key, depth: depth + 1, referrer: page.finalUrl });
    }
    return out;
  }

  /** The frontier's part of the crawl statistics. */
  stats(): Pick<CrawlStats, 'skippedByLimit' | 'cappedPaths'> {
    return {
      skippedByLimit: this.skippedByLimit,
      ...(this.capped.size ? { cappedPaths: [...this.capped].map(([path, dropped]) => ({ path, dropped })) } : {}),
    };
  }
}
