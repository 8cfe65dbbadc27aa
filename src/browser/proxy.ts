/**
 * The guarding proxy every Chromium connection goes through (src/browser/launcher.ts starts one per browser, on
 * 127.0.0.1 and a random port, and launches Chromium with --proxy-server pointing at it). Notes: docs/modules.md.
 */
import dns from 'node:dns';
import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { classifyError, GovcheckFetchError } from '../net/errors.js';
import { isLoopbackAddress, isRefused, pinnedAddresses, type HostOverrides, type NetworkPolicy } from '../net/guard.js';
import type { FetchErrorInfo } from '../types.js';

export interface GuardProxyOptions {
  policy: NetworkPolicy;
  hosts?: HostOverrides;
  /** Refuse every target that is not a loopback address (tests and the demo). */
  loopbackOnly: boolean;
  /** Time to connect to a target. */
  connectTimeoutMs: number;
  /** Called for every refused target: the URL (plain HTTP, upgrades) or host:port (CONNECT). */
  onRefused?: (target: string) => void;
}

/** Header names marking a response the proxy made itself (with the proxy's random token, so a site cannot forge one). */
export const PROXY_MARK = 'x-govcheck-proxy';
export const PROXY_ERROR = 'x-govcheck-error';

const HOP_BY_HOP = new Set(['connection', 'proxy-connection', 'keep-alive', 'proxy-authorization', 'proxy-authenticate', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/** Splits a CONNECT authority (host:port, [v6]:port) into host and port. */
function splitAuthority(authority: string): { host: string; port: number } | null {
  const m = /^(?:\[([0-9a-fA-F:.%]+)\]|([^:[\]/\s]+)):(\d{1,5})$/.exec(authority);
  if (!m) return null;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return null;
  return { host: (m[1] ?? m[2]).toLowerCase(), port };
}

function rawHeaderPairs(raw: string[], drop: Set<string>): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) if (!drop.has(raw[i].toLowerCase())) out.push(raw[i], raw[i + 1]);
  return out;
}

