/**
 * The default gatherer: a lean crawl loop on undici, with the same artifacts and bounds as the Crawlee gatherer
 * (`gather.engine: crawlee`) without its per-request machinery. Notes: docs/modules.md.
 */
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { classifyError, GovcheckFetchError, isTransient } from '../net/errors.js';
import { assertUrlAllowed, guardedLookup } from '../net/guard.js';
import { headerRecord, utf8Header } from '../net/http.js';
import type { CrawlHooks } from '../check-api/api.js';
import type { FetchErrorInfo, PageArtifact, RedirectHop, SiteArtifacts, SiteRef } from '../types.js';
import { Frontier, type NextPage } from './frontier.js';
import { internPage, stringPool } from './extract.js';
import { errorPageArtifact, type Collector } from './page-artifact.js';
import { AUTO_SITES_FOR_A_WORKER, autoWorkers, PageWorkerError, sharedPagePool, type PoolSiteContext } from './page-pool.js';
import { processPage, type FetchedPage } from './process.js';
import { readBody } from './body.js';
import { RedirectWalk } from './redirects.js';
import { emptyArtifacts, HTML_TYPES, normalizeUrl, siteArtifacts, type GatherOptions } from './options.js';
import { Agent, request } from '../net/undici.js';

interface Fetched {
  url: string;
  finalUrl: string;
  status: number;
  headers: Record<string, string>;
  chain: RedirectHop[];
  body: Buffer;
  truncated: boolean;
  timedOut: boolean;
  started: number;
  /** Time spent waiting for slots of the shared per-host gate. */
  waitedMs?: number;
}

/** Runs one request in the run's per-host gate (HttpClient.slot); `first` = before the checks' waiting probes. */
export type HostSlot = <T>(url: string, fn: () => Promise<T>, first?: boolean) => Promise<T>;

class PageFetcher {
  private readonly agent: Agent;
  private nextStart = 0;

  constructor(
    private readonly opts: GatherOptions,
    /** The run's per-host gate each request goes through (shared with the checks' probes); none = the crawl's own concurrency only. */
    private readonly slot: HostSlot = (_url, fn) => fn(),
  ) {
    this.agent = new Agent({
      connect: { lookup: guardedLookup(opts.networkPolicy, opts.hosts) as never, rejectUnauthorized: false, timeout: opts.timeoutMs },
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      connections: Math.max(1, opts.concurrency),
      keepAliveTimeout: 4_000,
      // A server that announces "Keep-Alive: timeout=1" (Node's default is 5 s, many CMSs 1–5 s) would otherwise
      // get a new connection per request: undici's default margin is 2 s.
      keepAliveTimeoutThreshold: 500,
    });
  }

  /** Waits for the next start slot when a requests-per-minute cap is set. */
  private async paced(): Promise<void> {
    if (this.opts.maxRequestsPerMinute <= 0) return;
    const now = Date.now();
    const start = Math.max(now, this.nextStart);
    this.nextStart = start + 60_000 / this.opts.maxRequestsPerMinute;
    if (start > now) await new Promise((r) => setTimeout(r, start - now));
  }

  /**
   * One attempt: the whole redirect chain and the body within one time limit. Time spent waiting for a slot of the
   * shared per-host gate is not the site's: it extends the deadline and is left out of the page's duration.
   */
  async fetch(url: string): Promise<Fetched> {
    await this.paced();
    const started = Date.now();
    let waitedMs = 0;
    const walk = new RedirectWalk(url);
    const chain = walk.chain;
    let current = url;
    for (;;) {
      const u = new URL(current);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new GovcheckFetchError('unsupported_scheme', `unsupported scheme ${u.protocol}`);
      assertUrlAllowed(u, this.opts.networkPolicy);
      if (Date.now() - started - waitedMs >= this.opts.timeoutMs) throw new GovcheckFetchError('timeout', `page not loaded within ${this.opts.timeoutMs} ms`);
      const cookie = walk.cookieHeader(u.host);
      const queued = Date.now();
      const hop = await this.slot(
        u.href,
        () => {
          waitedMs += Date.now() - queued;
          const deadline = started + waitedMs + this.opts.timeoutMs;
          return this.hop(url, u, cookie, chain, walk, deadline, started);
        },
        true,
      );
      if (typeof hop === 'string') {
        current = hop;
        continue;
      }
      return { ...hop, waitedMs };
    }
  }

