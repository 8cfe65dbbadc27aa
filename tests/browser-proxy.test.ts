/**
 * Chromium behind the guarding proxy (issue 17, item 1): redirects, frames, fetches and WebSockets from an allowed
 * page towards "internal" servers on 127.0.0.2 and 127.0.0.1 must open no connection and leak no text; an allowed
 * page still renders through the proxy. Notes: docs/modules.md.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserSession } from '../src/browser/launcher.js';
import { GuardProxy, PROXY_ERROR } from '../src/browser/proxy.js';
import { loadConfig } from '../src/config.js';
import { gatherSiteWithBrowser } from '../src/gather/browser.js';
import { HttpClient } from '../src/net/http.js';
import { gatherAccount } from '../src/newmedia/index.js';
import { createTestPki, serveHttps } from './fixtures/tls.js';
import type { Served } from './fixtures/site.js';
import { runCli, tmpDir } from './helpers.js';

const SECRET = 'INTERNAL-7f3a-内网机密';
const asOf = '2024-07-01';

/** An "internal" server: answers any request with the secret page and counts every TCP connection it accepts. */
async function internalServer(host: string) {
  let connections = 0;
  const body = Buffer.from(`<html><body><h1>${SECRET}</h1></body></html>`);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    s.once('data', () => s.end(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\naccess-control-allow-origin: *\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n`), body])));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

type Internal = Awaited<ReturnType<typeof internalServer>>;

/** A UDP listener on 127.0.0.2 (a STUN/TURN server for WebRTC) counting the datagrams it receives. */
async function udpListener() {
  let datagrams = 0;
  const socket = dgram.createSocket('udp4');
  socket.on('message', () => datagrams++);
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.2', resolve));
  return {
    port: socket.address().port,
    get datagrams() {
      return datagrams;
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** The site, on 127.0.0.3 (pinned as www.example.gov.cn): every way a page can make the browser connect elsewhere. */
async function siteServer(inner: Internal, local: Internal, udp: { port: number }) {
  const secretAt = `http://127.0.0.2:${inner.port}/secret`;
  const html = (title: string, body: string) => `<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>${title}</title></head><body>${body}</body></html>`;
  const home = html(
    '示例县人民政府',
    `<h1>公开页面</h1>
<ul class="nav"><li><a href="/r302">甲</a></li><li><a href="/r307">乙</a></li><li><a href="/r-pinned">丙</a></li><li><a href="/r-localhost">丁</a></li><li><a href="/ok.html">正常页面</a></li></ul>
<iframe src="/frame-redirect"></iframe><img src="${secretAt}.png">
<div id="out"></div>
<article class="h-entry"><h3 class="p-name">公开文章</h3></article>
<script>
var out = document.getElementById('out');
fetch('/api-redirect').then(function (r) { return r.text(); }).then(function (t) { out.textContent += t; }).catch(function () {});
fetch('${secretAt}', { mode: 'no-cors' }).catch(function () {});
['ws://127.0.0.2:${inner.port}/', 'ws://internal.example.gov.cn:${inner.port}/', 'ws://localhost:${local.port}/', 'wss://127.0.0.2:${inner.port}/'].forEach(function (u) {
  try { var w = new WebSocket(u); w.onmessage = function (e) { out.textContent += e.data; }; } catch (e) {}
});
try {
  var pc = new RTCPeerConnection({ iceServers: [{ urls: 'stun:127.0.0.2:${udp.port}' }, { urls: ['turn:127.0.0.2:${udp.port}?transport=udp', 'turn:127.0.0.2:${inner.port}?transport=tcp'], username: 'u', credential: 'p' }] });
  pc.createDataChannel('x');
  pc.createOffer().then(function (o) { return pc.setLocalDescription(o); }).catch(function () {});
} catch (e) {}
</script>`,
  );
  const redirects: Record<string, [number, string]> = {
    '/r302': [302, secretAt],
    '/r307': [307, secretAt],
    '/r-pinned': [302, `http://internal.example.gov.cn:${inner.port}/secret`],
    '/r-localhost': [302, `http://localhost:${local.port}/secret`],
    '/frame-redirect': [302, secretAt],
    '/api-redirect': [307, secretAt],
  };
  const server = http.createServer((req, res) => {
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    const r = redirects[p];
    if (r) return void res.writeHead(r[0], { location: r[1] }).end();
    if (p === '/') return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(home);
    if (p === '/ok.html') return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html('正常页面', '<p>正文</p>'));
    res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' }).end(html('不存在', ''));
  });
  server.keepAliveTimeout = 1000;
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.3', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    origin: `http://www.example.gov.cn:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

let inner: Internal;
let local: Internal;
let udp: Awaited<ReturnType<typeof udpListener>>;
let site: Awaited<ReturnType<typeof siteServer>>;
let session: BrowserSession;
const policy = ['127.0.0.3/32'];
const hosts = { 'www.example.gov.cn': '127.0.0.3', 'internal.example.gov.cn': '127.0.0.2' };
const noInternalConnection = async () => {
  await new Promise((r) => setTimeout(r, 300));
  expect(inner.connections).toBe(0);
  expect(local.connections).toBe(0);
  expect(udp.datagrams).toBe(0);
};

beforeAll(async () => {
  inner = await internalServer('127.0.0.2');
  local = await internalServer('127.0.0.1');
  udp = await udpListener();
  site = await siteServer(inner, local, udp);
  session = await BrowserSession.launch({ policy, hosts });
});
afterAll(async () => {
  await session?.close();
  await Promise.all([inner?.close(), local?.close(), udp?.close(), site?.close()]);
});

describe('Chromium reaches nothing the HTTP client could not (guarding proxy)', () => {
  it('gathering: redirects, a redirected iframe, a redirected same-origin fetch, WebSockets and WebRTC make no internal connection', async () => {
    const a = await gatherSiteWithBrowser({ id: 'county', url: `${site.origin}/`, kind: 'website' }, { networkPolicy: policy, maxPages: 20, timeoutMs: 15_000 }, [], asOf, session);
    await new Promise((r) => setTimeout(r, 1000)); // ICE gathering runs on after the page has settled
    await noInternalConnection();
    const byPath = new Map(a.pages.map((p) => [new URL(p.url).pathname, p]));
    expect(byPath.get('/')).toMatchObject({ status: 200, title: '示例县人民政府' });
    // The home page's own refusals are recorded with it: the redirected frame and fetch, the image, the WebSockets.
    const blocked = (byPath.get('/')!.collected['@render'] as { blocked: string[] }).blocked;
    expect(blocked).toEqual(expect.arrayContaining([`http://127.0.0.2:${inner.port}/secret`, `http://127.0.0.2:${inner.port}/secret.png`, `ws://127.0.0.2:${inner.port}/`, `ws://internal.example.gov.cn:${inner.port}/`]));
    expect(byPath.get('/ok.html')).toMatchObject({ status: 200, title: '正常页面' });
    for (const p of ['/r302', '/r307', '/r-pinned', '/r-localhost']) expect(byPath.get(p)?.error, p).toMatchObject({ kind: 'private_address_blocked' });
    expect(JSON.stringify(a)).not.toContain('INTERNAL-7f3a');
    // Each kind of attempt was refused by the proxy (plain HTTP by URL, CONNECT — WebSockets — by host:port).
    expect(session.blocked).toEqual(
      expect.arrayContaining([
        `http://127.0.0.2:${inner.port}/secret`,
        `http://internal.example.gov.cn:${inner.port}/secret`,
        `http://localhost:${local.port}/secret`,
        `127.0.0.2:${inner.port}`,
        `internal.example.gov.cn:${inner.port}`,
        `localhost:${local.port}`,
      ]),
    );
    expect(session.proxy.stats.refused).toBeGreaterThanOrEqual(6);
    expect(session.proxy.stats.connections).toBeGreaterThan(0);
  });

  it('a new-media page account with the same page: its posts are read, nothing internal is reached', async () => {
    const config = loadConfig(undefined, { allowNetworks: policy, hosts, http: { retries: 0 } });
    const httpClient = new HttpClient({ networkPolicy: policy, hosts, retries: 0 });
    try {
      const g = await gatherAccount({ id: 'nm', url: `${site.origin}/`, kind: 'newmedia', platform: 'generic', source: `${site.origin}/`, render: 'browser' }, { config, http: httpClient, asOf, getBrowser: async () => session });
      expect(g.account!.posts.map((p) => p.title)).toEqual(['公开文章']);
      expect(JSON.stringify(g)).not.toContain('INTERNAL-7f3a');
    } finally {
      await httpClient.close();
    }
    await noInternalConnection();
  });

  it('govcheck check --render browser: no internal connection, and neither the report nor the database holds the internal text', async () => {
    const t = tmpDir('govcheck-proxy-');
    try {
      const db = path.join(t.dir, 'g.db');
      const cfg = path.join(t.dir, 'c.yaml');
      writeFileSync(cfg, 'http:\n  retries: 0\ngather:\n  retries: 0\n');
      const r = await runCli(
        [
          'check',
          `${site.origin}/`,
          '--render',
          'browser',
          '--config',
          cfg,
          '--allow-network',
          '127.0.0.3/32',
          '--resolve',
          'www.example.gov.cn:127.0.0.3',
          '--resolve',
          'internal.example.gov.cn:127.0.0.2',
          '--db',
          db,
          '--format',
          'json',
          '--as-of',
          asOf,
          '--checks',
          'availability,broken-links',
        ],
        { timeoutMs: 120_000 },
      );
      expect(r.stderr).toBe('');
      const json = JSON.parse(r.stdout);
      expect(json.stats.pages).toBeGreaterThanOrEqual(6);
      expect(r.stdout).not.toContain('INTERNAL-7f3a');
      expect(readFileSync(db).includes(Buffer.from('INTERNAL-7f3a'))).toBe(false);
      await noInternalConnection();
    } finally {
      t.cleanup();
    }
  });

  it('an allowed page renders through the proxy over HTTPS (test CA)', async () => {
    const t = tmpDir('govcheck-proxy-tls-');
    const pki = createTestPki(t.dir);
    let s: Served | undefined;
    const tls = await BrowserSession.launch({ policy: ['127.0.0.1/32'] });
    try {
      s = await serveHttps(new Map([['/', { headers: { 'content-type': 'text/html; charset=utf-8' }, body: '<html><head><title>安全网站</title></head><body><p>正文</p></body></html>' }]]), pki.valid);
      const before = tls.proxy.stats.connections;
      const a = await gatherSiteWithBrowser({ id: 'tls', url: `${s.origin}/`, kind: 'website' }, { networkPolicy: ['127.0.0.1/32'], maxDepth: 0 }, [], asOf, tls);
      expect(a.home).toMatchObject({ status: 200, title: '安全网站' });
      expect(tls.proxy.stats.connections).toBeGreaterThan(before);
      // The same session refuses what its policy refuses, over CONNECT too.
      const refused = await gatherSiteWithBrowser({ id: 'x', url: `https://127.0.0.2:${inner.port}/`, kind: 'website' }, { networkPolicy: true, maxDepth: 0 }, [], asOf, tls);
      expect(refused.home!.error).toMatchObject({ kind: 'private_address_blocked' });
      await noInternalConnection();
    } finally {
      await tls.close();
      await s?.close();
      t.cleanup();
    }
  });

  it('--allow-private-network still goes through the proxy and allows what the HTTP client would', async () => {
    const open = await BrowserSession.launch({ policy: true, hosts });
    try {
      const a = await gatherSiteWithBrowser({ id: 'open', url: `${site.origin}/r302`, kind: 'website' }, { networkPolicy: true, maxDepth: 0 }, [], asOf, open);
      expect(a.home).toMatchObject({ status: 200, finalUrl: `http://127.0.0.2:${inner.port}/secret` });
      expect(inner.connections).toBeGreaterThan(0);
      expect(open.proxy.stats.connections).toBeGreaterThan(0);
      expect(open.blocked).toEqual([]);
    } finally {
      await open.close();
    }
  });
});

/** Sends raw bytes to the proxy and returns everything it answers until it closes (or `until` matches). */
function rawExchange(port: number, request: string, until?: RegExp): Promise<string> {
  return new Promise((resolve) => {
    const c = net.connect({ host: '127.0.0.1', port });
    let got = '';
    const done = () => {
      c.destroy();
      resolve(got);
    };
    c.on('data', (d) => {
      got += d.toString('latin1');
      if (until?.test(got)) done();
    });
    c.on('close', done);
    c.on('error', done);
    c.setTimeout(5000, done);
    c.write(request);
  });
}

describe('the guarding proxy itself (raw requests)', () => {
  it('answers plain HTTP, CONNECT and plain-HTTP WebSocket upgrades: refused targets 403, allowed ones reached at the checked address', async () => {
    // A WebSocket-like server on the allowed address: switches protocols, then echoes.
    const echo = net.createServer((s) => {
      s.on('error', () => undefined);
      let head = '';
      const onHead = (d: Buffer) => {
        head += d.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        s.off('data', onHead);
        s.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n' + head.slice(end + 4));
        s.on('data', (x) => s.write(x));
      };
      s.on('data', onHead);
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.3', resolve));
    const echoPort = (echo.address() as net.AddressInfo).port;
    const refused: string[] = [];
    const innerBefore = inner.connections;
    const proxy = await GuardProxy.start({ policy, hosts: { ...hosts, 'ws.example.gov.cn': '127.0.0.3' }, loopbackOnly: false, connectTimeoutMs: 3000, onRefused: (t) => refused.push(t) });
    try {
      const get = await rawExchange(proxy.port, `GET http://internal.example.gov.cn:${inner.port}/secret HTTP/1.1\r\nHost: internal.example.gov.cn:${inner.port}\r\nConnection: close\r\n\r\n`);
      expect(get).toMatch(/^HTTP\/1\.1 403/);
      expect(get.toLowerCase()).toContain(`${PROXY_ERROR}: private_address_blocked`);
      const connect = await rawExchange(proxy.port, `CONNECT 127.0.0.2:${inner.port} HTTP/1.1\r\nHost: 127.0.0.2:${inner.port}\r\n\r\n`);
      expect(connect).toMatch(/^HTTP\/1\.1 403/);
      const upgrade = await rawExchange(proxy.port, `GET http://[::ffff:7f00:2]:${inner.port}/ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`);
      expect(upgrade).toMatch(/^HTTP\/1\.1 403/);
      expect(await rawExchange(proxy.port, 'CONNECT no-port HTTP/1.1\r\nHost: x\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
      expect(refused).toEqual([`http://internal.example.gov.cn:${inner.port}/secret`, `127.0.0.2:${inner.port}`, `http://[::ffff:7f00:2]:${inner.port}/ws`]);
      expect(inner.connections).toBe(innerBefore);

      // Allowed: a pinned name is connected at its pinned (checked) address, upgrade and tunnel both pass data.
      const up = await rawExchange(proxy.port, `GET http://ws.example.gov.cn:${echoPort}/ws HTTP/1.1\r\nHost: ws.example.gov.cn:${echoPort}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nping`, /ping$/);
      expect(up).toMatch(/^HTTP\/1\.1 101[\s\S]*\r\n\r\nping$/);
      const tunnel = await rawExchange(proxy.port, `CONNECT ws.example.gov.cn:${echoPort} HTTP/1.1\r\nHost: ws.example.gov.cn:${echoPort}\r\n\r\nGET /t HTTP/1.1\r\nHost: t\r\n\r\nhello`, /hello$/);
      expect(tunnel).toMatch(/^HTTP\/1\.1 200[\s\S]*\r\n\r\nHTTP\/1\.1 101/);
      const page = await rawExchange(proxy.port, `GET ${site.origin}/ok.html HTTP/1.1\r\nHost: www.example.gov.cn:${site.port}\r\nConnection: close\r\n\r\n`);
      expect(page).toMatch(/^HTTP\/1\.1 200 [\s\S]*<\/title>/);
      expect(proxy.stats.connections).toBe(3);
      // A closed port is a named failure, not a refusal.
      const closed = await rawExchange(proxy.port, `GET http://127.0.0.3:1/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(closed).toMatch(/^HTTP\/1\.1 502/);
      expect(proxy.failureFor('127.0.0.3', 1)).toMatchObject({ kind: 'connection_refused' });
    } finally {
      await proxy.close();
      await new Promise<void>((resolve) => echo.close(() => resolve()));
    }
  });
});
