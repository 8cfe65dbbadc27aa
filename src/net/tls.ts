/**
 * TLS inspection for the https check (W-D6): one handshake to host:port, reporting the negotiated protocol and
 * cipher, whether the chain is trusted (system roots plus optional extra CAs), whether the certificate names the
 * host, its validity dates and days left; and whether the server still accepts TLS 1.0/1.1. Notes: docs/modules.md.
 */
import tls from 'node:tls';
import type { FetchErrorInfo } from '../types.js';
import { classifyError, GovcheckFetchError } from './errors.js';
import { assertUrlAllowed, guardedLookup, type HostOverrides, type NetworkPolicy } from './guard.js';

export interface TlsTarget {
  host: string;
  port: number;
  /** Name sent in SNI and checked against the certificate (defaults to host unless it is an IP address). */
  servername?: string;
}

export interface TlsOptions {
  policy: NetworkPolicy;
  hosts?: HostOverrides;
  timeoutMs: number;
  /** Extra trusted CA certificates (PEM), added to Node's root store. */
  ca?: Array<string | Buffer>;
  /** Clock for expiry (ms since epoch); defaults to now. */
  now?: number;
}

export interface CertificateInfo {
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  /** Whole days until validTo (negative when expired). */
  daysLeft: number;
  notYetValid: boolean;
  expired: boolean;
  /** DNS names and IP addresses the certificate is valid for. */
  names: string[];
  selfSigned: boolean;
  fingerprint256: string;
}

export interface TlsInspection {
  target: TlsTarget;
  /** The TLS handshake completed. */
  connected: boolean;
  /** Why it did not (refused, timeout, handshake failure…). */
  error?: FetchErrorInfo;
  protocol?: string;
  cipher?: string;
  /** The chain is trusted (system roots plus extra CAs). Host name matching is separate (hostMatch). */
  trusted?: boolean;
  /** OpenSSL's reason when the chain is not trusted, e.g. DEPTH_ZERO_SELF_SIGNED_CERT, CERT_HAS_EXPIRED. */
  trustError?: string;
  hostMatch?: boolean;
  hostMismatch?: string;
  cert?: CertificateInfo;
}

const isIp = (h: string) => /^[\d.]+$/.test(h) || h.includes(':');

function dn(x: tls.Certificate | undefined): string {
  if (!x) return '';
  return Object.entries(x)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
    .join(', ');
}

function certInfo(c: tls.DetailedPeerCertificate, now: number): CertificateInfo {
  const from = Date.parse(c.valid_from);
  const to = Date.parse(c.valid_to);
  const names = (c.subjectaltname ?? '')
    .split(/,\s*/)
    .map((n) => n.replace(/^(DNS|IP Address):/, ''))
    .filter(Boolean);
  return {
    subject: dn(c.subject),
    issuer: dn(c.issuer),
    validFrom: new Date(from).toISOString(),
    validTo: new Date(to).toISOString(),
    daysLeft: Math.floor((to - now) / 86_400_000),
    notYetValid: from > now,
    expired: to < now,
    names,
    selfSigned: c.issuerCertificate === c || (c.issuerCertificate?.fingerprint256 === c.fingerprint256 && dn(c.issuer) === dn(c.subject)),
    fingerprint256: c.fingerprint256,
  };
}

function connect(target: TlsTarget, o: TlsOptions, extra: tls.ConnectionOptions): Promise<{ socket?: tls.TLSSocket; error?: FetchErrorInfo }> {
  return new Promise((resolve) => {
    try {
      assertUrlAllowed(`https://${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}/`, o.policy);
    } catch (e) {
      resolve({ error: classifyError(e) });
      return;
    }
    const servername = target.servername ?? (isIp(target.host) ? undefined : target.host);
    const socket = tls.connect({
      host: target.host,
      port: target.port,
      servername,
      lookup: guardedLookup(o.policy, o.hosts) as never,
      rejectUnauthorized: false,
      ca: o.ca?.length ? [...tls.rootCertificates, ...o.ca.map(String)] : undefined,
      ALPNProtocols: ['http/1.1'],
      ...extra,
    });
    let done = false;
    const finish = (r: { socket?: tls.TLSSocket; error?: FetchErrorInfo }) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (r.error) socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => finish({ error: { kind: 'timeout', message: `TLS handshake with ${target.host}:${target.port} not done within ${Math.round(o.timeoutMs / 1000)} s` } }), o.timeoutMs);
    socket.once('secureConnect', () => finish({ socket }));
    socket.once('error', (e) => finish({ error: classifyError(e) }));
    socket.once('close', () => finish({ error: classifyError(new GovcheckFetchError('connection_reset', `connection to ${target.host}:${target.port} closed during the TLS handshake`)) }));
  });
}

/** One handshake with default (modern) client settings: protocol, trust, host match and the certificate. */
export async function inspectTls(target: TlsTarget, o: TlsOptions): Promise<TlsInspection> {
  const { socket, error } = await connect(target, o, {});
  if (!socket) return { target, connected: false, error };
  try {
    const now = o.now ?? Date.now();
    const peer = socket.getPeerCertificate(true);
    const cert = peer && Object.keys(peer).length ? certInfo(peer, now) : undefined;
    const name = target.servername ?? target.host;
    let hostMatch: boolean | undefined;
    let hostMismatch: string | undefined;
    if (peer && Object.keys(peer).length) {
      const err = tls.checkServerIdentity(name, peer);
      hostMatch = !err;
      hostMismatch = err?.message;
    }
    // Node folds a host-name mismatch into authorizationError once the chain is fine; keep trust separate.
    const authErr = socket.authorizationError ? String(socket.authorizationError) : undefined;
    const chainErr = authErr && authErr !== 'ERR_TLS_CERT_ALTNAME_INVALID' && !/does not match|altnames/i.test(authErr) ? authErr : undefined;
    return {
      target,
      connected: true,
      protocol: socket.getProtocol() ?? undefined,
      cipher: socket.getCipher()?.name,
      trusted: !chainErr,
      trustError: chainErr,
      hostMatch,
      hostMismatch,
      cert,
    };
  } finally {
    socket.destroy();
  }
}

/**
 * Whether the server still completes a handshake limited to TLS 1.0/1.1 (old protocols with known weaknesses).
 * `supported: false` means this Node/OpenSSL build cannot offer them, so nothing can be said.
 */
export async function acceptsLegacyTls(target: TlsTarget, o: TlsOptions): Promise<{ accepted: boolean; protocol?: string; supported: boolean; error?: FetchErrorInfo }> {
  let r: Awaited<ReturnType<typeof connect>>;
  try {
    r = await connect(target, o, { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' });
  } catch (e) {
    return { accepted: false, supported: false, error: classifyError(e) };
  }
  if (!r.socket) {
    const unsupported = /no protocols available|unsupported protocol/i.test(r.error?.message ?? '') && !/alert/i.test(r.error?.message ?? '');
    return { accepted: false, supported: !unsupported, error: r.error };
  }
  const protocol = r.socket.getProtocol() ?? undefined;
  r.socket.destroy();
  return { accepted: true, protocol, supported: true };
}
