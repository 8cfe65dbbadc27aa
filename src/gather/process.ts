/**
 * Turning one fetched response into its PageArtifact: charset sniffing and decoding, parsing (depth capped),
 * extraction and every check's collector. Pure CPU work on plain data, so it runs the same on the crawl's
 * thread or in a page worker (`page-pool.ts`).
 */
import { parseDocument } from 'htmlparser2';
import type { PageArtifact, RedirectHop, SiteRef } from '../types.js';
import { contentIssueOf, decodeHtml } from './decode.js';
import type { Interner } from './extract.js';
import { buildPageArtifact, capDomDepth, type Collector } from './page-artifact.js';

/** A fetched response as the crawler hands it over (plain data: it crosses to worker threads). */
export interface FetchedPage {
  url: string;
  finalUrl: string;
  status: number;
  headers: Record<string, string>;
  redirectChain: RedirectHop[];
  depth: number;
  referrer?: string;
  /** When the first request for the page was started (ms since the epoch). */
  started: number;
  /** Until the body was complete. */
  durationMs: number;
  /** The (inflated) body of an HTML response; empty for other types. */
  body: Uint8Array;
  truncated: boolean;
  /** The body was cut by the time limit. */
  timedOut: boolean;
}

export interface PageContextData {
  site: SiteRef;
  asOf: string;
  siteHosts: ReadonlySet<string>;
}

export function processPage(f: FetchedPage, ctx: PageContextData & { collectors: Collector[]; intern?: Interner }): PageArtifact {
  const body = Buffer.isBuffer(f.body) ? f.body : Buffer.from(f.body.buffer, f.body.byteOffset, f.body.byteLength);
  let html = '';
  let decoded: ReturnType<typeof decodeHtml> | undefined;
  let dom;
  if (body.length > 0) {
    const charset = /charset\s*=\s*["']?([^;"'\s]+)/i.exec(f.headers['content-type'] ?? '')?.[1];
    decoded = decodeHtml(body, charset);
    html = decoded.text;
    dom = parseDocument(html, { decodeEntities: true });
    capDomDepth(dom);
  } else {
    dom = parseDocument('');
  }
  const page = buildPageArtifact(
    {
      url: f.url,
      finalUrl: f.finalUrl,
      status: f.status,
      headers: f.headers,
      redirectChain: f.redirectChain,
      depth: f.depth,
      referrer: f.referrer,
      fetchedAt: new Date(f.started).toISOString(),
      durationMs: f.durationMs,
      bytes: body.length,
      truncated: f.truncated,
      encoding: decoded?.encoding ?? null,
      encodingSource: decoded?.source ?? null,
      html,
      dom,
    },
    ctx,
  );
  if (decoded) {
    const issue = contentIssueOf(body, decoded);
    if (issue) page.contentIssue = issue;
  }
  if (f.timedOut) page.error = { kind: 'timeout', message: 'body not complete within the time limit; page cut' };
  return page;
}
