/**
 * Safety of the review server: no non-loopback listening without a token, token or login on every page, CSRF and
 * same-origin on every POST, known host names only (DNS rebinding), one lock-out limiter, safe redirects after login,
 * and the security headers our own check asks of government sites. Notes: docs/modules.md.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import net from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';

export class ServeConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServeConfigError';
  }
}

/** True for addresses only this machine can reach: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '::1') return true;
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h)?.[1] ?? h;
  return net.isIPv4(v4) && v4.startsWith('127.');
}

/** The listening address must be loopback unless an access token protects the pages. */
export function assertListenSafe(host: string, token: string | undefined, accounts = false): void {
  if (!isLoopbackHost(host) && !token && !accounts) {
    throw new ServeConfigError(
      `refusing to listen on ${host} without an access token: anyone on the network could read and change reviews. ` + 'Give --token (or set GOVCHECK_SERVE_TOKEN), add users (govcheck user add), or listen on 127.0.0.1.',
    );
  }
  if (token !== undefined && token.length < 12) {
    throw new ServeConfigError('the access token must have at least 12 characters');
  }
}

/** Constant-time comparison of a presented token with the configured one. */
export function tokenMatches(presented: unknown, token: string): boolean {
  if (typeof presented !== 'string') return false;
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

/** Secret for signing cookies: derived from the token (sessions survive a restart), else random per start. */
export function cookieSecret(token: string | undefined): string {
  return token ? createHmac('sha256', 'govcheck-serve-cookies').update(token).digest('hex') : randomBytes(32).toString('hex');
}

export const AUTH_COOKIE = 'govcheck_auth';
export const CSRF_COOKIE = 'govcheck_csrf';

/** Content-Security-Policy of the pages: no inline script or style, nothing from other origins. */
export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

/**
 * Bull Board's page ships inline styles (its scripts are files) and a <base href>: its path alone allows
 * inline style and a same-origin base, never inline script.
 */
export const CSP_QUEUES = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
  .replace("default-src 'none'", "default-src 'self'")
  // Its page sets <base href="/admin/queues/"> for its relative script paths.
  .replace("base-uri 'none'", "base-uri 'self'");

export function isHttps(req: FastifyRequest): boolean {
  return req.protocol === 'https';
}

export function setSecurityHeaders(req: FastifyRequest, reply: FastifyReply, queuesPrefix?: string): void {
  const path = req.url.split('?')[0];
  reply.header('content-security-policy', queuesPrefix && (path === queuesPrefix || path.startsWith(queuesPrefix + '/')) ? CSP_QUEUES : CSP);
  reply.header('x-frame-options', 'DENY');
  reply.header('x-content-type-options', 'nosniff');
  // same-origin: our own pages get a referrer (and browsers then send a real Origin on form posts);
  // crawled sites never do (outside links also carry rel=noreferrer).
  reply.header('referrer-policy', 'same-origin');
  reply.header('cross-origin-opener-policy', 'same-origin');
  reply.header('cross-origin-resource-policy', 'same-origin');
  reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=()');
  // RFC 6797: HSTS only over a secure transport (directly, or behind a proxy with --trust-proxy).
  if (isHttps(req)) reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
}

/** An error the server answers with a 400 page (the error handler renders it with the security headers). */
export class BadRequestError extends Error {
  readonly statusCode = 400;
  constructor(message: string) {
    super(message);
    this.name = 'BadRequestError';
  }
}

const NEXT_BASE = 'http://govcheck.invalid';

/**
 * A redirect target given by the client (`next` after login): only a path on this server. It is read as
 * a browser reads a Location: TAB, CR and LF dropped, `\` taken as `/`; then anything that is not a path
 * (`//host`, `/\host`, a scheme) gives `/`, and the rest is resolved against a fixed origin and must stay
 * on it. The result is the normalised, percent-encoded path (ASCII: safe in a header). A value with NUL
 * or a character beyond Latin-1 is refused with BadRequestError (400).
 */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || next === '') return '/';
  if (/[\u0000\u0100-\uffff]/.test(next)) throw new BadRequestError('next: not a path on this server');
  const s = next.replace(/[\t\r\n]/g, '').replace(/\\/g, '/');
  if (!s.startsWith('/') || s.startsWith('//')) return '/';
  let u: URL;
  try {
    u = new URL(s, `${NEXT_BASE}/`);
  } catch {
    return '/';
  }
  if (u.origin !== NEXT_BASE) return '/';
  return u.pathname + u.search + u.hash;
}

/**
 * A header value built from anything outside our control (ids from the store, names): never throws in
 * `reply.header` / `reply.redirect`. Lone surrogates are replaced, then everything outside printable
 * ASCII is percent-encoded (UTF-8).
 */
export function headerSafe(v: string): string {
  return wellFormed(String(v)).replace(/[^\x21-\x7e]/gu, (c: string) => encodeURIComponent(c));
}

