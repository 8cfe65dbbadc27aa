/**
 * The shared headless Chromium: Debian's /usr/lib/chromium/chromium driven by playwright-core (never a
 * browser download). One browser per run or per site check; every site gets its own context (fresh
 * cookies and storage; the browser itself runs on a fresh temporary profile that Playwright removes on
 * close). Every request the browser makes goes through a route guard: the private-address policy of
 * src/net/guard.ts (checked after DNS, with the same host overrides), or, with `loopbackOnly` (tests and
 * the demo), loopback addresses only.
 */
import net from 'node:net';
import type { LookupAddress } from 'node:dns';
// playwright-core (~50 MB of resident memory) is loaded on the first launch, not by every process that
// merely may need a browser.
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { GovcheckFetchError } from '../net/errors.js';
import { assertUrlAllowed, guardedLookup, type HostOverrides, type NetworkPolicy } from '../net/guard.js';
import type { ErrorKind, FetchErrorInfo } from '../types.js';

/** Flags for a headless Chromium that makes no traffic of its own (no updates, sync, field trials…). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

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

function isLoopback(address: string): boolean {
  const a = address.replace(/^\[|\]$/g, '').toLowerCase();
  if (a === '::1') return true;
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a)?.[1] ?? a;
  return net.isIPv4(v4) && v4.startsWith('127.');
}

/** Chromium's own resolver follows the same host overrides (--host-resolver-rules), so no name leaks to DNS. */
function hostResolverRules(hosts: HostOverrides | undefined): string[] {
  const rules = Object.entries(hosts ?? {}).map(([name, addr]) => (addr ? `MAP ${name} ${net.isIPv6(addr) ? `[${addr}]` : addr}` : `MAP ${name} ~NOTFOUND`));
  return rules.length ? [`--host-resolver-rules=${rules.join(', ')}`] : [];
}

/** Maps a Playwright navigation error to a named error kind. */
export function classifyBrowserError(e: unknown): FetchErrorInfo {
  if (e instanceof GovcheckFetchError) return { kind: e.kind, message: e.message, code: e.code };
  const message = String((e as Error)?.message ?? e).split('\n')[0];
  const pairs: Array<[RegExp, ErrorKind]> = [
    [/ERR_BLOCKED_BY_CLIENT|blockedbyclient/i, 'private_address_blocked'],
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

/** A launched Chromium with the guard; `close()` always ends the process. */
export class BrowserSession {
  /** Requests refused by the guard, by URL (for evidence and tests). */
  readonly blocked: string[] = [];
  private readonly decisions = new Map<string, Promise<boolean>>();
  private closed = false;

  private constructor(
    readonly browser: Browser,
    readonly options: BrowserOptions,
  ) {}

  /** Sessions launched by this process and not closed (queue workers ask before draining on SIGTERM, which Playwright handles by closing its browsers). */
  private static readonly live = new Set<BrowserSession>();
  static get running(): number {
    return [...BrowserSession.live].filter((s) => !s.isClosed).length;
  }

  static async launch(options: Partial<BrowserOptions> = {}): Promise<BrowserSession> {
    const opts = { ...defaultBrowserOptions, ...options };
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: opts.executablePath,
      headless: true,
      args: [...CHROMIUM_ARGS, ...hostResolverRules(opts.hosts)],
      timeout: 30_000,
    });
    const session = new BrowserSession(browser, opts);
    BrowserSession.live.add(session);
    return session;
  }

  get isClosed(): boolean {
    return this.closed || !this.browser.isConnected();
  }

  /** May the browser fetch this URL? Decided once per host (and after DNS, like the HTTP client). */
  private allowed(raw: string): Promise<boolean> {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      return Promise.resolve(false);
    }
    if (u.protocol === 'data:' || u.protocol === 'blob:' || u.protocol === 'about:') return Promise.resolve(true);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return Promise.resolve(false);
    const host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    let p = this.decisions.get(host);
    if (!p) {
      p = this.decide(u, host);
      this.decisions.set(host, p);
    }
    return p;
  }

  private async decide(u: URL, host: string): Promise<boolean> {
    const { hosts, loopbackOnly, policy } = this.options;
    if (loopbackOnly) {
      if (net.isIP(host)) return isLoopback(host);
      if (host === 'localhost') return true;
      const pinned = hosts?.[host];
      return typeof pinned === 'string' && isLoopback(pinned);
    }
    try {
      assertUrlAllowed(u, policy);
    } catch {
      return false;
    }
    if (policy === true || net.isIP(host)) return true;
    // Resolve as the HTTP client does: a name answering with a refused address is refused.
    return new Promise<boolean>((resolve) => {
      guardedLookup(policy, hosts)(host, { all: true }, (err: NodeJS.ErrnoException | null, list: string | LookupAddress[]) => {
        if (err) return resolve(!(err instanceof GovcheckFetchError));
        resolve(Array.isArray(list) ? list.length > 0 : Boolean(list));
      });
    });
  }

  /** A fresh context (own cookies and storage) with the guard on every request. */
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
    await context.route('**/*', async (route: Route) => {
      const url = route.request().url();
      if (await this.allowed(url)) {
        await route.continue().catch(() => undefined);
      } else {
        this.blocked.push(url);
        await route.abort('blockedbyclient').catch(() => undefined);
      }
    });
    return context;
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
export function browserOptionsFromConfig(config: {
  browser: { executablePath: string; loopbackOnly: boolean; pageTimeoutMs: number };
  hosts?: HostOverrides;
  allowPrivateNetwork: boolean;
  allowNetworks: string[];
}): Partial<BrowserOptions> {
  return {
    executablePath: config.browser.executablePath,
    loopbackOnly: config.browser.loopbackOnly,
    pageTimeoutMs: config.browser.pageTimeoutMs,
    hosts: config.hosts,
    policy: config.allowPrivateNetwork ? true : config.allowNetworks.length ? config.allowNetworks : false,
  };
}
