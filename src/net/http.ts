import pLimit, { type LimitFunction } from 'p-limit';
import { GOVCHECK_USER_AGENT } from './user-agent.js';
import type { Dispatcher } from 'undici';
import { networkPolicy, type Config } from '../config.js';
import type { FetchErrorInfo, ProbeResult, RedirectHop } from '../types.js';
import { classifyError, GovcheckFetchError, isTransient } from './errors.js';
import { assertUrlAllowed, guardedLookup, type HostOverrides, type NetworkPolicy } from './guard.js';
import { Agent, request } from './undici.js';

export interface HttpClientOptions {
  /**
   * Private-address policy: true = all allowed (tests, demo, intranet inspections), false = none, or the CIDR
   * ranges allowed (see NetworkPolicy). Built from the config's allowPrivateNetwork/allowNetworks by networkPolicy().
   */
  networkPolicy: NetworkPolicy;
  /** Host overrides (name → address, null = does not resolve), like /etc/hosts or curl --resolve. */
  hosts?: HostOverrides;
  /** Whole-request time limit in ms (the official rule: a page not open within 15 s is unreachable). */
  timeoutMs: number;
  /** Concurrent requests per host. */
  perHostConcurrency: number;
  /** Minimum ms between request starts to one host. */
  perHostIntervalMs: number;
  /** Redirect hops followed before giving up. */
  maxRedirects: number;
  /** Attempts for transient failures (reset, 5xx, timeout), with backoff and jitter. */
  retries: number;
  /** Base backoff in ms; attempt n waits base·2ⁿ ± jitter. */
  retryBaseMs: number;
  /** Longest Retry-After wait honoured (ms); longer ones end the probe as inconclusive. */
  maxRetryAfterMs: number;
  /** Verify TLS certificates. Link checking keeps this on; the https check reports certificate problems. */
  rejectUnauthorized: boolean;
  userAgent: string;
  /** Bytes of body kept in bodySnippet for GET probes. */
  snippetBytes: number;
  /**
   * Consecutive probes of one host that timed out (each after its retries) before the host counts as dead:
   * its queued and later requests fail at once as timeouts, marked not sent. 0 = never.
   */
  deadHostAfterTimeouts: number;
}

export const defaultHttpOptions: HttpClientOptions = {
  networkPolicy: false,
  timeoutMs: 15_000,
  perHostConcurrency: 4,
  perHostIntervalMs: 0,
  maxRedirects: 20,
  retries: 2,
  retryBaseMs: 500,
  maxRetryAfterMs: 30_000,
  rejectUnauthorized: true,
  userAgent: GOVCHECK_USER_AGENT,
  snippetBytes: 64 * 1024,
  deadHostAfterTimeouts: 3,
};

/** DNS answers that say the name does not exist (not a transient SERVFAIL or resolver timeout). */
const NXDOMAIN_CODES = new Set(['ENOTFOUND', 'EAI_NONAME']);

/** A host this client has given up on for the run: every later request to it fails with this error, unsent. */
interface DeadHost {
  error: FetchErrorInfo;
  /** Requests that were not sent because of it. */
  skipped: number;
}

/** HEAD failures that a GET would meet the same way: no fallback. */
const NO_GET_FALLBACK = new Set(['dns_error', 'private_address_blocked', 'malformed_url', 'unsupported_scheme', 'tls_error', 'connection_refused', 'redirect_loop', 'too_many_redirects']);

/**
 * Header values arrive as Latin-1; a server that writes a raw UTF-8 Location (common for Chinese paths)
 * means UTF-8, as browsers read it. Valid UTF-8 is decoded, anything else is kept as it came.
 */
export function utf8Header(v: string): string {
  if (!/[\x80-\xff]/.test(v) || /[^\x00-\xff]/.test(v)) return v;
  const decoded = Buffer.from(v, 'latin1').toString('utf8');
  return decoded.includes('\uFFFD') ? v : decoded;
}

/** HEAD answers that do not tell whether the target works: the probe falls back to GET. */
const HEAD_FALLBACK = new Set([400, 401, 403, 404, 405, 406, 409, 410, 429, 500, 501, 502, 503, 999]);

export interface ProbeOptions {
  /** 'auto' = HEAD, then GET when HEAD is refused or answered oddly. */
  method?: 'auto' | 'HEAD' | 'GET';
  /** Keep the first bytes of the body (GET). */
  wantBody?: boolean;
  /** Keep the raw body bytes (GET), up to this many, in `body` (feeds in GBK and other encodings). */
  keepBytes?: number;
  /** Extra headers. */
  headers?: Record<string, string>;
}