  /** One request of a redirect chain: the next URL, or the page (body read within the deadline). */
  private async hop(url: string, u: URL, cookie: string | undefined, chain: RedirectHop[], walk: RedirectWalk, deadline: number, started: number): Promise<Fetched | string> {
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new GovcheckFetchError('timeout', `page not loaded within ${this.opts.timeoutMs} ms`);
    {
      let res: Dispatcher.ResponseData;
      try {
        res = await request(u, {
          method: 'GET',
          dispatcher: this.agent,
          signal: AbortSignal.timeout(remaining),
          headers: {
            'user-agent': this.opts.userAgent,
            accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
            'accept-language': 'zh-CN,zh;q=0.9,en;q=0.5',
            'accept-encoding': 'gzip, deflate, br',
            ...(cookie ? { cookie } : {}),
          },
        });
      } catch (e) {
        if (Date.now() >= deadline) throw new GovcheckFetchError('timeout', `page not loaded within ${this.opts.timeoutMs} ms`);
        throw e;
      }
      const headers = headerRecord(res.headers as Record<string, string | string[] | undefined>);
      const location = headers['location'] === undefined ? undefined : utf8Header(headers['location']);
      if (res.statusCode >= 300 && res.statusCode < 400 && location) {
        // A redirect's body is small: read it away so the connection can be reused.
        await res.body.dump({ limit: 16 * 1024 }).catch(() => undefined);
        let next: string;
        try {
          next = normalizeUrl(new URL(location, u).href);
        } catch {
          throw new GovcheckFetchError('malformed_url', `redirect to an invalid URL: ${location}`);
        }
        // The shared policy: a loop only with nothing new to send (a cookie set on the way is new), at most 20 hops.
        walk.hop(u.href, u.host, res.statusCode, next, res.headers['set-cookie']);
        return next;
      }
      const type = (headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      if (!HTML_TYPES.has(type)) {
        res.body.on('error', () => undefined);
        res.body.destroy();
        return { url, finalUrl: u.href, status: res.statusCode, headers, chain, body: Buffer.alloc(0), truncated: false, timedOut: false, started };
      }
      const { body, truncated, timedOut } = await readBody(res.body as unknown as Readable, headers['content-encoding'], this.opts.maxBytes, deadline);
      return { url, finalUrl: u.href, status: res.statusCode, headers, chain, body, truncated, timedOut, started };
    }
  }

  async close(): Promise<void> {
    await this.agent.close().catch(() => undefined);
  }
}

/**
 * This process's crawls, for page workers (`parseWorkers`): the sites being crawled now, and the pages processed
 * so far over all sites (`parseWorkersAfterPages` counts these, so a run of many small sites reaches it too).
 */
const crawls = { inFlight: 0, pages: 0 };

/** Sites this process is crawling now and the pages its crawls have processed (for tests and benchmarks). */
export function crawlsInProcess(): { inFlight: number; pages: number } {
  return { ...crawls };
}

/**
 * Crawls one site within its bounds and returns the site's artifacts. Never throws for site problems:
 * pages that fail carry a classified error; the home page's failure is the availability check's finding.
 */
export async function gatherSiteWithHttp(site: SiteRef, opts: GatherOptions, checks: Collector[], asOf: string, slot?: HostSlot, hooks: CrawlHooks = {}): Promise<SiteArtifacts> {
  const started = Date.now();
  let startUrl: string;
  try {
    startUrl = normalizeUrl(site.url);
  } catch {
    return emptyArtifacts(site, site.url, asOf, [], started, { kind: 'malformed_url', message: `invalid site URL: ${site.url}` });
  }
  const siteHosts = new Set<string>([new URL(startUrl).host.toLowerCase(), ...opts.extraHosts.map((h) => h.toLowerCase())]);
  try {
    assertUrlAllowed(startUrl, opts.networkPolicy);
  } catch (e) {
    return emptyArtifacts(site, startUrl, asOf, [...siteHosts], started, classifyError(e));
  }
  const collectors = checks.filter((c) => c.module.collect);
  const intern = stringPool();
  const pages: PageArtifact[] = [];
  const frontier = new Frontier(startUrl, opts);
  const allTargets = new Set<string>();
  let errors = 0;
  const fetcher = new PageFetcher(opts, slot);
  // Page workers only for collectors that say where a worker loads them from, once the process has processed
  // `parseWorkersAfterPages` pages; with `auto`, how many depends on the cores and the sites in flight, and a run
  // of many sites (never a small check) uses them from its first pages, so its crawl thread never loads what the
  // collectors need (the typo engine's dictionaries and model: ~90 MB).
  let poolUsable = collectors.every((c) => c.source);
  const poolNow = () => {
    if (!poolUsable) return undefined;
    const workers = opts.parseWorkers === 'auto' ? autoWorkers(crawls.inFlight) : opts.parseWorkers;
    const many = opts.parseWorkers === 'auto' && crawls.inFlight >= AUTO_SITES_FOR_A_WORKER;
    return workers > 0 && (many || crawls.pages >= opts.parseWorkersAfterPages) ? sharedPagePool(workers) : undefined;
  };
  let pool: ReturnType<typeof poolNow>;
  const poolKey = `${site.id}\u0000${startUrl}\u0000${started}\u0000${Math.random()}`;
  const poolContext = (): PoolSiteContext => ({ site, asOf, siteHosts: [...siteHosts], checks: collectors.map((c) => ({ id: c.module.meta.id, options: c.options, source: c.source })) });

  const visit = async (item: NextPage | { url: string; depth: number; referrer?: string }) => {
    let attempt = 0;
    let fetched: Fetched | undefined;
    let error: FetchErrorInfo | undefined;
    let chain: RedirectHop[] = [];
    const first = Date.now();
    for (;;) {
      try {
        fetched = await fetcher.fetch(item.url);
        break;
      } catch (e) {
        error = classifyError(e);
        chain = (e as { chain?: RedirectHop[] }).chain ?? chain;
        if (!isTransient(error) || attempt >= opts.retries) break;
        attempt++;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
    if (item.depth === 0) hooks.home?.({ finalUrl: fetched?.finalUrl ?? chain.at(-1)?.location ?? item.url, status: fetched?.status ?? null });
    if (!fetched) {
      errors++;
      pages.push(errorPageArtifact({ url: item.url, finalUrl: chain.at(-1)?.location ?? item.url, depth: item.depth, referrer: item.referrer, redirectChain: chain, started: first }, error!));
      return;
    }
    const fetchedPage: FetchedPage = {
      url: item.url,
      finalUrl: fetched.finalUrl,
      status: fetched.status,
      headers: fetched.headers,
      redirectChain: fetched.chain,
      depth: item.depth,
      referrer: item.referrer,
      started: first,
      durationMs: Date.now() - first - (fetched.waitedMs ?? 0),
      body: fetched.body,
      truncated: fetched.truncated,
      timedOut: fetched.timedOut,
    };
    let page: PageArtifact;
    const usePool = poolNow();
    if (usePool) {
      pool = usePool;
      try {
        page = await usePool.process(poolKey, poolContext, fetchedPage);
        internPage(page, intern);
      } catch (e) {
        if (!(e instanceof PageWorkerError) || e.inThread) {
          poolUsable = false; // cannot use workers for this site: go on in this thread
          page = processPage(fetchedPage, { site, asOf, siteHosts, collectors, intern });
        } else {
          errors++;
          page = errorPageArtifact({ url: item.url, finalUrl: fetched.finalUrl, depth: item.depth, referrer: item.referrer, redirectChain: fetched.chain, started: first }, e.info);
        }
      }
    } else {
      page = processPage(fetchedPage, { site, asOf, siteHosts, collectors, intern });
    }
    crawls.pages++;
    pages.push(page);
    for (const l of page.links) if (l.url) allTargets.add(l.url);
    for (const n of frontier.next(page, item.depth)) queue.push(n);
  };

  // A plain pool: at most `concurrency` pages in flight; parsing and collectors run on this thread between
  // network waits, so they are naturally one at a time.
  const queue: Array<NextPage | { url: string; depth: number; referrer?: string }> = [{ url: startUrl, depth: 0 }];
  let head = 0;
  let active = 0;
  const limit = Math.max(1, opts.concurrency);
  crawls.inFlight++;
  try {
    await new Promise<void>((resolve) => {
      const pump = () => {
        while (active < limit && head < queue.length) {
          const item = queue[head];
          queue[head++] = undefined as never;
          active++;
          visit(item)
            .catch((e: unknown) => {
              // Not a fetch problem (those are handled in visit): still a named error for that page, never a lost one.
              errors++;
              pages.push(errorPageArtifact({ url: item.url, depth: item.depth, referrer: item.referrer, started: Date.now() }, { ...classifyError(e), kind: 'unknown' }));
            })
            .finally(() => {
              active--;
              pump();
            });
        }
        if (active === 0 && head >= queue.length) resolve();
      };
      pump();
    });
  } finally {
    crawls.inFlight--;
    pool?.forget(poolKey);
    await fetcher.close();
  }

  return siteArtifacts({ site, startUrl, pages, targets: allTargets.size, errors, started, frontier, asOf, siteHosts });
}
