/**
 * The page service: `ctx.pages` (pages beyond the crawl, fetched through the run's shared client) and `processHtml`
 * (HTML that is no fetched page: a feed item, a rendered post), processed the way the crawl processes its pages, so
 * no check or new-media adapter reaches into gather's decoder, extractor or page builder itself.
 */
import type { Document } from 'domhandler';
import { parseDocument } from 'htmlparser2';
import { decodeHtml } from '../gather/decode.js';
import { extractPage } from '../gather/extract.js';
import { buildPageArtifact } from '../gather/page-artifact.js';
import type { HttpClient } from '../net/http.js';
import type { LinkRef, PageArtifact, SiteArtifacts } from '../types.js';
import { collectedOf, type Collected, type CheckModule, type PageContext, type PageService } from './api.js';

const PROBE_ID = '_probe';

/** The crawl's charset-label normalisation (gb2312 → gb18030…), for bodies that are not pages (feeds). */
export { canonicalEncoding } from '../gather/decode.js';

/**
 * Title, text and links of a parsed document or fragment, extracted as the crawl extracts its pages: for HTML that
 * is not a fetched page (a feed item's body, a rendered post), resolved against `pageUrl`.
 */
export function processHtml(dom: Document, pageUrl: string): { title: string; text: string; links: LinkRef[] } {
  const ex = extractPage(dom, { pageUrl, siteHosts: new Set() });
  return { title: ex.title, text: ex.text, links: ex.links };
}

function isHtml(headers: Record<string, string>): boolean {
  return /^\s*(text\/html|application\/xhtml\+xml)/i.test(headers['content-type'] ?? '');
}

/** Title and text of an HTML body, decoded as the crawl decodes pages (charset from the header, else sniffed). */
function extractBody(body: Buffer, headers: Record<string, string>, url: string): { title: string; text: string } {
  const charset = /charset\s*=\s*["']?([^;"'\s]+)/i.exec(headers['content-type'] ?? '')?.[1];
  const decoded = decodeHtml(body, charset);
  const ex = processHtml(parseDocument(decoded.text, { decodeEntities: true }), url);
  return { title: ex.title, text: ex.text };
}

/** A page artifact built from a probe's answer, with `collect` run on it like a crawled page's collector. */
function probedPage<C>(url: string, answer: { finalUrl: string; status: number | null; error?: string; html?: string }, site: SiteArtifacts, collect: (ctx: PageContext) => C | undefined): { page: PageArtifact; collected: Collected<C> } {
  const html = answer.html ?? '';
  const module: CheckModule<never, C> = { meta: { id: PROBE_ID } as CheckModule<never, C>['meta'], collect, run: () => ({ findings: [] }) };
  const page = buildPageArtifact(
    {
      url,
      finalUrl: answer.finalUrl,
      status: answer.status,
      headers: { 'content-type': 'text/html' },
      redirectChain: [],
      depth: 1,
      fetchedAt: new Date().toISOString(),
      durationMs: 0,
      bytes: html.length,
      truncated: false,
      encoding: 'utf-8',
      encodingSource: 'default',
      html,
      dom: parseDocument(html),
    },
    { site: site.site, asOf: site.asOf, siteHosts: new Set(site.siteHosts), collectors: html ? [{ module: module as CheckModule, options: {} }] : [] },
  );
  if (answer.error && !page.error) page.error = { kind: 'unknown', message: answer.error };
  const collected = collectedOf<C>(page, PROBE_ID);
  delete page.collected[PROBE_ID];
  return { page, collected };
}

/** The page service of a check run over `site`, through the shared client `http`. */
export function pageService(http: HttpClient, site: SiteArtifacts): PageService {
  return {
    async fetch(url, opts) {
      const response = await http.fetchBody(url, { maxBytes: opts.maxBytes });
      if (!response.body || response.status === null || response.status < 200 || response.status >= 300 || !isHtml(response.headers)) return { response };
      return { response, page: extractBody(response.body, response.headers, response.finalUrl) };
    },
    async probe(url, collect) {
      const r = await http.probe(url, { method: 'GET', wantBody: true });
      const answer = { finalUrl: r.finalUrl, status: r.status, error: r.error ? `${r.error.kind}: ${r.error.message}` : undefined, html: r.status !== null && r.status < 400 ? r.bodySnippet : undefined };
      return probedPage(url, answer, site, collect);
    },
  };
}
