import type { ErrorKind, FetchErrorInfo } from '../types.js';

/** An error that already knows its kind (thrown by our own guards and readers). */
export class GovcheckFetchError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly code?: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'GovcheckFetchError';
  }
}

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'EPROTO',
]);

const KIND_BY_CODE: Record<string, ErrorKind> = {
  ENOTFOUND: 'dns_error',
  EAI_AGAIN: 'dns_error',
  EAI_FAIL: 'dns_error',
  EAI_NONAME: 'dns_error',
  ENODATA: 'dns_error',
  ECONNREFUSED: 'connection_refused',
  ECONNRESET: 'connection_reset',
  EPIPE: 'connection_reset',
  UND_ERR_SOCKET: 'connection_reset',
  UND_ERR_CLOSED: 'connection_reset',
  ECONNABORTED: 'connection_reset',
  ETIMEDOUT: 'timeout',
  ESOCKETTIMEDOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  UND_ERR_ABORTED: 'timeout',
  ABORT_ERR: 'timeout',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'connection_reset',
  UND_ERR_INVALID_ARG: 'malformed_url',
  ERR_INVALID_URL: 'malformed_url',
  HPE_INVALID_CONSTANT: 'protocol_error',
  HPE_INVALID_HEADER_TOKEN: 'protocol_error',
  UND_ERR_RESPONSE_EXCEEDED_MAX_SIZE: 'too_large',
  ERR_TOO_MANY_REDIRECTS: 'too_many_redirects',
  Z_DATA_ERROR: 'protocol_error',
  Z_BUF_ERROR: 'protocol_error',
  ERR_CONTENT_DECODING_FAILED: 'protocol_error',
};

function chain(err: unknown): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  let cur: unknown = err;
  for (let i = 0; i < 6 && cur && typeof cur === 'object'; i++) {
    out.push(cur as Record<string, unknown>);
    cur = (cur as { cause?: unknown }).cause;
  }
  return out;
}

/** Maps any thrown value (undici, got, Node, our own) to a named error kind. */
export function classifyError(err: unknown): FetchErrorInfo {
  const links = chain(err);
  for (const e of links) {
    if (e instanceof GovcheckFetchError) {
      return { kind: e.kind, message: e.message, code: e.code, status: e.status };
    }
  }
  const parts: string[] = [];
  for (const e of links) {
    const m = String(e.message ?? '');
    if (m && !parts.some((p) => p.includes(m))) parts.push(m);
  }
  const message = parts.join(': ') || String(err);
  for (const e of links) {
    const code = typeof e.code === 'string' ? e.code : undefined;
    if (!code) continue;
    if (TLS_CODES.has(code) || code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS')) {
      return { kind: 'tls_error', message, code };
    }
    const kind = KIND_BY_CODE[code];
    if (kind) return { kind, message, code };
    if (code.startsWith('HPE_')) return { kind: 'protocol_error', message, code };
  }
  for (const e of links) {
    const name = String(e.name ?? '');
    if (name === 'TimeoutError' || name === 'AbortError') return { kind: 'timeout', message };
  }
  // Wrapped errors (Crawlee's "Detected a session error… ECONNREFUSED") keep only the code in the text.
  const coded = /\b(E[A-Z_]{4,}|UND_ERR_[A-Z_]+|CERT_[A-Z_]+|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|ERR_TLS_[A-Z_]+)\b/.exec(message)?.[1];
  if (coded) {
    if (TLS_CODES.has(coded) || coded.startsWith('ERR_TLS') || coded.startsWith('CERT_')) return { kind: 'tls_error', message, code: coded };
    const kind = KIND_BY_CODE[coded];
    if (kind) return { kind, message, code: coded };
  }
  if (/timed? ?out/i.test(message)) return { kind: 'timeout', message };
  if (/certificate|self[- ]signed|ssl|tls/i.test(message)) return { kind: 'tls_error', message };
  if (/redirect/i.test(message) && /loop/i.test(message)) return { kind: 'redirect_loop', message };
  if (/redirect/i.test(message)) return { kind: 'too_many_redirects', message };
  if (/invalid url|invalid uri/i.test(message)) return { kind: 'malformed_url', message };
  return { kind: 'unknown', message };
}

/** Transient kinds are worth a retry; the others are permanent for this probe. */
export function isTransient(e: FetchErrorInfo): boolean {
  if (e.kind === 'http_error') return e.status !== undefined && (e.status >= 500 || e.status === 429 || e.status === 408);
  return e.kind === 'timeout' || e.kind === 'connection_reset' || e.kind === 'protocol_error';
}
