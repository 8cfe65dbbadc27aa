/**
 * The Crawlee gatherer (`gather.engine: crawlee`): crawl a site once with Crawlee's CheerioCrawler and record one
 * compact artifact per page. Checks' `collect` hooks run while each page is parsed, so no HTML is kept after a page
 * is done. Notes: docs/modules.md.
 */
import type { IncomingMessage } from 'node:http';
import { CheerioCrawler, Configuration, log, LogLevel, type CheerioCrawlingContext, type Request } from '@crawlee/cheerio';
import { parseDocument } from 'htmlparser2';
import type { CheckModule } from '../check-api/api.js';
import { classifyError, isTransient } from '../net/errors.js';
import { assertUrlAllowed, guardedLookup } from '../net/guard.js';
import { headerRecord } from '../net/http.js';
import type { ContentIssue, FetchErrorInfo, PageArtifact, RedirectHop, SiteArtifacts, SiteRef } from '../types.js';
import { contentIssueOf, decodeHtml } from './decode.js';
import { Frontier } from './frontier.js';
import { stringPool } from './extract.js';
import { buildPageArtifact, capDomDepth, errorPageArtifact } from './page-artifact.js';
import { readBody } from './body.js';
import { MAX_REDIRECTS, RedirectWalk } from './redirects.js';
import { defaultGatherOptions, emptyArtifacts, HTML_TYPES, normalizeUrl, siteArtifacts, type GatherOptions } from './options.js';

log.setLevel(LogLevel.OFF);

interface PendingState {
  depth: number;
  referrer?: string;
  chain: RedirectHop[];
  started: number;
}

class GatherCrawler extends CheerioCrawler {
  gatherMaxBytes = defaultGatherOptions.maxBytes;
  gatherTimeoutMs = defaultGatherOptions.timeoutMs;

  /** Keep the raw bytes: decoding happens in _parseResponse with proper sniffing. */
  protected override _encodeResponse(_request: Request, response: IncomingMessage, encoding: BufferEncoding) {
    return { response, encoding };
  }