/** Per-host politeness: bounded concurrency and a minimum interval between request starts. */
class HostGate {
  private active = 0;
  private nextStart = 0;
  private readonly waiting: Array<() => void> = [];
  /** A Retry-After from this host pushes every later start back. */
  pausedUntil = 0;
  /**
   * Callers' tasks queued per host (HttpClient.onHost), as many at once as requests. A queue of its own: a task
   * holding a request slot for its whole run would deadlock on redirect chains that cross hosts both ways.
   */
  readonly tasks: LimitFunction;

  constructor(
    private readonly concurrency: number,
    private readonly intervalMs: number,
  ) {
    this.tasks = pLimit(Math.max(1, concurrency));
  }

  /** Requests that go before the waiting ones (the crawl's pages, while checks' probes fill the idle slots). */
  private readonly waitingFirst: Array<() => void> = [];

  async run<T>(fn: () => Promise<T>, first = false): Promise<T> {
    if (this.active >= this.concurrency) await new Promise<void>((resolve) => (first ? this.waitingFirst : this.waiting).push(resolve));
    this.active++;
    try {
      const now = Date.now();
      const start = Math.max(now, this.nextStart, this.pausedUntil);
      this.nextStart = start + this.intervalMs;
      if (start > now) await sleep(start - now);
      return await fn();
    } finally {
      this.active--;
      (this.waitingFirst.shift() ?? this.waiting.shift())?.();
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Parses Retry-After (delta seconds or HTTP-date) into ms from now; undefined when absent or unparseable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  if (Number.isNaN(t)) return undefined;
  return Math.max(0, t - now);
}

/** Response headers as one string per lower-case name (see the comment inside for repeated headers). */
export function headerRecord(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    // Set-Cookie lines are joined with "\n" (a cookie's Expires holds a comma); other repeats with ", ".
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(k.toLowerCase() === 'set-cookie' ? '\n' : ', ') : v;
  }
  return out;
}

/**
 * The one shared, polite HTTP client. Checks that must make their own requests (verifying links,
 * probing paths) get it from the check context; nothing else opens ad-hoc connections.
 * Results are cached per URL and method for the client's lifetime (one run), so each distinct
 * target is probed once.
 */
export class HttpClient {
  readonly options: HttpClientOptions;
  private readonly agent: Agent;
  private readonly gates = new Map<string, HostGate>();
  private readonly cache = new Map<string, Promise<ProbeResult>>();
  /** Dead hosts of this run: by host name for names that do not resolve, by host:port for refusals and timeouts. */
  private readonly dead = new Map<string, DeadHost>();
  private readonly timeoutsInARow = new Map<string, number>();
  /** Name resolutions of this run (answers and failures), one per host name and lookup options. */
  private readonly resolved = new Map<string, Promise<unknown[]>>();
  /** Requests sent (hops of redirect chains included; requests skipped for a dead host are not counted). */
  requests = 0;
  /** Name resolutions actually made (the rest were answered from the per-run cache). */
  lookups = 0;

  constructor(options: Partial<HttpClientOptions> = {}) {
    this.options = { ...defaultHttpOptions, ...options };
    this.agent = new Agent({
      connect: {
        lookup: this.cachedLookup(guardedLookup(this.options.networkPolicy, this.options.hosts) as never) as never,
        rejectUnauthorized: this.options.rejectUnauthorized,
        timeout: this.options.timeoutMs,
      },
      headersTimeout: this.options.timeoutMs,
      bodyTimeout: this.options.timeoutMs,
      connections: Math.max(1, this.options.perHostConcurrency),
      keepAliveTimeout: 4_000,
      // A server that announces "Keep-Alive: timeout=1" (Node's default is 5 s, many CMSs 1–5 s) would otherwise
      // get a new connection per request: undici's default margin is 2 s.
      keepAliveTimeoutThreshold: 500,
    });
  }

  /**
   * Resolves each host name once per client (= per run): connections to a live host reuse the answer, and a
   * name that does not resolve is asked once, not once per URL.
   */
  private cachedLookup(lookup: (hostname: string, options: unknown, cb: (...args: unknown[]) => void) => void) {
    return (hostname: string, options: unknown, callback?: (...args: unknown[]) => void): void => {
      const cb = (typeof options === 'function' ? options : callback) as (...args: unknown[]) => void;
      const opts = typeof options === 'function' ? {} : options;
      const key = `${hostname.toLowerCase()} ${JSON.stringify(opts ?? {})}`;
      let p = this.resolved.get(key);
      if (!p) {
        this.lookups++;
        p = new Promise<unknown[]>((resolve) => lookup(hostname, opts, (...args: unknown[]) => resolve(args)));
        this.resolved.set(key, p);
        // A transient failure (SERVFAIL, resolver timeout) is asked again next time; only answers and NXDOMAIN stay.
        void p.then((args) => {
          const err = args[0] as { code?: string } | null;
          if (err && !NXDOMAIN_CODES.has(String(err.code)) && !(err instanceof GovcheckFetchError)) this.resolved.delete(key);
        });
      }
      void p.then((args) => cb(...args));
    };
  }

