/**
 * Safety of the review server:
 * - it refuses to listen on a non-loopback address without an access token (or password);
 * - with a token, every page needs it: a login form sets a signed, HttpOnly, SameSite=Strict cookie, and
 *   scripts may send `Authorization: Bearer <token>`;
 * - every state-changing request (POST) carries a CSRF token bound to a per-browser secret
 *   (@fastify/csrf-protection over a signed cookie) and must not come from another origin;
 * - every response carries the headers our own `security-headers` check asks of government sites: CSP
 *   without inline script (scripts are external files), frame-ancestors 'none' and X-Frame-Options DENY,
 *   X-Content-Type-Options nosniff, Referrer-Policy, and HSTS when the request came over HTTPS.
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
export function assertListenSafe(host: string, token: string | undefined): void {
  if (!isLoopbackHost(host) && !token) {
    throw new ServeConfigError(
      `refusing to listen on ${host} without an access token: anyone on the network could read and change reviews. ` +
        'Give --token (or set GOVCHECK_SERVE_TOKEN), or listen on 127.0.0.1.',
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

/** A redirect target given by the client: only a path on this server. */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\') || /[\r\n]/.test(next)) return '/';
  return next;
}

/**
 * Requests that change state must come from this origin, as far as the browser says: the Origin header
 * when it names one, else Fetch Metadata (Sec-Fetch-Site). Clients that send neither (curl, scripts) still
 * need the CSRF token.
 */
export function sameOrigin(req: FastifyRequest): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = req.headers.origin;
  if (!origin || origin === 'null') return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