  protected override async _parseResponse(request: Request, responseStream: IncomingMessage, _ctx: CheerioCrawlingContext) {
    const started = (request.userData.__started as number | undefined) ?? Date.now();
    const headerType = String(responseStream.headers['content-type'] ?? '');
    const type = headerType.split(';')[0].trim().toLowerCase();
    const charset = /charset\s*=\s*["']?([^;"'\s]+)/i.exec(headerType)?.[1];
    const deadline = started + this.gatherTimeoutMs;
    const isHtml = HTML_TYPES.has(type);
    const { body, truncated, timedOut } = await readBody(responseStream, undefined, isHtml ? this.gatherMaxBytes : 0, deadline);
    request.userData.__bytes = body.length;
    request.userData.__truncated = truncated;
    if (timedOut) request.userData.__timedOut = true;
    let dom;
    let text = '';
    if (isHtml && body.length > 0) {
      const decoded = decodeHtml(body, charset);
      text = decoded.text;
      request.userData.__encoding = decoded.encoding;
      request.userData.__encodingSource = decoded.source;
      request.userData.__contentIssue = contentIssueOf(body, decoded);
      dom = parseDocument(text, { decodeEntities: true });
      capDomDepth(dom);
    } else {
      dom = parseDocument('');
    }
    return {
      dom,
      body: text,
      isXml: false,
      response: responseStream,
      contentType: { type, encoding: 'utf-8' as BufferEncoding },
      enqueueLinks: async () => ({ processedRequests: [], unprocessedRequests: [] }),
    } as never;
  }
}

/**
 * Crawls one site within its bounds and returns the site's artifacts. Never throws for site problems:
 * pages that fail carry a classified error; the home page's failure is the availability check's finding.
 */
export async function gatherSiteWithCrawlee(site: SiteRef, opts: GatherOptions, checks: Array<{ module: CheckModule; options: unknown }>, asOf: string): Promise<SiteArtifacts> {
  const started = Date.now();
  let startUrl: string;
  try {
    startUrl = normalizeUrl(site.url);
  } catch {
    const error: FetchErrorInfo = { kind: 'malformed_url', message: `invalid site URL: ${site.url}` };
    return emptyArtifacts(site, site.url, asOf, [], started, error);
  }
  const startHost = new URL(startUrl).host.toLowerCase();
  const siteHosts = new Set<string>([startHost, ...opts.extraHosts.map((h) => h.toLowerCase())]);
  const pages: PageArtifact[] = [];
  const frontier = new Frontier(startUrl, opts);
  const state = new Map<string, PendingState>([[startUrl, { depth: 0, chain: [], started: 0 }]]);
  let errors = 0;
  const allTargets = new Set<string>();
  const collectors = checks.filter((c) => c.module.collect);
  const intern = stringPool();

  const recordError = (request: Request, error: FetchErrorInfo) => {
    const st = state.get(request.uniqueKey) ?? { depth: 0, chain: [], started: Date.now() };
    errors++;
    pages.push(errorPageArtifact({ url: request.url, finalUrl: request.loadedUrl ?? request.url, depth: st.depth, referrer: st.referrer, redirectChain: st.chain, started: st.started || Date.now() }, error));
  };

  const config = new Configuration({ persistStorage: false, purgeOnStart: true, availableMemoryRatio: 0.5, systemInfoIntervalMillis: 10_000 });
  const lookup = guardedLookup(opts.networkPolicy, opts.hosts);
  const crawler = new GatherCrawler(
    {
      maxConcurrency: Math.max(1, opts.concurrency),
      minConcurrency: 1,
      // Crawlee starts at minConcurrency and adds ~1 slot per 10 s: a 30 s crawl never got past 4 requests at
      // once. Start at the configured (polite) concurrency; the pool still scales down when the CPU is overloaded.
      autoscaledPoolOptions: { desiredConcurrency: Math.max(1, opts.concurrency), loggingIntervalSecs: null },
      maxRequestsPerMinute: opts.maxRequestsPerMinute > 0 ? opts.maxRequestsPerMinute : undefined,
      maxRequestRetries: opts.retries,
      navigationTimeoutSecs: Math.ceil(opts.timeoutMs / 1000),
      requestHandlerTimeoutSecs: 120,
      useSessionPool: false,
      persistCookiesPerSession: false,
      retryOnBlocked: false,
      ignoreSslErrors: true,
      additionalMimeTypes: ['*/*'],
      ignoreHttpErrorStatusCodes: Array.from({ length: 100 }, (_, i) => 500 + i),
      statusMessageLoggingInterval: 3600,
      preNavigationHooks: [
        (ctx, gotOptions) => {
          const { request } = ctx;
          assertUrlAllowed(request.url, opts.networkPolicy);
          const st = state.get(request.uniqueKey);
          const walk = new RedirectWalk(request.url);
          if (st) {
            st.chain = walk.chain;
            st.started = Date.now();
          }
          request.userData.__started = Date.now();
          // got-scraping generates browser-like headers per request (Bayesian network, ~5 % of CPU): not needed.
          (gotOptions as { useHeaderGenerator?: boolean }).useHeaderGenerator = false;
          gotOptions.headers = { ...gotOptions.headers, 'user-agent': opts.userAgent, 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.5' };
          gotOptions.dnsLookup = lookup as never;
          // The shared redirect policy (redirects.ts) stops a chain; got's own limit only behind it.
          gotOptions.maxRedirects = MAX_REDIRECTS + 1;
          gotOptions.hooks = {
            ...gotOptions.hooks,
            beforeRedirect: [
              (nextOptions: { url?: URL | string; headers: Record<string, string | string[] | undefined> }, response: { statusCode: number; url: string; headers: IncomingMessage['headers'] }) => {
                const next = String(nextOptions.url);
                walk.hop(response.url, new URL(response.url).host, response.statusCode, next, response.headers['set-cookie']);
                assertUrlAllowed(next, opts.networkPolicy);
                // Cookies set along the chain go with its next hops, as in the HTTP engine.
                const cookie = walk.cookieHeader(new URL(next).host);
                if (cookie) nextOptions.headers.cookie = cookie;
                else delete nextOptions.headers.cookie;
              },
            ],
          } as never;
        },
      ],
      errorHandler: ({ request }, error) => {
        const info = classifyError(error);
        if (!isTransient(info)) request.noRetry = true;
      },
      failedRequestHandler: ({ request }, error) => {
        recordError(request, request.userData.__timedOut ? { kind: 'timeout', message: 'page not loaded within the time limit' } : classifyError(error));
      },
      requestHandler: async (ctx) => {
        const { request, response } = ctx;
        const dom = (ctx as unknown as { dom: ReturnType<typeof parseDocument> }).dom;
        const html = (ctx as unknown as { body: string }).body ?? '';
        const st = state.get(request.uniqueKey) ?? { depth: 0, chain: [], started: Date.now() };
        const finalUrl = request.loadedUrl ?? request.url;
        const headers = headerRecord(response.headers as Record<string, string | string[] | undefined>);
        const page = buildPageArtifact(
          {
            url: request.url,
            finalUrl,
            status: response.statusCode ?? null,
            headers,
            redirectChain: st.chain,
            depth: st.depth,
            referrer: st.referrer,
            fetchedAt: new Date(st.started || Date.now()).toISOString(),
            durationMs: Date.now() - (st.started || Date.now()),
            bytes: (request.userData.__bytes as number) ?? 0,
            truncated: Boolean(request.userData.__truncated),
            encoding: (request.userData.__encoding as string) ?? null,
            encodingSource: (request.userData.__encodingSource as PageArtifact['encodingSource']) ?? null,
            html,
            dom,
          },
          { site, asOf, siteHosts, collectors, intern },
        );
        if (request.userData.__contentIssue) page.contentIssue = request.userData.__contentIssue as ContentIssue;
        if (request.userData.__timedOut) page.error = { kind: 'timeout', message: 'body not complete within the time limit; page cut' };
        pages.push(page);
        for (const l of page.links) if (l.url) allTargets.add(l.url);

        // Enqueue only new in-scope pages; per-link work never goes through Crawlee's queue.
        const next = frontier.next(page, st.depth).map((n) => {
          state.set(n.url, { depth: n.depth, referrer: n.referrer, chain: [], started: 0 });
          return { url: n.url, uniqueKey: n.url };
        });
        if (next.length) await crawler.addRequests(next);
      },
    },
    config,
  );
  crawler.gatherMaxBytes = opts.maxBytes;
  crawler.gatherTimeoutMs = opts.timeoutMs;

  try {
    assertUrlAllowed(startUrl, opts.networkPolicy);
  } catch (e) {
    return emptyArtifacts(site, startUrl, asOf, [...siteHosts], started, classifyError(e));
  }
  await crawler.run([{ url: startUrl, uniqueKey: startUrl }]);
  await crawler.teardown().catch(() => undefined);

  return siteArtifacts({ site, startUrl, pages, targets: allTargets.size, errors, started, frontier, asOf, siteHosts });
}