  /** The dead-host state of a URL's host in this run, if its host was given up on (see deadHostAfterTimeouts). */
  deadHost(url: string): { error: FetchErrorInfo; skipped: number } | undefined {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return undefined;
    }
    return this.dead.get(u.hostname.toLowerCase()) ?? this.dead.get(u.host.toLowerCase());
  }

  /**
   * A name that does not exist (NXDOMAIN, not a transient SERVFAIL or resolver timeout) or a refused connection
   * (never retried: not transient) makes the host dead at once.
   */
  private noteFailure(u: URL, e: FetchErrorInfo): boolean {
    if (e.kind === 'dns_error' && e.code !== undefined && NXDOMAIN_CODES.has(e.code)) {
      if (!this.dead.has(u.hostname.toLowerCase())) this.dead.set(u.hostname.toLowerCase(), { error: e, skipped: 0 });
      return true;
    }
    if (e.kind === 'connection_refused') {
      if (!this.dead.has(u.host.toLowerCase())) this.dead.set(u.host.toLowerCase(), { error: e, skipped: 0 });
      return true;
    }
    return false;
  }

  /** Records the outcome of one probe (after its retries) for the dead-host state of its host. */
  private noteOutcome(r: ProbeResult): void {
    if (r.skipped) return;
    let u: URL;
    try {
      u = new URL(r.finalUrl);
    } catch {
      return;
    }
    const e = r.error;
    if (e && this.noteFailure(u, e)) return;
    const host = u.host.toLowerCase();
    if (e?.kind === 'timeout') {
      const n = (this.timeoutsInARow.get(host) ?? 0) + 1;
      this.timeoutsInARow.set(host, n);
      const limit = this.options.deadHostAfterTimeouts;
      if (limit > 0 && n >= limit && !this.dead.has(host)) {
        this.dead.set(host, { error: { ...e, message: `host timed out ${n} times in a row: ${e.message}` }, skipped: 0 });
      }
      return;
    }
    if (!e || e.kind === 'http_error' || r.status !== null) this.timeoutsInARow.delete(host);
  }

  private gate(url: URL): HostGate {
    let g = this.gates.get(url.host);
    if (!g) {
      g = new HostGate(this.options.perHostConcurrency, this.options.perHostIntervalMs);
      this.gates.set(url.host, g);
    }
    return g;
  }

  /**
   * Runs one request of another fetcher (the crawl's) in the host's gate, so the crawl and the checks' probes share
   * the per-host limit; `first` puts it before the probes waiting there.
   */
  slot<T>(url: string, fn: () => Promise<T>, first = false): Promise<T> {
    return this.gate(new URL(url)).run(fn, first);
  }

  /**
   * Runs a task in the host's queue: at most perHostConcurrency tasks of one host at once, in order. For callers
   * that queue work per host before taking a slot of their own (say, a global limit), so tasks waiting for a busy
   * host hold nothing else; the requests a task sends still go through the host's gate.
   */
  onHost<T>(url: string, fn: () => Promise<T>): Promise<T> {
    return this.gate(new URL(url)).tasks(fn);
  }

  /** Probes a URL once per client (cached); see probeUncached. */
  probe(url: string, opts: ProbeOptions = {}): Promise<ProbeResult> {
    const key = `${opts.method ?? 'auto'} ${opts.wantBody ? 'b' : ''} ${url}`;
    let p = this.cache.get(key);
    if (!p) {
      p = this.probeUncached(url, opts);
      this.cache.set(key, p);
    }
    return p;
  }

  /** HEAD (then GET when HEAD tells nothing), with redirects, retries and Retry-After honoured. */
  async probeUncached(url: string, opts: ProbeOptions = {}): Promise<ProbeResult> {
    const method = opts.method ?? 'auto';
    if (method === 'GET' || opts.wantBody) return this.withRetries(url, 'GET', opts);
    const head = await this.withRetries(url, 'HEAD', opts);
    if (method === 'HEAD') return head;
    const headOdd = (head.status !== null && HEAD_FALLBACK.has(head.status)) || (head.error !== undefined && !NO_GET_FALLBACK.has(head.error.kind));
    if (!headOdd) return head;
    // A server that let HEAD time out (after its retries) gets one GET, not another round of retries:
    // some firewalls drop HEAD, but a host that is simply down must not cost minutes per link.
    const get = await this.withRetries(url, 'GET', opts, head.error?.kind === 'timeout' ? 0 : undefined);
    return { ...get, attempts: get.attempts + head.attempts };
  }

