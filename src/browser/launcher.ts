/**
 * The shared headless Chromium: Debian's /usr/lib/chromium/chromium driven by playwright-core (never a browser
 * download). One browser per run or per site check; every site gets its own context (fresh cookies and storage; the
 * browser itself runs on a fresh temporary profile that Playwright removes on close). Notes: docs/modules.md.
 */
import type { Browser, BrowserContext, Page, Request, Response, WebSocket } from 'playwright-core';
import { networkPolicy } from '../config.js';
import { GovcheckFetchError } from '../net/errors.js';
import type { HostOverrides, NetworkPolicy } from '../net/guard.js';
import type { ErrorKind, FetchErrorInfo } from '../types.js';
import { GuardProxy, PROXY_ERROR, PROXY_MARK } from './proxy.js';

/** Flags for a headless Chromium that makes no traffic of its own (no updates, sync, field trials…). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  // Chromium's own service traffic (sign-in, safe-browsing, domain reliability, default apps, pings): the
  // proxy refuses it anyway, but it would show among a page's refused requests
  '--disable-client-side-phishing-detection',
  '--disable-default-apps',
  '--disable-domain-reliability',
  '--no-pings',
  '--no-default-browser-check',
];

/**
 * Flags that send every connection through the guarding proxy and close the side channels: loopback is not
 * exempt from the proxy (`<-loopback>` removes Chromium's implicit bypass of localhost, 127/8, ::1 and
 * link-local), Chromium's own resolver answers nothing (so no DNS query, prefetch or direct connection
 * leaves it; the proxy resolves), WebRTC may use no UDP that does not go through the proxy (and the proxy
 * carries no UDP), and DNS-over-HTTPS and network prediction are off.
 */
export function proxyArgs(proxyUrl: string): string[] {
  const { hostname } = new URL(proxyUrl);
  return [
    `--proxy-server=${proxyUrl}`,
    '--proxy-bypass-list=<-loopback>',
    `--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE ${hostname}`,
    // The switch's name in current Chromium, and its older name (unknown switches are ignored).
    '--webrtc-ip-handling-policy=disable_non_proxied_udp',
    '--force-webrtc-ip-handling-policy=disable_non_proxied_udp',
    '--dns-prefetch-disable',
    '--disable-features=DnsOverHttps,NetworkPrediction,WebRtcHideLocalIpsWithMdns,OptimizationHints,MediaRouter,Translate,AutofillServerCommunication,InterestFeedContentSuggestions,CertificateTransparencyComponentUpdater',
  ];
}

export interface BrowserOptions {
  executablePath: string;
  /** Private-address policy (true = all allowed, false = none, or allowed CIDR ranges). */
  policy: NetworkPolicy;
  hosts?: HostOverrides;
  /** Refuse every request not going to a loopback address. */
  loopbackOnly: boolean;
  /** Time for one page to load and render. */
  pageTimeoutMs: number;
  userAgent: string;
  viewport: { width: number; height: number };
}

export const defaultBrowserOptions: BrowserOptions = {
  executablePath: '/usr/lib/chromium/chromium',
  policy: false,
  loopbackOnly: false,
  pageTimeoutMs: 15_000,
  userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 govcheck/0.1',
  viewport: { width: 1280, height: 900 },
};

/** Maps a Playwright navigation error to a named error kind. */
export function classifyBrowserError(e: unknown): FetchErrorInfo {
  if (e instanceof GovcheckFetchError) return { kind: e.kind, message: e.message, code: e.code };
  const message = String((e as Error)?.message ?? e).split('\n')[0];
  const pairs: Array<[RegExp, ErrorKind]> = [
    [/ERR_BLOCKED_BY_CLIENT|blockedbyclient/i, 'private_address_blocked'],
    [/ERR_TUNNEL_CONNECTION_FAILED|ERR_PROXY_CONNECTION_FAILED/i, 'connection_refused'],
    [/Timeout .*exceeded|ERR_TIMED_OUT|timeout/i, 'timeout'],
    [/ERR_NAME_NOT_RESOLVED|ERR_NAME_RESOLUTION_FAILED/i, 'dns_error'],
    [/ERR_CONNECTION_REFUSED/i, 'connection_refused'],
    [/ERR_CONNECTION_RESET|ERR_CONNECTION_CLOSED|ERR_EMPTY_RESPONSE|ERR_CONNECTION_ABORTED/i, 'connection_reset'],
    [/ERR_CERT|ERR_SSL/i, 'tls_error'],
    [/ERR_TOO_MANY_REDIRECTS/i, 'too_many_redirects'],
    [/ERR_INVALID_URL|invalid url/i, 'malformed_url'],
    [/ERR_UNKNOWN_URL_SCHEME/i, 'unsupported_scheme'],
    [/ERR_INVALID_RESPONSE|ERR_INVALID_HTTP_RESPONSE|ERR_CONTENT_DECODING/i, 'protocol_error'],
  ];
  for (const [re, kind] of pairs) if (re.test(message)) return { kind, message };
  return { kind: 'unknown', message };
}

