/** What the two column checks (blank-columns, stale-content) share: options, page collector, column discovery. */
import { z } from 'zod';
import { unlessFailed, type CheckContext, type PageContext } from '../../check-api/api.js';
import type { SiteArtifacts } from '../../types.js';
import { columnOptionsShape, columnProbe, discoverColumns, effectiveClasses, type Discovery } from './columns.js';
import { analyzePage, DEFAULT_PLACEHOLDERS, type PageContent } from './page-analysis.js';

/** The options of a column check: column discovery's, and the placeholder texts that make a page empty. */
export const columnCheckOptionsShape = {
  ...columnOptionsShape,
  placeholders: z.array(z.string()).default(DEFAULT_PLACEHOLDERS),
};
const columnCheckOptions = z.object(columnCheckOptionsShape);
export type ColumnCheckOptions = z.output<typeof columnCheckOptions>;

/** The collector of a column check: each page analysed for its items, dates and placeholders. */
export function collectColumnPage(ctx: PageContext, options: { placeholders: string[] }): PageContent {
  return analyzePage(ctx, { placeholders: options.placeholders });
}

/** The site's columns, found with the check's options; column pages beyond the crawl fetched through `ctx.pages`. */
export function discoverSiteColumns(site: SiteArtifacts, ctx: CheckContext<ColumnCheckOptions, PageContent>): Promise<Discovery> {
  const o = ctx.options;
  return discoverColumns(site, {
    asOf: ctx.asOf,
    classes: effectiveClasses(o),
    ignoreLinks: o.ignoreLinks,
    blankMaxTextChars: o.blankMaxTextChars,
    maxProbes: o.maxProbes,
    probe: o.maxProbes > 0 ? columnProbe(ctx.pages, { placeholders: o.placeholders }) : undefined,
    // A page whose analysis threw is a page without content.
    contentOf: (p) => unlessFailed(ctx.collected(p)),
  });
}