  private async withRetries(url: string, method: 'HEAD' | 'GET', opts: ProbeOptions, retries = this.options.retries): Promise<ProbeResult> {
    let attempt = 0;
    let last: ProbeResult | undefined;
    const started = Date.now();
    while (attempt <= retries) {
      attempt++;
      last = await this.once(url, method, opts);
      const err: FetchErrorInfo | undefined = last.error ?? (last.status !== null && last.status >= 400 ? { kind: 'http_error', status: last.status, message: '' } : undefined);
      if (!err || !isTransient(err) || attempt > retries || last.skipped) break;
      let wait = this.options.retryBaseMs * 2 ** (attempt - 1);
      wait = wait / 2 + Math.random() * wait; // jitter: 0.5–1.5 × base·2ⁿ
      if (last.status === 429 || last.status === 503) {
        const ra = parseRetryAfter(last.headers['retry-after']);
        if (ra !== undefined) {
          if (ra > this.options.maxRetryAfterMs) break;
          wait = Math.max(ra, 50);
          const g = this.gate(new URL(url));
          g.pausedUntil = Math.max(g.pausedUntil, Date.now() + wait);
        }
      }
      await sleep(wait);
    }
    const out = { ...last!, attempts: attempt, durationMs: Date.now() - started };
    this.noteOutcome(out);
    return out;
  }

  private async once(startUrl: string, method: 'HEAD' | 'GET', opts: ProbeOptions): Promise<ProbeResult> {
    const started = Date.now();
    const chain: RedirectHop[] = [];
    const seen = new Set<string>();
    // Cookies set along a redirect chain are sent on its next hops, as a browser does: many CMSs redirect
    // once to set a session cookie and back, which is a loop only for a client without cookies.
    const cookies = new Map<string, Map<string, string>>();
    const cookieHeader = (host: string) => [...(cookies.get(host) ?? new Map<string, string>())].map(([k, v]) => `${k}=${v}`).join('; ');
    let current = startUrl;
    // The time limit counts from when a request is actually sent (waiting for a free slot on a busy host
    // is not the target's fault) and is shared by the hops of a redirect chain.
    let spent = 0;
    const base: Omit<ProbeResult, 'finalUrl' | 'status' | 'headers'> = {
      url: startUrl,
      method,
      redirectChain: chain,
      durationMs: 0,
      attempts: 1,
    };
    try {
      for (;;) {
        let u: URL;
        try {
          u = new URL(current);
        } catch {
          throw new GovcheckFetchError('malformed_url', `invalid URL: ${current}`);
        }
        if (u.protocol !== 'http:' && u.protocol !== 'https:') {
          throw new GovcheckFetchError('unsupported_scheme', `unsupported scheme ${u.protocol}`);
        }
        assertUrlAllowed(u, this.options.networkPolicy);
        seen.add(`${u.href} ${cookieHeader(u.host)}`);
        const deadBefore = this.deadHost(u.href);
        if (deadBefore) throw new DeadHostSkip(deadBefore);
        const remaining = this.options.timeoutMs - spent;
        if (remaining <= 0) throw new GovcheckFetchError('timeout', `no answer within ${this.options.timeoutMs} ms (redirect chain)`);
        let hopStarted = 0;
        const res = await this.gate(u).run(() => {
          // Requests queued behind the host gate while the host was found dead are not sent either.
          const deadNow = this.deadHost(u.href);
          if (deadNow) throw new DeadHostSkip(deadNow);
          this.requests++;
          hopStarted = Date.now();
          return request(u, {
            method,
            dispatcher: this.agent as Dispatcher,
            signal: AbortSignal.timeout(remaining),
            headers: {
              'user-agent': this.options.userAgent,
              accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
              'accept-language': 'zh-CN,zh;q=0.9,en;q=0.5',
              ...(cookies.has(u.host) ? { cookie: cookieHeader(u.host) } : {}),
              ...opts.headers,
            },
          }).catch((e: unknown) => {
            // Marked before the host's slot is freed, so requests queued behind it are not sent.
            this.noteFailure(u, classifyError(e));
            throw e;
          });
        });
        spent += Date.now() - hopStarted;
        const headers = headerRecord(res.headers as Record<string, string | string[] | undefined>);
        const location = headers['location'] === undefined ? undefined : utf8Header(headers['location']);
        if (res.statusCode >= 300 && res.statusCode < 400 && location) {
          await res.body.dump().catch(() => undefined);
          let next: string;
          try {
            next = new URL(location, u).href;
          } catch {
            throw new GovcheckFetchError('malformed_url', `redirect to an invalid URL: ${location}`);
          }
          chain.push({ url: u.href, status: res.statusCode, location: next });
          const setCookie = res.headers['set-cookie'];
          for (const c of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
            const m = /^\s*([^=;\s]+)=([^;]*)/.exec(c);
            if (!m) continue;
            const jar = cookies.get(u.host) ?? new Map<string, string>();
            jar.set(m[1], m[2]);
            cookies.set(u.host, jar);
          }
          if (seen.has(`${next} ${cookieHeader(new URL(next).host)}`)) {
            throw new GovcheckFetchError('redirect_loop', `redirect loop: ${[...chain.map((h) => h.url), next].join(' → ')}`);
          }
          if (chain.length > this.options.maxRedirects) {
            throw new GovcheckFetchError('too_many_redirects', `more than ${this.options.maxRedirects} redirects`);
          }
          current = next;
          continue;
        }
        let bodySnippet: string | undefined;
        if (method === 'GET' && opts.keepBytes) {
          const raw = await readCappedBytes(res.body, opts.keepBytes + 1);
          const truncated = raw.length > opts.keepBytes;
          const body = truncated ? raw.subarray(0, opts.keepBytes) : raw;
          return { ...base, finalUrl: u.href, status: res.statusCode, headers, body, truncated, durationMs: Date.now() - started } as ProbeResult;
        }
        if (method === 'GET' && opts.wantBody) {
          bodySnippet = await readCapped(res.body, this.options.snippetBytes);
        } else {
          // Do not download what we do not need: read at most a little, then close quietly.
          await res.body.dump({ limit: 16 * 1024 }).catch(() => undefined);
        }
        return { ...base, finalUrl: u.href, status: res.statusCode, headers, bodySnippet, durationMs: Date.now() - started };
      }
    } catch (e) {
      if (e instanceof DeadHostSkip) {
        e.dead.skipped++;
        return { ...base, finalUrl: current, status: null, headers: {}, error: { ...e.dead.error }, skipped: 'dead-host', durationMs: Date.now() - started };
      }
      const error = classifyError(e);
      return { ...base, finalUrl: current, status: null, headers: {}, error, durationMs: Date.now() - started };
    }
  }