/** A launched Chromium behind its guarding proxy; `close()` always ends both. */
export class BrowserSession {
  private closed = false;

  private constructor(
    readonly browser: Browser,
    readonly options: BrowserOptions,
    readonly proxy: GuardProxy,
    /** Targets refused by the guard: URLs (plain HTTP) or host:port (CONNECT: HTTPS, WebSockets), for evidence and tests; the first 10,000. */
    readonly blocked: string[],
  ) {}

  /** Sessions launched by this process and not closed (queue workers ask before draining on SIGTERM, which Playwright handles by closing its browsers). */
  private static readonly live = new Set<BrowserSession>();
  static get running(): number {
    return [...BrowserSession.live].filter((s) => !s.isClosed).length;
  }

  static async launch(options: Partial<BrowserOptions> = {}): Promise<BrowserSession> {
    const opts = { ...defaultBrowserOptions, ...options };
    const blocked: string[] = [];
    const proxy = await GuardProxy.start({
      policy: opts.policy,
      hosts: opts.hosts,
      loopbackOnly: opts.loopbackOnly,
      connectTimeoutMs: opts.pageTimeoutMs,
      onRefused: (target) => {
        if (blocked.length < 10_000) blocked.push(target);
      },
    });
    let browser: Browser;
    try {
      // Loaded on the first launch (~50 MB resident), not by every process that merely may need a browser.
      const { chromium } = await import('playwright-core');
      browser = await chromium.launch({
        executablePath: opts.executablePath,
        headless: true,
        args: [...CHROMIUM_ARGS, ...proxyArgs(proxy.url)],
        timeout: 30_000,
      });
    } catch (e) {
      await proxy.close();
      throw e;
    }
    const session = new BrowserSession(browser, opts, proxy, blocked);
    BrowserSession.live.add(session);
    return session;
  }

  get isClosed(): boolean {
    return this.closed || !this.browser.isConnected();
  }

  /** A fresh context (own cookies and storage); its connections go through the session's guarding proxy. */
  async newContext(): Promise<BrowserContext> {
    const context = await this.browser.newContext({
      userAgent: this.options.userAgent,
      viewport: this.options.viewport,
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
      ignoreHTTPSErrors: true,
      serviceWorkers: 'block',
      acceptDownloads: false,
    });
    context.setDefaultTimeout(this.options.pageTimeoutMs);
    context.setDefaultNavigationTimeout(this.options.pageTimeoutMs);
    return context;
  }

  /**
   * `page.goto` with the guard's answers named: a navigation that reaches (directly or by a redirect) a
   * refused address throws private_address_blocked, and a target the proxy could not reach throws its own
   * kind (connection refused, DNS, timeout) instead of Chromium's generic tunnel error.
   */
  async goto(page: Page, url: string, options: { waitUntil?: 'load' | 'domcontentloaded' | 'networkidle' | 'commit'; timeout?: number } = {}): Promise<Response | null> {
    let last: string | undefined;
    const onRequest = (r: Request) => {
      if (r.isNavigationRequest() && r.frame() === page.mainFrame()) last = r.url();
    };
    page.on('request', onRequest);
    try {
      const response = await page.goto(url, options);
      const headers = response?.headers() ?? {};
      if (response && headers[PROXY_MARK] === this.proxy.token) {
        const kind = (headers[PROXY_ERROR] ?? 'unknown') as ErrorKind;
        throw new GovcheckFetchError(kind, this.failureOf(response.url())?.message ?? `${kind}: ${response.url()}`);
      }
      return response;
    } catch (e) {
      if (e instanceof GovcheckFetchError) throw e;
      const message = String((e as Error)?.message ?? e);
      if (/ERR_TUNNEL_CONNECTION_FAILED|ERR_PROXY_CONNECTION_FAILED|ERR_EMPTY_RESPONSE/.test(message)) {
        const info = this.failureOf(last ?? url);
        if (info) throw new GovcheckFetchError(info.kind, info.message, info.code);
      }
      throw e;
    } finally {
      page.off('request', onRequest);
    }
  }