/** Lone UTF-16 surrogates (which encodeURIComponent refuses) replaced by U+FFFD. */
export function wellFormed(s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** Text for a cookie value (encoded by @fastify/cookie): well-formed, at most `max` code points. */
export function cookieText(v: string, max: number): string {
  return [...wellFormed(String(v))].slice(0, max).join('');
}

/** A host as Host / Origin / Referer name it: lower-case name ([v6] in brackets) and port ('' = default). */
function parseHost(hostPort: string, scheme = 'http:'): { name: string; port: string } | undefined {
  try {
    const u = new URL(`${scheme}//${hostPort}/`);
    if (u.username || u.password || u.pathname !== '/' || `${u.host}` === '') return undefined;
    return { name: u.hostname.toLowerCase(), port: u.port };
  } catch {
    return undefined;
  }
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];
const WILDCARD = new Set(['0.0.0.0', '::', '[::]', '']);

/**
 * The host names the server answers: loopback names (127.0.0.1, localhost, [::1]) on the port the
 * request came in on, a concrete listen address, and the configured public names (`NAME` = any port,
 * `NAME:PORT` = that port). Everything else — a DNS-rebinding attacker's `evil.example:PORT` — is refused.
 */
export class HostPolicy {
  private readonly names: Array<{ name: string; port?: string }> = [];

  constructor(listenHost: string, publicHosts: readonly string[] = []) {
    for (const n of LOOPBACK_NAMES) this.names.push({ name: n, port: 'local' });
    const h = listenHost.trim();
    if (!WILDCARD.has(h)) {
      const p = parseHost(net.isIPv6(h) ? `[${h}]` : h);
      if (p) this.names.push({ name: p.name, port: 'local' });
    }
    for (const raw of publicHosts) {
      const p = parseHost(raw.trim());
      if (!p || !raw.trim()) throw new ServeConfigError(`--public-host ${JSON.stringify(raw)}: expected a host name, optionally with :PORT (e.g. review.example.gov.cn)`);
      // NAME: any port (behind a proxy the Host has none); NAME:PORT: that port only.
      this.names.push({ name: p.name, port: /:\d+$/.test(raw.trim()) ? p.port || '80' : undefined });
    }
  }

  /** Public names configured (for the start-up message). */
  get publicNames(): string[] {
    return this.names.filter((n) => n.port !== 'local').map((n) => (n.port !== undefined ? `${n.name}:${n.port}` : n.name));
  }

  /**
   * Whether `hostPort` (a Host header, or the host of an Origin/Referer URL) is one of ours. `localPort`:
   * the port the connection came in on (unknown for injected test requests: any port then).
   */
  allows(hostPort: string | undefined, localPort: number | undefined, scheme = 'http:'): boolean {
    if (!hostPort) return false;
    const p = parseHost(hostPort, scheme);
    if (!p) return false;
    const defaultPort = scheme === 'https:' ? '443' : '80';
    const port = p.port || defaultPort;
    return this.names.some((n) => {
      if (n.name !== p.name) return false;
      if (n.port === undefined) return true;
      if (n.port === 'local') return localPort === undefined || port === String(localPort);
      return port === n.port;
    });
  }
}

/**
 * Requests that change state must come from one of our origins, as far as the browser says: Fetch
 * Metadata (Sec-Fetch-Site) when sent, the Origin header (`null` refused), else the Referer. Origin and
 * Referer are compared with the allowed hosts, never with the request's own Host (which an attacker
 * controls after DNS rebinding). Clients that send none (curl, scripts) still need the CSRF token.
 */
export function sameOrigin(req: FastifyRequest, hosts: HostPolicy): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const localPort = req.socket?.localPort;
  const origin = req.headers.origin;
  const from = origin !== undefined ? origin : req.headers.referer;
  if (from === undefined) return true;
  try {
    const u = new URL(from);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
    return hosts.allows(u.host, localPort, u.protocol);
  } catch {
    return false;
  }
}

/**
 * Wrong access tokens per client address — the login form and Bearer headers count together: `max`
 * failures within `windowMs` lock the address out until the window (started by its first failure) ends.
 * Bounded: at most `maxAddresses` are remembered (expired entries go first).
 */
export class LoginLimiter {
  private readonly failures = new Map<string, { n: number; since: number }>();

  constructor(
    readonly max = 10,
    readonly windowMs = 10 * 60_000,
    private readonly maxAddresses = 10_000,
  ) {}

  private current(ip: string, now: number): { n: number; since: number } | undefined {
    const f = this.failures.get(ip);
    if (f && now - f.since >= this.windowMs) {
      this.failures.delete(ip);
      return undefined;
    }
    return f;
  }

  blocked(ip: string, now = Date.now()): boolean {
    const f = this.current(ip, now);
    return !!f && f.n >= this.max;
  }

  fail(ip: string, now = Date.now()): void {
    const f = this.current(ip, now) ?? { n: 0, since: now };
    f.n++;
    if (!this.failures.has(ip) && this.failures.size >= this.maxAddresses) {
      for (const [k, v] of this.failures) if (now - v.since >= this.windowMs) this.failures.delete(k);
      if (this.failures.size >= this.maxAddresses) this.failures.delete(this.failures.keys().next().value!);
    }
    this.failures.set(ip, f);
  }

  reset(ip: string): void {
    this.failures.delete(ip);
  }
}