  /**
   * GET with the raw body bytes kept (up to maxBytes), through the same politeness, guard, redirects and
   * retries as probes; not cached (a source such as a feed is read once per site check).
   */
  async fetchBody(url: string, opts: { maxBytes: number; headers?: Record<string, string> }): Promise<FetchedBody> {
    return (await this.withRetries(url, 'GET', { keepBytes: Math.max(1, opts.maxBytes), headers: opts.headers })) as FetchedBody;
  }

  async close(): Promise<void> {
    await this.agent.close().catch(() => undefined);
  }
}

/**
 * The shared HTTP client of a configuration: its `http` settings, its private-address policy (networkPolicy)
 * and its host overrides; `overrides` replace any of these (e.g. retries 0 for availability probes).
 */
export function httpClientFor(config: Pick<Config, 'allowPrivateNetwork' | 'allowNetworks' | 'hosts'> & { http?: Config['http'] }, overrides: Partial<HttpClientOptions> = {}): HttpClient {
  return new HttpClient({ ...config.http, networkPolicy: networkPolicy(config), hosts: config.hosts, ...overrides });
}

/** Thrown inside a request for a host already found dead in this run: the request is not sent. */
class DeadHostSkip extends Error {
  constructor(readonly dead: DeadHost) {
    super('dead host');
  }
}

/** A GET result with the raw body (see HttpClient.fetchBody). */
export interface FetchedBody extends ProbeResult {
  body?: Buffer;
  /** True when the body was longer than the cap and was cut. */
  truncated?: boolean;
}

async function readCappedBytes(body: AsyncIterable<Buffer> & { destroy(): void; on(ev: 'error', fn: () => void): unknown }, cap: number): Promise<Buffer> {
  body.on('error', () => undefined);
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    n += chunk.length;
    if (n >= cap) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, cap);
}

async function readCapped(body: AsyncIterable<Buffer> & { destroy(): void; on(ev: 'error', fn: () => void): unknown }, cap: number): Promise<string> {
  return (await readCappedBytes(body, cap)).toString('utf8');
}