export class GuardProxy {
  /** Connections made to targets, and targets refused. */
  readonly stats = { connections: 0, refused: 0, failed: 0 };
  /** Random token marking the proxy's own responses. */
  readonly token = randomBytes(12).toString('hex');
  /** Last failure per target host:port (refused, DNS, refused connection, timeout) since it last worked, for naming a browser error. */
  private readonly failures = new Map<string, FetchErrorInfo>();
  private readonly sockets = new Set<net.Socket | Duplex>();
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 8, maxFreeSockets: 4, timeout: 60_000 });

  private constructor(
    private readonly server: http.Server,
    readonly options: GuardProxyOptions,
  ) {}

  static async start(options: GuardProxyOptions): Promise<GuardProxy> {
    const server = http.createServer();
    const proxy = new GuardProxy(server, options);
    // Whatever goes wrong with one connection ends that connection only, never the process.
    server.on('request', (req, res) => proxy.onRequest(req, res).catch(() => res.destroy()));
    server.on('connect', (req, socket, head) => proxy.onConnect(req, socket, head).catch(() => socket.destroy()));
    server.on('upgrade', (req, socket, head) => proxy.onUpgrade(req, socket, head).catch(() => socket.destroy()));
    server.on('connection', (s: net.Socket) => proxy.track(s));
    server.on('clientError', (_e, socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** The proxy's address for --proxy-server. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The last failure met for a target (host:port), if any. */
  failureFor(host: string, port: number): FetchErrorInfo | undefined {
    return this.failures.get(`${host.replace(/^\[|\]$/g, '').toLowerCase()}:${port}`);
  }

  private track(s: net.Socket | Duplex): void {
    if (this.sockets.has(s)) return; // a kept-alive socket is tracked once
    this.sockets.add(s);
    s.once('close', () => this.sockets.delete(s));
    s.on('error', () => undefined);
  }

  private fail(host: string, port: number, info: FetchErrorInfo): void {
    const key = `${host}:${port}`;
    this.failures.delete(key);
    this.failures.set(key, info);
    if (this.failures.size > 1000) this.failures.delete(this.failures.keys().next().value!);
    if (info.kind === 'private_address_blocked') this.stats.refused++;
    else this.stats.failed++;
  }

  /**
   * Resolves a target host (overrides, then DNS; IP literals as they are) and checks every address;
   * returns the one address to connect to, or throws a GovcheckFetchError.
   */
  async resolve(rawHost: string): Promise<{ address: string; family: number }> {
    const host = rawHost
      .replace(/^\[|\]$/g, '')
      .toLowerCase()
      .replace(/\.$/, '');
    let list: dns.LookupAddress[];
    if (net.isIP(host)) list = [{ address: host, family: net.isIP(host) }];
    else if (host === 'localhost' || host.endsWith('.localhost')) list = [{ address: '127.0.0.1', family: 4 }];
    else if (pinnedAddresses(this.options.hosts, host) !== undefined) {
      const pinned = pinnedAddresses(this.options.hosts, host) ?? [];
      if (!pinned.length) throw new GovcheckFetchError('dns_error', `getaddrinfo ENOTFOUND ${host}`, 'ENOTFOUND');
      list = pinned.map((address) => ({ address, family: net.isIP(address) }));
    } else if (this.options.loopbackOnly) {
      // Loopback only: a name neither pinned nor localhost is refused without asking DNS.
      throw new GovcheckFetchError('private_address_blocked', `refused to connect to ${host}: not a loopback address (loopback only)`, 'EPRIVATE');
    } else {
      list = await new Promise<dns.LookupAddress[]>((resolve, reject) => dns.lookup(host, { all: true }, (e, l) => (e ? reject(e) : resolve(l))));
      if (!list.length) throw new GovcheckFetchError('dns_error', `no address for ${host}`, 'ENOTFOUND');
    }
    const { policy, loopbackOnly } = this.options;
    const bad = list.find((a) => (loopbackOnly ? !isLoopbackAddress(a.address) : isRefused(a.address, policy)));
    if (bad) {
      const why = loopbackOnly ? 'not a loopback address (loopback only)' : 'private or loopback address (use --allow-private-network to allow)';
      throw new GovcheckFetchError('private_address_blocked', `refused to connect to ${host} (${bad.address}): ${why}`, 'EPRIVATE');
    }
    return list[0];
  }

  /** Connects to a checked address; resolves with the socket once connected. */
  private dial(address: string, port: number): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: address, port });
      this.track(s);
      const timer = setTimeout(() => {
        s.destroy();
        reject(new GovcheckFetchError('timeout', `no connection to ${address}:${port} within ${this.options.connectTimeoutMs} ms`, 'ETIMEDOUT'));
      }, this.options.connectTimeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        this.stats.connections++;
        resolve(s);
      });
      s.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  }

  /** A response made by the proxy itself: 403 for a refused target, 502/504 for a failed one. */
  private answer(res: http.ServerResponse, info: FetchErrorInfo): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const status = info.kind === 'private_address_blocked' ? 403 : info.kind === 'timeout' ? 504 : 502;
    const body = `govcheck: ${info.message}\n`;
    res.writeHead(status, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
      [PROXY_MARK]: this.token,
      [PROXY_ERROR]: info.kind,
    });
    res.end(body);
  }

  private async onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let u: URL;
    try {
      u = new URL(req.url ?? '');
      if (u.protocol !== 'http:') throw new Error('not http');
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain', [PROXY_MARK]: this.token, [PROXY_ERROR]: 'malformed_url' }).end('govcheck: absolute http: URL expected\n');
      return;
    }
    const port = Number(u.port || 80);
    const host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    let target: { address: string };
    try {
      target = await this.resolve(host);
    } catch (e) {
      const info = classifyError(e);
      this.fail(host, port, info);
      if (info.kind === 'private_address_blocked') this.options.onRefused?.(u.href);
      req.resume();
      this.answer(res, info);
      return;
    }
    const headers = rawHeaderPairs(req.rawHeaders, HOP_BY_HOP);
    const upstream = http.request({
      host: target.address,
      port,
      method: req.method,
      path: u.pathname + u.search,
      headers,
      setHost: false,
      agent: this.agent,
      timeout: this.options.connectTimeoutMs,
    });
    upstream.on('socket', (s) => {
      this.track(s);
      if (!(s as net.Socket).connecting) return;
      s.once('connect', () => this.stats.connections++);
    });
    upstream.on('timeout', () => upstream.destroy(Object.assign(new Error('upstream timeout'), { code: 'ETIMEDOUT' })));
    upstream.on('response', (r) => {
      upstream.setTimeout(0);
      this.failures.delete(`${host}:${port}`);
      try {
        res.writeHead(r.statusCode ?? 502, r.statusMessage, rawHeaderPairs(r.rawHeaders, HOP_BY_HOP));
      } catch (e) {
        // A header Node will not write again (it parsed it leniently): a protocol error, not a crash.
        r.destroy();
        this.answer(res, { kind: 'protocol_error', message: `invalid response header from ${host}: ${(e as Error).message}` });
        return;
      }
      r.pipe(res);
      r.on('error', () => res.destroy());
    });
    upstream.on('error', (e) => {
      const info = classifyError(e);
      this.fail(host, port, info);
      this.answer(res, info);
    });
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  }

  private async onConnect(req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    this.track(socket);
    const target = splitAuthority(req.url ?? '');
    if (!target) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      return;
    }
    let upstream: net.Socket;
    try {
      const { address } = await this.resolve(target.host);
      upstream = await this.dial(address, target.port);
    } catch (e) {
      const info = classifyError(e);
      this.fail(target.host, target.port, info);
      if (info.kind === 'private_address_blocked') this.options.onRefused?.(req.url ?? '');
      const status = info.kind === 'private_address_blocked' ? '403 Forbidden' : info.kind === 'timeout' ? '504 Gateway Timeout' : '502 Bad Gateway';
      if (!socket.destroyed) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    if (socket.destroyed) {
      upstream.destroy();
      return;
    }
    this.failures.delete(`${target.host}:${target.port}`);
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length) upstream.write(head);
    this.splice(socket, upstream);
  }

  private async onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    this.track(socket);
    let u: URL;
    try {
      u = new URL(req.url ?? '');
      if (u.protocol !== 'http:' && u.protocol !== 'ws:') throw new Error('not http');
    } catch {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      return;
    }
    const host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    const port = Number(u.port || 80);
    let upstream: net.Socket;
    try {
      const { address } = await this.resolve(host);
      upstream = await this.dial(address, port);
    } catch (e) {
      const info = classifyError(e);
      this.fail(host, port, info);
      if (info.kind === 'private_address_blocked') this.options.onRefused?.(u.href);
      if (!socket.destroyed) socket.end(`HTTP/1.1 ${info.kind === 'private_address_blocked' ? '403 Forbidden' : '502 Bad Gateway'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    this.failures.delete(`${host}:${port}`);
    // Forward the upgrade request in origin form; Connection/Upgrade are kept (they are the point here).
    const drop = new Set(['proxy-connection', 'proxy-authorization', 'keep-alive']);
    const lines = [`${req.method} ${u.pathname}${u.search} HTTP/1.1`];
    const pairs = rawHeaderPairs(req.rawHeaders, drop);
    for (let i = 0; i < pairs.length; i += 2) lines.push(`${pairs[i]}: ${pairs[i + 1]}`);
    upstream.write(lines.join('\r\n') + '\r\n\r\n');
    if (head.length) upstream.write(head);
    this.splice(socket, upstream);
  }

  private splice(a: Duplex, b: net.Socket): void {
    a.pipe(b);
    b.pipe(a);
    const end = () => {
      a.destroy();
      b.destroy();
    };
    a.once('close', end);
    b.once('close', end);
    a.on('error', end);
    b.on('error', end);
  }

  /** Stops listening and ends every connection. */
  async close(): Promise<void> {
    this.agent.destroy();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