  /**
   * Records what the guard refused for one page while it renders — subresources, frames, fetches and
   * WebSockets alike (at most `max`, the URLs in order) — until `stop()`.
   */
  watchRefusals(page: Page, max = 20): { readonly urls: string[]; stop(): void } {
    const urls: string[] = [];
    const add = (u: string) => {
      if (urls.length < max && !urls.includes(u)) urls.push(u);
    };
    const refused = (u: string) => this.failureOf(u)?.kind === 'private_address_blocked';
    const onResponse = (r: Response) => {
      const h = r.headers();
      if (h[PROXY_MARK] === this.proxy.token && h[PROXY_ERROR] === 'private_address_blocked') add(r.url());
    };
    const onFailed = (r: Request) => {
      if (refused(r.url())) add(r.url());
    };
    const onSocket = (ws: WebSocket) => ws.on('socketerror', () => refused(ws.url()) && add(ws.url()));
    page.on('response', onResponse);
    page.on('requestfailed', onFailed);
    page.on('websocket', onSocket);
    return {
      urls,
      stop: () => {
        page.off('response', onResponse);
        page.off('requestfailed', onFailed);
        page.off('websocket', onSocket);
      },
    };
  }

  private failureOf(raw: string): FetchErrorInfo | undefined {
    try {
      const u = new URL(raw);
      return this.proxy.failureFor(u.hostname, Number(u.port || (u.protocol === 'https:' || u.protocol === 'wss:' ? 443 : 80)));
    } catch {
      return undefined;
    }
  }

  /** Runs `fn` with a new page in a new context; both are closed afterwards, whatever happens. */
  async withPage<T>(fn: (page: Page, context: BrowserContext) => Promise<T>): Promise<T> {
    const context = await this.newContext();
    try {
      const page = await context.newPage();
      return await fn(page, context);
    } finally {
      await context.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    BrowserSession.live.delete(this);
    await this.browser.close().catch(() => undefined);
    await this.proxy.close().catch(() => undefined);
  }
}

/**
 * A hard time bound for work on a page: a page whose script never yields (an endless loop) blocks even
 * `page.content()`; the caller closes that page when this rejects.
 */
export function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new GovcheckFetchError('timeout', `${what} did not finish within ${Math.round(ms / 1000)} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Waits until a rendered page has settled: loaded, no request of its own in flight and no DOM change for
 * `quietMs` (script-built lists have arrived), or until `deadline` (epoch ms). Bounded, never throws.
 */
export async function settle(page: Page, deadline: number, quietMs = 300): Promise<void> {
  const left = () => deadline - Date.now();
  if (left() <= 0) return;
  await page.waitForLoadState('load', { timeout: left() }).catch(() => undefined);
  let inflight = 0;
  let lastNet = Date.now();
  const onRequest = () => {
    inflight++;
    lastNet = Date.now();
  };
  const onDone = () => {
    inflight = Math.max(0, inflight - 1);
    lastNet = Date.now();
  };
  page.on('request', onRequest);
  page.on('requestfinished', onDone);
  page.on('requestfailed', onDone);
  try {
    const watching = await page
      .evaluate(() => {
        const w = window as unknown as { __govcheckLastMutation?: number };
        if (w.__govcheckLastMutation === undefined) {
          w.__govcheckLastMutation = Date.now();
          new MutationObserver(() => (w.__govcheckLastMutation = Date.now())).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
        }
        return true;
      })
      .catch(() => false);
    while (left() > 0) {
      await page.waitForTimeout(Math.min(60, Math.max(1, left()))).catch(() => undefined);
      const lastDom = watching ? await page.evaluate(() => (window as unknown as { __govcheckLastMutation?: number }).__govcheckLastMutation ?? 0).catch(() => Date.now()) : 0;
      if (inflight === 0 && Date.now() - Math.max(lastNet, lastDom) >= quietMs) break;
    }
  } finally {
    page.off('request', onRequest);
    page.off('requestfinished', onDone);
    page.off('requestfailed', onDone);
  }
}

/** Browser options from the run's configuration. */
export function browserOptionsFromConfig(config: { browser: { executablePath: string; loopbackOnly: boolean; pageTimeoutMs: number }; hosts?: HostOverrides; allowPrivateNetwork: boolean; allowNetworks: string[] }): Partial<BrowserOptions> {
  return {
    executablePath: config.browser.executablePath,
    loopbackOnly: config.browser.loopbackOnly,
    pageTimeoutMs: config.browser.pageTimeoutMs,
    hosts: config.hosts,
    policy: networkPolicy(config),
  };
}
